#pragma once
// The hub model of the compose.docker.com Stack: the one type the rest of the program uses.
//
// Every served version (v1beta1, v1beta2, v1alpha3; see op/api/versions.hpp) converts to and from
// this hub without loss (style.md rule 9). It holds the union of what the versions hold: the
// original Compose text (v1beta1), the structured spec (v1beta2 and the v1alpha3-only fields),
// and the status. Field names follow the reference's JSON keys in snake_case; the JSON codecs
// apply the reference's quirks (`health_check`, `paralellism`, nanosecond durations,
// capitalised constraint keys). Plain value types: no I/O, copyable, comparable with ==.
//
// Additive fields (not in the reference, optional, marked "[additive]") carry what the
// reference's FromComposeConfig dropped: healthcheck start_period and a numeric group id; and
// per-volume claim settings (spec.volumes).
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace op::api {

inline constexpr char const* group = "compose.docker.com";
inline constexpr char const* kind = "Stack";

// Durations are integer nanoseconds on the wire (Go time.Duration).
using duration = std::chrono::nanoseconds;

// ---- metadata ------------------------------------------------------------------------------

// The object's metadata. `raw` is the original metadata object as compact JSON (empty when the
// object was built in code); the typed fields are read from it. Encoders write `raw` back with
// only `labels` and `annotations` replaced by the maps below, so every other field (uid,
// resourceVersion, managedFields, ownerReferences, ...) round-trips unchanged.
struct object_meta {
    std::string name;
    std::string namespace_;  // JSON "namespace"
    std::string uid;
    std::string resource_version;
    std::int64_t generation = 0;
    std::map<std::string, std::string> labels;
    std::map<std::string, std::string> annotations;
    std::string raw;

    friend bool operator==(object_meta const&, object_meta const&) = default;
};

// ---- spec ----------------------------------------------------------------------------------

// ServicePortConfig. `published` 0 means "not published".
struct port_config {
    std::string mode;      // "ingress" / "host" / ""
    std::uint32_t target = 0;
    std::uint32_t published = 0;
    std::string protocol;  // "tcp" / "udp" / "" (empty means tcp)

    friend bool operator==(port_config const&, port_config const&) = default;
};

// ServiceVolumeConfig.
struct volume_config {
    std::string type;  // "volume", "bind", "tmpfs", "npipe"
    std::string source;
    std::string target;
    bool read_only = false;

    friend bool operator==(volume_config const&, volume_config const&) = default;
};

// FileReferenceConfig: a service's reference to a top-level secret or config.
struct file_reference {
    std::string source;
    std::string target;
    std::string uid;
    std::string gid;
    std::optional<std::uint32_t> mode;

    friend bool operator==(file_reference const&, file_reference const&) = default;
};

// External{name, external}.
struct external_config {
    std::string name;
    bool external = false;

    friend bool operator==(external_config const&, external_config const&) = default;
};

// FileObjectConfig: a top-level secret or config.
struct file_object {
    std::string name;
    std::string file;
    external_config external;
    std::map<std::string, std::string> labels;
    // [additive] Inline content (Compose Specification `content:`): the operator creates the
    // ConfigMap/Secret from it, owned by the stack. `compose-operator convert`/`stack deploy`
    // pack `file:` configs here; they never put secrets here (those become Secret objects).
    std::string content{};

    friend bool operator==(file_object const&, file_object const&) = default;
};

// HealthCheckConfig (JSON key `health_check`).
struct health_check {
    std::vector<std::string> test;  // e.g. {"CMD", "curl", ...}; {"NONE"} disables
    std::optional<duration> timeout;
    std::optional<duration> interval;
    std::optional<std::uint64_t> retries;
    std::optional<duration> start_period;  // [additive]

    friend bool operator==(health_check const&, health_check const&) = default;
};

// Constraint{Value, Operator}: Operator is "==" or "!=".
struct constraint {
    std::string value;
    std::string op;  // JSON "Operator"

    friend bool operator==(constraint const&, constraint const&) = default;
};

// Constraints (JSON keys OperatingSystem, Architecture, Hostname, MatchLabels).
struct constraints {
    std::optional<constraint> operating_system;
    std::optional<constraint> architecture;
    std::optional<constraint> hostname;
    std::map<std::string, constraint> match_labels;

    friend bool operator==(constraints const&, constraints const&) = default;
};

struct placement {
    std::optional<constraints> constraints_;  // JSON "constraints"
    std::optional<std::uint64_t> max_replicas_per_node;  // [additive]

    friend bool operator==(placement const&, placement const&) = default;
};

// Resource{cpus, memory}: cpus as a decimal string ("0.5"), memory in bytes.
struct resource {
    std::string cpus;
    std::int64_t memory = 0;

    friend bool operator==(resource const&, resource const&) = default;
};

struct resources {
    std::optional<resource> limits;
    std::optional<resource> reservations;

    friend bool operator==(resources const&, resources const&) = default;
};

// UpdateConfig: JSON key is the reference's misspelling `paralellism`.
struct update_config {
    std::optional<std::uint64_t> parallelism;

    friend bool operator==(update_config const&, update_config const&) = default;
};

struct restart_policy {
    std::string condition;  // "none", "on-failure", "any"

    friend bool operator==(restart_policy const&, restart_policy const&) = default;
};

struct deploy_config {
    std::string mode;  // "replicated" (or "") / "global"
    std::optional<std::uint64_t> replicas;
    std::map<std::string, std::string> labels;
    std::optional<update_config> update;            // JSON "update_config"
    resources resources_;                           // JSON "resources"
    std::optional<restart_policy> restart;          // JSON "restart_policy"
    placement placement_;                           // JSON "placement"

    friend bool operator==(deploy_config const&, deploy_config const&) = default;
};

// v1alpha3 InternalPort{port, protocol}.
struct internal_port {
    std::int32_t port = 0;
    std::string protocol;  // "TCP", "UDP", "SCTP"

    friend bool operator==(internal_port const&, internal_port const&) = default;
};

// [additive] A container lifecycle hook (Compose `post_start` / `pre_stop`): an exec command.
struct lifecycle_hook {
    std::vector<std::string> command;

    friend bool operator==(lifecycle_hook const&, lifecycle_hook const&) = default;
};

// [additive] One entry of Compose `depends_on`: the workload waits (init containers) for it.
// JSON {service, condition, required (written only when false), restart (only when true)}.
struct dependency {
    std::string service;
    std::string condition = "service_started";  // service_healthy, service_completed_successfully
    bool required = true;
    bool restart = false;

    friend bool operator==(dependency const&, dependency const&) = default;
};

// [additive] An Ingress for a service (Compose `x-kubernetes.expose`). JSON {host, path,
// pathType, port, tlsSecret, ingressClassName}; every field optional.
struct ingress_expose {
    std::string host;
    std::string path;       // "" = "/"
    std::string path_type;  // "" = Prefix
    std::optional<std::uint32_t> port;
    std::string tls_secret;
    std::string ingress_class_name;

    friend bool operator==(ingress_expose const&, ingress_expose const&) = default;
};

// [additive] A service's Kubernetes settings (Compose `x-kubernetes`). JSON "kubernetes":
// {serviceType, expose}.
struct service_kubernetes {
    std::string service_type;  // of <svc>-published: "" (operator default), ClusterIP, NodePort, LoadBalancer
    std::vector<ingress_expose> expose;

    friend bool operator==(service_kubernetes const&, service_kubernetes const&) = default;
};

// ServiceConfig. Empty strings / empty containers / false mean "absent" (all omitempty).
struct service_config {
    std::string name;
    std::vector<std::string> cap_add;
    std::vector<std::string> cap_drop;
    std::vector<std::string> command;
    std::vector<file_reference> configs;
    deploy_config deploy;
    std::vector<std::string> entrypoint;
    // A nullopt value is a key without value (`- KEY` in Compose).
    std::map<std::string, std::optional<std::string>> environment;
    std::vector<std::string> extra_hosts;
    std::string hostname;
    std::optional<health_check> healthcheck;  // JSON "health_check"
    std::string image;
    std::string ipc;
    std::map<std::string, std::string> labels;
    std::string pid;
    std::vector<port_config> ports;
    bool privileged = false;
    bool read_only = false;
    std::vector<file_reference> secrets;
    bool stdin_open = false;
    std::optional<duration> stop_grace_period;
    std::vector<std::string> tmpfs;
    bool tty = false;
    std::optional<std::int64_t> user;   // numeric uid only
    std::optional<std::int64_t> group;  // [additive] numeric gid from "uid:gid"
    std::vector<volume_config> volumes;
    std::string working_dir;
    // v1alpha3 fields (optional in v1beta2 storage).
    std::string pull_secret;
    std::string pull_policy;  // "Always", "IfNotPresent", "Never"
    std::vector<internal_port> internal_ports;
    std::string internal_service_type;  // "", "Headless", "ClusterIP"
    // [additive] Compose Specification keys the reference dropped.
    std::map<std::string, std::string> sysctls;  // pod securityContext.sysctls
    std::vector<std::int64_t> group_add;         // numeric supplemental groups
    std::optional<std::int64_t> shm_size;        // bytes: a memory emptyDir at /dev/shm
    std::optional<lifecycle_hook> post_start;    // JSON "post_start": {command}
    std::optional<lifecycle_hook> pre_stop;      // JSON "pre_stop": {command}
    std::vector<dependency> depends_on;          // file order
    std::optional<service_kubernetes> kubernetes;  // JSON "kubernetes"

    friend bool operator==(service_config const&, service_config const&) = default;
};

// [additive] The claim settings of one named volume (compose-operator extension, Compose
// `x-kubernetes` of a top-level volume; JSON {size, storageClassName, accessModes}). Absent
// fields take the operator's defaults (mapping_options).
struct volume_claim {
    std::optional<std::string> size;                // a Kubernetes quantity, e.g. "10Gi"
    std::optional<std::string> storage_class_name;  // "" = no class (static binding)
    std::vector<std::string> access_modes;          // ReadWriteOnce, ReadOnlyMany, ...

    friend bool operator==(volume_claim const&, volume_claim const&) = default;
};

struct stack_spec {
    std::vector<service_config> services;
    std::map<std::string, file_object> secrets;
    std::map<std::string, file_object> configs;
    std::map<std::string, volume_claim> volumes;  // [additive] keyed by volume name

    friend bool operator==(stack_spec const&, stack_spec const&) = default;
};

// ---- status --------------------------------------------------------------------------------

inline constexpr char const* phase_progressing = "Progressing";
inline constexpr char const* phase_available = "Available";
inline constexpr char const* phase_failure = "Failure";

inline constexpr char const* condition_ready = "Ready";
inline constexpr char const* condition_reconciling = "Reconciling";
inline constexpr char const* condition_stalled = "Stalled";

// metav1.Condition.
struct condition {
    std::string type;
    std::string status;  // "True", "False", "Unknown"
    std::string reason;
    std::string message;
    std::string last_transition_time;  // RFC 3339, JSON "lastTransitionTime"
    std::optional<std::int64_t> observed_generation;

    friend bool operator==(condition const&, condition const&) = default;
};

// Replica counts of one service's workload. JSON: status.services.<name> = {desired, ready,
// updated}.
struct service_status {
    std::int32_t desired = 0;
    std::int32_t ready = 0;
    std::int32_t updated = 0;

    friend bool operator==(service_status const&, service_status const&) = default;
};

// JSON keys: observedGeneration, phase, message, conditions, services, serviceCount, ready.
// `service_count` and `ready` ("<ready services>/<services>") feed the printer columns; set them
// with summarized().
struct stack_status {
    std::optional<std::int64_t> observed_generation;
    std::string phase;  // Progressing, Available, Failure (other strings pass through)
    std::string message;
    std::vector<condition> conditions;
    std::map<std::string, service_status> services;
    std::optional<std::int32_t> service_count;
    std::string ready;

    friend bool operator==(stack_status const&, stack_status const&) = default;
};

// `status` with service_count and ready filled from `services` (a service counts as ready when
// ready >= desired).
[[nodiscard]] stack_status summarized(stack_status status);

// ---- the hub object -------------------------------------------------------------------------

struct stack {
    object_meta metadata;
    // The original Compose text when the stack was written as v1beta1 (or its annotation is
    // still valid); nullopt otherwise. Never used for mapping: `spec` is authoritative.
    std::optional<std::string> compose_file;
    stack_spec spec;
    std::optional<stack_status> status;

    friend bool operator==(stack const&, stack const&) = default;
};

// The service called `name`, or nullptr.
[[nodiscard]] service_config const* find_service(stack_spec const& spec, std::string const& name);

}  // namespace op::api
