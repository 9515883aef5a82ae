// map_stack(): validation of the stack as a whole, one pass per service, deterministic ordering.
#include "op/mapping/mapping.hpp"

#include "detail.hpp"
#include "names.hpp"
#include "op/util/json.hpp"

#include <algorithm>
#include <set>
#include <string>

namespace op::mapping {
namespace {

int kind_rank(std::string_view kind) {
    if (kind == "Secret") return 0;
    if (kind == "ConfigMap") return 1;
    if (kind == "PersistentVolumeClaim") return 2;
    if (kind == "Service") return 4;
    if (kind == "Ingress") return 5;
    return 3;  // workloads
}

result<void> check_service_name(api::stack const& stack, api::service_config const& svc,
                                std::string const& path, std::set<std::string>& seen) {
    if (svc.name.empty()) return op::invalid("service name is required", path + ".name");
    if (!detail::is_dns1035_label(svc.name)) {
        return op::invalid("service name \"" + svc.name +
                               "\" must be a DNS-1035 label (lowercase letters, digits and '-', "
                               "starting with a letter, at most 63 characters)",
                           path + ".name");
    }
    if (!seen.insert(svc.name).second) {
        return op::invalid("duplicate service name \"" + svc.name + "\"", path + ".name");
    }
    if (stack.metadata.name.size() + 1 + svc.name.size() > 63) {
        return op::invalid("label value \"" + stack.metadata.name + "-" + svc.name +
                               "\" (com.docker.service.id) is longer than 63 characters",
                           path + ".name");
    }
    return {};
}

void warn_reserved_labels(api::service_config const& svc, std::string const& path,
                          detail::warning_sink& warnings) {
    for (auto const& [k, v] : svc.deploy.labels) {
        if (is_reserved_label(k)) {
            warnings.add(path + ".deploy.labels." + k,
                         "label is reserved for the operator and was not applied");
        }
    }
}

// spec.volumes entries that no service mounts (a typo in the volume name, most likely).
void warn_unmounted_volumes(api::stack const& stack, detail::warning_sink& warnings) {
    for (auto const& [name, _] : stack.spec.volumes) {
        bool mounted = false;
        for (auto const& svc : stack.spec.services) {
            for (auto const& v : svc.volumes) {
                mounted = mounted || (v.type == "volume" && v.source == name);
            }
        }
        if (!mounted) {
            warnings.add("spec.volumes." + name,
                         "no service mounts this volume; its settings are unused");
        }
    }
}

}  // namespace

std::string_view to_string(workload_kind kind) noexcept {
    switch (kind) {
    case workload_kind::deployment: return "Deployment";
    case workload_kind::stateful_set: return "StatefulSet";
    case workload_kind::daemon_set: return "DaemonSet";
    }
    return "Deployment";
}

workload_kind workload_kind_for(api::service_config const& svc) noexcept {
    return workload_kind_for(svc, {});
}

workload_kind workload_kind_for(api::service_config const& svc,
                                std::set<std::string> const& shared) noexcept {
    if (svc.deploy.mode == "global") return workload_kind::daemon_set;
    for (auto const& v : svc.volumes) {
        if (v.type == "volume" && (v.source.empty() || !shared.contains(v.source))) {
            return workload_kind::stateful_set;
        }
    }
    return workload_kind::deployment;
}

std::map<std::string, std::vector<std::string>> shared_volumes(api::stack const& stack) {
    std::map<std::string, std::vector<std::string>> users;
    for (auto const& svc : stack.spec.services) {
        for (auto const& v : svc.volumes) {
            if (v.type != "volume" || v.source.empty()) continue;
            auto& list = users[v.source];
            if (list.empty() || list.back() != svc.name) list.push_back(svc.name);
        }
    }
    std::erase_if(users, [](auto const& e) { return e.second.size() < 2; });
    return users;
}

result<mapping_result> map_stack(api::stack const& stack, mapping_options const& options) {
    if (stack.metadata.name.empty()) return op::invalid("stack name is required", "metadata.name");
    if (!detail::is_dns1123_label(stack.metadata.name)) {
        return op::invalid("stack name must be a DNS-1123 label (it is used as a label value)",
                           "metadata.name");
    }
    detail::warning_sink warnings;
    std::vector<k8s_object> objects;
    for (bool secret : {true, false}) {
        OP_TRY(auto files, detail::file_objects(stack, options, warnings, secret));
        for (auto& f : files) objects.push_back(std::move(f));
    }
    OP_RETURN_IF_ERROR(detail::check_dependency_cycles(stack));
    // A named volume several services mount is one standalone claim all of them mount (Compose's
    // meaning of a named volume); a volume of one service stays its StatefulSet's claim template.
    auto const shared_users = shared_volumes(stack);
    std::set<std::string> shared;
    for (auto const& [source, users] : shared_users) {
        OP_TRY(auto claim, detail::shared_claim(stack, options, source, users, warnings));
        objects.push_back(std::move(claim));
        shared.insert(source);
    }
    std::set<std::string> names;
    for (std::size_t i = 0; i < stack.spec.services.size(); ++i) {
        auto const& svc = stack.spec.services[i];
        auto const path = "spec.services[" + std::to_string(i) + "]";
        OP_RETURN_IF_ERROR(check_service_name(stack, svc, path, names));
        warn_reserved_labels(svc, path, warnings);
        if (!svc.deploy.mode.empty() && svc.deploy.mode != "replicated" &&
            svc.deploy.mode != "global") {
            return op::invalid("deploy mode \"" + svc.deploy.mode +
                                   "\" is not supported (replicated, global)",
                               path + ".deploy.mode");
        }
        detail::service_ctx ctx{stack, svc, path, workload_kind_for(svc, shared), options, warnings, &shared};
        OP_TRY(auto w, detail::workload(ctx));
        objects.push_back(std::move(w));
        OP_TRY(auto svcs, detail::services(ctx));
        for (auto& s : svcs) objects.push_back(std::move(s));
        OP_TRY(auto ings, detail::ingresses(ctx));
        for (auto& g : ings) objects.push_back(std::move(g));
    }
    warn_unmounted_volumes(stack, warnings);
    std::stable_sort(objects.begin(), objects.end(), [](k8s_object const& l, k8s_object const& r) {
        auto const lr = kind_rank(l.kind);
        auto const rr = kind_rank(r.kind);
        if (lr != rr) return lr < rr;
        if (l.name != r.name) return l.name < r.name;
        return l.kind < r.kind;
    });
    return mapping_result{std::move(objects), std::move(warnings).take()};
}

std::string to_json_list(std::vector<k8s_object> const& objects) {
    std::string out = "[";
    for (auto const& o : objects) {
        if (out.size() > 1) out += ',';
        out += json::dump(o.json);
    }
    out += ']';
    return out;
}

std::vector<ignored_key> const& ignored_compose_keys() {
    static std::vector<ignored_key> const keys = {
        {"build", "images must be built and pushed before deploying"},
        {"cgroup_parent", "not supported by Kubernetes"},
        {"container_name", "pods are named by their workload"},
        {"credential_spec", "Windows-only; not supported"},
        {"deploy.endpoint_mode", "every service gets a headless Service"},
        {"deploy.placement.preferences", "not supported"},
        {"deploy.restart_policy.delay", "Kubernetes uses its own back-off"},
        {"deploy.restart_policy.max_attempts", "Kubernetes uses its own back-off"},
        {"deploy.restart_policy.window", "Kubernetes uses its own back-off"},
        {"deploy.rollback_config", "use kubectl rollout undo"},
        {"deploy.update_config.delay", "only parallelism is mapped"},
        {"deploy.update_config.failure_action", "only parallelism is mapped"},
        {"deploy.update_config.max_failure_ratio", "only parallelism is mapped"},
        {"deploy.update_config.monitor", "only parallelism is mapped"},
        {"devices", "not supported"},
        {"dns", "pods use the cluster DNS"},
        {"dns_search", "pods use the cluster DNS"},
        {"domainname", "not supported"},
        {"env_file", "resolved on the client only"},
        {"expose", "every service gets a headless Service"},
        {"external_links", "not supported"},
        {"isolation", "Windows-only; not supported"},
        {"links", "services reach each other by name"},
        {"logging", "logging is configured by the cluster"},
        {"mac_address", "impossible on Kubernetes"},
        {"network_mode", "all pods share the namespace network"},
        {"networks", "all pods share the namespace network"},
        {"security_opt", "not supported"},
        {"stop_signal", "Kubernetes always sends SIGTERM"},
        {"ulimits", "impossible on Kubernetes"},
        {"userns_mode", "not supported"},
        {"volumes (top-level)",
         "volume drivers and options are not used; claims take x-kubernetes (size, "
         "storageClassName, accessModes) or the operator's defaults"},
    };
    return keys;
}

}  // namespace op::mapping
