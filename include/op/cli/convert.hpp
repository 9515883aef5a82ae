#pragma once
// `compose-operator convert`: Compose file(s) -> a Stack manifest ready for `kubectl apply`,
// without a cluster (the client side of the design).
//
// Interpolation uses the process environment and the `.env` file next to the first Compose file
// (or --env-file), the process environment winning, as the Docker CLI did. Services' `env_file`
// entries are read here and inlined into `environment`, since the server cannot read them.
// render_stack() is the pure part (tested); run_convert() adds file and environment I/O.
#include "op/compose/interpolate.hpp"
#include "op/compose/load.hpp"
#include "op/util/error.hpp"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace op::cli {

struct convert_options {
    std::vector<std::string> files;  // -f, in order; later files override earlier ones
    std::string name;                // --name; default: the project's `name:`, else the first
                                     // file's directory name
    std::string namespace_;          // --namespace; omitted from the manifest when empty
    std::string env_file;            // --env-file; default: .env next to the first file
    std::string api_version = "v1beta2";  // v1beta1 | v1beta2 | v1alpha3
    std::string output = "yaml";          // yaml | json | manifests (the objects, not the Stack)
    std::string service_type = "LoadBalancer";  // -o manifests: LoadBalancer | NodePort
    std::vector<std::string> profiles;          // --profile, repeatable; "*" = all
    std::string wait_image;                     // -o manifests: depends_on wait image (default: mapping's)
    std::string image_prefix;  // --image-prefix REGISTRY/PATH for build-only services
    std::string home;          // replaces a leading "~" in bind sources (run_convert: $HOME)
};

struct rendered {
    std::string manifest;
    std::vector<std::string> warnings;  // "path: message", for stderr
};

// Parses a dotenv file (KEY=VALUE, `export` prefix, # comments, single/double quotes).
// Fails (invalid, path "<file>:<line>") on a line without '='.
[[nodiscard]] result<compose::environment_map> parse_env_file(std::string_view text,
                                                              std::string_view file_name);

// The client's load_options::read_file for `extends: {file}` and `include`: relative paths
// against `base_dir` (the project folder), regular files only, at most max_bytes + 1 bytes read.
[[nodiscard]] std::function<std::optional<std::string>(std::string const&, std::size_t)>
compose_file_reader(std::filesystem::path base_dir);

// Loads `files`, packs the local files they name (relative to `base_dir`, whose name is the
// default project and stack name; op/cli/pack.hpp) and renders the Stack: -o yaml is one
// multi-document stream, the packed Secrets then the Stack. Fails on load/pack/conversion errors
// (with their field path), on what the admission webhook would deny, and on bad options.
[[nodiscard]] result<rendered> render_stack(std::vector<compose::source_file> const& files,
                                            convert_options const& options,
                                            compose::environment_map const& environment,
                                            std::filesystem::path const& base_dir);

// Does the I/O around render_stack: reads the files, the dotenv file and the process
// environment; prints the manifest to stdout, warnings and errors to stderr. Returns the exit
// status (0 on success, 1 on an error).
[[nodiscard]] int run_convert(convert_options const& options);

// Registers the `convert` subcommand on `app`, storing flags into `options` (which must outlive
// the parse). Returns the subcommand so main can test `->parsed()`.
CLI::App* add_convert_command(CLI::App& app, convert_options& options);

}  // namespace op::cli
