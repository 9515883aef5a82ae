// JSON -> Stack types. Every member's type is checked before it is read (untrusted input).
#include "json_read.hpp"
#include "op/api/versions.hpp"

#include <fmt/format.h>

#include <charconv>

namespace op::api {
namespace detail {

error wrong_type(std::string path, std::string_view want, value const& got) {
    return invalid(fmt::format("expected {}, got {}", want, json::type_name(got)),
                   std::move(path));
}

std::string item_path(std::string_view path, std::size_t index) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, index);
    (void)ec;
    std::string out;
    out.reserve(path.size() + static_cast<std::size_t>(end - digits) + 2);
    out.append(path).append(1, '[').append(digits, end).append(1, ']');
    return out;
}

result<std::string> read_string(value const& obj, std::string_view key, std::string_view path) {
    OP_TRY(auto s, json::get_string(obj, key, path));
    return s ? std::string(*s) : std::string();
}

result<bool> read_bool(value const& obj, std::string_view key, std::string_view path) {
    OP_TRY(auto b, json::get_bool(obj, key, path));
    return b.value_or(false);
}

result<std::vector<std::string>> read_strings(value const& obj, std::string_view key,
                                              std::string_view path) {
    std::vector<std::string> out;
    OP_TRY(auto arr, json::get_array(obj, key, path));
    if (arr == nullptr) return out;
    out.reserve(arr->Size());
    for (rapidjson::SizeType i = 0; i < arr->Size(); ++i) {
        auto const& v = (*arr)[i];
        if (!v.IsString()) return wrong_type(item_path(join_path(path, key), i), "string", v);
        out.emplace_back(v.GetString(), v.GetStringLength());
    }
    return out;
}

result<std::map<std::string, std::string>> read_string_map(value const& obj, std::string_view key,
                                                           std::string_view path) {
    std::map<std::string, std::string> out;
    OP_TRY(auto m, json::get_object(obj, key, path));
    if (m == nullptr) return out;
    for (auto it = m->MemberBegin(); it != m->MemberEnd(); ++it) {
        std::string name(it->name.GetString(), it->name.GetStringLength());
        if (!it->value.IsString()) {
            return wrong_type(join_path(join_path(path, key), name), "string", it->value);
        }
        out.insert_or_assign(std::move(name),
                             std::string(it->value.GetString(), it->value.GetStringLength()));
    }
    return out;
}

result<std::map<std::string, std::optional<std::string>>> read_nullable_string_map(
    value const& obj, std::string_view key, std::string_view path) {
    std::map<std::string, std::optional<std::string>> out;
    OP_TRY(auto m, json::get_object(obj, key, path));
    if (m == nullptr) return out;
    for (auto it = m->MemberBegin(); it != m->MemberEnd(); ++it) {
        std::string name(it->name.GetString(), it->name.GetStringLength());
        if (it->value.IsNull()) {
            out.insert_or_assign(std::move(name), std::nullopt);
        } else if (it->value.IsString()) {
            out.insert_or_assign(std::move(name), std::string(it->value.GetString(),
                                                              it->value.GetStringLength()));
        } else {
            return wrong_type(join_path(join_path(path, key), name), "string or null", it->value);
        }
    }
    return out;
}

result<value const*> read_object(value const& obj, std::string_view key, std::string_view path) {
    return json::get_object(obj, key, path);
}

}  // namespace detail

namespace {
using namespace detail;

result<std::optional<duration>> read_duration(value const& obj, std::string_view key,
                                              std::string_view path) {
    OP_TRY(auto ns, read_int<std::int64_t>(obj, key, path));
    if (!ns) return std::optional<duration>{};
    return std::optional<duration>{duration(*ns)};
}

result<port_config> decode_port(value const& v, std::string const& p) {
    port_config out;
    OP_TRY(out.mode, read_string(v, "mode", p));
    OP_TRY(auto target, read_int<std::uint32_t>(v, "target", p));
    OP_TRY(auto published, read_int<std::uint32_t>(v, "published", p));
    OP_TRY(out.protocol, read_string(v, "protocol", p));
    out.target = target.value_or(0);
    out.published = published.value_or(0);
    return out;
}

result<volume_config> decode_volume(value const& v, std::string const& p) {
    volume_config out;
    OP_TRY(out.type, read_string(v, "type", p));
    OP_TRY(out.source, read_string(v, "source", p));
    OP_TRY(out.target, read_string(v, "target", p));
    OP_TRY(out.read_only, read_bool(v, "read_only", p));
    return out;
}

result<file_reference> decode_file_reference(value const& v, std::string const& p) {
    file_reference out;
    OP_TRY(out.source, read_string(v, "source", p));
    OP_TRY(out.target, read_string(v, "target", p));
    OP_TRY(out.uid, read_string(v, "uid", p));
    OP_TRY(out.gid, read_string(v, "gid", p));
    OP_TRY(out.mode, read_int<std::uint32_t>(v, "mode", p));
    return out;
}

result<file_object> decode_file_object(value const& v, std::string const& p) {
    file_object out;
    OP_TRY(out.name, read_string(v, "name", p));
    OP_TRY(out.file, read_string(v, "file", p));
    OP_TRY(out.content, read_string(v, "content", p));
    OP_TRY(auto ext, read_object(v, "external", p));
    if (ext != nullptr) {
        std::string const ep = join_path(p, "external");
        OP_TRY(out.external.name, read_string(*ext, "name", ep));
        OP_TRY(out.external.external, read_bool(*ext, "external", ep));
    }
    OP_TRY(out.labels, read_string_map(v, "labels", p));
    return out;
}

result<std::optional<std::string>> read_opt_string(value const& obj, std::string_view key,
                                                   std::string_view path) {
    OP_TRY(auto s, json::get_string(obj, key, path));
    if (!s) return std::optional<std::string>{};
    return std::optional<std::string>{std::string(*s)};
}

result<volume_claim> decode_volume_claim(value const& v, std::string const& p) {
    volume_claim out;
    OP_TRY(out.size, read_opt_string(v, "size", p));
    OP_TRY(out.storage_class_name, read_opt_string(v, "storageClassName", p));
    OP_TRY(out.access_modes, read_strings(v, "accessModes", p));
    return out;
}

result<constraint> decode_constraint(value const& v, std::string const& p) {
    constraint out;
    OP_TRY(out.value, read_string(v, "Value", p));
    OP_TRY(out.op, read_string(v, "Operator", p));
    return out;
}

result<std::optional<constraint>> read_constraint(value const& obj, std::string_view key,
                                                  std::string const& p) {
    OP_TRY(auto c, read_object(obj, key, p));
    if (c == nullptr) return std::optional<constraint>{};
    OP_TRY(auto out, decode_constraint(*c, join_path(p, key)));
    return std::optional<constraint>{std::move(out)};
}

result<std::optional<resource>> read_resource(value const& obj, std::string_view key,
                                              std::string const& p) {
    OP_TRY(auto r, read_object(obj, key, p));
    if (r == nullptr) return std::optional<resource>{};
    std::string const rp = join_path(p, key);
    resource out;
    OP_TRY(out.cpus, read_string(*r, "cpus", rp));
    OP_TRY(auto mem, read_int<std::int64_t>(*r, "memory", rp));
    out.memory = mem.value_or(0);
    return std::optional<resource>{std::move(out)};
}

result<deploy_config> decode_deploy(value const& v, std::string const& p) {
    deploy_config out;
    OP_TRY(out.mode, read_string(v, "mode", p));
    OP_TRY(out.replicas, read_int<std::uint64_t>(v, "replicas", p));
    OP_TRY(out.labels, read_string_map(v, "labels", p));
    OP_TRY(auto upd, read_object(v, "update_config", p));
    if (upd != nullptr) {
        update_config u;
        OP_TRY(u.parallelism, read_int<std::uint64_t>(*upd, "paralellism", join_path(p, "update_config")));
        out.update = u;
    }
    OP_TRY(auto res, read_object(v, "resources", p));
    if (res != nullptr) {
        std::string const rp = join_path(p, "resources");
        OP_TRY(out.resources_.limits, read_resource(*res, "limits", rp));
        OP_TRY(out.resources_.reservations, read_resource(*res, "reservations", rp));
    }
    OP_TRY(auto rst, read_object(v, "restart_policy", p));
    if (rst != nullptr) {
        restart_policy r;
        OP_TRY(r.condition, read_string(*rst, "condition", join_path(p, "restart_policy")));
        out.restart = r;
    }
    OP_TRY(auto pl, read_object(v, "placement", p));
    if (pl != nullptr) {
        std::string const pp = join_path(p, "placement");
        OP_TRY(auto cs, read_object(*pl, "constraints", pp));
        if (cs != nullptr) {
            std::string const cp = join_path(pp, "constraints");
            constraints c;
            OP_TRY(c.operating_system, read_constraint(*cs, "OperatingSystem", cp));
            OP_TRY(c.architecture, read_constraint(*cs, "Architecture", cp));
            OP_TRY(c.hostname, read_constraint(*cs, "Hostname", cp));
            OP_TRY(c.match_labels, read_object_map<constraint>(*cs, "MatchLabels", cp, decode_constraint));
            out.placement_.constraints_ = std::move(c);
        }
        OP_TRY(out.placement_.max_replicas_per_node,
               read_int<std::uint64_t>(*pl, "max_replicas_per_node", pp));
    }
    return out;
}

result<health_check> decode_health_check(value const& v, std::string const& p) {
    health_check out;
    OP_TRY(out.test, read_strings(v, "test", p));
    OP_TRY(out.timeout, read_duration(v, "timeout", p));
    OP_TRY(out.interval, read_duration(v, "interval", p));
    OP_TRY(out.retries, read_int<std::uint64_t>(v, "retries", p));
    OP_TRY(out.start_period, read_duration(v, "start_period", p));
    return out;
}

result<internal_port> decode_internal_port(value const& v, std::string const& p) {
    internal_port out;
    OP_TRY(auto port, read_int<std::int32_t>(v, "port", p));
    out.port = port.value_or(0);
    OP_TRY(out.protocol, read_string(v, "protocol", p));
    return out;
}

result<std::optional<lifecycle_hook>> read_hook(value const& v, std::string_view key,
                                                std::string const& p) {
    OP_TRY(auto h, read_object(v, key, p));
    if (h == nullptr) return std::optional<lifecycle_hook>{};
    lifecycle_hook out;
    OP_TRY(out.command, read_strings(*h, "command", join_path(p, key)));
    return std::optional<lifecycle_hook>{std::move(out)};
}

result<dependency> decode_dependency(value const& v, std::string const& p) {
    dependency out;
    OP_TRY(out.service, read_string(v, "service", p));
    if (out.service.empty()) return invalid("required", join_path(p, "service"));
    OP_TRY(out.condition, read_string(v, "condition", p));
    if (out.condition.empty()) out.condition = "service_started";
    OP_TRY(auto required, json::get_bool(v, "required", p));
    out.required = required.value_or(true);
    OP_TRY(out.restart, read_bool(v, "restart", p));
    return out;
}

result<ingress_expose> decode_expose(value const& v, std::string const& p) {
    ingress_expose out;
    OP_TRY(out.host, read_string(v, "host", p));
    OP_TRY(out.path, read_string(v, "path", p));
    OP_TRY(out.path_type, read_string(v, "pathType", p));
    OP_TRY(out.port, read_int<std::uint32_t>(v, "port", p));
    OP_TRY(out.tls_secret, read_string(v, "tlsSecret", p));
    OP_TRY(out.ingress_class_name, read_string(v, "ingressClassName", p));
    return out;
}

result<std::vector<std::int64_t>> read_ints(value const& obj, std::string_view key,
                                            std::string_view path) {
    std::vector<std::int64_t> out;
    OP_TRY(auto arr, json::get_array(obj, key, path));
    if (arr == nullptr) return out;
    for (rapidjson::SizeType i = 0; i < arr->Size(); ++i) {
        auto const& v = (*arr)[i];
        if (!v.IsInt64()) return wrong_type(item_path(join_path(path, key), i), "integer", v);
        out.push_back(v.GetInt64());
    }
    return out;
}

result<service_config> decode_service(value const& v, std::string const& p) {
    service_config s;
    OP_TRY(s.name, read_string(v, "name", p));
    OP_TRY(s.cap_add, read_strings(v, "cap_add", p));
    OP_TRY(s.cap_drop, read_strings(v, "cap_drop", p));
    OP_TRY(s.command, read_strings(v, "command", p));
    OP_TRY(s.configs, read_list<file_reference>(v, "configs", p, decode_file_reference));
    OP_TRY(auto dep, read_object(v, "deploy", p));
    if (dep != nullptr) {
        OP_TRY(s.deploy, decode_deploy(*dep, join_path(p, "deploy")));
    }
    OP_TRY(s.entrypoint, read_strings(v, "entrypoint", p));
    OP_TRY(s.environment, read_nullable_string_map(v, "environment", p));
    OP_TRY(s.extra_hosts, read_strings(v, "extra_hosts", p));
    OP_TRY(s.hostname, read_string(v, "hostname", p));
    OP_TRY(auto hc, read_object(v, "health_check", p));
    if (hc != nullptr) {
        OP_TRY(auto h, decode_health_check(*hc, join_path(p, "health_check")));
        s.healthcheck = std::move(h);
    }
    OP_TRY(s.image, read_string(v, "image", p));
    OP_TRY(s.ipc, read_string(v, "ipc", p));
    OP_TRY(s.labels, read_string_map(v, "labels", p));
    OP_TRY(s.pid, read_string(v, "pid", p));
    OP_TRY(s.ports, read_list<port_config>(v, "ports", p, decode_port));
    OP_TRY(s.privileged, read_bool(v, "privileged", p));
    OP_TRY(s.read_only, read_bool(v, "read_only", p));
    OP_TRY(s.secrets, read_list<file_reference>(v, "secrets", p, decode_file_reference));
    OP_TRY(s.stdin_open, read_bool(v, "stdin_open", p));
    OP_TRY(s.stop_grace_period, read_duration(v, "stop_grace_period", p));
    OP_TRY(s.tmpfs, read_strings(v, "tmpfs", p));
    OP_TRY(s.tty, read_bool(v, "tty", p));
    OP_TRY(s.user, read_int<std::int64_t>(v, "user", p));
    OP_TRY(s.group, read_int<std::int64_t>(v, "group", p));
    OP_TRY(s.volumes, read_list<volume_config>(v, "volumes", p, decode_volume));
    OP_TRY(s.working_dir, read_string(v, "working_dir", p));
    OP_TRY(s.pull_secret, read_string(v, "pull_secret", p));
    OP_TRY(s.pull_policy, read_string(v, "pull_policy", p));
    OP_TRY(s.internal_ports, read_list<internal_port>(v, "internal_ports", p, decode_internal_port));
    OP_TRY(s.internal_service_type, read_string(v, "internal_service_type", p));
    OP_TRY(s.sysctls, read_string_map(v, "sysctls", p));
    OP_TRY(s.group_add, read_ints(v, "group_add", p));
    OP_TRY(s.shm_size, read_int<std::int64_t>(v, "shm_size", p));
    OP_TRY(s.post_start, read_hook(v, "post_start", p));
    OP_TRY(s.pre_stop, read_hook(v, "pre_stop", p));
    OP_TRY(s.depends_on, read_list<dependency>(v, "depends_on", p, decode_dependency));
    OP_TRY(auto k8s, read_object(v, "kubernetes", p));
    if (k8s != nullptr) {
        std::string const kp = join_path(p, "kubernetes");
        service_kubernetes sk;
        OP_TRY(sk.service_type, read_string(*k8s, "serviceType", kp));
        OP_TRY(sk.expose, read_list<ingress_expose>(*k8s, "expose", kp, decode_expose));
        s.kubernetes = std::move(sk);
    }
    return s;
}

result<condition> decode_condition(value const& v, std::string const& p) {
    condition c;
    OP_TRY(c.type, read_string(v, "type", p));
    OP_TRY(c.status, read_string(v, "status", p));
    OP_TRY(c.reason, read_string(v, "reason", p));
    OP_TRY(c.message, read_string(v, "message", p));
    OP_TRY(c.last_transition_time, read_string(v, "lastTransitionTime", p));
    OP_TRY(c.observed_generation, read_int<std::int64_t>(v, "observedGeneration", p));
    return c;
}

result<service_status> decode_service_status(value const& v, std::string const& p) {
    service_status s;
    OP_TRY(auto d, read_int<std::int32_t>(v, "desired", p));
    OP_TRY(auto r, read_int<std::int32_t>(v, "ready", p));
    OP_TRY(auto u, read_int<std::int32_t>(v, "updated", p));
    s.desired = d.value_or(0);
    s.ready = r.value_or(0);
    s.updated = u.value_or(0);
    return s;
}

// Checks the object is an object of kind Stack at `want`, and returns its metadata.
result<object_meta> decode_envelope(value const& object, version want) {
    OP_TRY(auto v, version_of(object));
    if (v != want) {
        return invalid("expected " + api_version(want) + ", got " + api_version(v), "apiVersion");
    }
    OP_TRY(auto meta, read_object(object, "metadata", ""));
    return decode_metadata(meta);
}

result<std::optional<stack_status>> decode_optional_status(value const& object) {
    OP_TRY(auto st, read_object(object, "status", ""));
    if (st == nullptr) return std::optional<stack_status>{};
    OP_TRY(auto s, decode_status(*st, "status"));
    return std::optional<stack_status>{std::move(s)};
}

template <class Stack>
result<Stack> decode_structured(value const& object, version want) {
    if (!object.IsObject()) return wrong_type("", "object", object);
    Stack out;
    OP_TRY(out.metadata, decode_envelope(object, want));
    OP_TRY(auto spec, read_object(object, "spec", ""));
    if (spec != nullptr) {
        OP_TRY(auto s, decode_spec(*spec, "spec"));
        out.spec = std::move(s);
    }
    OP_TRY(out.status, decode_optional_status(object));
    return out;
}

}  // namespace

result<version> version_of(rapidjson::Value const& object) {
    if (!object.IsObject()) return wrong_type("", "object", object);
    OP_TRY(auto av, json::get_string(object, "apiVersion", ""));
    if (!av) return invalid("required", "apiVersion");
    OP_TRY(auto k, json::get_string(object, "kind", ""));
    if (k && *k != kind) return invalid("expected Stack, got " + std::string(*k), "kind");
    auto v = parse_version(*av);
    if (!v) return std::move(v).error().under("apiVersion");
    return *v;
}

result<object_meta> decode_metadata(rapidjson::Value const* metadata) {
    object_meta m;
    if (metadata == nullptr) return m;
    if (!metadata->IsObject()) return wrong_type("metadata", "object", *metadata);
    auto const& v = *metadata;
    std::string const p = "metadata";
    OP_TRY(m.name, read_string(v, "name", p));
    OP_TRY(m.namespace_, read_string(v, "namespace", p));
    OP_TRY(m.uid, read_string(v, "uid", p));
    OP_TRY(m.resource_version, read_string(v, "resourceVersion", p));
    OP_TRY(auto gen, read_int<std::int64_t>(v, "generation", p));
    m.generation = gen.value_or(0);
    OP_TRY(m.labels, read_string_map(v, "labels", p));
    OP_TRY(m.annotations, read_string_map(v, "annotations", p));
    m.raw = json::dump(v);
    return m;
}

result<stack_spec> decode_spec(rapidjson::Value const& spec, std::string_view path) {
    if (!spec.IsObject()) return wrong_type(std::string(path), "object", spec);
    stack_spec out;
    OP_TRY(out.services, read_list<service_config>(spec, "services", path, decode_service));
    OP_TRY(out.secrets, read_object_map<file_object>(spec, "secrets", path, decode_file_object));
    OP_TRY(out.configs, read_object_map<file_object>(spec, "configs", path, decode_file_object));
    OP_TRY(out.volumes, read_object_map<volume_claim>(spec, "volumes", path, decode_volume_claim));
    return out;
}

result<stack_status> decode_status(rapidjson::Value const& status, std::string_view path) {
    if (!status.IsObject()) return wrong_type(std::string(path), "object", status);
    stack_status s;
    OP_TRY(s.observed_generation, read_int<std::int64_t>(status, "observedGeneration", path));
    OP_TRY(s.phase, read_string(status, "phase", path));
    OP_TRY(s.message, read_string(status, "message", path));
    OP_TRY(s.conditions, read_list<condition>(status, "conditions", path, decode_condition));
    OP_TRY(s.services,
           read_object_map<service_status>(status, "services", path, decode_service_status));
    OP_TRY(s.service_count, read_int<std::int32_t>(status, "serviceCount", path));
    OP_TRY(s.ready, read_string(status, "ready", path));
    return s;
}

result<v1beta1::stack> decode_v1beta1(rapidjson::Value const& object) {
    if (!object.IsObject()) return wrong_type("", "object", object);
    v1beta1::stack out;
    OP_TRY(out.metadata, decode_envelope(object, version::v1beta1));
    OP_TRY(auto spec, read_object(object, "spec", ""));
    if (spec != nullptr) {
        OP_TRY(out.compose_file, read_string(*spec, "composeFile", "spec"));
    }
    OP_TRY(out.status, decode_optional_status(object));
    return out;
}

result<v1beta2::stack> decode_v1beta2(rapidjson::Value const& object) {
    return decode_structured<v1beta2::stack>(object, version::v1beta2);
}

result<v1alpha3::stack> decode_v1alpha3(rapidjson::Value const& object) {
    return decode_structured<v1alpha3::stack>(object, version::v1alpha3);
}

}  // namespace op::api
