#include "op/kube/resource.hpp"

#include "object_alloc.hpp"

#include "op/util/json.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
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

namespace {

// The longest string a rapidjson::Value holds inline (no pool bytes); it depends on the build's
// RAPIDJSON_48BITPOINTER_OPTIMIZATION, so it is found once rather than assumed.
rapidjson::SizeType inline_string_max() {
    static rapidjson::SizeType const max = [] {
        rapidjson::SizeType n = 0;
        char const text[64] = {};
        for (;; ++n) {
            rapidjson::MemoryPoolAllocator<> pool(256);
            rapidjson::Value v(text, n + 1, pool);
            if (pool.Size() > 0 || n + 1 >= sizeof(text) - 1) return n;
        }
    }();
    return max;
}

std::size_t pool_bytes(std::size_t n) { return RAPIDJSON_ALIGN(n); }
// The pool bytes of a copied string of `len` bytes: none when it sits inline in its value.
std::size_t string_bytes(std::size_t len) { return len > inline_string_max() ? pool_bytes(len + 1) : 0; }

// Which members of an object are kept, by the object's place: the top level (`top`), metadata,
// or its annotations. Anything deeper is copied whole.
enum class place { top, metadata, annotations, other };

bool kept(place p, std::string_view name, detail::copy_filter const& f) {
    switch (p) {
        case place::top:
            return !f.metadata_only || name == "apiVersion" || name == "kind" || name == "metadata";
        case place::metadata: return !f.drop_bookkeeping || name != "managedFields";
        case place::annotations: return !f.drop_bookkeeping || name != last_applied_annotation;
        case place::other: return true;
    }
    return true;
}

place child_place(place p, std::string_view name, rapidjson::Value const& v) {
    if (!v.IsObject()) return place::other;
    if (p == place::top && name == "metadata") return place::metadata;
    if (p == place::metadata && name == "annotations") return place::annotations;
    return place::other;
}

// A list item (no apiVersion of its own) gets the list's, first.
bool adds_api_version(rapidjson::Value const& v, place p, detail::copy_filter const& f) {
    return p == place::top && !f.api_version.empty() && json::find(v, "apiVersion") == nullptr;
}

// Pass 1: the pool bytes the filtered copy needs (member and element arrays, strings too long to
// sit inline), the same arithmetic rapidjson's allocation does.
std::size_t measure(rapidjson::Value const& v, place p, detail::copy_filter const& f) {
    switch (v.GetType()) {
        case rapidjson::kStringType: return string_bytes(v.GetStringLength());
        case rapidjson::kArrayType: {
            std::size_t n = pool_bytes(v.Size() * sizeof(rapidjson::Value));
            for (auto const& e : v.GetArray()) n += measure(e, place::other, f);
            return n;
        }
        case rapidjson::kObjectType: {
            std::size_t members = 0, n = 0;
            for (auto const& m : v.GetObject()) {
                auto const name = name_of(m.name);
                if (!kept(p, name, f)) continue;
                ++members;
                n += measure(m.name, place::other, f) + measure(m.value, child_place(p, name, m.value), f);
            }
            if (adds_api_version(v, p, f)) {
                ++members;
                n += string_bytes(std::string_view("apiVersion").size()) + string_bytes(f.api_version.size());
            }
            return n + pool_bytes(members * sizeof(rapidjson::Value::Member));
        }
        default: return 0;
    }
}

// Pass 2: the filtered value as SAX events into a Document, which builds each object and array
// at its exact size (AddMember would grow them from 16 slots, leaving the rest unused).
template <class Handler>
bool emit(rapidjson::Value const& v, place p, detail::copy_filter const& f, Handler& h) {
    if (!v.IsObject()) return v.Accept(h);
    h.StartObject();
    rapidjson::SizeType members = 0;
    if (adds_api_version(v, p, f)) {
        h.Key("apiVersion", 10, true);
        h.String(f.api_version.data(), static_cast<rapidjson::SizeType>(f.api_version.size()), true);
        ++members;
    }
    for (auto const& m : v.GetObject()) {
        auto const name = name_of(m.name);
        if (!kept(p, name, f)) continue;
        h.Key(m.name.GetString(), m.name.GetStringLength(), true);
        auto const cp = child_place(p, name, m.value);
        if (cp == place::other ? !m.value.Accept(h) : !emit(m.value, cp, f, h)) return false;
        ++members;
    }
    return h.EndObject(members);
}

}  // namespace

object detail::copy_object(rapidjson::Value const& v, copy_filter const& f) {
    bool const filtered = f.drop_bookkeeping || f.metadata_only || !f.api_version.empty();
    place const p = filtered ? place::top : place::other;
    auto owner = std::make_shared<owned_document>(std::max<std::size_t>(measure(v, p, f), 64));
    auto gen = [&](rapidjson::Document& h) { return emit(v, p, f, h); };
    owner->doc.Populate(gen);
    return object(owner, &owner->doc);
}

object without_bookkeeping(object const& o) {
    if (!o || !has_bookkeeping(*o)) return o;
    return detail::copy_object(*o, {.drop_bookkeeping = true, .metadata_only = false, .api_version = {}});
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
