// ConversionReview apiextensions.k8s.io/v1 decoding/encoding (kubernetes.md 3.1).
#include "op/webhook/review.hpp"

#include "op/util/text.hpp"

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace op::webhook {
namespace {
constexpr std::string_view conversion_api_version = "apiextensions.k8s.io/v1";
}  // namespace

result<conversion_request> decode_conversion_review(std::string_view body, json::limits lim) {
    OP_TRY(auto doc, json::parse(body, lim));
    if (!doc.IsObject()) return invalid("ConversionReview must be a JSON object");
    OP_TRY(auto api_version, json::get_string(doc, "apiVersion", ""));
    OP_TRY(auto kind, json::get_string(doc, "kind", ""));
    if (!api_version || *api_version != conversion_api_version) {
        return invalid(fmt::format("expected apiVersion {}", conversion_api_version), "apiVersion");
    }
    if (!kind || *kind != "ConversionReview") {
        return invalid("expected kind ConversionReview", "kind");
    }
    OP_TRY(auto req, json::get_object(doc, "request", ""));
    if (!req) return invalid("missing request", "request");
    conversion_request r;
    OP_TRY(auto uid, json::get_string(*req, "uid", "request"));
    if (!uid || uid->empty()) return invalid("missing uid", "request.uid");
    r.uid = std::string(*uid);
    OP_TRY(auto desired, json::get_string(*req, "desiredAPIVersion", "request"));
    if (!desired || desired->empty()) {
        return invalid("missing desiredAPIVersion", "request.desiredAPIVersion");
    }
    r.desired_api_version = std::string(*desired);
    OP_TRY(auto objects, json::get_array(*req, "objects", "request"));
    if (objects) {
        r.objects.reserve(objects->Size());
        for (rapidjson::SizeType i = 0; i < objects->Size(); ++i) {
            auto const& o = (*objects)[i];
            if (!o.IsObject()) {
                return invalid("expected an object", fmt::format("request.objects[{}]", i));
            }
            rapidjson::Document d;
            d.CopyFrom(o, d.GetAllocator());
            r.objects.push_back(std::move(d));
        }
    }
    return r;
}

std::string encode_conversion_review(std::string_view uid, conversion_result const& result) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    auto str = [&w](std::string_view s) {
        w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    };
    w.StartObject();
    str("apiVersion"); str(conversion_api_version);
    str("kind"); str("ConversionReview");
    str("response");
    w.StartObject();
    str("uid"); str(uid);
    str("result");
    w.StartObject();
    if (result) {
        str("status"); str("Success");
    } else {
        str("status"); str("Failure");
        str("message"); str(result.error().what());
    }
    w.EndObject();
    str("convertedObjects");
    w.StartArray();
    if (result) {
        for (auto const& o : *result) w.RawValue(o.data(), o.size(), rapidjson::kObjectType);
    }
    w.EndArray();
    w.EndObject();
    w.EndObject();
    // A JSON answer must be UTF-8 (the API server's decoder refuses it otherwise). Outside
    // strings it is ASCII, so replacing ill-formed bytes (an error message quoting input) keeps
    // it JSON.
    return op::valid_utf8(std::string_view(buf.GetString(), buf.GetSize()));
}

}  // namespace op::webhook
