#include "op/api/versions.hpp"

#include "op/util/json.hpp"

#include <string>

namespace op::api {

std::string_view to_string(version v) noexcept {
    switch (v) {
        case version::v1beta1: return "v1beta1";
        case version::v1beta2: return "v1beta2";
        case version::v1alpha3: return "v1alpha3";
    }
    return "unknown";
}

std::string api_version(version v) { return std::string(group) + "/" + std::string(to_string(v)); }

result<version> parse_version(std::string_view text) {
    std::string_view v = text;
    std::string const prefix = std::string(group) + "/";
    if (v.starts_with(prefix)) v.remove_prefix(prefix.size());
    for (auto candidate : {version::v1beta1, version::v1beta2, version::v1alpha3}) {
        if (v == to_string(candidate)) return candidate;
    }
    return invalid("unsupported version \"" + std::string(text) +
                   "\" (want compose.docker.com/v1beta1, v1beta2 or v1alpha3)");
}

std::string canonical_json(stack_spec const& s) {
    rapidjson::Document doc;
    rapidjson::Value v = encode_spec(s, doc.GetAllocator());
    return json::dump(v);
}

}  // namespace op::api
