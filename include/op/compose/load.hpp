#pragma once
// The Compose loader: Compose YAML text(s) -> op::compose::project.
//
// Accepts Compose file format 2.x/3.x and the versionless Compose Specification. Pure: the
// caller reads the files and passes their text; nothing here touches the file system, the
// process environment or the clock. Hostile input is bounded (size, nesting depth, alias
// expansion, ports, warnings: see limits.hpp) and rejected with an `invalid` error before it can
// cost much.
// Nothing throws: yaml-cpp exceptions are turned into op::result errors carrying the field path,
// the offending value and the line/column.
#include "op/compose/interpolate.hpp"
#include "op/compose/limits.hpp"
#include "op/compose/project.hpp"
#include "op/util/error.hpp"

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace op::compose {

struct load_options {
    load_limits limits;
    // Variables for interpolation. Empty on the server (the design's "no client environment").
    std::map<std::string, std::string> environment;
    bool interpolate = true;
    // When set, relative bind sources and secret/config files are made absolute against it;
    // when empty they are kept as written ("./data").
    std::string working_dir;
    // When set, a leading "~" in bind sources and files is replaced by it; else kept.
    std::string home;
    // Unknown service/top-level keys: an error when true (the Compose schema's behaviour),
    // a warning when false.
    bool strict_keys = true;
    // Active profiles (`--profile`, COMPOSE_PROFILES); "*" activates every profile. A service
    // with `profiles:` is deployed only when one of them is active; the others are removed with
    // a warning. Empty (the server): only services without `profiles:` are deployed.
    std::vector<std::string> profiles;
    // Reads another Compose file named by `extends: {file: ...}` or `include:`: the path as
    // written, relative paths joined to the folder of the file that names it when that file was
    // itself read this way (the caller resolves the rest, e.g. against the project folder). It
    // returns at most `max_bytes` + 1 bytes (the loader refuses more) or nullopt: cannot be read.
    // The client sets it; the server leaves it empty, which denies both with the advice to run
    // `compose-operator stack deploy` / `convert`. Each path is read once per load; the files
    // read count against limits.max_files and their content against the node and byte budgets,
    // as does every copy `extends` makes of a base service.
    std::function<std::optional<std::string>(std::string const& path, std::size_t max_bytes)> read_file;
};

// One input file: `name` is only used in messages ("compose.override.yaml").
struct source_file {
    std::string name;
    std::string text;
};

// Something the caller should warn about: a key kept but without Kubernetes effect, an unknown
// key (strict_keys=false), a service outside the active profiles, ...
struct load_warning {
    std::string field_path;  // "services.web.logging"
    std::string message;
    friend bool operator==(load_warning const&, load_warning const&) = default;
};

struct load_result {
    op::compose::project project;
    std::vector<unresolved_variable> unresolved;  // variables without a value, with their path
    std::vector<load_warning> warnings;
};

// Loads one Compose file. Fails (invalid) on malformed YAML, a limit exceeded, a wrong type or
// value (path + value + line/column), a `${X:?msg}` without value, or a reference to an
// undefined service/network/volume/secret/config.
[[nodiscard]] result<load_result> load(std::string_view text, load_options const& options = {});

// Loads several files merged in order (later files override earlier ones, following the
// Compose Specification merge rules). Fails like load(); an empty list is invalid.
[[nodiscard]] result<load_result> load_files(std::vector<source_file> const& files,
                                             load_options const& options = {});

}  // namespace op::compose
