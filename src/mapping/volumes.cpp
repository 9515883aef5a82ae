// Volumes, mounts and claim templates of a service (reference sections 4.4, 4.7 and 4.8).
#include "detail.hpp"
#include "names.hpp"
#include "op/mapping/names.hpp"
#include "op/mapping/quantity.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace op::mapping::detail {
namespace {

constexpr std::string_view docker_sock = "/var/run/docker.sock";

bool looks_like_git(std::string_view s) {
    return s.ends_with(".git") && (s.starts_with("git@") || s.find("://") != s.npos);
}

// Remembers mount paths so that a second mount at the same path fails with its own field path.
class mount_paths {
public:
    result<void> claim(std::string const& mount_path, std::string const& field_path) {
        auto [it, inserted] = seen_.emplace(mount_path, field_path);
        if (!inserted) {
            return op::invalid("mount path \"" + mount_path + "\" is also used by " + it->second,
                               field_path);
        }
        return {};
    }

private:
    std::map<std::string, std::string> seen_;
};

// hostPath volume + mount for an absolute bind source: parent directory + subPath, or `/`.
void add_bind(volume_plan& plan, std::string const& vol_name, std::string source,
              api::volume_config const& v) {
    while (source.size() > 1 && source.back() == '/') source.pop_back();
    std::string host_path = "/";
    std::string sub_path;
    if (source != "/") {
        auto const slash = source.rfind('/');
        host_path = slash == 0 ? std::string("/") : source.substr(0, slash);
        sub_path = source.substr(slash + 1);
    }
    plan.volumes.push_back({pod_volume::type::host_path, vol_name, host_path, {}, {}, {}});
    plan.mounts.push_back({vol_name, v.target, sub_path, v.read_only});
}

// The claim name for a `type: volume` mount, checked for clashes with other volume names.
result<std::string> claim_name(api::volume_config const& v, std::size_t i,
                               std::map<std::string, std::string>& sources,
                               std::string const& path) {
    std::string name = v.source.empty() ? "mount-" + std::to_string(i) : mapping::kube_name(v.source, name_kind::label);
    if (!is_dns1123_label(name)) {
        return op::invalid("volume name \"" + v.source +
                               "\" cannot be a Kubernetes claim name (lowercase letters, digits "
                               "and '-', at most 63 characters)",
                           path + ".source");
    }
    auto [it, inserted] = sources.emplace(name, v.source);
    if (!inserted && it->second != v.source) {
        return op::invalid("volume \"" + v.source + "\" and volume \"" + it->second +
                               "\" map to the same claim name \"" + name + "\"",
                           path + ".source");
    }
    return name;
}

result<void> plan_compose_volumes(service_ctx const& ctx, volume_plan& plan, mount_paths& paths) {
    std::map<std::string, std::string> claim_sources;
    for (std::size_t i = 0; i < ctx.svc.volumes.size(); ++i) {
        auto const& v = ctx.svc.volumes[i];
        auto const path = index_path(ctx.path, "volumes", i);
        auto const vol_name = "mount-" + std::to_string(i);
        if (v.target.empty()) return op::invalid("mount target is required", path + ".target");
        OP_RETURN_IF_ERROR(paths.claim(v.target, path + ".target"));
        if (v.type == "volume") {
            if (ctx.kind == workload_kind::daemon_set) {
                return op::invalid(
                    "persistent volumes are not supported in a global service (deploy.mode: "
                    "global)",
                    path);
            }
            OP_TRY(auto name, claim_name(v, i, claim_sources, path));
            plan.mounts.push_back({name, v.target, {}, v.read_only});
            if (ctx.shared != nullptr && ctx.shared->contains(v.source)) {
                // One standalone claim for every service that names the volume (shared_claim).
                bool known = false;
                for (auto const& pv : plan.volumes) known = known || pv.name == name;
                if (!known) {
                    plan.volumes.push_back({pod_volume::type::claim, name,
                                            mapping::stack_scoped_name(ctx.stack.metadata.name, v.source),
                                            {}, {}, {}});
                }
                continue;
            }
            bool known = false;
            for (auto const& c : plan.claims) known = known || c == name;
            if (!known) plan.claims.push_back(std::move(name));
        } else if (v.type == "tmpfs") {
            plan.volumes.push_back({pod_volume::type::empty_dir_memory, vol_name, {}, {}, {}, {}});
            plan.mounts.push_back({vol_name, v.target, {}, v.read_only});
        } else if (v.type == "bind" || v.type.empty()) {
            if (v.source.empty()) return op::invalid("bind mount source is required", path + ".source");
            if (v.source == docker_sock && v.target == docker_sock) {
                plan.volumes.push_back(
                    {pod_volume::type::host_path, vol_name, "/var/run", {}, {}, {}});
                plan.mounts.push_back({vol_name, v.target, "docker.sock", v.read_only});
                continue;
            }
            if (looks_like_git(v.source)) {
                return op::invalid("git repository volumes are not supported", path + ".source");
            }
            if (v.source.front() != '/') {
                return op::invalid("relative bind mount source \"" + v.source +
                                       "\" is not supported: the cluster has no local files; "
                                       "`compose-operator stack deploy` or `convert` packs it "
                                       "into a read-only ConfigMap",
                                   path + ".source");
            }
            add_bind(plan, vol_name, v.source, v);
        } else {
            return op::invalid("volume type \"" + v.type + "\" is not supported", path + ".type");
        }
    }
    return {};
}

result<void> plan_tmpfs(service_ctx const& ctx, volume_plan& plan, mount_paths& paths) {
    for (std::size_t j = 0; j < ctx.svc.tmpfs.size(); ++j) {
        auto const path = index_path(ctx.path, "tmpfs", j);
        std::string target = ctx.svc.tmpfs[j];
        if (auto colon = target.find(':'); colon != target.npos) {
            ctx.warnings.add(path, "tmpfs options \"" + target.substr(colon + 1) +
                                       "\" are ignored on Kubernetes");
            target.resize(colon);
        }
        if (target.empty()) return op::invalid("tmpfs path is required", path);
        OP_RETURN_IF_ERROR(paths.claim(target, path));
        auto name = "tmp-" + std::to_string(j);
        plan.volumes.push_back({pod_volume::type::empty_dir_memory, name, {}, {}, {}, {}});
        plan.mounts.push_back({std::move(name), std::move(target), {}, false});
    }
    return {};
}

// Secrets (secret = true) or configs of the service.
result<void> plan_files(service_ctx const& ctx, volume_plan& plan, mount_paths& paths,
                        bool secret) {
    auto const& refs = secret ? ctx.svc.secrets : ctx.svc.configs;
    auto const& top = secret ? ctx.stack.spec.secrets : ctx.stack.spec.configs;
    std::string_view const what = secret ? "secret" : "config";
    for (std::size_t k = 0; k < refs.size(); ++k) {
        auto const& ref = refs[k];
        auto const path = index_path(ctx.path, secret ? "secrets" : "configs", k);
        auto it = top.find(ref.source);
        if (it == top.end()) {
            return op::invalid(std::string(what) + " \"" + ref.source + "\" is not defined in spec." +
                                   (secret ? "secrets" : "configs"),
                               path + ".source");
        }
        OP_TRY(auto object_name,
               file_object_name(ctx.stack, ref.source, it->second,
                                file_content(it->second, ref.source, ctx.options, secret) != nullptr,
                                path + ".source"));
        if (ref.mode && *ref.mode > 0777) {
            return op::invalid("file mode must be at most 0777", path + ".mode");
        }
        if (!ref.uid.empty() || !ref.gid.empty()) {
            ctx.warnings.add(path, "uid/gid are ignored on Kubernetes (file ownership follows the "
                                   "pod's fsGroup)");
        }
        auto name = std::string(what) + "-" + std::to_string(k);
        std::string mount_path;
        std::string_view const target = ref.target == "." ? std::string_view{} : ref.target;
        if (!target.empty() && target.front() == '/') {
            mount_path = target;
        } else if (secret) {
            mount_path = "/run/secrets/" + std::string(target.empty() ? ref.source : target);
        } else {
            mount_path = "/" + std::string(target.empty() ? ref.source : target);
        }
        OP_RETURN_IF_ERROR(paths.claim(mount_path, path + ".target"));
        plan.volumes.push_back({secret ? pod_volume::type::secret : pod_volume::type::config_map,
                                name, std::move(object_name), file_key(it->second), name,
                                ref.mode});
        plan.mounts.push_back({name, std::move(mount_path), name, true});
    }
    return {};
}

value key_item(pod_volume const& v, alloc_t& a) {
    value item(rapidjson::kObjectType);
    put(item, "key", v.item_key, a);
    put(item, "path", v.item_path, a);
    if (v.mode) put_int(item, "mode", *v.mode, a);
    value items(rapidjson::kArrayType);
    items.PushBack(std::move(item), a);
    return items;
}

// The claim settings of one volumeClaimTemplate, with the path to blame for each.
struct claim_values {
    std::string size;
    std::string size_path;
    std::optional<std::string> storage_class;
    std::vector<std::string> access_modes;
};

// The top-level volume behind claim `name` of the service: the source of its `type: volume`
// mount with that claim name; empty for anonymous volumes.
std::string claim_source(api::service_config const& svc, std::string const& name) {
    for (auto const& v : svc.volumes) {
        if (v.type == "volume" && !v.source.empty() &&
            mapping::kube_name(v.source, name_kind::label) == name) return v.source;
    }
    return {};
}

// spec.volumes.<source> fields that are set, mapping_options for the others. Fails on an access
// mode Kubernetes does not know.
result<claim_values> volume_settings(api::stack const& stack, mapping_options const& options,
                                     std::string const& source) {
    claim_values out{options.volume_size, "mapping_options.volume_size", options.storage_class,
                     {options.access_mode}};
    auto const& volumes = stack.spec.volumes;
    auto const it = source.empty() ? volumes.end() : volumes.find(source);
    if (it == volumes.end()) return out;
    auto const& claim = it->second;
    std::string const path = "spec.volumes." + source;
    if (claim.size) {
        out.size = *claim.size;
        out.size_path = path + ".size";
    }
    if (claim.storage_class_name) out.storage_class = claim.storage_class_name;
    if (!claim.access_modes.empty()) {
        static constexpr std::string_view known[] = {"ReadWriteOnce", "ReadOnlyMany",
                                                     "ReadWriteMany", "ReadWriteOncePod"};
        for (std::size_t i = 0; i < claim.access_modes.size(); ++i) {
            auto const& mode = claim.access_modes[i];
            if (std::find(std::begin(known), std::end(known), mode) == std::end(known)) {
                return op::invalid("access mode \"" + mode +
                                       "\" is not one of ReadWriteOnce, ReadOnlyMany, "
                                       "ReadWriteMany, ReadWriteOncePod",
                                   index_path(path, "accessModes", i));
            }
        }
        out.access_modes = claim.access_modes;
    }
    return out;
}

result<claim_values> claim_settings(service_ctx const& ctx, std::string const& name) {
    return volume_settings(ctx.stack, ctx.options, claim_source(ctx.svc, name));
}

// {accessModes, storageClassName?, resources.requests.storage} of a claim.
result<value> claim_spec(claim_values const& settings, alloc_t& a) {
    OP_TRY(auto size, storage_quantity(settings.size, settings.size_path));
    value spec(rapidjson::kObjectType);
    put(spec, "accessModes", string_array(settings.access_modes, a), a);
    if (settings.storage_class) put(spec, "storageClassName", *settings.storage_class, a);
    value requests(rapidjson::kObjectType);
    put(requests, "storage", size, a);
    value resources(rapidjson::kObjectType);
    put(resources, "requests", std::move(requests), a);
    put(spec, "resources", std::move(resources), a);
    return spec;
}

}  // namespace

std::string file_key(api::file_object const& obj) {
    if (obj.file.empty()) return "file";
    auto const slash = obj.file.rfind('/');
    auto base = slash == std::string::npos ? obj.file : obj.file.substr(slash + 1);
    return base.empty() ? "file" : base;
}

// shm_size: a memory emptyDir of that size at /dev/shm (Docker's default is 64 MiB; pods get
// the node's default otherwise). Skipped, with a warning, when a volume already mounts there.
result<void> plan_shm(service_ctx const& ctx, volume_plan& plan) {
    if (!ctx.svc.shm_size) return {};
    auto const path = ctx.path + ".shm_size";
    for (auto const& m : plan.mounts) {
        if (m.mount_path == "/dev/shm") {
            ctx.warnings.add(path, "ignored: a volume is already mounted at /dev/shm");
            return {};
        }
    }
    if (*ctx.svc.shm_size <= 0) return op::invalid("shm_size must be greater than zero", path);
    OP_TRY(auto size, memory_quantity(*ctx.svc.shm_size, path));
    plan.volumes.push_back({pod_volume::type::empty_dir_memory, "dshm", size, {}, {}, {}});
    plan.mounts.push_back({"dshm", "/dev/shm", {}, false});
    return {};
}

result<volume_plan> plan_volumes(service_ctx const& ctx) {
    volume_plan plan;
    mount_paths paths;
    OP_RETURN_IF_ERROR(plan_compose_volumes(ctx, plan, paths));
    OP_RETURN_IF_ERROR(plan_tmpfs(ctx, plan, paths));
    OP_RETURN_IF_ERROR(plan_files(ctx, plan, paths, true));
    OP_RETURN_IF_ERROR(plan_files(ctx, plan, paths, false));
    OP_RETURN_IF_ERROR(plan_shm(ctx, plan));
    return plan;
}

value render_volume(pod_volume const& v, alloc_t& a) {
    value out(rapidjson::kObjectType);
    put(out, "name", v.name, a);
    value src(rapidjson::kObjectType);
    switch (v.kind) {
    case pod_volume::type::host_path:
        put(src, "path", v.source, a);
        put(out, "hostPath", std::move(src), a);
        break;
    case pod_volume::type::empty_dir_memory:
        put(src, "medium", "Memory", a);
        if (!v.source.empty()) put(src, "sizeLimit", v.source, a);
        put(out, "emptyDir", std::move(src), a);
        break;
    case pod_volume::type::secret:
        put(src, "secretName", v.source, a);
        put(src, "items", key_item(v, a), a);
        put(out, "secret", std::move(src), a);
        break;
    case pod_volume::type::config_map:
        put(src, "name", v.source, a);
        put(src, "items", key_item(v, a), a);
        put(out, "configMap", std::move(src), a);
        break;
    case pod_volume::type::claim:
        put(src, "claimName", v.source, a);
        put(out, "persistentVolumeClaim", std::move(src), a);
        break;
    }
    return out;
}

value render_mount(volume_mount const& m, alloc_t& a) {
    value out(rapidjson::kObjectType);
    put(out, "name", m.name, a);
    put(out, "mountPath", m.mount_path, a);
    if (!m.sub_path.empty()) put(out, "subPath", m.sub_path, a);
    if (m.read_only) put_bool(out, "readOnly", true, a);
    return out;
}

result<value> claim_template(service_ctx const& ctx, std::string const& name, alloc_t& a) {
    // spec.volumes.<source> where set, else the operator's options (flags).
    OP_TRY(auto settings, claim_settings(ctx, name));
    OP_TRY(auto spec, claim_spec(settings, a));
    value meta(rapidjson::kObjectType);
    put(meta, "name", name, a);
    put(meta, "labels", label_object(standard_labels(ctx.stack.metadata.name, ctx.svc.name), a),
        a);
    value out(rapidjson::kObjectType);
    put(out, "metadata", std::move(meta), a);
    put(out, "spec", std::move(spec), a);
    return out;
}

result<k8s_object> shared_claim(api::stack const& stack, mapping_options const& options,
                                std::string const& source, std::vector<std::string> const& services,
                                warning_sink& warnings) {
    std::string const path = "spec.volumes." + source;
    auto const name = mapping::stack_scoped_name(stack.metadata.name, source);
    if (!is_dns1123_subdomain(name)) {
        return op::invalid("the claim name \"" + name + "\" of shared volume \"" + source +
                               "\" is not a valid Kubernetes name (at most 253 characters); "
                               "shorten the volume or stack name",
                           path);
    }
    OP_TRY(auto settings, volume_settings(stack, options, source));
    label_map labels = stack_labels(stack.metadata.name);
    // Not owned: data is never deleted implicitly (design.md), so the claim outlives the stack and
    // a stack deployed again under the same name mounts it again.
    auto doc = new_object("v1", "PersistentVolumeClaim", stack, name, labels, false);
    auto& a = doc.GetAllocator();
    OP_TRY(auto spec, claim_spec(settings, a));
    put(doc, "spec", std::move(spec), a);
    std::string list;
    for (auto const& s : services) list += (list.empty() ? "" : ", ") + s;
    std::string modes;
    for (auto const& m : settings.access_modes) modes += (modes.empty() ? "" : ", ") + m;
    bool const one_node = std::find(settings.access_modes.begin(), settings.access_modes.end(),
                                    "ReadWriteMany") == settings.access_modes.end() &&
                          std::find(settings.access_modes.begin(), settings.access_modes.end(),
                                    "ReadOnlyMany") == settings.access_modes.end();
    warnings.add(path, "shared by services " + list + ": one PersistentVolumeClaim \"" + name +
                           "\" (" + modes + ") that all their pods mount, replicas included" +
                           (one_node ? "; a ReadWriteOnce claim attaches to one node, so pods on "
                                       "another node stay Pending: set accessModes: "
                                       "[ReadWriteMany] with a storage class that offers it"
                                     : "") +
                           "; the claim is kept when the stack is deleted or stops sharing the volume "
                           "(delete it with kubectl to free its data)");
    return k8s_object{"v1", "PersistentVolumeClaim", stack.metadata.namespace_, name, std::move(doc)};
}

}  // namespace op::mapping::detail
