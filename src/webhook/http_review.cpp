// Transport glue: body -> typed request -> handler -> encoded review. Catches handler exceptions
// (style 2.3.2: the top of the request) and maps failures to Kubernetes answers (style 2.3.4).
#include "op/util/log.hpp"
#include "op/webhook/review.hpp"

#include <fmt/format.h>

#include <exception>

namespace op::webhook {
namespace {

http_reply bad_request(std::string_view message) {
    return http_reply{400, status_body(400, message), "application/json", true};
}

}  // namespace

http_reply serve_conversion(std::string_view body, conversion_handler const& h, json::limits lim) {
    auto req = decode_conversion_review(body, lim);
    if (!req) return bad_request("cannot decode ConversionReview: " + req.error().what());
    std::size_t const n = req->objects.size();
    conversion_result res = op::internal("conversion handler did not run");
    bool failed = false;
    try {
        res = h(*req);
    } catch (std::exception const& e) {
        log::error("conversion handler threw", {{"uid", req->uid}, {"error", e.what()}});
        res = op::internal(fmt::format("conversion failed: {}", e.what()));
        failed = true;
    }
    if (res && res->size() != n) {
        res = op::internal(fmt::format("converter returned {} objects for {}", res->size(), n));
        failed = true;
    }
    return http_reply{200, encode_conversion_review(req->uid, res), "application/json", failed};
}

http_reply serve_admission(std::string_view body, admission_handler const& h, bool allow_patch,
                           json::limits lim) {
    std::string uid;
    auto req = decode_admission_review(body, lim, &uid);
    if (!req) {
        if (uid.empty()) return bad_request("cannot decode AdmissionReview: " + req.error().what());
        admission_response r = errored(400, req.error());
        r.uid = uid;
        return http_reply{200, encode_admission_review(r), "application/json", true};
    }
    admission_response r;
    bool failed = false;
    try {
        r = h(*req);
    } catch (std::exception const& e) {
        log::error("admission handler threw", {{"uid", req->uid}, {"error", e.what()}});
        r = errored(500, op::internal(fmt::format("admission webhook failed: {}", e.what())));
        failed = true;
    }
    if (r.patch && !allow_patch) {
        log::error("validating handler returned a patch", {{"uid", req->uid}});
        r = errored(500, op::internal("validating webhook returned a patch"));
        failed = true;
    }
    if (!r.allowed && r.code >= 500) failed = true;
    r.uid = req->uid;
    return http_reply{200, encode_admission_review(r), "application/json", failed};
}

}  // namespace op::webhook
