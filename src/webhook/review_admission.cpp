// AdmissionReview v1 decoding/encoding and the response helpers (kubernetes.md 3.3).
#include "op/webhook/review.hpp"

#include "op/util/base64.hpp"
#include "op/util/text.hpp"

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace op::webhook {
namespace {

constexpr std::string_view admission_api_version = "admission.k8s.io/v1";

result<std::string> req_string(rapidjson::Value const& obj, std::string_view key,
                               std::string_view path) {
    OP_TRY(auto v, json::get_string(obj, key, path));
    return v ? std::string(*v) : std::string();
}

result<std::vector<std::string>> string_list(rapidjson::Value const& arr, std::string_view path) {
    std::vector<std::string> out;
    for (rapidjson::SizeType i = 0; i < arr.Size(); ++i) {
        if (!arr[i].IsString()) {
            return invalid("expected a string", fmt::format("{}[{}]", path, i));
        }
        out.emplace_back(arr[i].GetString(), arr[i].GetStringLength());
    }
    return out;
}

result<user_info> decode_user(rapidjson::Value const& req) {
    user_info u;
    OP_TRY(auto ui, json::get_object(req, "userInfo", "request"));
    if (!ui) return u;
    OP_TRY(u.username, req_string(*ui, "username", "request.userInfo"));
    OP_TRY(u.uid, req_string(*ui, "uid", "request.userInfo"));
    OP_TRY(auto groups, json::get_array(*ui, "groups", "request.userInfo"));
    if (groups) {
        OP_TRY(u.groups, string_list(*groups, "request.userInfo.groups"));
    }
    OP_TRY(auto extra, json::get_object(*ui, "extra", "request.userInfo"));
    if (extra) {
        for (auto const& m : extra->GetObject()) {
            std::string key(m.name.GetString(), m.name.GetStringLength());
            std::string path = "request.userInfo.extra." + key;
            if (m.value.IsNull()) {
                u.extra[key] = {};
                continue;
            }
            if (!m.value.IsArray()) return invalid("expected an array of strings", path);
            OP_TRY(u.extra[key], string_list(m.value, path));
        }
    }
    return u;
}

// Copies request[key] into its own document; Null when absent. Fails when not an object.
result<rapidjson::Document> decode_object(rapidjson::Value const& req, std::string_view key) {
    rapidjson::Document doc;
    OP_TRY(auto v, json::get_object(req, key, "request"));
    if (v) doc.CopyFrom(*v, doc.GetAllocator());
    return doc;
}

template <class T>
result<T> decode_triple(rapidjson::Value const& req, std::string_view key,
                        std::string_view third) {
    T t;
    OP_TRY(auto o, json::get_object(req, key, "request"));
    if (!o) return t;
    std::string path = "request." + std::string(key);
    OP_TRY(t.group, req_string(*o, "group", path));
    OP_TRY(t.version, req_string(*o, "version", path));
    std::string* last = nullptr;
    if constexpr (std::is_same_v<T, group_version_kind>) last = &t.kind;
    else last = &t.resource;
    OP_TRY(*last, req_string(*o, third, path));
    return t;
}

}  // namespace

result<admission_request> decode_admission_review(std::string_view body, json::limits lim,
                                                  std::string* uid_out) {
    OP_TRY(auto doc, json::parse(body, lim));
    if (!doc.IsObject()) return invalid("AdmissionReview must be a JSON object");
    OP_TRY(auto api_version, json::get_string(doc, "apiVersion", ""));
    OP_TRY(auto kind, json::get_string(doc, "kind", ""));
    if (!api_version || *api_version != admission_api_version) {
        return invalid(fmt::format("expected apiVersion {}", admission_api_version), "apiVersion");
    }
    if (!kind || *kind != "AdmissionReview") return invalid("expected kind AdmissionReview", "kind");
    OP_TRY(auto req, json::get_object(doc, "request", ""));
    if (!req) return invalid("missing request", "request");
    admission_request r;
    OP_TRY(r.uid, req_string(*req, "uid", "request"));
    if (r.uid.empty()) return invalid("missing uid", "request.uid");
    if (uid_out) *uid_out = r.uid;
    OP_TRY(r.kind, decode_triple<group_version_kind>(*req, "kind", "kind"));
    OP_TRY(r.resource, decode_triple<group_version_resource>(*req, "resource", "resource"));
    OP_TRY(r.sub_resource, req_string(*req, "subResource", "request"));
    OP_TRY(r.operation, req_string(*req, "operation", "request"));
    OP_TRY(r.name, req_string(*req, "name", "request"));
    OP_TRY(r.namespace_, req_string(*req, "namespace", "request"));
    OP_TRY(r.user, decode_user(*req));
    OP_TRY(r.object, decode_object(*req, "object"));
    OP_TRY(r.old_object, decode_object(*req, "oldObject"));
    OP_TRY(auto dry, json::get_bool(*req, "dryRun", "request"));
    r.dry_run = dry.value_or(false);
    return r;
}

std::string encode_admission_review(admission_response const& r) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    auto str = [&w](std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); };
    w.StartObject();
    str("apiVersion"); str(admission_api_version);
    str("kind"); str("AdmissionReview");
    str("response");
    w.StartObject();
    str("uid"); str(r.uid);
    str("allowed"); w.Bool(r.allowed);
    if (!r.allowed || !r.message.empty()) {
        str("status");
        w.StartObject();
        std::int32_t code = r.code != 0 ? r.code : (r.allowed ? 200 : 403);
        if (!r.allowed) {
            str("status"); str("Failure");
        }
        str("code"); w.Int(code);
        std::string_view reason = r.reason.empty() && !r.allowed ? reason_for_code(code)
                                                                 : std::string_view(r.reason);
        if (!reason.empty()) {
            str("reason"); str(reason);
        }
        if (!r.message.empty()) {
            str("message"); str(r.message);
        }
        w.EndObject();
    }
    if (r.patch) {
        str("patchType"); str("JSONPatch");
        str("patch"); str(base64::encode(*r.patch));
    }
    if (!r.warnings.empty()) {
        str("warnings");
        w.StartArray();
        for (auto const& s : r.warnings) str(s);
        w.EndArray();
    }
    if (!r.audit_annotations.empty()) {
        str("auditAnnotations");
        w.StartObject();
        for (auto const& [k, v] : r.audit_annotations) {
            str(k);
            str(v);
        }
        w.EndObject();
    }
    w.EndObject();
    w.EndObject();
    // A JSON answer must be UTF-8 (the API server's decoder refuses it otherwise). Outside
    // strings it is ASCII, so replacing ill-formed bytes (an error message quoting input) keeps
    // it JSON.
    return op::valid_utf8(std::string_view(buf.GetString(), buf.GetSize()));
}

admission_response allowed(std::string message) {
    admission_response r;
    r.allowed = true;
    r.code = 200;
    r.message = std::move(message);
    return r;
}

admission_response denied(std::string message, std::int32_t code) {
    admission_response r;
    r.allowed = false;
    r.code = code < 400 ? 403 : code;
    r.reason = std::string(reason_for_code(r.code));
    r.message = std::move(message);
    return r;
}

admission_response errored(std::int32_t code, op::error const& err) {
    admission_response r;
    r.allowed = false;
    r.code = code;
    r.reason = std::string(reason_for_code(code));
    r.message = err.what();
    return r;
}

admission_response patched(std::string patch_json) {
    admission_response r = allowed();
    r.patch = std::move(patch_json);
    return r;
}

admission_response with_warning(admission_response r, std::string warning) {
    r.warnings.push_back(std::move(warning));
    return r;
}

std::string_view reason_for_code(std::int32_t code) {
    switch (code) {
        case 400: return "BadRequest";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "NotFound";
        case 405: return "MethodNotAllowed";
        case 409: return "Conflict";
        case 413: return "RequestEntityTooLarge";
        case 422: return "Invalid";
        case 429: return "TooManyRequests";
        case 500: return "InternalError";
        case 503: return "ServiceUnavailable";
        case 504: return "Timeout";
        default: return code >= 500 ? "InternalError" : (code >= 400 ? "BadRequest" : "");
    }
}

std::string status_body(unsigned code, std::string_view message) {
    rapidjson::Document d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    json::set(d, "apiVersion", json::string_value("v1", a), a);
    json::set(d, "kind", json::string_value("Status", a), a);
    json::set(d, "status", json::string_value(code < 400 ? "Success" : "Failure", a), a);
    json::set(d, "message", json::string_value(message, a), a);
    json::set(d, "reason", json::string_value(reason_for_code(static_cast<std::int32_t>(code)), a), a);
    json::set(d, "code", rapidjson::Value(code), a);
    return json::dump(d);
}

}  // namespace op::webhook
