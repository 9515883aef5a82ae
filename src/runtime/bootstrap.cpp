#include "op/util/base64.hpp"
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

std::pair<std::string, std::string> split_service(std::string const& ns_name) {
    auto slash = ns_name.find('/');
    if (slash == std::string::npos) return {"compose-operator", ns_name};
    return {ns_name.substr(0, slash), ns_name.substr(slash + 1)};
}

rapidjson::Value client_config(run_options const& o, std::string const& path, std::string const& ca_pem,
                               bool null_other, rapidjson::Document::AllocatorType& a) {
    rapidjson::Value cc(rapidjson::kObjectType);
    if (!o.webhook_host.empty()) {
        cc.AddMember("url", json::string_value(fmt::format("https://{}:{}{}", o.webhook_host, o.webhook_port, path), a), a);
        if (null_other) cc.AddMember("service", rapidjson::Value(), a);
    } else {
        auto [ns, name] = split_service(o.webhook_service);
        rapidjson::Value svc(rapidjson::kObjectType);
        svc.AddMember("namespace", json::string_value(ns, a), a);
        svc.AddMember("name", json::string_value(name, a), a);
        svc.AddMember("path", json::string_value(path, a), a);
        svc.AddMember("port", 443, a);
        cc.AddMember("service", svc, a);
        if (null_other) cc.AddMember("url", rapidjson::Value(), a);
    }
    if (!ca_pem.empty()) cc.AddMember("caBundle", json::string_value(base64::encode(ca_pem), a), a);
    return cc;
}

// One MutatingWebhookConfiguration or ValidatingWebhookConfiguration (same content as
// manifests/50-webhooks.yaml, with clientConfig filled in). With `null_other` the clientConfig
// form not used (url or service) is null, so a strategic merge patch removes it.
std::string webhook_configuration(run_options const& o, bool mutating, std::string const& ca_pem,
                                  bool null_other) {
    rapidjson::Document d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    d.AddMember("apiVersion", "admissionregistration.k8s.io/v1", a);
    d.AddMember("kind", rapidjson::StringRef(mutating ? "MutatingWebhookConfiguration" : "ValidatingWebhookConfiguration"), a);
    rapidjson::Value meta(rapidjson::kObjectType);
    meta.AddMember("name", "compose-operator", a);
    rapidjson::Value labels(rapidjson::kObjectType);
    labels.AddMember("app.kubernetes.io/name", "compose-operator", a);
    meta.AddMember("labels", labels, a);
    d.AddMember("metadata", meta, a);

    rapidjson::Value hook(rapidjson::kObjectType);
    hook.AddMember("name", rapidjson::StringRef(mutating ? "owner.stacks.compose.docker.com" : "validate.stacks.compose.docker.com"), a);
    rapidjson::Value review_versions(rapidjson::kArrayType);
    review_versions.PushBack("v1", a);
    hook.AddMember("admissionReviewVersions", review_versions, a);
    hook.AddMember("clientConfig", client_config(o, mutating ? "/mutate" : "/validate", ca_pem, null_other, a), a);
    rapidjson::Value rule(rapidjson::kObjectType);
    rapidjson::Value ops(rapidjson::kArrayType);
    ops.PushBack("CREATE", a).PushBack("UPDATE", a);
    rule.AddMember("operations", ops, a);
    rapidjson::Value groups(rapidjson::kArrayType);
    groups.PushBack("compose.docker.com", a);
    rule.AddMember("apiGroups", groups, a);
    rapidjson::Value versions(rapidjson::kArrayType);
    versions.PushBack("v1beta1", a).PushBack("v1beta2", a).PushBack("v1alpha3", a);
    rule.AddMember("apiVersions", versions, a);
    rapidjson::Value resources(rapidjson::kArrayType);
    resources.PushBack("stacks", a);
    rule.AddMember("resources", resources, a);
    rapidjson::Value rules(rapidjson::kArrayType);
    rules.PushBack(rule, a);
    hook.AddMember("rules", rules, a);
    hook.AddMember("matchPolicy", "Exact", a);
    hook.AddMember("failurePolicy", "Fail", a);
    hook.AddMember("sideEffects", "None", a);
    hook.AddMember("timeoutSeconds", 5, a);
    if (mutating) hook.AddMember("reinvocationPolicy", "IfNeeded", a);
    rapidjson::Value hooks(rapidjson::kArrayType);
    hooks.PushBack(hook, a);
    d.AddMember("webhooks", hooks, a);
    return json::dump(d);
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

result<webhook::hmac_key> ensure_owner_key(kube::client& c, run_options const& o) {
    OP_TRY(auto secret, get_or_create_secret(c, o, key_secret, [&]() -> result<std::string> {
        OP_TRY(auto k, webhook::hmac_key::generate());
        return secret_body(o, key_secret, "Opaque", {{"key", std::string(k.bytes())}});
    }));
    return webhook::hmac_key::from_bytes(secret_value(*secret, "key"));
}

result<void> register_webhooks(kube::client& c, run_options const& o, std::string const& ca_pem) {
    // The CRD: conversion strategy Webhook pointing here. A merge patch, so the rest of the CRD
    // (schemas, owned by whoever applied crds/) is untouched; the other clientConfig form is nulled.
    {
        rapidjson::Document d(rapidjson::kObjectType);
        auto& a = d.GetAllocator();
        rapidjson::Value webhook(rapidjson::kObjectType);
        rapidjson::Value versions(rapidjson::kArrayType);
        versions.PushBack("v1", a);
        webhook.AddMember("conversionReviewVersions", versions, a);
        webhook.AddMember("clientConfig", client_config(o, "/convert", ca_pem, true, a), a);
        rapidjson::Value conversion(rapidjson::kObjectType);
        conversion.AddMember("strategy", "Webhook", a);
        conversion.AddMember("webhook", webhook, a);
        rapidjson::Value spec(rapidjson::kObjectType);
        spec.AddMember("conversion", conversion, a);
        d.AddMember("spec", spec, a);
        auto patched = c.patch({"apiextensions.k8s.io", "v1", "customresourcedefinitions", false}, "",
                               "stacks.compose.docker.com", kube::patch_type::merge, json::dump(d));
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
