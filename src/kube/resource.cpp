#include "op/kube/resource.hpp"

#include "object_alloc.hpp"

#include "op/util/json.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <charconv>

namespace op::kube {

std::string resource::api_version() const {
    return group.empty() ? version : group + "/" + version;
}

std::string resource::collection_path(std::string_view ns) const {
    std::string p = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
    if (namespaced && !ns.empty()) {
        p += "/namespaces/";
        p += ns;
    }
    p += "/";
    p += plural;
    return p;
}

std::string resource::object_path(std::string_view ns, std::string_view name) const {
    return collection_path(ns) + "/" + std::string(name);
}

object_key object_key::parse(std::string_view key) {
    auto slash = key.find('/');
    if (slash == std::string_view::npos) return {"", std::string(key)};
    return {std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
}

std::string_view meta_string(rapidjson::Value const& obj, std::string_view field) {
    auto const* meta = json::find(obj, "metadata");
    if (!meta) return {};
    auto const* v = json::find(*meta, field);
    if (!v || !v->IsString()) return {};
    return {v->GetString(), v->GetStringLength()};
}

object_key key_of(rapidjson::Value const& obj) {
    return {std::string(meta_string(obj, "namespace")), std::string(meta_string(obj, "name"))};
}

std::string_view controller_uid(rapidjson::Value const& obj) {
    auto const* meta = json::find(obj, "metadata");
    if (!meta) return {};
    auto const* refs = json::find(*meta, "ownerReferences");
    if (!refs || !refs->IsArray()) return {};
    for (auto const& r : refs->GetArray()) {
        auto const* c = json::find(r, "controller");
        auto const* uid = json::find(r, "uid");
        if (c && c->IsBool() && c->GetBool() && uid && uid->IsString())
            return {uid->GetString(), uid->GetStringLength()};
    }
    return {};
}

namespace {

bool has_bookkeeping(rapidjson::Value const& o) {
    if (!o.IsObject()) return false;
    auto const* meta = json::find(o, "metadata");
    if (meta == nullptr || !meta->IsObject()) return false;
    if (json::find(*meta, "managedFields") != nullptr) return true;
    auto const* annotations = json::find(*meta, "annotations");
    return annotations != nullptr && annotations->IsObject() &&
           json::find(*annotations, last_applied_annotation) != nullptr;
}

std::string_view name_of(rapidjson::Value const& v) { return {v.GetString(), v.GetStringLength()}; }

}  // namespace

void detail::copy_without_bookkeeping(rapidjson::Value& out, rapidjson::Value const& v,
                                      rapidjson::MemoryPoolAllocator<>& a, bool metadata_only) {
    using value = rapidjson::Value;
    auto const* meta = v.IsObject() ? json::find(v, "metadata") : nullptr;
    if (meta == nullptr || !meta->IsObject()) {
        out.CopyFrom(v, a);
        return;
    }
    out.SetObject();
    for (auto const& m : v.GetObject()) {
        if (&m.value != meta) {
            if (metadata_only && name_of(m.name) != "apiVersion" && name_of(m.name) != "kind")
                continue;
            out.AddMember(value(m.name, a), value(m.value, a), a);
            continue;
        }
        value md(rapidjson::kObjectType);
        for (auto const& f : meta->GetObject()) {
            auto const name = name_of(f.name);
            if (name == "managedFields") continue;
            if (name == "annotations" && f.value.IsObject()) {
                value kept(rapidjson::kObjectType);
                for (auto const& an : f.value.GetObject())
                    if (name_of(an.name) != last_applied_annotation)
                        kept.AddMember(value(an.name, a), value(an.value, a), a);
                md.AddMember(value(f.name, a), std::move(kept), a);
                continue;
            }
            md.AddMember(value(f.name, a), value(f.value, a), a);
        }
        out.AddMember(value(m.name, a), std::move(md), a);
    }
}

object without_bookkeeping(object const& o) {
    if (!o || !has_bookkeeping(*o)) return o;
    return detail::copy_object(*o, true);
}

error to_error(api_error const& e) {
    errc code = errc::internal;
    switch (e.http_code) {
        case 0: code = errc::transient; break;
        case 404: code = errc::not_found; break;
        case 409: code = errc::conflict; break;
        case 401:
        case 403: code = errc::terminal; break;
        case 400:
        case 422: code = errc::invalid; break;
        case 410: code = errc::transient; break;
        case 429: code = errc::transient; break;
        default: code = e.http_code >= 500 ? errc::transient : errc::internal;
    }
    return error{code, fmt::format("[{} {}] {}", e.http_code, e.reason, e.message), {}};
}

std::optional<api_error> to_api_error(error const& e) {
    std::string_view m = e.message;
    if (m.size() < 4 || m[0] != '[') return std::nullopt;
    auto close = m.find("] ");
    auto space = m.find(' ');
    if (close == std::string_view::npos || space > close) return std::nullopt;
    api_error out;
    auto [p, ec] = std::from_chars(m.data() + 1, m.data() + space, out.http_code);
    if (ec != std::errc{} || p != m.data() + space) return std::nullopt;
    out.reason = std::string(m.substr(space + 1, close - space - 1));
    out.message = std::string(m.substr(close + 2));
    return out;
}

api_error api_error_from_response(int http_code, std::string_view body) {
    api_error e;
    e.http_code = http_code;
    if (auto doc = json::parse(body, {.max_bytes = 1u << 20, .max_depth = 32}); doc) {
        if (auto r = json::get_string(*doc, "reason", ""); r && *r) e.reason = std::string(**r);
        if (auto m = json::get_string(*doc, "message", ""); m && *m) e.message = std::string(**m);
    }
    if (e.message.empty()) e.message = std::string(body.substr(0, 512));
    if (e.reason.empty()) e.reason = "Unknown";
    return e;
}

std::string micro_time(std::chrono::system_clock::time_point t) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
    auto secs = std::chrono::sys_seconds(std::chrono::seconds(us / 1'000'000));
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:06d}Z", secs, us % 1'000'000);
}

bool is_gone(error const& e) {
    auto a = to_api_error(e);
    if (!a) return false;
    return a->http_code == 410 || a->reason == "Expired" || a->reason == "Gone" ||
           a->message.find("too old resource version") != std::string::npos;
}

}  // namespace op::kube
