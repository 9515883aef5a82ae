#pragma once
// op::compose::load_limits: everything one load of Compose text may cost, in one place.
//
// The loader checks each limit before the input can cost more than it allows, so a hostile file
// (a "billion laughs" of aliases, a port-range bomb, deep nesting, thousands of variables) is
// answered quickly with an `invalid` error that names the field path and the limit, instead of
// taking the process's memory. With the defaults a 1 MiB file costs at most 64 MiB and is answered
// within a second, accepted or not (bench/budget/bench_budget prints the figures).
#include <cstddef>

namespace op::compose {

struct load_limits {
    std::size_t max_bytes = 1u << 20;  // text of one file
    std::size_t max_files = 32;        // files of one load: merged by load_files(), or read for
                                       // `extends: {file}` and `include` (each file once)
    // Links of one `extends` chain (a extends b extends c: 2) and nesting of `include`; a cycle
    // is refused with its chain whatever its length.
    std::size_t max_extends_depth = 10;
    std::size_t max_depth = 64;        // nesting of mappings and sequences, flow or block
    // Nodes of all files of one load, counted as materialised: aliases at their expanded size,
    // `<<` merge keys at the size of what they copy, anchors once more for the copy they keep.
    std::size_t max_nodes = 100'000;
    // Bytes of keys, scalars and tags of one load, counted like max_nodes and after
    // interpolation (a variable's value counts for every reference).
    std::size_t max_scalar_bytes = 4u << 20;
    // Items of one flow collection ([...] or {...}, JSON style), counted as its brackets, commas
    // and colons: the YAML parser holds a whole flow collection in memory before reading it.
    std::size_t max_flow_items = 50'000;
    std::size_t max_services = 1'000;
    // Service ports of the whole project after range expansion ("8000-8999" is 1000 ports).
    std::size_t max_ports = 10'000;
    // Warnings kept; past it one last warning says how many more there were.
    std::size_t max_warnings = 1'000;
    // Unresolved-variable records kept; past it one warning says how many more there were.
    std::size_t max_unresolved = 1'000;
};

}  // namespace op::compose
