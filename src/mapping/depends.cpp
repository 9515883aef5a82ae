// depends_on -> init containers that wait for each dependency before the service's containers
// start (Compose starts services in dependency order; Kubernetes starts every pod at once).
//
// What "ready" means, checked from inside the pod with the wait image (busybox: sh, nc, nslookup):
// - service_started: the dependency's Service answers: a TCP connect to its first port, or, when
//   it has no port, its name resolves. The in-stack Service is headless unless it has
//   internal_ports, and a headless name resolves only to ready pods, so this waits until a pod of
//   the dependency runs (and is ready when it has a health check).
// - service_healthy: the dependency's readiness (its healthcheck is its readinessProbe): its
//   headless name resolves (published only for ready pods), or, with a ClusterIP Service, a TCP
//   connect to it succeeds (only with a ready endpoint). No healthcheck: like service_started,
//   with a warning.
// - service_completed_successfully: a service's workload restarts its containers, so
//   Kubernetes has no "completed" state to wait for. Documented choice: wait as for
//   service_started (it ran) and warn; run one-shot tasks as a Job or an init container.
// `required: false` waits at most mapping_options.optional_wait_seconds, then starts anyway.
#include "detail.hpp"
#include "names.hpp"

#include <algorithm>
#include <functional>
#include <string>

namespace op::mapping::detail {
namespace {

// $1 host, $2 port ("" = resolve the name only), $3 give-up seconds (0 = never).
constexpr std::string_view wait_script =
    "n=0; until if [ -n \"$2\" ]; then nc -z -w 2 \"$1\" \"$2\"; "
    "else nslookup \"$1\" >/dev/null 2>&1; fi; do "
    "if [ \"$3\" -gt 0 ] && [ \"$n\" -ge \"$3\" ]; then echo \"$1 not ready after $3s; starting "
    "anyway\"; exit 0; fi; echo \"waiting for $1\"; sleep 2; n=$((n+2)); done";

bool headless(api::service_config const& dep) {
    if (dep.internal_service_type == "Headless") return true;
    if (dep.internal_service_type == "ClusterIP") return false;
    return dep.internal_ports.empty();
}

// The port a TCP check connects to, or 0 for a DNS check.
std::uint32_t check_port(api::service_config const& dep, bool tcp_wanted) {
    if (!headless(dep)) return static_cast<std::uint32_t>(dep.internal_ports.front().port);
    if (!tcp_wanted) return 0;
    for (auto const& p : dep.ports) {
        if (p.protocol.empty() || p.protocol == "tcp" || p.protocol == "TCP") return p.target;
    }
    return 0;
}

bool has_healthcheck(api::service_config const& dep) {
    return dep.healthcheck && !dep.healthcheck->test.empty() && dep.healthcheck->test[0] != "NONE";
}

}  // namespace

result<void> check_dependency_cycles(api::stack const& stack) {
    auto const& svcs = stack.spec.services;
    // 0 = unvisited, 1 = on the current path, 2 = done. Depth is bounded by the service count.
    std::vector<int> state(svcs.size(), 0);
    auto index_of = [&](std::string const& name) -> std::size_t {
        for (std::size_t i = 0; i < svcs.size(); ++i) {
            if (svcs[i].name == name) return i;
        }
        return svcs.size();
    };
    std::vector<std::string> path;
    std::function<result<void>(std::size_t)> visit = [&](std::size_t i) -> result<void> {
        state[i] = 1;
        path.push_back(svcs[i].name);
        for (auto const& d : svcs[i].depends_on) {
            auto j = index_of(d.service);
            if (j == svcs.size() || state[j] == 2) continue;
            if (state[j] == 1) {
                std::string cycle;
                bool on = false;
                for (auto const& n : path) {
                    on = on || n == d.service;
                    if (on) cycle += n + " -> ";
                }
                return op::invalid("dependency cycle: " + cycle + d.service +
                                       " (each would wait for the other forever)",
                                   "spec.services[" + std::to_string(i) + "].depends_on");
            }
            OP_RETURN_IF_ERROR(visit(j));
        }
        path.pop_back();
        state[i] = 2;
        return {};
    };
    for (std::size_t i = 0; i < svcs.size(); ++i) {
        if (state[i] == 0) OP_RETURN_IF_ERROR(visit(i));
    }
    return {};
}

result<value> wait_containers(service_ctx const& ctx, alloc_t& a) {
    value out(rapidjson::kArrayType);
    for (std::size_t i = 0; i < ctx.svc.depends_on.size(); ++i) {
        auto const& d = ctx.svc.depends_on[i];
        auto const path = index_path(ctx.path, "depends_on", i);
        auto const* dep = api::find_service(ctx.stack.spec, d.service);
        if (dep == nullptr) {
            return op::invalid("depends on undefined service \"" + d.service + "\"",
                               path + ".service");
        }
        if (dep == &ctx.svc) return op::invalid("a service cannot depend on itself", path + ".service");
        bool tcp = true;
        if (d.condition == "service_healthy") {
            tcp = false;
            if (!has_healthcheck(*dep)) {
                ctx.warnings.add(path, "service \"" + d.service + "\" has no healthcheck; waiting "
                                       "until it is started instead");
                tcp = true;
            }
        } else if (d.condition == "service_completed_successfully") {
            ctx.warnings.add(path, "Kubernetes restarts a service's containers, so it has no "
                                   "\"completed\" state: waiting until \"" + d.service +
                                       "\" is started instead (run one-shot tasks as a Job or an "
                                       "init container)");
        } else if (d.condition != "service_started" && !d.condition.empty()) {
            return op::invalid("condition \"" + d.condition + "\" is not supported "
                               "(service_started, service_healthy, service_completed_successfully)",
                               path + ".condition");
        }
        auto const port = check_port(*dep, tcp);
        std::string name = "wait-for-" + dep->name;
        if (!is_dns1123_label(name)) name = "wait-" + std::to_string(i);
        value c(rapidjson::kObjectType);
        put(c, "name", name, a);
        put(c, "image", ctx.options.wait_image, a);
        std::vector<std::string> command = {
            "sh", "-c", std::string(wait_script), "wait", dep->name,
            port == 0 ? std::string() : std::to_string(port),
            std::to_string(d.required ? 0 : std::max(ctx.options.optional_wait_seconds, 1))};
        put(c, "command", string_array(command, a), a);
        out.PushBack(std::move(c), a);
    }
    return out;
}

}  // namespace op::mapping::detail
