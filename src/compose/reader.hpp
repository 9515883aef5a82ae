#pragma once
// Private: YAML text -> op::compose::node through yaml-cpp's event parser, so that anchors and
// aliases are expanded under our own budget (a "billion laughs" file stops at the budget) and
// nesting depth is checked before yaml-cpp recurses further.
#include "op/compose/load.hpp"
#include "op/compose/node.hpp"

#include <string>
#include <string_view>

namespace op::compose::detail {

// Parses the first YAML document of `text` (more than one document is an error). Resolves
// anchors, aliases and `<<` merge keys. Fails (invalid) on malformed YAML, invalid UTF-8, NUL
// bytes, duplicate or non-string keys and exceeded limits; the message ends with the position.
[[nodiscard]] result<node> read_yaml(std::string_view text, int file_index,
                                     std::string_view file_name, load_limits const& limits);

// " (line 3, column 5)" or " (name: line 3, column 5)"; empty when the mark is unknown.
[[nodiscard]] std::string position(mark const& m, std::string_view file_name);

}  // namespace op::compose::detail
