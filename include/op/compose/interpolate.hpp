#pragma once
// Compose variable interpolation (Compose Specification "Interpolation"): $VAR, ${VAR},
// ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ${VAR?err}, ${VAR:+alt}, ${VAR+alt}, "$$" for a
// literal "$"; defaults, errors and alternatives are themselves interpolated (nesting).
#include "op/util/error.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace op::compose {

using environment_map = std::map<std::string, std::string>;

// A plain $VAR / ${VAR} whose variable was not set; it was replaced by "".
struct unresolved_variable {
    std::string name;
    std::string field_path;
    friend bool operator==(unresolved_variable const&, unresolved_variable const&) = default;
};

struct interpolation {
    std::string value;
    std::vector<unresolved_variable> unresolved;
};

// Interpolates one string. `field_path` is only used for errors and unresolved entries.
// Fails (invalid, with field_path) on a malformed reference ("${", "$1", "${A:x}") and on
// ${VAR:?msg} / ${VAR?msg} when VAR is unset (or empty, for ":?").
[[nodiscard]] result<interpolation> interpolate(std::string_view text, environment_map const& env,
                                                std::string_view field_path = {});

}  // namespace op::compose
