#pragma once
// The mapping module: a Stack (hub model) -> the Kubernetes objects that should exist for it.
//
// Pure: no I/O, no clock, no threads. map_stack() returns "apply configurations" for server-side
// apply with field manager `compose-operator`: each object holds apiVersion, kind,
// metadata.name/namespace/labels/ownerReferences and only the fields this operator owns (never
// status, resourceVersion or server defaults). The rules follow the reference system's
// `internal/convert` (compose-on-kubernetes.md section 4) minus its defects (section 10.3); the
// decisions are listed in src/mapping/README.md. Output order is deterministic: Secrets, ConfigMaps,
// PersistentVolumeClaims, workloads, Services, Ingresses, each group sorted by name, and every list inside an object has
// a defined order, so mapping the same stack twice gives byte-identical JSON.
//
// Failures are op::error{invalid} values whose field_path points into the stack
// (`spec.services[2].volumes[0].source`). Compose settings that have no effect on Kubernetes are
// reported as warning strings (for the validating webhook), not errors.
#include "op/api/hub.hpp"
#include "op/mapping/labels.hpp"
#include "op/mapping/options.hpp"
#include "op/util/error.hpp"

#include <rapidjson/document.h>

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace op::mapping {

enum class workload_kind {
    deployment,
    stateful_set,
    daemon_set,
};

// "Deployment", "StatefulSet" or "DaemonSet".
[[nodiscard]] std::string_view to_string(workload_kind kind) noexcept;

// The workload kind of a service: DaemonSet for `deploy.mode: global`, StatefulSet when a
// volume mount has `type: volume` (named or anonymous), otherwise Deployment. Never fails
// (global + volume is rejected by map_stack, not here).
[[nodiscard]] workload_kind workload_kind_for(api::service_config const& svc) noexcept;
// The same, where the named volumes in `shared` (used by several services of the stack) are one
// standalone PersistentVolumeClaim rather than claim templates: a service whose every
// `type: volume` mount is shared is a Deployment.
[[nodiscard]] workload_kind workload_kind_for(api::service_config const& svc,
                                              std::set<std::string> const& shared) noexcept;

// The named volumes of the stack that more than one service mounts (`type: volume`), each with
// the services that mount it, in spec order.
[[nodiscard]] std::map<std::string, std::vector<std::string>> shared_volumes(api::stack const& stack);

// One desired object. `json` is the complete apply body.
struct k8s_object {
    std::string api_version;  // "apps/v1", "v1"
    std::string kind;
    std::string namespace_;   // empty when the stack has no namespace (cli convert)
    std::string name;
    rapidjson::Document json;
};

struct mapping_result {
    std::vector<k8s_object> objects;
    std::vector<std::string> warnings;  // "<field path>: <message>", in spec order
};

// Maps `stack` to its desired objects. Fails (invalid, with the field path) on input the
// cluster cannot take: relative bind sources, value-less environment variables, unknown
// restart conditions / operators / pull policies / protocols, bad cpus quantities, global
// services with persistent volumes, undefined secrets/configs, duplicate names or ports.
[[nodiscard]] result<mapping_result> map_stack(api::stack const& stack,
                                               mapping_options const& options = {});

// The objects as one JSON array text (compact), in their order.
[[nodiscard]] std::string to_json_list(std::vector<k8s_object> const& objects);

// A Compose key the mapping ignores, with the reason given to users.
struct ignored_key {
    std::string_view key;
    std::string_view reason;
};

// The Compose keys that have no effect on Kubernetes (reference section 4.12), for the
// compose loader / webhook to warn about keys the hub model does not carry. Sorted by key.
[[nodiscard]] std::vector<ignored_key> const& ignored_compose_keys();

}  // namespace op::mapping
