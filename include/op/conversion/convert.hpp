#pragma once
// Conversion between the served versions of compose.docker.com Stack, hub-and-spoke: every
// version converts to the hub (op::api::stack) and back, so N versions need 2N functions.
//
// Losslessness is kept with annotations (only ours change; all other metadata is untouched):
// - On v1beta2/v1alpha3 objects made from v1beta1, `compose.docker.com/compose-file` holds the
//   original Compose text and `compose.docker.com/compose-file-spec-hash` a hash of the spec it
//   produced. The text is used (read back byte-identical as v1beta1) only while the hash still
//   matches the spec; after someone edits the structured spec both annotations are dropped.
// - On v1beta1 objects whose Compose text was rendered from a structured spec,
//   `compose.docker.com/structured-spec` holds the spec (canonical JSON) and
//   `compose.docker.com/structured-spec-compose-hash` a hash of the rendered text, so
//   v1beta2 -> v1beta1 -> v1beta2 returns the same spec. Editing composeFile invalidates them.
// v1beta1 -> hub parses the Compose text with an EMPTY environment (server side) and returns the
// variables that had no value, for the validating webhook's warnings.
#include "op/api/hub.hpp"
#include "op/api/versions.hpp"
#include "op/compose/interpolate.hpp"
#include "op/conversion/compose_spec.hpp"
#include "op/util/error.hpp"

#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <vector>

namespace op::conversion {

inline constexpr char const* compose_file_annotation = "compose.docker.com/compose-file";
inline constexpr char const* compose_file_hash_annotation =
    "compose.docker.com/compose-file-spec-hash";
inline constexpr char const* structured_spec_annotation = "compose.docker.com/structured-spec";
inline constexpr char const* structured_spec_hash_annotation =
    "compose.docker.com/structured-spec-compose-hash";

// "fnv1a64:<16 hex digits>" of `text` (change detection, not security).
[[nodiscard]] std::string content_hash(std::string_view text);

// A hub plus what the user should hear about it.
struct hub_result {
    api::stack stack;
    std::vector<compose::unresolved_variable> unresolved;  // v1beta1 only
    std::vector<warning> warnings;                          // v1beta1 only
};

// Spokes. to_hub fails (invalid, with a field path under spec.composeFile) when the Compose
// text does not load or cannot become a structured spec; from_hub never fails.
namespace v1beta1 {
[[nodiscard]] result<hub_result> to_hub(api::v1beta1::stack const& s);
[[nodiscard]] api::v1beta1::stack from_hub(api::stack const& hub);
}  // namespace v1beta1
namespace v1beta2 {
[[nodiscard]] api::stack to_hub(api::v1beta2::stack const& s);
[[nodiscard]] api::v1beta2::stack from_hub(api::stack const& hub);
}  // namespace v1beta2
namespace v1alpha3 {
[[nodiscard]] api::stack to_hub(api::v1alpha3::stack const& s);
[[nodiscard]] api::v1alpha3::stack from_hub(api::stack const& hub);
}  // namespace v1alpha3

// Any served version's JSON object -> hub. Fails on a bad object (field path) or bad Compose.
[[nodiscard]] result<hub_result> decode_to_hub(rapidjson::Value const& object);
// Hub -> the JSON object of version `v`.
[[nodiscard]] rapidjson::Document encode_from_hub(api::stack const& hub, api::version v);

struct converted {
    rapidjson::Document object;
    std::vector<compose::unresolved_variable> unresolved;
    std::vector<warning> warnings;
};

// Converts one whole Stack object to `desired`. Only apiVersion, spec, status and our own
// annotations change. An object already at `desired` is returned unchanged.
[[nodiscard]] result<converted> convert(rapidjson::Value const& object, api::version desired);
// The same over JSON text (bounded parse); returns compact JSON.
[[nodiscard]] result<std::string> convert(std::string_view object_json, api::version desired);

}  // namespace op::conversion
