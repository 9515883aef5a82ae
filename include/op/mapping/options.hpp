#pragma once
// mapping_options: cluster-wide choices the Stack spec cannot express (yet).
//
// The operator fills these from its command-line flags; the cli `convert` command from its own.
// Inline secret/config content is not in the hub model; the volume settings below are defaults
// that a stack's spec.volumes (Compose `x-kubernetes` of a top-level volume) overrides per volume.
#include <map>
#include <optional>
#include <string>

namespace op::mapping {

// Type of the `<svc>-published` Service (controller flag --default-service-type).
enum class published_service_type {
    load_balancer,  // default
    node_port,
};

struct mapping_options {
    published_service_type published_type = published_service_type::load_balancer;

    // volumeClaimTemplates of StatefulSets (one per named/anonymous volume), where spec.volumes
    // does not set the field.
    std::string volume_size = "1Gi";
    std::optional<std::string> storage_class;  // nullopt: omit storageClassName (cluster default)
    std::string access_mode = "ReadWriteOnce";

    // Content of top-level secrets/configs, keyed by the top-level name (the cli reads the files
    // named by `file:`; the server has none). A non-external secret/config with content here
    // becomes a Secret/ConfigMap owned by the stack; without it, the object must already exist.
    std::map<std::string, std::string> secret_contents;
    std::map<std::string, std::string> config_contents;

    // Image of the init containers that wait for a service's `depends_on` (it needs `sh`, `nc`
    // and `nslookup`, as busybox has; `run --wait-image`).
    std::string wait_image = "busybox:1.36";
    // How long a `required: false` dependency is waited for before the pod starts anyway.
    int optional_wait_seconds = 60;
};

}  // namespace op::mapping
