#pragma once
// ConversionReview (apiextensions.k8s.io/v1) and AdmissionReview (admission.k8s.io/v1): the typed
// requests handed to handlers, the responses they return, and the transport functions that turn
// an HTTP body into a request, call a handler and encode the answer (reference/kubernetes.md 3.1,
// 3.3). Nothing here does I/O; the HTTPS server calls serve_conversion / serve_admission.
#include "op/identity/user_info.hpp"
#include "op/util/error.hpp"
#include "op/util/json.hpp"

#include <rapidjson/document.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace op::webhook {

// ---- conversion ----------------------------------------------------------------------------

struct conversion_request {
    std::string uid;
    std::string desired_api_version;          // e.g. "compose.docker.com/v1beta2"
    std::vector<rapidjson::Document> objects;  // each a full object, in request order
};

// The converted objects as JSON text (same count and order as the request; each one JSON object,
// written into the answer as it is), or an error whose what() becomes result.message of a
// `Failure` answer.
using conversion_result = op::result<std::vector<std::string>>;
using conversion_handler = std::function<conversion_result(conversion_request const&)>;

// ---- admission -----------------------------------------------------------------------------

struct group_version_kind {
    std::string group, version, kind;
};
struct group_version_resource {
    std::string group, version, resource;
};

// userInfo of the requester; also the persisted Stack owner (op/identity/identity.hpp).
using user_info = identity::user_info;

struct admission_request {
    std::string uid;
    group_version_kind kind;
    group_version_resource resource;
    std::string sub_resource;  // "" or e.g. "status"
    std::string operation;     // CREATE | UPDATE | DELETE | CONNECT
    std::string name;
    std::string namespace_;
    user_info user;
    rapidjson::Document object;      // Null when absent (DELETE)
    rapidjson::Document old_object;  // Null when absent (CREATE)
    bool dry_run = false;
};

struct admission_response {
    std::string uid;  // set by the transport from the request; handlers leave it empty
    bool allowed = true;
    std::int32_t code = 0;        // status.code when not allowed (or 200 when allowed)
    std::string reason;           // status.reason, e.g. "Forbidden"
    std::string message;          // status.message
    std::optional<std::string> patch;  // RFC 6902 JSON patch text; encoded as base64 + JSONPatch
    std::vector<std::string> warnings;
    std::map<std::string, std::string> audit_annotations;
};

using admission_handler = std::function<admission_response(admission_request const&)>;

// Allow the request unchanged.
[[nodiscard]] admission_response allowed(std::string message = {});
// Deny with a user-facing message; `code` should be >= 400 (403 Forbidden by default).
[[nodiscard]] admission_response denied(std::string message, std::int32_t code = 403);
// Deny because the webhook could not process the request (400 bad input, 500 our bug).
[[nodiscard]] admission_response errored(std::int32_t code, op::error const& err);
// Allow with a JSON patch (`patch_json` is the RFC 6902 array text, not base64).
[[nodiscard]] admission_response patched(std::string patch_json);
// The same response with a warning added.
[[nodiscard]] admission_response with_warning(admission_response r, std::string warning);

// ---- decoding and encoding -----------------------------------------------------------------

// Decodes a ConversionReview body. Fails (invalid) on bad JSON, a wrong apiVersion/kind, a
// missing request, uid or desiredAPIVersion, or objects that are not an array of objects.
[[nodiscard]] result<conversion_request> decode_conversion_review(std::string_view body,
                                                                   json::limits lim = {});
// Encodes the ConversionReview answer for `uid` (Success with objects, or Failure with message).
[[nodiscard]] std::string encode_conversion_review(std::string_view uid,
                                                   conversion_result const& result);

// Decodes an AdmissionReview body. Fails (invalid) on bad JSON, a wrong apiVersion/kind or a
// missing request/uid. `uid_out` receives the uid when it could be read (for errored answers).
[[nodiscard]] result<admission_request> decode_admission_review(std::string_view body,
                                                                json::limits lim,
                                                                std::string* uid_out = nullptr);
// Encodes an AdmissionReview answer (the patch base64-encoded, patchType JSONPatch).
[[nodiscard]] std::string encode_admission_review(admission_response const& r);

// ---- transport glue ------------------------------------------------------------------------

struct http_reply {
    unsigned status = 200;
    std::string body;
    std::string content_type = "application/json";
    bool error = false;  // counted in the error metric (undecodable, exception, errored >= 500)
};

// Decodes a ConversionReview, calls `h`, encodes the answer. Undecodable -> HTTP 400 with a
// metav1.Status body; a handler exception or wrong object count -> a Failure review.
[[nodiscard]] http_reply serve_conversion(std::string_view body, conversion_handler const& h,
                                          json::limits lim = {});
// Decodes an AdmissionReview, calls `h`, echoes the uid, encodes the answer. Undecodable without
// a uid -> HTTP 400; with a uid -> an errored review (400); an exception -> errored 500. When
// `allow_patch` is false (validating webhooks) a returned patch becomes an errored 500.
[[nodiscard]] http_reply serve_admission(std::string_view body, admission_handler const& h,
                                         bool allow_patch, json::limits lim = {});

// A metav1.Status JSON body with `code` and `message` (used for HTTP-level errors).
[[nodiscard]] std::string status_body(unsigned code, std::string_view message);
// The metav1 StatusReason for an HTTP code ("BadRequest", "Forbidden", "Invalid", ...).
[[nodiscard]] std::string_view reason_for_code(std::int32_t code);

}  // namespace op::webhook
