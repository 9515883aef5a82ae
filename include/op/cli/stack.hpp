#pragma once
// `compose-operator stack deploy|ls|services|ps|rm`: the successor of `docker stack deploy
// --orchestrator=kubernetes`. The client parses the Compose file(s) on the user's machine, with
// the user's environment and files, and server-side applies a structured Stack (v1beta2, field
// manager `compose-operator-cli`) plus the Secrets it needs, through op::kube (kubeconfig,
// contexts, tokens, exec plugins, client certificates); it can wait for the stack to be Ready,
// showing per-service progress.
//
// The pure parts are declared here and unit-tested: where the Compose files, .env and profiles
// come from (docker compose's rules), table/JSON/YAML rendering of stacks, services and pods,
// progress rendering over status snapshots, and how API errors are explained. The commands
// themselves (run_stack_*) add the file system, the process environment, the terminal and the
// cluster. Exit codes: 0 ok, 1 failed (API error, stack Stalled, not Ready by --timeout),
// 2 usage (the message names the flag).
#include "op/compose/interpolate.hpp"
#include "op/util/error.hpp"

#include <rapidjson/document.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace op::cli {

inline constexpr char const* stack_field_manager = "compose-operator-cli";

enum exit_status : int { exit_ok = 0, exit_failed = 1, exit_usage = 2 };

// ---- options ------------------------------------------------------------------------------

struct cluster_options {
    std::string kubeconfig;  // --kubeconfig; default KUBECONFIG, then ~/.kube/config
    std::string context;     // --context; default the kubeconfig's current-context
    std::string namespace_;  // -n/--namespace; default the context's namespace
};

struct deploy_options {
    cluster_options cluster;
    std::vector<std::string> files;      // -c/--compose-file, in order
    std::string name;                    // NAME; default the Compose project name
    std::vector<std::string> profiles;   // --profile; default COMPOSE_PROFILES
    std::vector<std::string> env_files;  // --env-file; default .env in the project folder
    std::string image_prefix;            // --image-prefix for build-only services
    bool wait = false;                   // --wait (also implied by --timeout)
    std::string timeout = "5m";          // --timeout: 90, 90s, 5m, 1m30s, 1h
    bool timeout_given = false;
    bool dry_run = false;                // --dry-run: server-side dry run, nothing is written
};

struct query_options {
    cluster_options cluster;
    std::string name;              // NAME (services, ps, rm)
    std::string output = "table";  // -o: table | json | yaml
    bool all_namespaces = false;   // ls -A
};

struct rm_options {
    cluster_options cluster;
    std::vector<std::string> names;
    bool wait = false;
    std::string timeout = "5m";
    bool timeout_given = false;
};

// ---- where the project comes from (pure) -------------------------------------------------

// The file system as the resolver sees it (tests give a map).
struct file_access {
    std::function<bool(std::string const& path)> is_file;
    std::function<std::optional<std::string>(std::string const& path)> read;
};

// Compose files in the order docker compose prefers them, and their override files.
inline constexpr char const* default_compose_files[] = {"compose.yaml", "compose.yml",
                                                         "docker-compose.yml",
                                                         "docker-compose.yaml"};
inline constexpr char const* default_override_files[] = {
    "compose.override.yml", "compose.override.yaml", "docker-compose.override.yml",
    "docker-compose.override.yaml"};

struct project_inputs {
    std::vector<std::string> files;        // absolute, in merge order
    std::string working_dir;               // the project folder: the first file's folder
    compose::environment_map environment;  // for interpolation: process env over env files
    std::vector<std::string> profiles;     // active profiles
    std::string project_name;              // COMPOSE_PROJECT_NAME, or "" (file's name:, folder)
    std::vector<std::string> warnings;
};

// Resolves files, environment, profiles and the project name the way docker compose does:
//   files: -c (relative to `cwd`); else COMPOSE_FILE (process env, else the current folder's
//          .env or --env-file) split on COMPOSE_PATH_SEPARATOR (default ':'); else the first of
//          default_compose_files in `cwd` or the nearest parent folder that has one, plus the
//          first of default_override_files in that folder.
//   environment: --env-file files in order (later wins; each must exist), else the project
//          folder's .env when present; the process environment wins over both.
//   profiles: --profile, else COMPOSE_PROFILES (comma-separated).
// Fails (invalid, field path = the flag or variable) when no Compose file is found, a given file
// or env file does not exist, or an env file is malformed.
[[nodiscard]] result<project_inputs> resolve_project(deploy_options const& options,
                                                     std::string const& cwd,
                                                     compose::environment_map const& process_env,
                                                     file_access const& fs);

// A DNS-1123 label from a project or folder name ("My_App" -> "my-app"); "" when nothing is left.
[[nodiscard]] std::string stack_name_from(std::string_view project_name);
// Empty when `name` is a valid stack name (DNS-1123 label, at most 63 characters); else why not.
[[nodiscard]] std::string invalid_stack_name(std::string_view name);
// Parses --timeout: "90" (seconds), "90s", "5m", "1m30s", "1h", "500ms". Fails (invalid,
// path `flag`) otherwise or when not positive.
[[nodiscard]] result<std::chrono::milliseconds> parse_timeout(std::string_view text,
                                                              std::string_view flag);

// --wait/--timeout: nullopt when not waiting (neither given), else the parsed --timeout
// (giving --timeout implies --wait). Fails like parse_timeout.
[[nodiscard]] result<std::optional<std::chrono::milliseconds>> wait_timeout(
    bool wait, bool timeout_given, std::string_view timeout);

// ---- rendering (pure) --------------------------------------------------------------------

// Columns padded with three spaces, as `docker stack ls` prints them (header in capitals).
struct table {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
};
[[nodiscard]] std::string render_table(table const& t);

// "5s", "3m", "2h", "4d": an age as kubectl prints it; "" for a missing or bad timestamp.
[[nodiscard]] std::string age_of(std::string_view rfc3339, std::chrono::system_clock::time_point now);

// One row per object; each kind renders as a table or as a JSON array (YAML via json_to_yaml).
struct stack_row {
    std::string name, namespace_, phase, message;
    int services = 0, ready_services = 0;
    std::string age;
};
struct service_row {
    std::string id, name, mode, image, ports;  // ports: "*:8080->80/tcp, 9000/tcp"
    int ready = 0, desired = 0;
};
struct task_row {
    std::string id, name, service, image, node, desired_state, current_state, error;
    int restarts = 0;
};

// Rows from Stack objects (any served version: status and metadata are the same).
[[nodiscard]] std::vector<stack_row> stack_rows(std::vector<rapidjson::Value const*> const& stacks,
                                                std::chrono::system_clock::time_point now);
// Rows of one stack's services: the spec gives name, mode, image and ports; the live
// workloads (Deployments, StatefulSets, DaemonSets labelled with the stack) give the ID and the
// replica counts, falling back to status.services when a workload is not there yet.
[[nodiscard]] std::vector<service_row> service_rows(
    rapidjson::Value const& stack, std::vector<rapidjson::Value const*> const& workloads);
// Rows of the stack's pods (label com.docker.service.name gives the service).
[[nodiscard]] std::vector<task_row> task_rows(std::vector<rapidjson::Value const*> const& pods,
                                              std::chrono::system_clock::time_point now);

[[nodiscard]] table stacks_table(std::vector<stack_row> const& rows, bool with_namespace);
[[nodiscard]] table services_table(std::vector<service_row> const& rows);
[[nodiscard]] table tasks_table(std::vector<task_row> const& rows);
[[nodiscard]] rapidjson::Document stacks_json(std::vector<stack_row> const& rows);
[[nodiscard]] rapidjson::Document services_json(std::vector<service_row> const& rows);
[[nodiscard]] rapidjson::Document tasks_json(std::vector<task_row> const& rows);
// The document as `-o` asks: "json" (pretty, trailing newline) or "yaml".
[[nodiscard]] std::string render_document(rapidjson::Value const& doc, std::string_view output);

// ---- progress (pure) ---------------------------------------------------------------------

struct service_progress {
    std::string name;
    int desired = 0, ready = 0, updated = 0;
    bool known = false;  // the operator reported it at the applied generation
    friend bool operator==(service_progress const&, service_progress const&) = default;
};

enum class stack_state { waiting, progressing, ready, failed };

// What `stack deploy --wait` knows about the stack at one moment.
struct progress_snapshot {
    stack_state state = stack_state::waiting;  // waiting: the operator has not seen this generation
    std::string phase, message, reason;
    std::vector<service_progress> services;  // in spec order
    friend bool operator==(progress_snapshot const&, progress_snapshot const&) = default;
};

// Reads a Stack object (spec.services gives the service list; status the rest) against the
// generation the deploy wrote. Ready: condition Ready=True observed at >= generation; failed:
// Stalled=True at >= generation (its reason and message are kept).
[[nodiscard]] progress_snapshot snapshot_of(rapidjson::Value const& stack,
                                            std::int64_t generation);

// The progress block for a terminal (redrawn in place): a header line, then one line per service.
[[nodiscard]] std::vector<std::string> progress_lines(progress_snapshot const& s,
                                                      std::string_view stack_name,
                                                      std::chrono::seconds elapsed);
// The ANSI text that replaces the previously drawn `previous_lines` lines by `lines`, each cut
// to `width - 1` columns so none wraps (width 0: no cut).
[[nodiscard]] std::string redraw(std::size_t previous_lines, std::vector<std::string> const& lines,
                                 std::size_t width);
// Plain lines for a log or a pipe: one per change since `previous` (all of them when nullopt),
// each prefixed with the elapsed time.
[[nodiscard]] std::vector<std::string> progress_changes(
    std::optional<progress_snapshot> const& previous, progress_snapshot const& next,
    std::chrono::seconds elapsed);
// Why the stack is not Ready (for a timeout or a failure): the stack's message (not for a
// failure: the caller prints it first) and each service that is not ready with its counts.
[[nodiscard]] std::vector<std::string> not_ready_report(progress_snapshot const& s);

// ---- pruning (pure) ----------------------------------------------------------------------

// The names of the Secrets among `labelled` (those labelled with the stack) that an earlier
// deploy wrote (server-side applied by stack_field_manager, per managedFields) and that the
// current deploy no longer writes (`keep`). Secrets written by anyone else are never pruned.
[[nodiscard]] std::vector<std::string> stale_secrets(
    std::vector<rapidjson::Value const*> const& labelled, std::vector<std::string> const& keep);

// ---- errors (pure) -----------------------------------------------------------------------

// A user-facing explanation of a failed API call made while doing `action` ("apply Stack shop
// in namespace demo"). 403: who lacks which right and how to get it; 401: the credentials were
// refused; 0: the API server cannot be reached; admission denials: the webhook's message.
[[nodiscard]] std::string explain_error(error const& e, std::string_view action);

// ---- commands ------------------------------------------------------------------------------

// Each runs one command and returns its exit status; output goes to stdout, errors to stderr.
[[nodiscard]] int run_stack_deploy(deploy_options const& options);
[[nodiscard]] int run_stack_ls(query_options const& options);
[[nodiscard]] int run_stack_services(query_options const& options);
[[nodiscard]] int run_stack_ps(query_options const& options);
[[nodiscard]] int run_stack_rm(rm_options const& options);

// Registers `stack` and its subcommands on `app`; options must outlive the parse. The returned
// callable runs the parsed subcommand (nullopt when `stack` was not used).
struct stack_command_options {
    deploy_options deploy;
    query_options ls, services, ps;
    rm_options rm;
};
using stack_runner = std::function<std::optional<int>()>;
stack_runner add_stack_command(CLI::App& app, stack_command_options& options);

}  // namespace op::cli
