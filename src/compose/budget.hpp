#pragma once
// Private: what one load has spent of its load_limits (op/compose/limits.hpp). One load_budget
// lives for one load()/load_files() call and is shared by the reader (nodes and bytes, aliases
// counted expanded), interpolation (bytes it adds), the port decoder and the warning sinks.
#include "op/compose/limits.hpp"

#include <cstddef>
#include <string>

namespace op::compose::detail {

struct load_budget {
    explicit load_budget(load_limits const& l) : limits(l) {}

    load_limits const& limits;
    std::size_t nodes = 0;
    std::size_t scalar_bytes = 0;
    std::size_t ports = 0;
    std::size_t warnings_dropped = 0;
    std::size_t unresolved_dropped = 0;
};

// "more than 100000 nodes (limit max_nodes)": the common tail of every budget error.
[[nodiscard]] inline std::string over_limit(std::size_t limit, char const* unit, char const* name) {
    return "more than " + std::to_string(limit) + " " + unit + " (limit " + name + ")";
}

}  // namespace op::compose::detail
