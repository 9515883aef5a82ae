// A wrapper module that builds Flux's source-controller (test tool for test/e2e/flux, never
// shipped): its own go.mod's replace directives, repeated with published versions, because a
// dependency's replaces do not apply to the module that requires it.
module compose-operator.invalid/flux-source-controller

go 1.26.0

require github.com/fluxcd/source-controller v1.9.6

replace github.com/fluxcd/source-controller/api => github.com/fluxcd/source-controller/api v1.9.6

// As upstream: go-digest from master, for BLAKE3.
replace github.com/opencontainers/go-digest => github.com/opencontainers/go-digest v1.0.1-0.20220411205349-bde1400a84be

// The proxy here refuses github.com/fluxcd/pkg/artifact v0.18.3 (403, "not available"); v0.18.1 is
// the newest patch of that minor it serves.
replace github.com/fluxcd/pkg/artifact => github.com/fluxcd/pkg/artifact v0.18.1
