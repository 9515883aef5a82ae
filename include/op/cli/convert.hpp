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
};

struct rendered {
    std::string manifest;
    std::vector<std::string> warnings;  // "path: message", for stderr
};

// Reads a file given its path relative to the first Compose file's directory (or absolute);
// nullopt when it does not exist or cannot be read.
using file_reader = std::function<std::optional<std::string>(std::string const& path)>;

// Parses a dotenv file (KEY=VALUE, `export` prefix, # comments, single/double quotes).
// Fails (invalid, path "<file>:<line>") on a line without '='.
[[nodiscard]] result<compose::environment_map> parse_env_file(std::string_view text,
                                                              std::string_view file_name);

// Loads `files`, inlines env_file entries (read with `read`), converts and renders the Stack.
// Fails on load/conversion errors (with their field path) and bad options.
[[nodiscard]] result<rendered> render_stack(std::vector<compose::source_file> const& files,
                                            convert_options const& options,
                                            compose::environment_map const& environment,
                                            file_reader const& read);

// Does the I/O around render_stack: reads the files, the dotenv file and the process
// environment; prints the manifest to stdout, warnings and errors to stderr. Returns the exit
// status (0 on success, 1 on an error).
[[nodiscard]] int run_convert(convert_options const& options);

// Registers the `convert` subcommand on `app`, storing flags into `options` (which must outlive
// the parse). Returns the subcommand so main can test `->parsed()`.
CLI::App* add_convert_command(CLI::App& app, convert_options& options);

}  // namespace op::cli
