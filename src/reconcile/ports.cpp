#include "op/reconcile/ports.hpp"

#include "op/mapping/labels.hpp"
#include "op/util/json.hpp"

namespace op::reconcile {

std::string_view kind_name(child_kind k) noexcept {
    switch (k) {
        case child_kind::deployment: return "Deployment";
        case child_kind::stateful_set: return "StatefulSet";
        case child_kind::daemon_set: return "DaemonSet";
        case child_kind::service: return "Service";
        case child_kind::config_map: return "ConfigMap";
        case child_kind::secret: return "Secret";
        case child_kind::ingress: return "Ingress";
        case child_kind::persistent_volume_claim: return "PersistentVolumeClaim";
    }
    return "Unknown";
}

kube::resource resource_of(child_kind k) {
    switch (k) {
        case child_kind::deployment: return {"apps", "v1", "deployments", true};
        case child_kind::stateful_set: return {"apps", "v1", "statefulsets", true};
        case child_kind::daemon_set: return {"apps", "v1", "daemonsets", true};
        case child_kind::service: return {"", "v1", "services", true};
        case child_kind::config_map: return {"", "v1", "configmaps", true};
        case child_kind::secret: return {"", "v1", "secrets", true};
        case child_kind::ingress: return {"networking.k8s.io", "v1", "ingresses", true};
        case child_kind::persistent_volume_claim: return {"", "v1", "persistentvolumeclaims", true};
    }
    return {};
}

std::optional<child_kind> child_kind_of(std::string_view api_version,
                                        std::string_view kind) noexcept {
    for (auto k : all_child_kinds) {
        if (kind != kind_name(k)) continue;
        std::string_view const want = is_workload(k)              ? "apps/v1"
                                      : k == child_kind::ingress ? "networking.k8s.io/v1"
                                                                 : "v1";
        if (api_version == want) return k;
    }
    return std::nullopt;
}

bool is_workload(child_kind k) noexcept {
    return k == child_kind::deployment || k == child_kind::stateful_set ||
           k == child_kind::daemon_set;
}

std::vector<kube::object> owned_children(cache_reader const& cache, child_kind kind,
                                         std::string const& ns, std::string const& stack,
                                         std::string const& stack_uid) {
    std::vector<kube::object> out;
    if (stack_uid.empty()) return out;
    for (auto& o : cache.list_labelled(kind, ns, stack)) {
        if (!o) continue;
        if (kube::meta_string(*o, "namespace") != ns) continue;
        if (kube::controller_uid(*o) != stack_uid) continue;
        auto const* meta = json::find(*o, "metadata");
        auto const* labels = meta ? json::find(*meta, "labels") : nullptr;
        auto const* v = labels ? json::find(*labels, mapping::label_stack_namespace) : nullptr;
        if (!v || !v->IsString() || stack != v->GetString()) continue;
        out.push_back(std::move(o));
    }
    return out;
}

}  // namespace op::reconcile
