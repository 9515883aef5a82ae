#pragma once
// Private helpers of the mapping module: the per-service context, JSON building shorthands and
// the pieces each .cpp file provides to map_stack().
#include "op/api/hub.hpp"
#include "op/mapping/mapping.hpp"
#include "op/util/error.hpp"

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace op::mapping::detail {

using alloc_t = rapidjson::Document::AllocatorType;
using value = rapidjson::Value;

// Collects warnings; one per map_stack() call.
class warning_sink {
public:
    void add(std::string path, std::string message) {
        warnings_.push_back(path.empty() ? std::move(message) : path + ": " + message);
    }
    [[nodiscard]] std::vector<std::string> take() && { return std::move(warnings_); }

private:
    std::vector<std::string> warnings_;
};

// Everything the builders of one service need.
struct service_ctx {
    api::stack const& stack;
    api::service_config const& svc;
    std::string path;  // "spec.services[<i>]"
    workload_kind kind;
    mapping_options const& options;
    warning_sink& warnings;
    std::set<std::string> const* shared = nullptr;  // named volumes that are one standalone claim
};

// ---- JSON shorthands (json.cpp) -------------------------------------------------------------
[[nodiscard]] value str(std::string_view s, alloc_t& a);
// obj[key] = v (appends; keys are written in call order, which keeps output deterministic).
void put(value& obj, std::string_view key, value v, alloc_t& a);
void put(value& obj, std::string_view key, std::string_view s, alloc_t& a);
void put_int(value& obj, std::string_view key, std::int64_t n, alloc_t& a);
void put_bool(value& obj, std::string_view key, bool b, alloc_t& a);
[[nodiscard]] value string_array(std::vector<std::string> const& items, alloc_t& a);
[[nodiscard]] value label_object(label_map const& labels, alloc_t& a);
// {name, namespace?, labels, ownerReferences?} for an object of the stack.
[[nodiscard]] value object_metadata(api::stack const& stack, std::string_view name,
                                    label_map const& labels, bool owned, alloc_t& a);
// A new document {apiVersion, kind, metadata: object_metadata(...)}.
[[nodiscard]] rapidjson::Document new_object(std::string_view api_version, std::string_view kind,
                                             api::stack const& stack, std::string_view name,
                                             label_map const& labels, bool owned);

// Whole seconds for a Kubernetes field, rounded up (500ms -> 1), and at least `min` (zero and
// negative durations give `min`).
[[nodiscard]] std::int64_t ceil_seconds(api::duration d, std::int64_t min);

// "a[3]" style path pieces.
[[nodiscard]] std::string index_path(std::string_view base, std::string_view key, std::size_t i);

// ---- volumes.cpp ----------------------------------------------------------------------------
struct pod_volume {
    enum class type { host_path, empty_dir_memory, secret, config_map, claim } kind;
    std::string name;
    std::string source;  // hostPath path, secretName, ConfigMap name, claimName; emptyDir sizeLimit or ""
    std::string item_key;
    std::string item_path;
    std::optional<std::uint32_t> mode;
};
struct volume_mount {
    std::string name;
    std::string mount_path;
    std::string sub_path;
    bool read_only = false;
};
struct volume_plan {
    std::vector<pod_volume> volumes;  // compose volumes, tmpfs, secrets, configs (in that order)
    std::vector<volume_mount> mounts;  // same order
    std::vector<std::string> claims;   // volumeClaimTemplates names, first-mount order
};
[[nodiscard]] result<volume_plan> plan_volumes(service_ctx const& ctx);
[[nodiscard]] value render_volume(pod_volume const& v, alloc_t& a);
[[nodiscard]] value render_mount(volume_mount const& m, alloc_t& a);
// A volumeClaimTemplates entry; fails when mapping_options.volume_size is not a positive quantity.
[[nodiscard]] result<value> claim_template(service_ctx const& ctx, std::string const& name,
                                           alloc_t& a);
// The standalone PersistentVolumeClaim of a named volume that `services` (more than one) mount,
// owned by the stack; warns that it is one claim for all of them and what ReadWriteOnce means.
[[nodiscard]] result<k8s_object> shared_claim(api::stack const& stack, mapping_options const& options,
                                              std::string const& source,
                                              std::vector<std::string> const& services,
                                              warning_sink& warnings);
// The key inside a Secret/ConfigMap for a top-level object: basename(file), or "file".
[[nodiscard]] std::string file_key(api::file_object const& obj);

// ---- placement.cpp --------------------------------------------------------------------------
// spec.affinity for the service's placement constraints; null Value when there are none.
[[nodiscard]] result<value> affinity(service_ctx const& ctx, alloc_t& a);

// ---- container.cpp --------------------------------------------------------------------------
// The main container of the pod.
[[nodiscard]] result<value> container(service_ctx const& ctx, volume_plan const& plan,
                                      alloc_t& a);
// Kubernetes protocol ("TCP", "UDP", "SCTP") for a compose protocol; fails on others.
[[nodiscard]] result<std::string> k8s_protocol(std::string_view compose, std::string const& path);

// ---- depends.cpp ----------------------------------------------------------------------------
// spec.initContainers that wait for the service's depends_on (an empty array when none).
[[nodiscard]] result<value> wait_containers(service_ctx const& ctx, alloc_t& a);
// Fails (invalid, at the first service on a cycle) when depends_on has a cycle.
[[nodiscard]] result<void> check_dependency_cycles(api::stack const& stack);

// ---- pod.cpp --------------------------------------------------------------------------------
// spec.template of the workload.
[[nodiscard]] result<value> pod_template(service_ctx const& ctx, volume_plan const& plan,
                                         alloc_t& a);

// ---- services.cpp ---------------------------------------------------------------------------
// The Services of one compose service (headless/internal, -published, -random-ports).
[[nodiscard]] result<std::vector<k8s_object>> services(service_ctx const& ctx);

// ---- ingress.cpp ----------------------------------------------------------------------------
// The Ingresses of a service's `kubernetes.expose` (none without it).
[[nodiscard]] result<std::vector<k8s_object>> ingresses(service_ctx const& ctx);

// ---- files.cpp ------------------------------------------------------------------------------
// The content the operator makes top-level secret/config `key` from: its inline `content`, else
// what `options` has for the key; nullptr when external or without content (it must exist).
[[nodiscard]] std::string const* file_content(api::file_object const& obj, std::string const& key,
                                              mapping_options const& options, bool secret);
// Secrets (secret = true) or ConfigMaps for top-level objects whose content is in `options`.
[[nodiscard]] result<std::vector<k8s_object>> file_objects(api::stack const& stack,
                                                           mapping_options const& options,
                                                           warning_sink& warnings, bool secret);

// ---- workloads.cpp --------------------------------------------------------------------------
[[nodiscard]] result<k8s_object> workload(service_ctx const& ctx);

}  // namespace op::mapping::detail
