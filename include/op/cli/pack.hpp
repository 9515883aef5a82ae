#pragma once
// Packing: a loaded Compose project plus the folder it came from -> everything the cluster needs,
// so the cluster never needs the user's files. Used by `convert` and by `stack deploy`.
//
// What is packed (the client has the files; the server has none):
// - services with `build:` and no `image:` get `<image_prefix>/<project>-<service>`, the name
//   `docker compose build` gives them (project_name() below); without a prefix they stay an error
//   that names --image-prefix;
// - `env_file:` entries are read and inlined into `environment` (environment wins);
// - `configs:` with `file:` become inline `content` in the Stack;
// - `secrets:` with `file:` become Secret objects written beside the Stack (never inline in it):
//   named `<stack>.<key>` by mapping::stack_scoped_name (op/mapping/names.hpp: two stacks in
//   one namespace never share one; the stack name must be a DNS-1123 label), one key `file`,
//   labelled com.docker.stack.namespace=<stack>; the Stack's secret is renamed to the Secret's
//   name and references it as `external` (so every served version can carry the reference), its
//   services keep their mount paths (/run/secrets/<key>), and the operator adopts it (adds a
//   non-controller ownerReference), so it goes when the stack goes;
// - relative bind mounts of a file, or of a directory whose files fit (limits below), become
//   read-only config mounts (inline content, one config per file) with a warning that writes are
//   not kept. Compose cannot tell a mount that must be writable from one that may be read-only
//   (both are the default `rw`), so every packed mount is read-only and the warning says to use a
//   named volume where the application writes;
// - a relative bind source that does not exist: Docker's short syntax creates an empty directory,
//   so it becomes an empty in-memory directory (emptyDir) with a warning; the long syntax with
//   `bind.create_host_path: false` is an error.
// Errors carry the field path and say what to do: a missing secret/config file (names the path), a
// directory too big or holding a socket/device, a binary file in a config or mount.
#include "op/api/versions.hpp"
#include "op/compose/load.hpp"
#include "op/util/error.hpp"

#include <rapidjson/document.h>

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace op::cli {

struct pack_limits {
    std::size_t max_file_bytes = 512 * 1024;    // one packed file (config, secret, mounted file)
    std::size_t max_dir_files = 64;             // files in one packed bind-mounted directory
    std::size_t max_total_bytes = 900 * 1024;   // all inline content of the Stack (etcd keeps
                                                // objects under 1.5 MiB)
};

struct pack_options {
    std::string stack_name;  // metadata.name (required: the caller derives it)
    std::string namespace_;  // metadata.namespace of the Stack and Secrets; omitted when empty
    std::string image_prefix;  // --image-prefix REGISTRY/PATH; empty: build-only services fail
    std::string project_name;  // the Compose project name (see project_name()); required with
                               // image_prefix
    api::version version = api::version::v1beta2;  // of the Stack object written
    pack_limits limits;
};

struct packed_stack {
    rapidjson::Document stack;                 // the Stack object, version options.version
    std::vector<rapidjson::Document> secrets;  // v1 Secret objects, to write before the Stack
    std::vector<std::string> warnings;         // "path: message"
};

// The project name `docker compose` uses: the file's top-level `name:`, else
// COMPOSE_PROJECT_NAME, else the folder's name; lowercased, characters other than [a-z0-9_-]
// dropped, leading '_'/'-' trimmed (compose-go's normalisation).
[[nodiscard]] std::string project_name(std::string_view top_level_name,
                                       std::string_view compose_project_name_env,
                                       std::string_view folder_name);

// Packs `loaded` (paths relative to `base_dir`) into a Stack plus Secrets. Fails (invalid, with
// the Compose field path) as described above, and on what the Stack cannot hold (from_compose,
// admission validation: nothing this returns is denied later for its content).
[[nodiscard]] result<packed_stack> pack(compose::load_result loaded,
                                        std::filesystem::path const& base_dir,
                                        pack_options const& options);

}  // namespace op::cli
