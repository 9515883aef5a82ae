#include "cert_renewal.hpp"

#include "op/util/base64.hpp"
#include "op/util/json.hpp"
#include "op/util/log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>

namespace op::runtime {
namespace {

kube::resource const secrets{"", "v1", "secrets", true};
kube::resource const crds{"apiextensions.k8s.io", "v1", "customresourcedefinitions", false};
constexpr char const* crd_name = "stacks.compose.docker.com";
constexpr char const* managed_marker = ".compose-operator-managed";  // in cert_dir: files are ours

kube::resource webhook_config(bool mutating) {
    return {"admissionregistration.k8s.io", "v1",
            mutating ? "mutatingwebhookconfigurations" : "validatingwebhookconfigurations", false};
}

std::string recovery(std::string_view where) {
    auto slash = where.find('/');
    return fmt::format("delete it (kubectl -n {} delete secret {}) and restart the operator: it makes a new CA "
                       "and serving certificate",
                       where.substr(0, slash), slash == std::string_view::npos ? where : where.substr(slash + 1));
}

// The caBundle strings of a CRD (conversion) or a webhook configuration (every webhook).
std::vector<std::string> bundles_of(rapidjson::Value const& obj, bool crd) {
    std::vector<std::string> out;
    auto take = [&](rapidjson::Value const* cc) {
        auto const* b = cc != nullptr ? json::find(*cc, "caBundle") : nullptr;
        std::string text;
        if (b != nullptr && b->IsString()) {
            if (auto bytes = base64::decode({b->GetString(), b->GetStringLength()})) text = std::move(*bytes);
        }
        out.push_back(std::move(text));
    };
    if (crd) {
        auto const* spec = json::find(obj, "spec");
        auto const* conv = spec ? json::find(*spec, "conversion") : nullptr;
        auto const* wh = conv ? json::find(*conv, "webhook") : nullptr;
        take(wh ? json::find(*wh, "clientConfig") : nullptr);
        return out;
    }
    auto const* hooks = json::find(obj, "webhooks");
    if (hooks == nullptr || !hooks->IsArray()) return out;
    for (auto const& h : hooks->GetArray()) take(h.IsObject() ? json::find(h, "clientConfig") : nullptr);
    return out;
}

std::size_t count_certs(std::string_view bundle) {
    std::size_t n = 0;
    for (auto at = bundle.find("BEGIN CERTIFICATE"); at != std::string_view::npos;
         at = bundle.find("BEGIN CERTIFICATE", at + 1)) {
        ++n;
    }
    return n;
}

}  // namespace

result<webhook::cert_state> cert_state_from_secret(rapidjson::Value const& secret, std::string_view where) {
    auto const* data = json::find(secret, "data");
    if (data == nullptr || !data->IsObject()) {
        return invalid(fmt::format("Secret {} has no data; {}", where, recovery(where)));
    }
    std::string bad;
    auto value = [&](std::string_view key) -> std::string {
        auto const* v = json::find(*data, key);
        if (v == nullptr) return {};
        if (v->IsString()) {
            if (auto bytes = base64::decode({v->GetString(), v->GetStringLength()})) return std::move(*bytes);
        }
        if (bad.empty()) bad = key;
        return {};
    };
    webhook::cert_state s;
    s.cert_pem = value("tls.crt");
    s.key_pem = value("tls.key");
    s.ca_cert_pem = value("ca-signer.crt");
    s.ca_key_pem = value("ca.key");
    s.next_ca_cert_pem = value("ca-next.crt");
    s.next_ca_key_pem = value("ca-next.key");
    s.previous_ca_cert_pem = value("ca-previous.crt");
    auto bundle = value("ca.crt");
    if (!bad.empty()) {
        return error{errc::invalid, fmt::format("Secret {}: data[{}] is not base64; {}", where, bad, recovery(where)),
                     "data." + bad};
    }
    // Made before renewal existed: ca.crt is the signing CA, whose key was not kept.
    if (s.ca_cert_pem.empty() && s.ca_key_pem.empty()) s.ca_cert_pem = bundle;
    if (auto d = webhook::read_dates(s); !d) {
        return error{errc::invalid, fmt::format("Secret {}: {}; {}", where, d.error().message, recovery(where)),
                     "data." + d.error().field_path};
    }
    return s;
}

std::string cert_secret_body(std::string_view ns, webhook::cert_state const& s, std::string_view rv) {
    rapidjson::Document d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    d.AddMember("apiVersion", "v1", a);
    d.AddMember("kind", "Secret", a);
    rapidjson::Value meta(rapidjson::kObjectType);
    meta.AddMember("name", rapidjson::StringRef(cert_secret_name), a);
    meta.AddMember("namespace", json::string_value(ns, a), a);
    if (!rv.empty()) meta.AddMember("resourceVersion", json::string_value(rv, a), a);
    rapidjson::Value labels(rapidjson::kObjectType);
    labels.AddMember("app.kubernetes.io/managed-by", "compose-operator", a);
    meta.AddMember("labels", labels, a);
    d.AddMember("metadata", meta, a);
    d.AddMember("type", "kubernetes.io/tls", a);
    rapidjson::Value values(rapidjson::kObjectType);
    auto put = [&](char const* key, std::string const& v) {
        if (!v.empty()) values.AddMember(rapidjson::StringRef(key), json::string_value(base64::encode(v), a), a);
    };
    put("tls.crt", s.cert_pem);
    put("tls.key", s.key_pem);
    put("ca.crt", webhook::ca_bundle(s));
    put("ca-signer.crt", s.ca_cert_pem);
    put("ca.key", s.ca_key_pem);
    put("ca-next.crt", s.next_ca_cert_pem);
    put("ca-next.key", s.next_ca_key_pem);
    put("ca-previous.crt", s.previous_ca_cert_pem);
    d.AddMember("data", values, a);
    return json::dump(d);
}

webhook::cert_request cert_request_for(run_options const& o) {
    webhook::cert_request req;
    auto slash = o.webhook_service.find('/');
    req.namespace_ = slash == std::string::npos ? "compose-operator" : o.webhook_service.substr(0, slash);
    req.service = slash == std::string::npos ? o.webhook_service : o.webhook_service.substr(slash + 1);
    if (!o.webhook_host.empty() && o.webhook_host != "127.0.0.1") {
        bool ip = o.webhook_host.find_first_not_of("0123456789.:") == std::string::npos;
        (ip ? req.extra_ips : req.extra_dns).push_back(o.webhook_host);
    }
    req.cert_validity = o.cert_lifetime;
    req.ca_validity = o.ca_lifetime;
    return req;
}

bool certs_mounted(run_options const& o) {
    std::error_code ec;
    return webhook::has_certs(o.cert_dir) &&
           !std::filesystem::exists(std::filesystem::path(o.cert_dir) / managed_marker, ec);
}

cert_renewer::cert_renewer(kube::client& c, run_options const& o, std::function<void()> reload)
    : c_(c), o_(o), reload_(std::move(reload)), req_(cert_request_for(o)) {}

cert_renewer::~cert_renewer() { stop(); }

result<std::string> cert_renewer::init() {
    auto where = o_.operator_namespace + "/" + cert_secret_name;
    auto got = c_.get(secrets, o_.operator_namespace, cert_secret_name);
    if (!got && got.error().code == errc::not_found) {
        OP_TRY(auto s, webhook::new_cert_state(req_));
        auto created = c_.create(secrets, o_.operator_namespace, cert_secret_body(o_.operator_namespace, s, ""));
        if (created) log::info("created secret", {{"secret", where}});
        if (!created && created.error().code != errc::conflict) {
            return error{created.error().code, fmt::format("creating Secret {}: {}", where, created.error().what()), {}};
        }
    } else if (!got) {
        return error{got.error().code,
                     fmt::format("reading Secret {}: {} (does the namespace exist and may the operator read it?)",
                                 where, got.error().what()),
                     {}};
    }
    registered_ = false;  // registration (after init) writes the bundle; step() pushes changes from then on
    OP_RETURN_IF_ERROR(step());
    auto got2 = c_.get(secrets, o_.operator_namespace, cert_secret_name);
    if (!got2) return got2.error();
    OP_TRY(auto s, cert_state_from_secret(**got2, where));
    applied_bundle_ = webhook::ca_bundle(s);
    registered_ = o_.manage_webhooks;
    return applied_bundle_;
}

result<void> cert_renewer::write_local(webhook::cert_state const& s) {
    if (s.cert_pem == written_cert_) return {};
    webhook::cert_bundle b{webhook::ca_bundle(s), {}, s.cert_pem, s.key_pem};
    OP_RETURN_IF_ERROR(webhook::write_cert_dir(o_.cert_dir, b));
    std::ofstream(std::filesystem::path(o_.cert_dir) / managed_marker) << "written by compose-operator from Secret "
                                                                        << cert_secret_name << "\n";
    written_cert_ = s.cert_pem;
    if (reload_) reload_();
    auto serial = webhook::cert_serial(s.cert_pem);
    log::info("serving certificate loaded", {{"serial", serial ? *serial : "?"}});
    return {};
}

result<bool> cert_renewer::bundles_hold(std::string const& ca_pem) {
    auto crd = c_.get(crds, "", crd_name);
    if (!crd && crd.error().code == errc::not_found) return false;
    if (!crd) return crd.error();
    std::vector<std::string> all = bundles_of(**crd, true);
    for (bool m : {true, false}) {
        auto cfg = c_.get(webhook_config(m), "", "compose-operator");
        if (!cfg && cfg.error().code == errc::not_found) return false;
        if (!cfg) return cfg.error();
        auto b = bundles_of(**cfg, false);
        if (b.empty()) return false;
        all.insert(all.end(), b.begin(), b.end());
    }
    return std::all_of(all.begin(), all.end(), [&](std::string const& b) { return b.find(ca_pem) != std::string::npos; });
}

result<void> cert_renewer::push_bundle(std::string const& bundle) {
    auto b64 = base64::encode(bundle);
    auto patched = c_.patch(crds, "", crd_name, kube::patch_type::merge,
                            fmt::format(R"({{"spec":{{"conversion":{{"webhook":{{"clientConfig":{{"caBundle":"{}"}}}}}}}}}})", b64));
    if (!patched) return error{patched.error().code, fmt::format("CA bundle into the CRD: {}", patched.error().what()), {}};
    for (bool m : {true, false}) {
        auto cfg = c_.get(webhook_config(m), "", "compose-operator");
        if (!cfg) return error{cfg.error().code, fmt::format("reading the webhook configuration: {}", cfg.error().what()), {}};
        auto const* hooks = json::find(**cfg, "webhooks");
        if (hooks == nullptr || !hooks->IsArray()) continue;
        std::string ops;
        for (rapidjson::SizeType i = 0; i < hooks->Size(); ++i) {
            auto const* name = (*hooks)[i].IsObject() ? json::find((*hooks)[i], "name") : nullptr;
            if (name == nullptr || !name->IsString()) continue;
            ops += fmt::format(R"({}{{"op":"test","path":"/webhooks/{}/name","value":"{}"}},)"
                               R"({{"op":"add","path":"/webhooks/{}/clientConfig/caBundle","value":"{}"}})",
                               ops.empty() ? "" : ",", i, name->GetString(), i, b64);
        }
        if (ops.empty()) continue;
        auto p = c_.patch(webhook_config(m), "", "compose-operator", kube::patch_type::json, "[" + ops + "]");
        if (!p) return error{p.error().code, fmt::format("CA bundle into the webhook configuration: {}", p.error().what()), {}};
    }
    applied_bundle_ = bundle;
    log::info("CA bundle updated in the CRD and webhook configurations",
              {{"certificates", std::to_string(count_certs(bundle))}});
    return {};
}

result<void> cert_renewer::step() {
    auto where = o_.operator_namespace + "/" + cert_secret_name;
    auto poll = std::clamp<std::chrono::seconds>(o_.cert_lifetime / 20, std::chrono::seconds(2), std::chrono::seconds(60));
    for (int round = 0; round < 8; ++round) {
        auto got = c_.get(secrets, o_.operator_namespace, cert_secret_name);
        if (!got) return error{got.error().code, fmt::format("reading Secret {}: {}", where, got.error().what()), {}};
        OP_TRY(auto s, cert_state_from_secret(**got, where));
        OP_TRY(auto dates, webhook::read_dates(s));
        auto now = std::chrono::system_clock::now();
        auto d = webhook::decide_renewal(now, dates);
        next_check_ = std::min(d.next_check, now + poll);
        auto bundle = webhook::ca_bundle(s);
        if (d.action == webhook::renewal_action::switch_ca) {
            OP_TRY(bool held, bundles_hold(s.next_ca_cert_pem));
            if (!held) {
                // Not yet everywhere (another replica's write, or ours failed): push and wait.
                log::info("next CA not yet in every caBundle; the switch waits", {});
                d.action = webhook::renewal_action::none;
                applied_bundle_.clear();
                next_check_ = now + std::chrono::seconds(2);
            }
        }
        if (d.action != webhook::renewal_action::none) {
            OP_TRY(auto renewed, webhook::renew(std::move(s), d.action, req_));
            auto const* meta = json::find(**got, "metadata");
            auto const* rv = meta ? json::find(*meta, "resourceVersion") : nullptr;
            auto updated = c_.update(secrets, o_.operator_namespace, cert_secret_name,
                                     cert_secret_body(o_.operator_namespace, renewed,
                                                      rv && rv->IsString() ? rv->GetString() : ""));
            if (!updated && updated.error().code == errc::conflict) {
                log::info("certificate Secret changed meanwhile (another replica renewed); reading it again", {});
                continue;
            }
            if (!updated) return error{updated.error().code, fmt::format("updating Secret {}: {}", where, updated.error().what()), {}};
            auto serial = webhook::cert_serial(renewed.cert_pem);
            log::info("certificates renewed", {{"action", std::string(webhook::to_string(d.action))},
                                               {"serving_serial", serial ? *serial : "?"}});
            continue;  // read back: another action may be due, and the bundle and files follow
        }
        if (registered_ && bundle != applied_bundle_) OP_RETURN_IF_ERROR(push_bundle(bundle));
        OP_RETURN_IF_ERROR(write_local(s));
        return {};
    }
    return op::transient(fmt::format("Secret {} kept changing; retrying later", where));
}

void cert_renewer::start() {
    thread_ = std::jthread([this](std::stop_token st) {
        while (!st.stop_requested()) {
            auto wait = next_check_ - std::chrono::system_clock::now();
            if (wait < std::chrono::seconds(1)) wait = std::chrono::seconds(1);
            {
                std::unique_lock lock(mutex_);
                cv_.wait_for(lock, st, wait, [] { return false; });
            }
            if (st.stop_requested()) break;
            try {
                if (auto r = step(); !r) {
                    log::warn("certificate renewal failed; keeping the current certificate", {{"error", r.error().what()}});
                    next_check_ = std::chrono::system_clock::now() + std::chrono::seconds(5);
                }
            } catch (std::exception const& e) {
                log::error("certificate renewal threw", {{"error", e.what()}});
                next_check_ = std::chrono::system_clock::now() + std::chrono::seconds(5);
            }
        }
    });
}

void cert_renewer::stop() {
    if (thread_.joinable()) {
        thread_.request_stop();
        thread_.join();
    }
}

}  // namespace op::runtime
