// A wrapper module that builds Flux's kustomize-controller (test tool for test/e2e/flux, never
// shipped): its own go.mod's replace directives, repeated with published versions, because a
// dependency's replaces do not apply to the module that requires it.
module compose-operator.invalid/flux-kustomize-controller

go 1.26.0

require github.com/fluxcd/kustomize-controller v1.9.6

replace github.com/fluxcd/kustomize-controller/api => github.com/fluxcd/kustomize-controller/api v1.9.6

// As upstream: go-digest from master, for BLAKE3.
replace github.com/opencontainers/go-digest => github.com/opencontainers/go-digest v1.0.1-0.20220411205349-bde1400a84be

// As upstream: kustomize pinned to v5.8.1, yaml.v3 to v3.0.1.
replace (
	sigs.k8s.io/kustomize/api => sigs.k8s.io/kustomize/api v0.21.1
	sigs.k8s.io/kustomize/kyaml => sigs.k8s.io/kustomize/kyaml v0.21.1
)

replace gopkg.in/yaml.v3 => gopkg.in/yaml.v3 v3.0.1
