#include "op/util/base64.hpp"
#include "op/webhook/configurations.hpp"
#include "op/util/json.hpp"
#include "op/util/log.hpp"
#include "cert_renewal.hpp"
#include "parts.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace op::runtime {
namespace {

constexpr char const* key_secret = "compose-operator-owner-key";
kube::resource const secrets{"", "v1", "secrets", true};

std::string read_file(std::filesystem::path const& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The decoded value of data[key] of a Secret, or "" when absent or not base64.
std::string secret_value(rapidjson::Value const& secret, std::string_view key) {
    auto const* data = json::find(secret, "data");
    auto const* v = data != nullptr ? json::find(*data, key) : nullptr;
    if (v == nullptr || !v->IsString()) return {};
    auto bytes = base64::decode({v->GetString(), v->GetStringLength()});
    return bytes ? *bytes : std::string{};
}

std::string secret_body(run_options const& o, std::string_view name, std::string_view type,
                        std::vector<std::pair<std::string, std::string>> const& data) {
    rapidjson::Document d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    d.AddMember("apiVersion", "v1", a);
    d.AddMember("kind", "Secret", a);
    rapidjson::Value meta(rapidjson::kObjectType);
    meta.AddMember("name", json::string_value(name, a), a);
    meta.AddMember("namespace", json::string_value(o.operator_namespace, a), a);
    rapidjson::Value labels(rapidjson::kObjectType);
    labels.AddMember("app.kubernetes.io/managed-by", "compose-operator", a);
    meta.AddMember("labels", labels, a);
    d.AddMember("metadata", meta, a);
    d.AddMember("type", json::string_value(type, a), a);
    rapidjson::Value values(rapidjson::kObjectType);
    for (auto const& [k, v] : data) values.AddMember(json::string_value(k, a), json::string_value(base64::encode(v), a), a);
    d.AddMember("data", values, a);
    return json::dump(d);
}

// The Secret `name`, created from `make()` when absent. A concurrent creator wins: on
// AlreadyExists the stored Secret is read back, so every replica ends up with the same content.
template <class Make>
result<kube::object> get_or_create_secret(kube::client& c, run_options const& o, std::string const& name,
                                          Make make) {
    auto got = c.get(secrets, o.operator_namespace, name);
    if (got) return got;
    if (got.error().code != errc::not_found) {
        return error{got.error().code,
                     fmt::format("reading Secret {}/{}: {} (does the namespace exist and may the operator read it?)",
                                 o.operator_namespace, name, got.error().what()),
                     {}};
    }
    OP_TRY(std::string body, make());
    auto created = c.create(secrets, o.operator_namespace, body);
    if (created) {
        log::info("created secret", {{"secret", o.operator_namespace + "/" + name}});
        return created;
    }
    if (created.error().code == errc::conflict) return c.get(secrets, o.operator_namespace, name);
    return error{created.error().code,
                 fmt::format("creating Secret {}/{}: {}", o.operator_namespace, name, created.error().what()), {}};
}

// The endpoint the run flags describe: https://<webhook-host>:<webhook-port> or the Service
// "namespace/name" (namespace compose-operator when none is given).
webhook::endpoint endpoint_of(run_options const& o, std::string const& ca_pem, bool null_other) {
    webhook::endpoint e;
    if (!o.webhook_host.empty()) {
        e.url = fmt::format("https://{}:{}", o.webhook_host, o.webhook_port);
    } else if (auto slash = o.webhook_service.find('/'); slash != std::string::npos) {
        e.service_namespace = o.webhook_service.substr(0, slash);
        e.service_name = o.webhook_service.substr(slash + 1);
    } else {
        e.service_name = o.webhook_service;
    }
    e.ca_pem = ca_pem;
    e.null_other = null_other;
    return e;
}

std::string webhook_configuration(run_options const& o, bool mutating, std::string const& ca_pem, bool null_other) {
    return webhook::webhook_configuration(mutating ? webhook::admission_kind::mutating : webhook::admission_kind::validating,
                                          endpoint_of(o, ca_pem, null_other));
}

// Points the existing configuration at this operator: a strategic merge patch (webhooks merged
// by name, the other clientConfig form nulled), never server-side apply, which would merge a
// URL into the Service form another manager (kubectl apply -k) owns and be refused (422). An
// absent configuration is created when the operator may; its RBAC grants only get/update/patch
// by name (create cannot be limited to a name), so then the error says what the installer must
// create.
result<void> register_webhook_configuration(kube::client& c, run_options const& o, bool mutating,
                                            std::string const& ca_pem) {
    kube::resource const r{"admissionregistration.k8s.io", "v1",
                           mutating ? "mutatingwebhookconfigurations" : "validatingwebhookconfigurations", false};
    char const* kind = mutating ? "MutatingWebhookConfiguration" : "ValidatingWebhookConfiguration";
    auto patched = c.patch(r, "", "compose-operator", kube::patch_type::strategic,
                           webhook_configuration(o, mutating, ca_pem, true));
    if (patched) return {};
    if (patched.error().code != errc::not_found) {
        return error{patched.error().code,
                     fmt::format("updating the {} compose-operator: {} (the operator needs get and patch on it)",
                                 kind, patched.error().what()),
                     {}};
    }
    auto created = c.create(r, "", webhook_configuration(o, mutating, ca_pem, false));
    if (created) {
        log::info("created webhook configuration", {{"kind", kind}});
        return {};
    }
    if (created.error().code == errc::conflict) {  // another replica was quicker: patch that one
        auto again = c.patch(r, "", "compose-operator", kube::patch_type::strategic,
                             webhook_configuration(o, mutating, ca_pem, true));
        if (again) return {};
        return error{again.error().code, fmt::format("updating the {} compose-operator: {}", kind, again.error().what()), {}};
    }
    auto const api = kube::to_api_error(created.error());
    if (api && api->http_code == 403) {
        return error{errc::terminal,
                     fmt::format("the {} compose-operator does not exist and the operator may not create it "
                                 "(its RBAC allows get/update/patch of that name only): the installer must create "
                                 "it, e.g. kubectl apply -f deploy/install.yaml or kubectl apply -k manifests/ "
                                 "(manifests/50-webhooks.yaml), or start with --manage-webhooks=false when OLM "
                                 "or cert-manager owns it",
                                 kind),
                     {}};
    }
    return error{created.error().code,
                 fmt::format("creating the {} compose-operator: {}", kind, created.error().what()), {}};
}

}  // namespace

result<std::string> ensure_serving_cert(run_options const& o, cert_renewer& renewer) {
    if (certs_mounted(o)) {
        std::filesystem::path dir = o.cert_dir;
        log::info("using mounted serving certificate", {{"dir", o.cert_dir}});
        std::error_code ec;
        return std::filesystem::exists(dir / "ca.crt", ec) ? read_file(dir / "ca.crt") : std::string{};
    }
    return renewer.init();
}

result<identity::hmac_key> ensure_owner_key(kube::client& c, run_options const& o) {
    OP_TRY(auto secret, get_or_create_secret(c, o, key_secret, [&]() -> result<std::string> {
        OP_TRY(auto k, identity::hmac_key::generate());
        return secret_body(o, key_secret, "Opaque", {{"key", std::string(k.bytes())}});
    }));
    return identity::hmac_key::from_bytes(secret_value(*secret, "key"));
}

result<void> register_webhooks(kube::client& c, run_options const& o, std::string const& ca_pem) {
    // The CRD: conversion strategy Webhook pointing here. A merge patch, so the rest of the CRD
    // (schemas, owned by whoever applied crds/) is untouched; the other clientConfig form is nulled.
    {
        auto patched = c.patch({"apiextensions.k8s.io", "v1", "customresourcedefinitions", false}, "",
                               "stacks.compose.docker.com", kube::patch_type::merge,
                               webhook::crd_conversion_patch(endpoint_of(o, ca_pem, true)));
        if (!patched) {
            return error{patched.error().code,
                         fmt::format("pointing the Stack CRD's conversion webhook here: {} (install crds/ first)",
                                     patched.error().what()),
                         {}};
        }
    }
    for (bool mutating : {true, false}) {
        OP_RETURN_IF_ERROR(register_webhook_configuration(c, o, mutating, ca_pem));
    }
    log::info("webhooks registered", {{"via", o.webhook_host.empty() ? "service " + o.webhook_service
                                                                      : "url https://" + o.webhook_host}});
    return {};
}

}  // namespace op::runtime
