// Stack types -> JSON. Zero values are omitted (Go's omitempty), maps come out sorted.
#include "op/api/versions.hpp"
#include "op/util/json.hpp"

namespace op::api {
namespace {

using alloc_t = rapidjson::Document::AllocatorType;
using rapidjson::Value;

// Builds one JSON object, skipping zero values.
class object_builder {
public:
    explicit object_builder(alloc_t& a) : alloc_(a), v_(rapidjson::kObjectType) {}

    object_builder& str(char const* key, std::string const& s) {
        if (!s.empty()) add(key, json::string_value(s, alloc_));
        return *this;
    }
    object_builder& boolean(char const* key, bool b) {
        if (b) add(key, Value(true));
        return *this;
    }
    template <class Int>
    object_builder& num(char const* key, Int i) {
        if (i != 0) add(key, Value(i));
        return *this;
    }
    template <class Int>
    object_builder& opt_num(char const* key, std::optional<Int> const& i) {
        if (i) add(key, Value(*i));
        return *this;
    }
    // Adds the string when present, even when empty ("" differs from absent).
    object_builder& opt_str(char const* key, std::optional<std::string> const& v) {
        if (v) add(key, json::string_value(*v, alloc_));
        return *this;
    }
    object_builder& opt_duration(char const* key, std::optional<duration> const& d) {
        if (d) add(key, Value(static_cast<std::int64_t>(d->count())));
        return *this;
    }
    object_builder& strings(char const* key, std::vector<std::string> const& list) {
        if (list.empty()) return *this;
        Value arr(rapidjson::kArrayType);
        for (auto const& s : list) arr.PushBack(json::string_value(s, alloc_), alloc_);
        add(key, std::move(arr));
        return *this;
    }
    object_builder& string_map(char const* key, std::map<std::string, std::string> const& m) {
        if (m.empty()) return *this;
        Value obj(rapidjson::kObjectType);
        for (auto const& [k, val] : m) {
            obj.AddMember(json::string_value(k, alloc_), json::string_value(val, alloc_), alloc_);
        }
        add(key, std::move(obj));
        return *this;
    }
    object_builder& nullable_map(char const* key,
                                 std::map<std::string, std::optional<std::string>> const& m) {
        if (m.empty()) return *this;
        Value obj(rapidjson::kObjectType);
        for (auto const& [k, val] : m) {
            obj.AddMember(json::string_value(k, alloc_),
                          val ? json::string_value(*val, alloc_) : Value(rapidjson::kNullType),
                          alloc_);
        }
        add(key, std::move(obj));
        return *this;
    }
    template <class T, class F>
    object_builder& list(char const* key, std::vector<T> const& items, F&& f) {
        if (items.empty()) return *this;
        Value arr(rapidjson::kArrayType);
        for (auto const& item : items) arr.PushBack(f(item, alloc_), alloc_);
        add(key, std::move(arr));
        return *this;
    }
    template <class T, class F>
    object_builder& object_map(char const* key, std::map<std::string, T> const& items, F&& f) {
        if (items.empty()) return *this;
        Value obj(rapidjson::kObjectType);
        for (auto const& [k, item] : items) {
            obj.AddMember(json::string_value(k, alloc_), f(item, alloc_), alloc_);
        }
        add(key, std::move(obj));
        return *this;
    }
    // Adds `v` unless it is an empty object.
    object_builder& sub(char const* key, Value v) {
        if (!v.IsObject() || v.MemberCount() > 0) add(key, std::move(v));
        return *this;
    }
    // Adds `v` even when it is an empty object (presence matters).
    object_builder& always(char const* key, Value v) {
        add(key, std::move(v));
        return *this;
    }
    Value done() { return std::move(v_); }

private:
    void add(char const* key, Value v) { v_.AddMember(Value(rapidjson::StringRef(key)), std::move(v), alloc_); }

    alloc_t& alloc_;
    Value v_;
};

Value enc_port(port_config const& p, alloc_t& a) {
    return object_builder(a)
        .str("mode", p.mode)
        .num("target", p.target)
        .num("published", p.published)
        .str("protocol", p.protocol)
        .done();
}

Value enc_volume(volume_config const& v, alloc_t& a) {
    return object_builder(a)
        .str("type", v.type)
        .str("source", v.source)
        .str("target", v.target)
        .boolean("read_only", v.read_only)
        .done();
}

Value enc_file_reference(file_reference const& f, alloc_t& a) {
    return object_builder(a)
        .str("source", f.source)
        .str("target", f.target)
        .str("uid", f.uid)
        .str("gid", f.gid)
        .opt_num("mode", f.mode)
        .done();
}

Value enc_file_object(file_object const& f, alloc_t& a) {
    return object_builder(a)
        .str("name", f.name)
        .str("file", f.file)
        .str("content", f.content)
        .sub("external", object_builder(a)
                             .str("name", f.external.name)
                             .boolean("external", f.external.external)
                             .done())
        .string_map("labels", f.labels)
        .done();
}

Value enc_volume_claim(volume_claim const& v, alloc_t& a) {
    return object_builder(a)
        .opt_str("size", v.size)
        .opt_str("storageClassName", v.storage_class_name)
        .strings("accessModes", v.access_modes)
        .done();
}

Value enc_constraint(constraint const& c, alloc_t& a) {
    return object_builder(a).str("Value", c.value).str("Operator", c.op).done();
}

Value enc_resource(resource const& r, alloc_t& a) {
    return object_builder(a).str("cpus", r.cpus).num("memory", r.memory).done();
}

Value enc_deploy(deploy_config const& d, alloc_t& a) {
    object_builder b(a);
    b.str("mode", d.mode).opt_num("replicas", d.replicas).string_map("labels", d.labels);
    if (d.update) {
        b.always("update_config",
                 object_builder(a).opt_num("paralellism", d.update->parallelism).done());
    }
    object_builder res(a);
    if (d.resources_.limits) res.always("limits", enc_resource(*d.resources_.limits, a));
    if (d.resources_.reservations) {
        res.always("reservations", enc_resource(*d.resources_.reservations, a));
    }
    b.sub("resources", res.done());
    if (d.restart) {
        b.always("restart_policy", object_builder(a).str("condition", d.restart->condition).done());
    }
    if (d.placement_.constraints_) {
        auto const& c = *d.placement_.constraints_;
        object_builder cb(a);
        if (c.operating_system) cb.always("OperatingSystem", enc_constraint(*c.operating_system, a));
        if (c.architecture) cb.always("Architecture", enc_constraint(*c.architecture, a));
        if (c.hostname) cb.always("Hostname", enc_constraint(*c.hostname, a));
        cb.object_map("MatchLabels", c.match_labels, enc_constraint);
        b.always("placement", object_builder(a)
                                  .always("constraints", cb.done())
                                  .opt_num("max_replicas_per_node", d.placement_.max_replicas_per_node)
                                  .done());
    } else if (d.placement_.max_replicas_per_node) {
        b.always("placement", object_builder(a)
                                  .opt_num("max_replicas_per_node", d.placement_.max_replicas_per_node)
                                  .done());
    }
    return b.done();
}

Value enc_health_check(health_check const& h, alloc_t& a) {
    return object_builder(a)
        .strings("test", h.test)
        .opt_duration("timeout", h.timeout)
        .opt_duration("interval", h.interval)
        .opt_num("retries", h.retries)
        .opt_duration("start_period", h.start_period)
        .done();
}

Value enc_internal_port(internal_port const& p, alloc_t& a) {
    return object_builder(a).num("port", p.port).str("protocol", p.protocol).done();
}

Value enc_hook(lifecycle_hook const& h, alloc_t& a) {
    return object_builder(a).strings("command", h.command).done();
}

Value enc_dependency(dependency const& d, alloc_t& a) {
    object_builder b(a);
    b.str("service", d.service).str("condition", d.condition);
    if (!d.required) b.always("required", Value(false));
    return b.boolean("restart", d.restart).done();
}

Value enc_expose(ingress_expose const& e, alloc_t& a) {
    return object_builder(a)
        .str("host", e.host)
        .str("path", e.path)
        .str("pathType", e.path_type)
        .opt_num("port", e.port)
        .str("tlsSecret", e.tls_secret)
        .str("ingressClassName", e.ingress_class_name)
        .done();
}

Value int_array(std::vector<std::int64_t> const& v, alloc_t& a) {
    Value arr(rapidjson::kArrayType);
    for (auto i : v) arr.PushBack(Value(i), a);
    return arr;
}

Value enc_service(service_config const& s, alloc_t& a) {
    object_builder b(a);
    b.str("name", s.name)
        .strings("cap_add", s.cap_add)
        .strings("cap_drop", s.cap_drop)
        .strings("command", s.command)
        .list("configs", s.configs, enc_file_reference)
        .sub("deploy", enc_deploy(s.deploy, a))
        .strings("entrypoint", s.entrypoint)
        .nullable_map("environment", s.environment)
        .strings("extra_hosts", s.extra_hosts)
        .str("hostname", s.hostname);
    if (s.healthcheck) b.always("health_check", enc_health_check(*s.healthcheck, a));
    b.str("image", s.image)
        .str("ipc", s.ipc)
        .string_map("labels", s.labels)
        .str("pid", s.pid)
        .list("ports", s.ports, enc_port)
        .boolean("privileged", s.privileged)
        .boolean("read_only", s.read_only)
        .list("secrets", s.secrets, enc_file_reference)
        .boolean("stdin_open", s.stdin_open)
        .opt_duration("stop_grace_period", s.stop_grace_period)
        .strings("tmpfs", s.tmpfs)
        .boolean("tty", s.tty)
        .opt_num("user", s.user)
        .opt_num("group", s.group)
        .list("volumes", s.volumes, enc_volume)
        .str("working_dir", s.working_dir)
        .str("pull_secret", s.pull_secret)
        .str("pull_policy", s.pull_policy)
        .list("internal_ports", s.internal_ports, enc_internal_port)
        .str("internal_service_type", s.internal_service_type)
        .string_map("sysctls", s.sysctls);
    if (!s.group_add.empty()) b.always("group_add", int_array(s.group_add, a));
    b.opt_num("shm_size", s.shm_size);
    if (s.post_start) b.always("post_start", enc_hook(*s.post_start, a));
    if (s.pre_stop) b.always("pre_stop", enc_hook(*s.pre_stop, a));
    b.list("depends_on", s.depends_on, enc_dependency);
    if (s.kubernetes) {
        b.always("kubernetes", object_builder(a)
                                   .str("serviceType", s.kubernetes->service_type)
                                   .list("expose", s.kubernetes->expose, enc_expose)
                                   .done());
    }
    return b.done();
}

Value enc_condition(condition const& c, alloc_t& a) {
    return object_builder(a)
        .str("type", c.type)
        .str("status", c.status)
        .opt_num("observedGeneration", c.observed_generation)
        .str("lastTransitionTime", c.last_transition_time)
        .str("reason", c.reason)
        .str("message", c.message)
        .done();
}

Value enc_service_status(service_status const& s, alloc_t& a) {
    return object_builder(a)
        .always("desired", Value(s.desired))
        .always("ready", Value(s.ready))
        .always("updated", Value(s.updated))
        .done();
}

Value string_map_value(std::map<std::string, std::string> const& m, alloc_t& a) {
    Value obj(rapidjson::kObjectType);
    for (auto const& [k, v] : m) {
        obj.AddMember(json::string_value(k, a), json::string_value(v, a), a);
    }
    return obj;
}

rapidjson::Document envelope(version v, object_meta const& m) {
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    doc.AddMember("apiVersion", json::string_value(api_version(v), a), a);
    doc.AddMember("kind", Value(rapidjson::StringRef(kind)), a);
    doc.AddMember("metadata", encode_metadata(m, a), a);
    return doc;
}

template <class Stack>
rapidjson::Document encode_structured(Stack const& s, version v) {
    auto doc = envelope(v, s.metadata);
    auto& a = doc.GetAllocator();
    if (s.spec) doc.AddMember("spec", encode_spec(*s.spec, a), a);
    if (s.status) doc.AddMember("status", encode_status(*s.status, a), a);
    return doc;
}

}  // namespace

Value encode_metadata(object_meta const& m, alloc_t& a) {
    Value out(rapidjson::kObjectType);
    if (!m.raw.empty()) {
        if (auto raw = json::parse_value(m.raw, a); raw && raw->IsObject()) out = std::move(*raw);
    }
    auto set_str = [&](char const* key, std::string const& v) {
        if (!v.empty()) json::set(out, key, json::string_value(v, a), a);
    };
    set_str("name", m.name);
    set_str("namespace", m.namespace_);
    set_str("uid", m.uid);
    set_str("resourceVersion", m.resource_version);
    if (m.generation != 0) json::set(out, "generation", Value(m.generation), a);
    for (auto [key, map] : {std::pair{"labels", &m.labels}, std::pair{"annotations", &m.annotations}}) {
        if (!map->empty()) {
            json::set(out, key, string_map_value(*map, a), a);
        } else {
            out.RemoveMember(key);
        }
    }
    return out;
}

Value encode_spec(stack_spec const& s, alloc_t& a) {
    return object_builder(a)
        .list("services", s.services, enc_service)
        .object_map("secrets", s.secrets, enc_file_object)
        .object_map("configs", s.configs, enc_file_object)
        .object_map("volumes", s.volumes, enc_volume_claim)
        .done();
}

Value encode_status(stack_status const& s, alloc_t& a) {
    return object_builder(a)
        .opt_num("observedGeneration", s.observed_generation)
        .str("phase", s.phase)
        .str("message", s.message)
        .list("conditions", s.conditions, enc_condition)
        .object_map("services", s.services, enc_service_status)
        .opt_num("serviceCount", s.service_count)
        .str("ready", s.ready)
        .done();
}

rapidjson::Document encode(v1beta1::stack const& s) {
    auto doc = envelope(version::v1beta1, s.metadata);
    auto& a = doc.GetAllocator();
    Value spec(rapidjson::kObjectType);
    spec.AddMember("composeFile", json::string_value(s.compose_file, a), a);
    doc.AddMember("spec", std::move(spec), a);
    if (s.status) doc.AddMember("status", encode_status(*s.status, a), a);
    return doc;
}

rapidjson::Document encode(v1beta2::stack const& s) {
    return encode_structured(s, version::v1beta2);
}

rapidjson::Document encode(v1alpha3::stack const& s) {
    return encode_structured(s, version::v1alpha3);
}

}  // namespace op::api
