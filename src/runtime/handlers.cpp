#include "op/admission/validate.hpp"
#include "op/api/versions.hpp"
#include "op/conversion/convert.hpp"
#include "op/mapping/labels.hpp"
#include "op/util/json.hpp"
#include "op/util/log.hpp"
#include "op/webhook/owner.hpp"
#include "parts.hpp"

#include <fmt/format.h>

#include <optional>

namespace op::runtime {
namespace {

bool is_stack(webhook::admission_request const& req) {
    return req.kind.group == api::group && req.kind.kind == api::kind;
}

}  // namespace

webhook::handlers make_handlers(identity::hmac_key const& key, mapping::mapping_options const& mapping,
                                admission::object_lookup lookup,
                                std::shared_ptr<webhook::conversion_cache> cache) {
    webhook::handlers h;

    h.convert = [cache = std::move(cache)](webhook::conversion_request const& req) -> webhook::conversion_result {
        OP_TRY(auto desired, api::parse_version(req.desired_api_version));
        std::vector<std::string> out;
        out.reserve(req.objects.size());
        for (auto const& obj : req.objects) {
            // The same stored object converted to the same version: the answer already given.
            auto const k = cache ? webhook::conversion_cache::key_of(req.desired_api_version, json::dump(obj))
                                 : std::nullopt;
            if (k) {
                if (auto hit = cache->get(*k)) {
                    out.push_back(std::move(*hit));
                    continue;
                }
            }
            auto converted = conversion::convert(obj, desired);
            if (!converted) {
                auto name = kube::key_of(obj).str();
                return error{converted.error().code,
                             fmt::format("converting stack {} to {}: {}", name, req.desired_api_version,
                                         converted.error().what()),
                             {}};
            }
            auto text = json::dump(converted->object);
            if (k) cache->put(*k, text);
            out.push_back(std::move(text));
        }
        return out;
    };

    h.mutate = [&key](webhook::admission_request const& req) {
        if (!is_stack(req)) return webhook::allowed();
        return webhook::mutate_owner(req, key);
    };

    h.validate = [mapping, lookup = std::move(lookup)](webhook::admission_request const& req) {
        if (!is_stack(req) || (req.operation != "CREATE" && req.operation != "UPDATE") ||
            req.sub_resource == "status") {
            return webhook::allowed();
        }
        // Metadata/finalizer/status-only updates and updates of a stack being deleted are not
        // validated again, so a stack whose spec no longer validates can always go.
        if (!webhook::needs_spec_validation(req)) return webhook::allowed();
        auto v = admission::validate(req.object, mapping, lookup);
        auto resp = v.allowed ? webhook::allowed() : webhook::denied(v.message(), 422);
        resp.warnings = std::move(v.warnings);
        log::debug("validated stack", {{"stack", req.namespace_ + "/" + req.name},
                                       {"allowed", v.allowed ? "true" : "false"},
                                       {"user", req.user.username}});
        return resp;
    };
    return h;
}

}  // namespace op::runtime
