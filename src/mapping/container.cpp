// The main container of a service's pod (reference section 4.6, second table).
#include "detail.hpp"
#include "op/mapping/quantity.hpp"

#include <set>
#include <string>
#include <utility>

namespace op::mapping::detail {
namespace {

// {cpu, memory} for one compose Resource; an empty object when it sets nothing.
result<value> resource_list(api::resource const& r, std::string const& path, alloc_t& a) {
    value out(rapidjson::kObjectType);
    if (!r.cpus.empty()) {
        OP_TRY(auto q, cpu_quantity(r.cpus, path + ".cpus"));  // whole millicores, rounded up
        if (q != "0") put(out, "cpu", q, a);
    }
    OP_TRY(auto mem, memory_quantity(r.memory, path + ".memory"));
    if (mem != "0") put(out, "memory", mem, a);
    return out;
}

result<value> resources(service_ctx const& ctx, alloc_t& a) {
    auto const& res = ctx.svc.deploy.resources_;
    auto const base = ctx.path + ".deploy.resources";
    value out(rapidjson::kObjectType);
    if (res.limits) {
        OP_TRY(auto l, resource_list(*res.limits, base + ".limits", a));
        if (!l.ObjectEmpty()) put(out, "limits", std::move(l), a);
    }
    if (res.reservations) {
        OP_TRY(auto r, resource_list(*res.reservations, base + ".reservations", a));
        if (!r.ObjectEmpty()) put(out, "requests", std::move(r), a);
    }
    return out;
}

result<value> ports(service_ctx const& ctx, alloc_t& a) {
    value out(rapidjson::kArrayType);
    std::set<std::pair<std::uint32_t, std::string>> seen;  // SSA list key: containerPort+protocol
    for (std::size_t i = 0; i < ctx.svc.ports.size(); ++i) {
        auto const& p = ctx.svc.ports[i];
        auto const path = index_path(ctx.path, "ports", i);
        if (p.target == 0 || p.target > 65535) {
            return op::invalid("target port must be between 1 and 65535", path + ".target");
        }
        OP_TRY(auto proto, k8s_protocol(p.protocol, path + ".protocol"));
        if (!seen.emplace(p.target, proto).second) continue;
        value port(rapidjson::kObjectType);
        put_int(port, "containerPort", p.target, a);
        put(port, "protocol", proto, a);
        out.PushBack(std::move(port), a);
    }
    return out;
}

result<value> env(service_ctx const& ctx, alloc_t& a) {
    value out(rapidjson::kArrayType);
    for (auto const& [name, val] : ctx.svc.environment) {  // std::map: sorted by name
        if (!val) {
            return op::invalid(name + " has no value; unsetting an environment variable is not "
                                      "supported",
                               ctx.path + ".environment." + name);
        }
        value var(rapidjson::kObjectType);
        put(var, "name", name, a);
        // EnvVar.value is omitempty: the server drops "", so writing it would never match.
        if (!val->empty()) put(var, "value", *val, a);
        out.PushBack(std::move(var), a);
    }
    return out;
}

struct probe_plan {
    std::vector<std::string> command;
    std::int64_t period = 30;   // Docker's default interval
    std::int64_t timeout = 30;  // Docker's default timeout
    std::int64_t retries = 3;   // Docker's default retries
    std::int64_t start = 0;     // start_period in seconds (rounded up)
};

// nullopt when there is no healthcheck or it is disabled (test NONE / empty test).
result<std::optional<probe_plan>> plan_probe(service_ctx const& ctx) {
    auto const& hc = ctx.svc.healthcheck;
    if (!hc || hc->test.empty() || hc->test[0] == "NONE") return std::nullopt;
    auto const path = ctx.path + ".health_check";
    probe_plan p;
    auto const& t = hc->test;
    if (t[0] == "CMD") {
        p.command.assign(t.begin() + 1, t.end());
    } else if (t[0] == "CMD-SHELL") {
        p.command = {"sh", "-c"};
        p.command.insert(p.command.end(), t.begin() + 1, t.end());
    } else {
        return op::invalid("test must start with NONE, CMD or CMD-SHELL, not \"" + t[0] + "\"",
                           path + ".test[0]");
    }
    if (p.command.empty() || (t[0] == "CMD-SHELL" && p.command.size() == 2)) {
        return op::invalid("test has no command", path + ".test");
    }
    if (hc->interval) p.period = ceil_seconds(*hc->interval, 1);
    if (hc->timeout) p.timeout = ceil_seconds(*hc->timeout, 1);
    if (hc->retries && *hc->retries > 0) p.retries = static_cast<std::int64_t>(*hc->retries);
    if (hc->start_period) p.start = ceil_seconds(*hc->start_period, 0);
    return p;
}

value probe(probe_plan const& p, std::int64_t failure_threshold, alloc_t& a) {
    value exec(rapidjson::kObjectType);
    put(exec, "command", string_array(p.command, a), a);
    value out(rapidjson::kObjectType);
    put(out, "exec", std::move(exec), a);
    put_int(out, "periodSeconds", p.period, a);
    put_int(out, "timeoutSeconds", p.timeout, a);
    put_int(out, "failureThreshold", failure_threshold, a);
    return out;
}

value security_context(api::service_config const& svc, alloc_t& a) {
    value out(rapidjson::kObjectType);
    if (svc.user) put_int(out, "runAsUser", *svc.user, a);
    if (svc.group) put_int(out, "runAsGroup", *svc.group, a);
    if (svc.privileged) put_bool(out, "privileged", true, a);
    if (svc.read_only) put_bool(out, "readOnlyRootFilesystem", true, a);
    auto caps = [&](std::vector<std::string> const& list) {
        std::vector<std::string> names;
        for (auto const& c : list) names.push_back(c.starts_with("CAP_") ? c.substr(4) : c);
        return string_array(names, a);
    };
    if (!svc.cap_add.empty() || !svc.cap_drop.empty()) {
        value c(rapidjson::kObjectType);
        if (!svc.cap_add.empty()) put(c, "add", caps(svc.cap_add), a);
        if (!svc.cap_drop.empty()) put(c, "drop", caps(svc.cap_drop), a);
        put(out, "capabilities", std::move(c), a);
    }
    return out;
}

// lifecycle {postStart, preStop} exec handlers; an empty object when there are none.
value lifecycle(api::service_config const& svc, alloc_t& a) {
    value out(rapidjson::kObjectType);
    for (auto [key, hook] : {std::pair{"postStart", &svc.post_start}, std::pair{"preStop", &svc.pre_stop}}) {
        if (!*hook || (*hook)->command.empty()) continue;
        value exec(rapidjson::kObjectType);
        put(exec, "command", string_array((*hook)->command, a), a);
        value handler(rapidjson::kObjectType);
        put(handler, "exec", std::move(exec), a);
        put(out, key, std::move(handler), a);
    }
    return out;
}

}  // namespace

result<std::string> k8s_protocol(std::string_view compose, std::string const& path) {
    if (compose.empty() || compose == "tcp" || compose == "TCP") return std::string("TCP");
    if (compose == "udp" || compose == "UDP") return std::string("UDP");
    if (compose == "sctp" || compose == "SCTP") return std::string("SCTP");
    return op::invalid("protocol \"" + std::string(compose) + "\" is not supported (tcp, udp, sctp)",
                       path);
}

result<value> container(service_ctx const& ctx, volume_plan const& plan, alloc_t& a) {
    auto const& svc = ctx.svc;
    value c(rapidjson::kObjectType);
    put(c, "name", svc.name, a);
    if (svc.image.empty()) return op::invalid("image is required", ctx.path + ".image");
    put(c, "image", svc.image, a);
    if (!svc.pull_policy.empty()) {
        if (svc.pull_policy != "Always" && svc.pull_policy != "IfNotPresent" &&
            svc.pull_policy != "Never") {
            return op::invalid("invalid pull policy \"" + svc.pull_policy +
                                   "\", must be \"Always\", \"IfNotPresent\" or \"Never\"",
                               ctx.path + ".pull_policy");
        }
        put(c, "imagePullPolicy", svc.pull_policy, a);
    }
    if (!svc.entrypoint.empty()) put(c, "command", string_array(svc.entrypoint, a), a);
    if (!svc.command.empty()) put(c, "args", string_array(svc.command, a), a);
    if (!svc.working_dir.empty()) put(c, "workingDir", svc.working_dir, a);
    OP_TRY(auto port_list, ports(ctx, a));
    if (!port_list.Empty()) put(c, "ports", std::move(port_list), a);
    OP_TRY(auto env_list, env(ctx, a));
    if (!env_list.Empty()) put(c, "env", std::move(env_list), a);
    OP_TRY(auto res, resources(ctx, a));
    if (!res.ObjectEmpty()) put(c, "resources", std::move(res), a);
    if (!plan.mounts.empty()) {
        value mounts(rapidjson::kArrayType);
        for (auto const& m : plan.mounts) mounts.PushBack(render_mount(m, a), a);
        put(c, "volumeMounts", std::move(mounts), a);
    }
    OP_TRY(auto probe_p, plan_probe(ctx));
    if (probe_p) {
        put(c, "livenessProbe", probe(*probe_p, probe_p->retries, a), a);
        put(c, "readinessProbe", probe(*probe_p, probe_p->retries, a), a);
        if (probe_p->start > 0) {
            // Docker ignores failures during start_period; cover it, then allow `retries` more.
            auto const periods = (probe_p->start + probe_p->period - 1) / probe_p->period;
            put(c, "startupProbe", probe(*probe_p, periods + probe_p->retries, a), a);
        }
    }
    auto hooks = lifecycle(svc, a);
    if (!hooks.ObjectEmpty()) put(c, "lifecycle", std::move(hooks), a);
    auto sc = security_context(svc, a);
    if (!sc.ObjectEmpty()) put(c, "securityContext", std::move(sc), a);
    if (svc.stdin_open) put_bool(c, "stdin", true, a);
    if (svc.tty) put_bool(c, "tty", true, a);
    return c;
}

}  // namespace op::mapping::detail
