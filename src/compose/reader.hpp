#pragma once
// Private: YAML text -> op::compose::node through yaml-cpp's event parser, so that anchors and
// aliases are expanded under our own budget (a "billion laughs" file stops at the budget) and
// nesting depth is checked before yaml-cpp recurses further.
#include "budget.hpp"
#include "op/compose/load.hpp"
#include "op/compose/node.hpp"

#include <optional>
#include <string>
#include <utility>
#include <string_view>

namespace op::compose::detail {

// What a subtree costs: nodes and bytes (as load_limits counts them) and nesting depth.
struct cost {
    std::size_t nodes = 0;
    std::size_t bytes = 0;
    std::size_t depth = 0;
};
[[nodiscard]] cost measure(node const& n);

// Parses the first YAML document of `text` (more than one document is an error). Resolves
// anchors, aliases and `<<` merge keys. Fails (invalid) on malformed YAML, invalid UTF-8, NUL
// bytes, duplicate or non-string keys and exceeded limits (charged to `budget`, which one load
// shares across its files); the message ends with the position, the error has the field path.
[[nodiscard]] result<node> read_yaml(std::string_view text, int file_index,
                                     std::string_view file_name, load_budget& budget);

// Bounds the flow collections of `text` before yaml-cpp reads it (flow_scan.cpp says why):
// their nesting (max_depth) and items (max_flow_items). Returns the message and the byte
// offset of the first one over a limit, or nothing.
[[nodiscard]] std::optional<std::pair<std::string, std::size_t>> check_flow_collections(
    std::string_view text, load_limits const& limits);

// " (line 3, column 5)" or " (name: line 3, column 5)"; empty when the mark is unknown.
[[nodiscard]] std::string position(mark const& m, std::string_view file_name);

}  // namespace op::compose::detail
