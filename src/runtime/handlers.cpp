#include "op/admission/validate.hpp"
#include "op/api/versions.hpp"
#include "op/conversion/convert.hpp"
#include "op/mapping/labels.hpp"
#include "op/util/log.hpp"
#include "parts.hpp"

#include <fmt/format.h>

namespace op::runtime {
namespace {

kube::resource resource_for_kind(std::string_view kind) {
    if (kind == "Service") return {"", "v1", "services", true};
    if (kind == "Deployment") return {"apps", "v1", "deployments", true};
    if (kind == "StatefulSet") return {"apps", "v1", "statefulsets", true};
    return {"apps", "v1", "daemonsets", true};
}

bool is_stack(webhook::admission_request const& req) {
    return req.kind.group == api::group && req.kind.kind == api::kind;
}

}  // namespace

webhook::handlers make_handlers(webhook::hmac_key const& key, mapping::mapping_options const& mapping,
                                kube::client* live) {
    webhook::handlers h;

    h.convert = [](webhook::conversion_request const& req) -> webhook::conversion_result {
        OP_TRY(auto desired, api::parse_version(req.desired_api_version));
        std::vector<rapidjson::Document> out;
        out.reserve(req.objects.size());
        for (auto const& obj : req.objects) {
            auto converted = conversion::convert(obj, desired);
            if (!converted) {
                auto name = kube::key_of(obj).str();
                return error{converted.error().code,
                             fmt::format("converting stack {} to {}: {}", name, req.desired_api_version,
                                         converted.error().what()),
                             {}};
            }
            out.push_back(std::move(converted->object));
        }
        return out;
    };

    h.mutate = [&key](webhook::admission_request const& req) {
        if (!is_stack(req)) return webhook::allowed();
        return webhook::mutate_owner(req, key);
    };

    admission::object_lookup lookup;
    if (live != nullptr) {
        lookup = [live](std::string_view kind, std::string_view ns, std::string_view name)
            -> std::optional<admission::existing_object> {
            auto obj = live->get(resource_for_kind(kind), std::string(ns), std::string(name));
            if (!obj) {
                if (obj.error().code != errc::not_found) {
                    log::warn("collision lookup failed", {{"kind", std::string(kind)},
                                                          {"name", std::string(name)},
                                                          {"error", obj.error().what()}});
                }
                return std::nullopt;
            }
            admission::existing_object found;
            auto const* meta = json::find(**obj, "metadata");
            auto const* labels = meta != nullptr ? json::find(*meta, "labels") : nullptr;
            if (labels != nullptr && labels->IsObject()) {
                for (auto const& m : labels->GetObject()) {
                    if (m.value.IsString()) found.labels.emplace(m.name.GetString(), m.value.GetString());
                }
            }
            found.controller_uid = std::string(kube::controller_uid(**obj));
            return found;
        };
    }
    h.validate = [mapping, lookup](webhook::admission_request const& req) {
        if (!is_stack(req) || (req.operation != "CREATE" && req.operation != "UPDATE") ||
            req.sub_resource == "status") {
            return webhook::allowed();
        }
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
