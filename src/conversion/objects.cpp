// Whole JSON objects: any served version -> hub -> any served version.
#include "op/conversion/convert.hpp"
#include "op/util/json.hpp"

namespace op::conversion {

result<hub_result> decode_to_hub(rapidjson::Value const& object) {
    OP_TRY(auto v, api::version_of(object));
    switch (v) {
        case api::version::v1beta1: {
            OP_TRY(auto s, api::decode_v1beta1(object));
            return v1beta1::to_hub(s);
        }
        case api::version::v1beta2: {
            OP_TRY(auto s, api::decode_v1beta2(object));
            return hub_result{v1beta2::to_hub(s), {}, {}};
        }
        case api::version::v1alpha3: {
            OP_TRY(auto s, api::decode_v1alpha3(object));
            return hub_result{v1alpha3::to_hub(s), {}, {}};
        }
    }
    return internal("unknown version");
}

rapidjson::Document encode_from_hub(api::stack const& hub, api::version v) {
    switch (v) {
        case api::version::v1beta1: return api::encode(v1beta1::from_hub(hub));
        case api::version::v1beta2: return api::encode(v1beta2::from_hub(hub));
        case api::version::v1alpha3: return api::encode(v1alpha3::from_hub(hub));
    }
    return rapidjson::Document();
}

result<converted> convert(rapidjson::Value const& object, api::version desired) {
    OP_TRY(auto from, api::version_of(object));
    converted out;
    if (from == desired) {
        out.object.CopyFrom(object, out.object.GetAllocator());
        return out;
    }
    OP_TRY(auto hub, decode_to_hub(object));
    out.object = encode_from_hub(hub.stack, desired);
    out.unresolved = std::move(hub.unresolved);
    out.warnings = std::move(hub.warnings);
    return out;
}

result<std::string> convert(std::string_view object_json, api::version desired) {
    OP_TRY(auto doc, json::parse(object_json));
    OP_TRY(auto out, convert(doc, desired));
    return json::dump(out.object);
}

}  // namespace op::conversion
