#pragma once
// How the API server finds this operator's webhooks, rendered in one place: the Stack CRD's
// conversion webhook (spec.conversion) and the MutatingWebhookConfiguration and
// ValidatingWebhookConfiguration named compose-operator. The operator patches these at start
// (runtime/bootstrap.cpp); `compose-operator manifests webhooks` prints manifests/50-webhooks.yaml
// from the same functions, and unit tests keep that file and the conversion stanza of
// crds/stacks.compose.docker.com.yaml equal to the rendering. bundle/generate.py and
// scripts/operator.sh read manifests/50-webhooks.yaml, so they follow too.
#include <string>

namespace op::webhook {

// Where the API server sends reviews.
struct endpoint {
    std::string url;  // "https://host:port": the URL form; empty: the Service below
    std::string service_namespace = "compose-operator";
    std::string service_name = "compose-operator-webhook";
    std::string ca_pem;       // written as caBundle (base64) when not empty
    bool null_other = false;  // the form not used is null, so a patch removes it
};

enum class admission_kind { mutating, validating };

// The {Mutating,Validating}WebhookConfiguration compose-operator as JSON: one webhook
// (owner.stacks... at /mutate or validate.stacks... at /validate) for CREATE and UPDATE of
// Stacks in every served version, matchPolicy Exact, failurePolicy Fail, timeout 5 s.
[[nodiscard]] std::string webhook_configuration(admission_kind kind, endpoint const& e);

// A merge patch of the Stack CRD setting spec.conversion (strategy Webhook, path /convert).
[[nodiscard]] std::string crd_conversion_patch(endpoint const& e);

// The text of manifests/50-webhooks.yaml: both configurations for the default Service, without
// caBundle (the operator, cert-manager or OLM fills it in), as YAML.
[[nodiscard]] std::string webhooks_manifest();

// The `conversion:` stanza of the Stack CRD for the default Service, as YAML at indent 0.
[[nodiscard]] std::string crd_conversion_yaml();

}  // namespace op::webhook
