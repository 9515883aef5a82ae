// JSON -> Stack types. Every member's type is checked before it is read (untrusted input).
#include "json_read.hpp"
#include "op/api/versions.hpp"

#include <fmt/format.h>

#include <charconv>

namespace op::api {
namespace detail {

std::string field_path::str() const {
    if (parent_ == nullptr) return std::string(text_);
    return is_index_ ? item_path(parent_->str(), index_) : join_path(parent_->str(), text_);
}

error wrong_type(std::string path, std::string_view want, value const& got) {
    return invalid(fmt::format("expected {}, got {}", want, json::type_name(got)),
                   std::move(path));
}

error wrong_type(field_path const& p, std::string_view key, std::string_view want,
                 value const& got) {
    return wrong_type(field_path(p, key).str(), want, got);
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

error out_of_range(std::int64_t got, std::int64_t min, std::uint64_t max, field_path const& p,
                   std::string_view key) {
    return invalid("expected integer between " + std::to_string(min) + " and " +
                       std::to_string(max) + ", got " + std::to_string(got),
                   field_path(p, key).str());
}

// The same checks, in the same order, as json::get_string / get_int / get_bool / get_object /
// get_array, on a member already looked up.
result<std::optional<std::string_view>> get_string(member m, field_path const& p) {
    auto const* v = m.v;
    if (v == nullptr || v->IsNull()) return std::optional<std::string_view>{};
    if (!v->IsString()) return wrong_type(p, m.key, "string", *v);
    return std::optional<std::string_view>{std::string_view(v->GetString(), v->GetStringLength())};
}

result<std::optional<std::int64_t>> get_int(member m, field_path const& p) {
    auto const* v = m.v;
    if (v == nullptr || v->IsNull()) return std::optional<std::int64_t>{};
    if (auto i = json::as_int(*v)) return i;
    return wrong_type(p, m.key, "integer", *v);
}

result<std::optional<bool>> get_bool(member m, field_path const& p) {
    auto const* v = m.v;
    if (v == nullptr || v->IsNull()) return std::optional<bool>{};
    if (!v->IsBool()) return wrong_type(p, m.key, "boolean", *v);
    return std::optional<bool>{v->GetBool()};
}

result<value const*> read_object(member m, field_path const& p) {
    auto const* v = m.v;
    if (v == nullptr || v->IsNull()) return static_cast<value const*>(nullptr);
    if (!v->IsObject()) return wrong_type(p, m.key, "object", *v);
    return v;
}

result<value const*> read_array(member m, field_path const& p) {
    auto const* v = m.v;
    if (v == nullptr || v->IsNull()) return static_cast<value const*>(nullptr);
    if (!v->IsArray()) return wrong_type(p, m.key, "array", *v);
    return v;
}

result<std::string> read_string(member m, field_path const& p) {
    OP_TRY(auto s, get_string(m, p));
    return s ? std::string(*s) : std::string();
}

result<bool> read_bool(member m, field_path const& p) {
    OP_TRY(auto b, get_bool(m, p));
    return b.value_or(false);
}

result<std::vector<std::string>> read_strings(member m, field_path const& p) {
    std::vector<std::string> out;
    OP_TRY(auto arr, read_array(m, p));
    if (arr == nullptr) return out;
    out.reserve(arr->Size());
    for (rapidjson::SizeType i = 0; i < arr->Size(); ++i) {
        auto const& v = (*arr)[i];
        if (!v.IsString()) {
            field_path const base(p, m.key);
            return wrong_type(field_path(base, std::size_t{i}).str(), "string", v);
        }
        out.emplace_back(v.GetString(), v.GetStringLength());
    }
    return out;
}

result<std::map<std::string, std::string>> read_string_map(member m, field_path const& p) {
    std::map<std::string, std::string> out;
    OP_TRY(auto obj, read_object(m, p));
    if (obj == nullptr) return out;
    for (auto it = obj->MemberBegin(); it != obj->MemberEnd(); ++it) {
        std::string_view const name(it->name.GetString(), it->name.GetStringLength());
        if (!it->value.IsString()) {
            field_path const base(p, m.key);
            return wrong_type(base, name, "string", it->value);
        }
        out.insert_or_assign(std::string(name),
                             std::string(it->value.GetString(), it->value.GetStringLength()));
    }
    return out;
}

result<std::map<std::string, std::optional<std::string>>> read_nullable_string_map(
    member m, field_path const& p) {
    std::map<std::string, std::optional<std::string>> out;
    OP_TRY(auto obj, read_object(m, p));
    if (obj == nullptr) return out;
    for (auto it = obj->MemberBegin(); it != obj->MemberEnd(); ++it) {
        std::string_view const name(it->name.GetString(), it->name.GetStringLength());
        if (it->value.IsNull()) {
            out.insert_or_assign(std::string(name), std::nullopt);
        } else if (it->value.IsString()) {
            out.insert_or_assign(std::string(name), std::string(it->value.GetString(),
                                                                it->value.GetStringLength()));
        } else {
            field_path const base(p, m.key);
            return wrong_type(base, name, "string or null", it->value);
        }
    }
    return out;
}

}  // namespace detail

namespace {
using namespace detail;

result<std::optional<duration>> read_duration(member m, field_path const& p) {
    OP_TRY(auto ns, read_int<std::int64_t>(m, p));
    if (!ns) return std::optional<duration>{};
    return std::optional<duration>{duration(*ns)};
}

result<port_config> decode_port(value const& v, field_path const& p) {
    static constexpr auto k = keys("mode", "target", "published", "protocol");
    auto const f = k.gather(v);
    port_config out;
    OP_TRY(out.mode, read_string(f[k("mode")], p));
    OP_TRY(auto target, read_int<std::uint32_t>(f[k("target")], p));
    OP_TRY(auto published, read_int<std::uint32_t>(f[k("published")], p));
    OP_TRY(out.protocol, read_string(f[k("protocol")], p));
    out.target = target.value_or(0);
    out.published = published.value_or(0);
    return out;
}

result<volume_config> decode_volume(value const& v, field_path const& p) {
    static constexpr auto k = keys("type", "source", "target", "read_only");
    auto const f = k.gather(v);
    volume_config out;
    OP_TRY(out.type, read_string(f[k("type")], p));
    OP_TRY(out.source, read_string(f[k("source")], p));
    OP_TRY(out.target, read_string(f[k("target")], p));
    OP_TRY(out.read_only, read_bool(f[k("read_only")], p));
    return out;
}

result<file_reference> decode_file_reference(value const& v, field_path const& p) {
    static constexpr auto k = keys("source", "target", "uid", "gid", "mode");
    auto const f = k.gather(v);
    file_reference out;
    OP_TRY(out.source, read_string(f[k("source")], p));
    OP_TRY(out.target, read_string(f[k("target")], p));
    OP_TRY(out.uid, read_string(f[k("uid")], p));
    OP_TRY(out.gid, read_string(f[k("gid")], p));
    OP_TRY(out.mode, read_int<std::uint32_t>(f[k("mode")], p));
    return out;
}

result<file_object> decode_file_object(value const& v, field_path const& p) {
    static constexpr auto k = keys("name", "file", "content", "external", "labels");
    auto const f = k.gather(v);
    file_object out;
    OP_TRY(out.name, read_string(f[k("name")], p));
    OP_TRY(out.file, read_string(f[k("file")], p));
    OP_TRY(out.content, read_string(f[k("content")], p));
    OP_TRY(auto ext, read_object(f[k("external")], p));
    if (ext != nullptr) {
        static constexpr auto ek = keys("name", "external");
        auto const ef = ek.gather(*ext);
        field_path const ep(p, "external");
        OP_TRY(out.external.name, read_string(ef[ek("name")], ep));
        OP_TRY(out.external.external, read_bool(ef[ek("external")], ep));
    }
    OP_TRY(out.labels, read_string_map(f[k("labels")], p));
    return out;
}

result<std::optional<std::string>> read_opt_string(member m, field_path const& p) {
    OP_TRY(auto s, get_string(m, p));
    if (!s) return std::optional<std::string>{};
    return std::optional<std::string>{std::string(*s)};
}

result<volume_claim> decode_volume_claim(value const& v, field_path const& p) {
    static constexpr auto k = keys("size", "storageClassName", "accessModes");
    auto const f = k.gather(v);
    volume_claim out;
    OP_TRY(out.size, read_opt_string(f[k("size")], p));
    OP_TRY(out.storage_class_name, read_opt_string(f[k("storageClassName")], p));
    OP_TRY(out.access_modes, read_strings(f[k("accessModes")], p));
    return out;
}

result<constraint> decode_constraint(value const& v, field_path const& p) {
    static constexpr auto k = keys("Value", "Operator");
    auto const f = k.gather(v);
    constraint out;
    OP_TRY(out.value, read_string(f[k("Value")], p));
    OP_TRY(out.op, read_string(f[k("Operator")], p));
    return out;
}

result<resource> decode_resource(value const& v, field_path const& p) {
    static constexpr auto k = keys("cpus", "memory");
    auto const f = k.gather(v);
    resource out;
    OP_TRY(out.cpus, read_string(f[k("cpus")], p));
    OP_TRY(auto mem, read_int<std::int64_t>(f[k("memory")], p));
    out.memory = mem.value_or(0);
    return out;
}

result<constraints> decode_constraints(value const& v, field_path const& p) {
    static constexpr auto k = keys("OperatingSystem", "Architecture", "Hostname", "MatchLabels");
    auto const f = k.gather(v);
    constraints c;
    OP_TRY(c.operating_system, read_optional<constraint>(f[k("OperatingSystem")], p, decode_constraint));
    OP_TRY(c.architecture, read_optional<constraint>(f[k("Architecture")], p, decode_constraint));
    OP_TRY(c.hostname, read_optional<constraint>(f[k("Hostname")], p, decode_constraint));
    OP_TRY(c.match_labels, read_object_map<constraint>(f[k("MatchLabels")], p, decode_constraint));
    return c;
}

result<deploy_config> decode_deploy(value const& v, field_path const& p) {
    static constexpr auto k = keys("mode", "replicas", "labels", "update_config", "resources",
                                   "restart_policy", "placement");
    auto const f = k.gather(v);
    deploy_config out;
    OP_TRY(out.mode, read_string(f[k("mode")], p));
    OP_TRY(out.replicas, read_int<std::uint64_t>(f[k("replicas")], p));
    OP_TRY(out.labels, read_string_map(f[k("labels")], p));
    OP_TRY(auto upd, read_object(f[k("update_config")], p));
    if (upd != nullptr) {
        update_config u;
        OP_TRY(u.parallelism, read_int<std::uint64_t>(member_of(*upd, "paralellism"),
                                                      field_path(p, "update_config")));
        out.update = u;
    }
    OP_TRY(auto res, read_object(f[k("resources")], p));
    if (res != nullptr) {
        static constexpr auto rk = keys("limits", "reservations");
        auto const rf = rk.gather(*res);
        field_path const rp(p, "resources");
        OP_TRY(out.resources_.limits, read_optional<resource>(rf[rk("limits")], rp, decode_resource));
        OP_TRY(out.resources_.reservations,
               read_optional<resource>(rf[rk("reservations")], rp, decode_resource));
    }
    OP_TRY(auto rst, read_object(f[k("restart_policy")], p));
    if (rst != nullptr) {
        restart_policy r;
        OP_TRY(r.condition, read_string(member_of(*rst, "condition"), field_path(p, "restart_policy")));
        out.restart = r;
    }
    OP_TRY(auto pl, read_object(f[k("placement")], p));
    if (pl != nullptr) {
        static constexpr auto pk = keys("constraints", "max_replicas_per_node");
        auto const pf = pk.gather(*pl);
        field_path const pp(p, "placement");
        OP_TRY(auto c, read_optional<constraints>(pf[pk("constraints")], pp, decode_constraints));
        if (c) out.placement_.constraints_ = std::move(c);
        OP_TRY(out.placement_.max_replicas_per_node,
               read_int<std::uint64_t>(pf[pk("max_replicas_per_node")], pp));
    }
    return out;
}

result<health_check> decode_health_check(value const& v, field_path const& p) {
    static constexpr auto k = keys("test", "timeout", "interval", "retries", "start_period");
    auto const f = k.gather(v);
    health_check out;
    OP_TRY(out.test, read_strings(f[k("test")], p));
    OP_TRY(out.timeout, read_duration(f[k("timeout")], p));
    OP_TRY(out.interval, read_duration(f[k("interval")], p));
    OP_TRY(out.retries, read_int<std::uint64_t>(f[k("retries")], p));
    OP_TRY(out.start_period, read_duration(f[k("start_period")], p));
    return out;
}

result<internal_port> decode_internal_port(value const& v, field_path const& p) {
    static constexpr auto k = keys("port", "protocol");
    auto const f = k.gather(v);
    internal_port out;
    OP_TRY(auto port, read_int<std::int32_t>(f[k("port")], p));
    out.port = port.value_or(0);
    OP_TRY(out.protocol, read_string(f[k("protocol")], p));
    return out;
}

result<lifecycle_hook> decode_hook(value const& v, field_path const& p) {
    lifecycle_hook out;
    OP_TRY(out.command, read_strings(member_of(v, "command"), p));
    return out;
}

result<dependency> decode_dependency(value const& v, field_path const& p) {
    static constexpr auto k = keys("service", "condition", "required", "restart");
    auto const f = k.gather(v);
    dependency out;
    OP_TRY(out.service, read_string(f[k("service")], p));
    if (out.service.empty()) return invalid("required", field_path(p, "service").str());
    OP_TRY(out.condition, read_string(f[k("condition")], p));
    if (out.condition.empty()) out.condition = "service_started";
    OP_TRY(auto required, get_bool(f[k("required")], p));
    out.required = required.value_or(true);
    OP_TRY(out.restart, read_bool(f[k("restart")], p));
    return out;
}

result<ingress_expose> decode_expose(value const& v, field_path const& p) {
    static constexpr auto k =
        keys("host", "path", "pathType", "port", "tlsSecret", "ingressClassName");
    auto const f = k.gather(v);
    ingress_expose out;
    OP_TRY(out.host, read_string(f[k("host")], p));
    OP_TRY(out.path, read_string(f[k("path")], p));
    OP_TRY(out.path_type, read_string(f[k("pathType")], p));
    OP_TRY(out.port, read_int<std::uint32_t>(f[k("port")], p));
    OP_TRY(out.tls_secret, read_string(f[k("tlsSecret")], p));
    OP_TRY(out.ingress_class_name, read_string(f[k("ingressClassName")], p));
    return out;
}

result<std::vector<std::int64_t>> read_ints(member m, field_path const& p) {
    std::vector<std::int64_t> out;
    OP_TRY(auto arr, read_array(m, p));
    if (arr == nullptr) return out;
    for (rapidjson::SizeType i = 0; i < arr->Size(); ++i) {
        auto const& v = (*arr)[i];
        if (!v.IsInt64()) {
            field_path const base(p, m.key);
            return wrong_type(field_path(base, std::size_t{i}).str(), "integer", v);
        }
        out.push_back(v.GetInt64());
    }
    return out;
}

result<service_kubernetes> decode_service_kubernetes(value const& v, field_path const& p) {
    static constexpr auto k = keys("serviceType", "expose");
    auto const f = k.gather(v);
    service_kubernetes sk;
    OP_TRY(sk.service_type, read_string(f[k("serviceType")], p));
    OP_TRY(sk.expose, read_list<ingress_expose>(f[k("expose")], p, decode_expose));
    return sk;
}

result<service_config> decode_service(value const& v, field_path const& p) {
    static constexpr auto k = keys(
        "name", "cap_add", "cap_drop", "command", "configs", "deploy", "entrypoint", "environment",
        "extra_hosts", "hostname", "health_check", "image", "ipc", "labels", "pid", "ports",
        "privileged", "read_only", "secrets", "stdin_open", "stop_grace_period", "tmpfs", "tty",
        "user", "group", "volumes", "working_dir", "pull_secret", "pull_policy", "internal_ports",
        "internal_service_type", "sysctls", "group_add", "shm_size", "post_start", "pre_stop",
        "depends_on", "kubernetes");
    auto const f = k.gather(v);
    service_config s;
    OP_TRY(s.name, read_string(f[k("name")], p));
    OP_TRY(s.cap_add, read_strings(f[k("cap_add")], p));
    OP_TRY(s.cap_drop, read_strings(f[k("cap_drop")], p));
    OP_TRY(s.command, read_strings(f[k("command")], p));
    OP_TRY(s.configs, read_list<file_reference>(f[k("configs")], p, decode_file_reference));
    OP_TRY(auto dep, read_object(f[k("deploy")], p));
    if (dep != nullptr) {
        OP_TRY(s.deploy, decode_deploy(*dep, field_path(p, "deploy")));
    }
    OP_TRY(s.entrypoint, read_strings(f[k("entrypoint")], p));
    OP_TRY(s.environment, read_nullable_string_map(f[k("environment")], p));
    OP_TRY(s.extra_hosts, read_strings(f[k("extra_hosts")], p));
    OP_TRY(s.hostname, read_string(f[k("hostname")], p));
    OP_TRY(s.healthcheck, read_optional<health_check>(f[k("health_check")], p, decode_health_check));
    OP_TRY(s.image, read_string(f[k("image")], p));
    OP_TRY(s.ipc, read_string(f[k("ipc")], p));
    OP_TRY(s.labels, read_string_map(f[k("labels")], p));
    OP_TRY(s.pid, read_string(f[k("pid")], p));
    OP_TRY(s.ports, read_list<port_config>(f[k("ports")], p, decode_port));
    OP_TRY(s.privileged, read_bool(f[k("privileged")], p));
    OP_TRY(s.read_only, read_bool(f[k("read_only")], p));
    OP_TRY(s.secrets, read_list<file_reference>(f[k("secrets")], p, decode_file_reference));
    OP_TRY(s.stdin_open, read_bool(f[k("stdin_open")], p));
    OP_TRY(s.stop_grace_period, read_duration(f[k("stop_grace_period")], p));
    OP_TRY(s.tmpfs, read_strings(f[k("tmpfs")], p));
    OP_TRY(s.tty, read_bool(f[k("tty")], p));
    OP_TRY(s.user, read_int<std::int64_t>(f[k("user")], p));
    OP_TRY(s.group, read_int<std::int64_t>(f[k("group")], p));
    OP_TRY(s.volumes, read_list<volume_config>(f[k("volumes")], p, decode_volume));
    OP_TRY(s.working_dir, read_string(f[k("working_dir")], p));
    OP_TRY(s.pull_secret, read_string(f[k("pull_secret")], p));
    OP_TRY(s.pull_policy, read_string(f[k("pull_policy")], p));
    OP_TRY(s.internal_ports,
           read_list<internal_port>(f[k("internal_ports")], p, decode_internal_port));
    OP_TRY(s.internal_service_type, read_string(f[k("internal_service_type")], p));
    OP_TRY(s.sysctls, read_string_map(f[k("sysctls")], p));
    OP_TRY(s.group_add, read_ints(f[k("group_add")], p));
    OP_TRY(s.shm_size, read_int<std::int64_t>(f[k("shm_size")], p));
    OP_TRY(s.post_start, read_optional<lifecycle_hook>(f[k("post_start")], p, decode_hook));
    OP_TRY(s.pre_stop, read_optional<lifecycle_hook>(f[k("pre_stop")], p, decode_hook));
    OP_TRY(s.depends_on, read_list<dependency>(f[k("depends_on")], p, decode_dependency));
    OP_TRY(s.kubernetes,
           read_optional<service_kubernetes>(f[k("kubernetes")], p, decode_service_kubernetes));
    return s;
}

result<condition> decode_condition(value const& v, field_path const& p) {
    static constexpr auto k = keys("type", "status", "reason", "message", "lastTransitionTime",
                                   "observedGeneration");
    auto const f = k.gather(v);
    condition c;
    OP_TRY(c.type, read_string(f[k("type")], p));
    OP_TRY(c.status, read_string(f[k("status")], p));
    OP_TRY(c.reason, read_string(f[k("reason")], p));
    OP_TRY(c.message, read_string(f[k("message")], p));
    OP_TRY(c.last_transition_time, read_string(f[k("lastTransitionTime")], p));
    OP_TRY(c.observed_generation, read_int<std::int64_t>(f[k("observedGeneration")], p));
    return c;
}

result<service_status> decode_service_status(value const& v, field_path const& p) {
    static constexpr auto k = keys("desired", "ready", "updated");
    auto const f = k.gather(v);
    service_status s;
    OP_TRY(auto d, read_int<std::int32_t>(f[k("desired")], p));
    OP_TRY(auto r, read_int<std::int32_t>(f[k("ready")], p));
    OP_TRY(auto u, read_int<std::int32_t>(f[k("updated")], p));
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
    OP_TRY(auto meta, read_object(member_of(object, "metadata"), field_path("")));
    return decode_metadata(meta);
}

result<std::optional<stack_status>> decode_optional_status(value const& object) {
    OP_TRY(auto st, read_object(member_of(object, "status"), field_path("")));
    if (st == nullptr) return std::optional<stack_status>{};
    OP_TRY(auto s, decode_status(*st, "status"));
    return std::optional<stack_status>{std::move(s)};
}

template <class Stack>
result<Stack> decode_structured(value const& object, version want) {
    if (!object.IsObject()) return wrong_type("", "object", object);
    Stack out;
    OP_TRY(out.metadata, decode_envelope(object, want));
    OP_TRY(auto spec, read_object(member_of(object, "spec"), field_path("")));
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
    static constexpr auto k = keys("name", "namespace", "uid", "resourceVersion", "generation",
                                   "labels", "annotations");
    auto const f = k.gather(v);
    field_path const p("metadata");
    OP_TRY(m.name, read_string(f[k("name")], p));
    OP_TRY(m.namespace_, read_string(f[k("namespace")], p));
    OP_TRY(m.uid, read_string(f[k("uid")], p));
    OP_TRY(m.resource_version, read_string(f[k("resourceVersion")], p));
    OP_TRY(auto gen, read_int<std::int64_t>(f[k("generation")], p));
    m.generation = gen.value_or(0);
    OP_TRY(m.labels, read_string_map(f[k("labels")], p));
    OP_TRY(m.annotations, read_string_map(f[k("annotations")], p));
    m.raw = json::dump(v);
    return m;
}

result<stack_spec> decode_spec(rapidjson::Value const& spec, std::string_view path) {
    if (!spec.IsObject()) return wrong_type(std::string(path), "object", spec);
    static constexpr auto k = keys("services", "secrets", "configs", "volumes");
    auto const f = k.gather(spec);
    field_path const p(path);
    stack_spec out;
    OP_TRY(out.services, read_list<service_config>(f[k("services")], p, decode_service));
    OP_TRY(out.secrets, read_object_map<file_object>(f[k("secrets")], p, decode_file_object));
    OP_TRY(out.configs, read_object_map<file_object>(f[k("configs")], p, decode_file_object));
    OP_TRY(out.volumes, read_object_map<volume_claim>(f[k("volumes")], p, decode_volume_claim));
    return out;
}

result<stack_status> decode_status(rapidjson::Value const& status, std::string_view path) {
    if (!status.IsObject()) return wrong_type(std::string(path), "object", status);
    static constexpr auto k = keys("observedGeneration", "phase", "message", "conditions",
                                   "services", "serviceCount", "ready");
    auto const f = k.gather(status);
    field_path const p(path);
    stack_status s;
    OP_TRY(s.observed_generation, read_int<std::int64_t>(f[k("observedGeneration")], p));
    OP_TRY(s.phase, read_string(f[k("phase")], p));
    OP_TRY(s.message, read_string(f[k("message")], p));
    OP_TRY(s.conditions, read_list<condition>(f[k("conditions")], p, decode_condition));
    OP_TRY(s.services,
           read_object_map<service_status>(f[k("services")], p, decode_service_status));
    OP_TRY(s.service_count, read_int<std::int32_t>(f[k("serviceCount")], p));
    OP_TRY(s.ready, read_string(f[k("ready")], p));
    return s;
}

result<v1beta1::stack> decode_v1beta1(rapidjson::Value const& object) {
    if (!object.IsObject()) return wrong_type("", "object", object);
    v1beta1::stack out;
    OP_TRY(out.metadata, decode_envelope(object, version::v1beta1));
    OP_TRY(auto spec, read_object(member_of(object, "spec"), field_path("")));
    if (spec != nullptr) {
        OP_TRY(out.compose_file, read_string(member_of(*spec, "composeFile"), field_path("spec")));
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
