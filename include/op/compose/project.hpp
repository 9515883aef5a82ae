#pragma once
// op::compose::project: the typed model of a Compose application, produced by load() and
// consumed by the api conversion (v1beta2 structured spec), the mapping and emit().
//
// Conventions, so consumers never re-parse text:
// - durations are std::chrono::nanoseconds, byte sizes are int64 bytes;
// - "absent" is std::optional / an empty container; the loader fills the Compose defaults only
//   where noted (port protocol "tcp" and mode "ingress", volume/secret/config targets);
// - services are sorted by name (a stable order independent of the files' key order);
// - maps are std::map (sorted keys), so two equal projects compare equal with operator==;
// - `extensions` hold `x-*` fields as written; `other` holds known Compose keys the typed model
//   does not cover (kept for emit(), reported as warnings by load()).
#include "op/compose/node.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace op::compose {

using duration = std::chrono::nanoseconds;
using extension_map = std::map<std::string, node>;  // "x-foo" -> value

// An inclusive port range; start == end for one port.
struct port_range {
    std::uint32_t start = 0;
    std::uint32_t end = 0;
    friend bool operator==(port_range const&, port_range const&) = default;
};

// One container port. A short-syntax target range ("8000-8010:8000-8010") becomes one
// service_port per target port; a published range with a single target stays a range.
struct service_port {
    std::uint32_t target = 0;
    std::optional<port_range> published;  // absent: not published (or a random host port)
    std::string protocol = "tcp";         // "tcp", "udp", "sctp"
    std::string host_ip;                  // "127.0.0.1", "::1"; empty: all interfaces
    std::string mode = "ingress";         // "ingress" or "host"
    std::string name;                     // long syntax only
    std::string app_protocol;             // long syntax only
    extension_map extensions;
    friend bool operator==(service_port const&, service_port const&) = default;
};

struct service_volume {
    std::string type;      // "bind", "volume", "tmpfs", "npipe", "image", "cluster"
    std::string source;    // host path (bind), volume name (volume; empty: anonymous), image
    std::string target;    // path in the container
    bool read_only = false;
    std::string consistency;  // "cached", "delegated", "consistent"
    // bind options
    std::string bind_propagation;  // "rprivate", "shared", ...
    std::optional<bool> bind_create_host_path;
    std::string bind_selinux;  // "z" or "Z"
    // volume options
    bool volume_nocopy = false;
    std::string volume_subpath;
    // tmpfs options
    std::optional<std::int64_t> tmpfs_size;  // bytes
    std::optional<std::uint32_t> tmpfs_mode;
    // image options
    std::string image_subpath;
    extension_map extensions;
    friend bool operator==(service_volume const&, service_volume const&) = default;
};

// A service's reference to a top-level secret or config.
struct file_reference {
    std::string source;  // top-level secret/config name
    std::string target;  // defaults: secrets "/run/secrets/<source>", configs "/<source>"
    std::string uid;
    std::string gid;
    std::optional<std::uint32_t> mode;  // file mode, e.g. 0444
    extension_map extensions;
    friend bool operator==(file_reference const&, file_reference const&) = default;
};

struct service_dependency {
    std::string service;
    std::string condition = "service_started";  // service_healthy, service_completed_successfully
    bool restart = false;
    bool required = true;
    friend bool operator==(service_dependency const&, service_dependency const&) = default;
};

struct healthcheck {
    std::vector<std::string> test;  // ["CMD", ...], ["CMD-SHELL", "cmd"], ["NONE"]; string -> CMD-SHELL
    std::optional<duration> interval;
    std::optional<duration> timeout;
    std::optional<duration> start_period;
    std::optional<duration> start_interval;
    std::optional<std::uint64_t> retries;
    bool disable = false;  // `disable: true` or test ["NONE"]; then test is ["NONE"]
    extension_map extensions;
    friend bool operator==(healthcheck const&, healthcheck const&) = default;
};

struct resource {
    std::string cpus;                   // as written, e.g. "0.5"
    std::optional<std::int64_t> memory;  // bytes
    std::optional<std::int64_t> pids;
    extension_map extensions;
    std::map<std::string, node> other;  // devices, generic_resources
    friend bool operator==(resource const&, resource const&) = default;
};

struct resources {
    std::optional<resource> limits;
    std::optional<resource> reservations;
    friend bool operator==(resources const&, resources const&) = default;
};

struct update_config {
    std::optional<std::uint64_t> parallelism;
    std::optional<duration> delay;
    std::string failure_action;  // "continue", "rollback", "pause"
    std::optional<duration> monitor;
    std::optional<double> max_failure_ratio;
    std::string order;  // "stop-first", "start-first"
    extension_map extensions;
    friend bool operator==(update_config const&, update_config const&) = default;
};

struct restart_policy {
    std::string condition;  // "none", "on-failure", "any"
    std::optional<duration> delay;
    std::optional<std::uint64_t> max_attempts;
    std::optional<duration> window;
    extension_map extensions;
    friend bool operator==(restart_policy const&, restart_policy const&) = default;
};

struct placement_preference {
    std::string spread;
    friend bool operator==(placement_preference const&, placement_preference const&) = default;
};

struct placement {
    std::vector<std::string> constraints;  // as written: "node.labels.disk == ssd"
    std::vector<placement_preference> preferences;
    std::optional<std::uint64_t> max_replicas_per_node;
    extension_map extensions;
    friend bool operator==(placement const&, placement const&) = default;
};

struct deploy_config {
    std::string mode;  // "replicated" (also when empty), "global", "replicated-job", "global-job"
    std::optional<std::uint64_t> replicas;
    std::map<std::string, std::string> labels;
    std::optional<op::compose::update_config> update_config;
    std::optional<op::compose::update_config> rollback_config;
    op::compose::resources resources;
    std::optional<op::compose::restart_policy> restart_policy;
    op::compose::placement placement;
    std::string endpoint_mode;  // "vip", "dnsrr"
    extension_map extensions;
    friend bool operator==(deploy_config const&, deploy_config const&) = default;
};

struct logging_config {
    std::string driver;
    std::map<std::string, std::string> options;
    friend bool operator==(logging_config const&, logging_config const&) = default;
};

struct ulimit {
    std::int64_t soft = 0;  // a single number sets both
    std::int64_t hard = 0;
    friend bool operator==(ulimit const&, ulimit const&) = default;
};

// A service's attachment to a network; every field optional.
struct service_network {
    std::vector<std::string> aliases;
    std::string ipv4_address;
    std::string ipv6_address;
    std::optional<std::int64_t> priority;
    extension_map extensions;
    std::map<std::string, node> other;  // link_local_ips, mac_address, driver_opts, ...
    friend bool operator==(service_network const&, service_network const&) = default;
};

struct env_file {
    std::string path;
    bool required = true;
    std::string format;  // "" or "raw"
    friend bool operator==(env_file const&, env_file const&) = default;
};

// One `post_start` / `pre_stop` hook of a service.
struct lifecycle_hook {
    std::vector<std::string> command;  // a string is split into words
    std::string user;
    bool privileged = false;
    std::string working_dir;
    std::map<std::string, std::optional<std::string>> environment;
    friend bool operator==(lifecycle_hook const&, lifecycle_hook const&) = default;
};

// One `expose` entry of a service's `x-kubernetes` block: an Ingress routing to the service.
struct ingress_expose {
    std::string host;                   // `host`; empty: every host
    std::string path;                   // `path`; empty: "/"
    std::string path_type;              // `pathType`: Prefix (default), Exact, ImplementationSpecific
    std::optional<std::uint32_t> port;  // `port`: a port of the service; default its first
    std::string tls_secret;             // `tlsSecret`: a kubernetes.io/tls Secret; empty: no TLS
    std::string ingress_class_name;     // `ingressClassName`; empty: the cluster's default
    friend bool operator==(ingress_expose const&, ingress_expose const&) = default;
};

// A service's `x-kubernetes` block (a compose-operator extension, the asks kompose users made
// labels for). The loader validates it and takes it out of `extensions`; emit() writes it back.
struct service_kubernetes {
    std::string service_type;            // `serviceType` of <svc>-published: ClusterIP, NodePort, LoadBalancer
    std::vector<ingress_expose> expose;  // `expose`: a mapping or a list of them
    friend bool operator==(service_kubernetes const&, service_kubernetes const&) = default;
};

struct service {
    std::string name;
    std::string image;
    std::optional<node> build;  // kept as written; only its presence matters downstream
    std::vector<std::string> cap_add;
    std::vector<std::string> cap_drop;
    std::optional<std::vector<std::string>> command;     // absent vs [] (clears the image's)
    std::optional<std::vector<std::string>> entrypoint;
    std::vector<file_reference> configs;
    std::vector<file_reference> secrets;
    std::string container_name;
    std::vector<service_dependency> depends_on;  // file order
    std::optional<deploy_config> deploy;
    std::vector<std::string> devices;
    std::vector<std::string> dns;
    std::vector<std::string> dns_opt;
    std::vector<std::string> dns_search;
    std::string domainname;
    std::vector<op::compose::env_file> env_file;
    std::map<std::string, std::optional<std::string>> environment;  // nullopt: "KEY" without value
    std::vector<std::string> expose;
    std::vector<std::string> extra_hosts;  // "host:ip" (map syntax is turned into this)
    std::vector<std::string> group_add;
    std::optional<op::compose::healthcheck> healthcheck;
    std::string hostname;
    std::optional<bool> init;
    std::string ipc;
    std::map<std::string, std::string> labels;
    std::vector<std::string> links;
    std::optional<logging_config> logging;
    std::string mac_address;
    std::string network_mode;
    std::map<std::string, std::optional<service_network>> networks;  // nullopt: plain attach
    std::string pid;
    std::string platform;
    std::vector<service_port> ports;
    bool privileged = false;
    std::vector<std::string> profiles;
    std::string pull_policy;
    bool read_only = false;
    std::string restart;  // "no", "always", "on-failure[:n]", "unless-stopped"
    std::string runtime;
    std::optional<std::uint64_t> scale;
    std::vector<std::string> security_opt;
    std::optional<std::int64_t> shm_size;
    bool stdin_open = false;
    std::optional<duration> stop_grace_period;
    std::string stop_signal;
    std::map<std::string, std::string> sysctls;
    std::vector<std::string> tmpfs;
    bool tty = false;
    std::map<std::string, ulimit> ulimits;
    std::string user;  // as written: "1000", "1000:1000", "nginx"
    std::string userns_mode;
    std::vector<service_volume> volumes;
    std::string working_dir;
    // Container resources outside `deploy` (Compose Specification).
    std::string cpus;                             // as written, e.g. "0.5"
    std::optional<std::int64_t> cpu_shares;       // relative weight (1024 = one CPU)
    std::optional<std::int64_t> mem_limit;        // bytes
    std::optional<std::int64_t> mem_reservation;  // bytes
    std::string cgroup_parent;
    std::vector<lifecycle_hook> post_start;
    std::vector<lifecycle_hook> pre_stop;
    std::optional<service_kubernetes> kubernetes;  // `x-kubernetes`
    extension_map extensions;
    std::map<std::string, node> other;  // known Compose keys without a typed field (extends, ...)
    friend bool operator==(service const&, service const&) = default;
};

struct network {
    std::string name;  // explicit `name:` (or 3.x `external: {name: x}`)
    std::string driver;
    std::map<std::string, std::string> driver_opts;
    bool external = false;
    bool internal = false;
    bool attachable = false;
    std::optional<bool> enable_ipv6;
    std::optional<node> ipam;
    std::map<std::string, std::string> labels;
    extension_map extensions;
    friend bool operator==(network const&, network const&) = default;
};

// A top-level volume's `x-kubernetes` block (a compose-operator extension): the settings of the
// PersistentVolumeClaims made for it. Every field is optional; absent ones take the operator's
// defaults. The loader validates it and takes it out of `extensions`; emit() writes it back.
struct volume_claim {
    std::optional<std::string> size;                // `size`: a Kubernetes quantity, "10Gi"
    std::optional<std::string> storage_class_name;  // `storageClassName`; "" = no class
    std::vector<std::string> access_modes;          // `accessModes`: ReadWriteOnce, ...
    friend bool operator==(volume_claim const&, volume_claim const&) = default;
};

struct volume {
    std::string name;
    std::string driver;
    std::map<std::string, std::string> driver_opts;
    bool external = false;
    std::map<std::string, std::string> labels;
    std::optional<volume_claim> kubernetes;  // `x-kubernetes`
    extension_map extensions;
    friend bool operator==(volume const&, volume const&) = default;
};

// A top-level secret or config: exactly one source (file, environment, content) unless external.
struct file_object {
    std::string name;         // explicit `name:` (or 3.x `external: {name: x}`)
    std::string file;         // path as written (resolved when load_options::working_dir is set)
    std::string environment;  // variable name
    std::string content;      // inline content (configs; accepted for secrets too)
    bool external = false;
    std::map<std::string, std::string> labels;
    std::string driver;
    std::map<std::string, std::string> driver_opts;
    std::string template_driver;
    extension_map extensions;
    friend bool operator==(file_object const&, file_object const&) = default;
};

struct project {
    std::string name;     // top-level `name:`; empty when not given
    std::string version;  // obsolete `version:` as written; empty when not given
    std::vector<service> services;  // sorted by name
    std::map<std::string, network> networks;
    std::map<std::string, volume> volumes;
    std::map<std::string, file_object> secrets;
    std::map<std::string, file_object> configs;
    extension_map extensions;

    // The service named `name`, or nullptr.
    [[nodiscard]] service const* find_service(std::string_view name) const noexcept;
    friend bool operator==(project const&, project const&) = default;
};

}  // namespace op::compose
