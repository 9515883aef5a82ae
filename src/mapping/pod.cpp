// The pod template of a service's workload (reference section 4.6, first table).
#include "detail.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>

namespace op::mapping::detail {
namespace {

// extra_hosts ("host:ip" or "host=ip") -> hostAliases grouped by IP, both levels sorted.
result<value> host_aliases(service_ctx const& ctx, alloc_t& a) {
    std::map<std::string, std::set<std::string>> by_ip;
    for (std::size_t i = 0; i < ctx.svc.extra_hosts.size(); ++i) {
        auto const& entry = ctx.svc.extra_hosts[i];
        auto sep = entry.find('=');
        if (sep == entry.npos) sep = entry.find(':');
        if (sep == entry.npos || sep == 0 || sep + 1 == entry.size()) {
            return op::invalid("malformed host \"" + entry + "\" (want host:ip)",
                               index_path(ctx.path, "extra_hosts", i));
        }
        auto ip = entry.substr(sep + 1);
        if (ip.size() > 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
        by_ip[ip].insert(entry.substr(0, sep));
    }
    value out(rapidjson::kArrayType);
    for (auto const& [ip, hosts] : by_ip) {
        value alias(rapidjson::kObjectType);
        put(alias, "ip", ip, a);
        value names(rapidjson::kArrayType);
        for (auto const& h : hosts) names.PushBack(str(h, a), a);
        put(alias, "hostnames", std::move(names), a);
        out.PushBack(std::move(alias), a);
    }
    return out;
}

// Workloads only accept restartPolicy Always, which is the default: nothing is sent.
result<void> check_restart_policy(service_ctx const& ctx) {
    auto const& rp = ctx.svc.deploy.restart;
    if (!rp) return {};
    auto const path = ctx.path + ".deploy.restart_policy.condition";
    auto const& cond = rp->condition;
    if (cond.empty() || cond == "any") return {};
    if (cond == "none" || cond == "on-failure") {
        ctx.warnings.add(path, "restart condition \"" + cond + "\" is not possible for a " +
                                   std::string(to_string(ctx.kind)) +
                                   "; its containers are always restarted");
        return {};
    }
    return op::invalid("unsupported restart policy \"" + cond + "\" (any, on-failure, none)", path);
}

// Pod securityContext: sysctls (sorted by name) and supplementalGroups (group_add order).
value pod_security_context(api::service_config const& svc, alloc_t& a) {
    value out(rapidjson::kObjectType);
    if (!svc.group_add.empty()) {
        value groups(rapidjson::kArrayType);
        for (auto g : svc.group_add) groups.PushBack(value(g), a);
        put(out, "supplementalGroups", std::move(groups), a);
    }
    if (!svc.sysctls.empty()) {
        value list(rapidjson::kArrayType);
        for (auto const& [name, v] : svc.sysctls) {
            value item(rapidjson::kObjectType);
            put(item, "name", name, a);
            put(item, "value", v, a);
            list.PushBack(std::move(item), a);
        }
        put(out, "sysctls", std::move(list), a);
    }
    return out;
}

}  // namespace

result<value> pod_template(service_ctx const& ctx, volume_plan const& plan, alloc_t& a) {
    auto const& svc = ctx.svc;
    OP_RETURN_IF_ERROR(check_restart_policy(ctx));

    value meta(rapidjson::kObjectType);
    put(meta, "labels", label_object(object_labels(ctx.stack.metadata.name, svc), a), a);
    if (!svc.labels.empty()) put(meta, "annotations", label_object(svc.labels, a), a);

    value spec(rapidjson::kObjectType);
    OP_TRY(auto main, container(ctx, plan, a));
    value containers(rapidjson::kArrayType);
    containers.PushBack(std::move(main), a);
    put(spec, "containers", std::move(containers), a);
    OP_TRY(auto waits, wait_containers(ctx, a));
    if (!waits.Empty()) put(spec, "initContainers", std::move(waits), a);
    if (!plan.volumes.empty()) {
        value vols(rapidjson::kArrayType);
        for (auto const& v : plan.volumes) vols.PushBack(render_volume(v, a), a);
        put(spec, "volumes", std::move(vols), a);
    }
    OP_TRY(auto aff, affinity(ctx, a));
    if (!aff.IsNull()) put(spec, "affinity", std::move(aff), a);
    OP_TRY(auto aliases, host_aliases(ctx, a));
    if (!aliases.Empty()) put(spec, "hostAliases", std::move(aliases), a);
    if (svc.ipc == "host") put_bool(spec, "hostIPC", true, a);
    if (svc.pid == "host") put_bool(spec, "hostPID", true, a);
    if (!svc.hostname.empty()) put(spec, "hostname", svc.hostname, a);
    if (!svc.pull_secret.empty()) {
        value secrets(rapidjson::kArrayType);
        value ref(rapidjson::kObjectType);
        put(ref, "name", svc.pull_secret, a);
        secrets.PushBack(std::move(ref), a);
        put(spec, "imagePullSecrets", std::move(secrets), a);
    }
    auto psc = pod_security_context(svc, a);
    if (!psc.ObjectEmpty()) put(spec, "securityContext", std::move(psc), a);
    if (svc.stop_grace_period) {
        put_int(spec, "terminationGracePeriodSeconds", ceil_seconds(*svc.stop_grace_period, 0), a);
    }

    value tmpl(rapidjson::kObjectType);
    put(tmpl, "metadata", std::move(meta), a);
    put(tmpl, "spec", std::move(spec), a);
    return tmpl;
}

}  // namespace op::mapping::detail
