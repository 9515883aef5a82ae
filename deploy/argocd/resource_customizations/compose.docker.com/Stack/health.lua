-- Argo CD health check for compose.docker.com/Stack (all served versions).
-- The operator's status follows kstatus: Ready (True when every service is ready at the current
-- generation), Reconciling (True while rolling out), Stalled (True on a terminal failure, with a
-- message naming what to fix). Uses only Lua's base and table libraries, so it runs as an argocd-cm
-- override without resource.customizations.useOpenLibs.
local hs = {status = "Progressing", message = "Waiting for the operator to report the stack's status"}
if obj.status == nil or obj.status.conditions == nil then
  return hs
end
-- A spec change the operator has not seen yet: its conditions describe the previous generation.
local generation = obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and observed ~= nil and observed ~= generation then
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  return hs
end
local conditions = {}
for _, c in ipairs(obj.status.conditions) do
  if c.type ~= nil then
    conditions[c.type] = c
  end
end
local function message(c, fallback)
  if c ~= nil and c.message ~= nil and c.message ~= "" then
    return c.message
  end
  return fallback
end
local stalled = conditions["Stalled"]
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = message(stalled, "Stalled")
  return hs
end
local reconciling = conditions["Reconciling"]
if reconciling ~= nil and reconciling.status == "True" then
  hs.message = message(reconciling, "Reconciling")
  return hs
end
local ready = conditions["Ready"]
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = message(ready, "Ready")
  return hs
end
-- Ready False or Unknown without Reconciling or Stalled: not known to be doomed (kstatus: InProgress).
hs.message = message(ready, hs.message)
return hs
