#pragma once
// Private: typed decoding of an (interpolated, merged) node tree into the project model.
#include "budget.hpp"
#include "op/compose/load.hpp"
#include "op/compose/node.hpp"
#include "op/compose/project.hpp"

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace op::compose::detail {

using status = result<void>;

struct context {
    load_options const& options;
    std::vector<std::string> const& file_names;
    std::vector<load_warning>& warnings;
    load_budget& budget;  // what this load has spent of options.limits
    // file_names[0, top_files) were given to load_files(); the others were read through
    // load_options::read_file (include, extends.file), named as the loader passed them to it.
    std::size_t top_files = 1;

    // An `invalid` error at `path`, message suffixed with the node's position.
    [[nodiscard]] error fail(node const& n, std::string const& path, std::string msg) const;
    // Adds a warning; past limits.max_warnings it is only counted (load() reports the count).
    void warn(std::string path, std::string msg) const;
    // Charges `count` service ports (after range expansion) to limits.max_ports; fails at `path`.
    [[nodiscard]] status take_ports(node const& n, std::string const& path, std::size_t count) const;
};

[[nodiscard]] std::string quoted(std::string_view s);
[[nodiscard]] std::string key_path(std::string const& path, std::string_view key);
[[nodiscard]] std::string index_path(std::string const& path, std::size_t i);
[[nodiscard]] bool is_extension(std::string_view key);

// Scalar readers: they fail with "<path>: expected a <what>, got <kind>" or an invalid value.
[[nodiscard]] result<std::string> as_string(context const& c, node const& n, std::string const& p);
[[nodiscard]] result<bool> as_bool(context const& c, node const& n, std::string const& p);
[[nodiscard]] result<std::uint64_t> as_uint(context const& c, node const& n, std::string const& p);
[[nodiscard]] result<std::int64_t> as_int(context const& c, node const& n, std::string const& p);
[[nodiscard]] result<double> as_double(context const& c, node const& n, std::string const& p);
[[nodiscard]] result<duration> as_duration(context const& c, node const& n, std::string const& p);
[[nodiscard]] result<std::int64_t> as_bytes(context const& c, node const& n, std::string const& p);
[[nodiscard]] result<std::uint32_t> as_mode(context const& c, node const& n, std::string const& p);
// A list of strings; a single string is a one-item list when `allow_single`.
[[nodiscard]] result<std::vector<std::string>> as_string_list(context const& c, node const& n,
                                                              std::string const& p,
                                                              bool allow_single = false);
// "k=v" list or mapping -> map; a missing value is "".
[[nodiscard]] result<std::map<std::string, std::string>> as_string_map(context const& c,
                                                                       node const& n,
                                                                       std::string const& p);

// A relative path written in a file read through read_file (include, extends.file) is relative
// to that file's folder (Compose Specification: an included file is loaded with its own project
// directory; compose-go resolves the paths of an extends file against its folder too): joined to
// the folder of the file `where` is in, "./"-prefixed while it stays inside the project folder.
// Absolute and "~" paths, and paths of the files given to load_files(), are unchanged (the
// caller resolves those against the project folder).
[[nodiscard]] std::string relative_to_file(context const& c, mark const& where, std::string path);

// A bind source or file path written at `where`: relative_to_file(), then made absolute against
// options.home ("~") and options.working_dir (relative paths), unchanged when those are empty.
[[nodiscard]] std::string resolve_path(context const& c, mark const& where, std::string path);

// Fails unless `n` is a mapping.
[[nodiscard]] status expect_mapping(context const& c, node const& n, std::string const& p);

// Walks a mapping: x- keys go to `ext`, keys in `known` go to `fn`, others are an error
// (strict_keys) or a warning. Fails when `n` is not a mapping.
using entry_fn = std::function<status(std::string const& key, node const& v, std::string const& p)>;
[[nodiscard]] status walk(context const& c, node const& n, std::string const& p,
                          std::initializer_list<std::string_view> known, extension_map* ext,
                          entry_fn const& fn);

[[nodiscard]] result<service> decode_service(context const& c, std::string const& name,
                                             node const& n, std::string const& p);
[[nodiscard]] result<deploy_config> decode_deploy(context const& c, node const& n,
                                                  std::string const& p);
[[nodiscard]] result<healthcheck> decode_healthcheck(context const& c, node const& n,
                                                     std::string const& p);
[[nodiscard]] result<std::vector<service_port>> decode_ports(context const& c, node const& n,
                                                             std::string const& p);
[[nodiscard]] result<std::vector<service_volume>> decode_volumes(context const& c, node const& n,
                                                                 std::string const& p);
[[nodiscard]] result<std::vector<file_reference>> decode_file_refs(context const& c, node const& n,
                                                                   std::string const& p,
                                                                   bool secrets);
// The `x-kubernetes` block of a top-level volume; every error names its key under `p`.
[[nodiscard]] result<volume_claim> decode_volume_claim(context const& c, node const& n,
                                                       std::string const& p);
// The `x-kubernetes` block of a service (serviceType, expose); errors name their key under `p`.
[[nodiscard]] result<service_kubernetes> decode_service_kubernetes(context const& c, node const& n,
                                                                   std::string const& p);
// The whole project from the top-level mapping; checks references between sections.
[[nodiscard]] result<project> decode_project(context const& c, node const& root);

}  // namespace op::compose::detail
