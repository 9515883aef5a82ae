// compose::project -> api::stack_spec: the reference's FromComposeConfig (section 2.5) without
// its defects: user "uid:gid" keeps both ids, secret/config gid is kept, healthcheck
// start_period is kept, placement constraints are parsed exactly (any characters, spaces around
// the operator), and whatever cannot be carried is reported instead of silently dropped.
#include "op/conversion/compose_spec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace op::conversion {
namespace {

struct context {
    std::vector<warning> warnings;
    void warn(std::string path, std::string message) {
        warnings.push_back({std::move(path), std::move(message)});
    }
};

std::string trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return std::string(s);
}

std::optional<std::int64_t> parse_id(std::string_view s) {
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || v < 0) return std::nullopt;
    return v;
}

api::file_reference reference(compose::file_reference const& r) {
    return {r.source, r.target, r.uid, r.gid, r.mode};
}

api::file_object file_object(compose::file_object const& f, std::string const& path,
                             context& ctx) {
    api::file_object out;
    out.name = f.name;
    out.file = f.file;
    out.content = f.content;
    out.external = {f.external ? f.name : std::string(), f.external};
    out.labels = f.labels;
    if (!f.environment.empty()) {
        ctx.warn(path + ".environment",
                 "a secret/config taken from an environment variable cannot be carried; create "
                 "it as an external Kubernetes Secret instead");
    }
    if (!f.driver.empty() || !f.template_driver.empty()) {
        ctx.warn(path, "driver and template_driver have no Kubernetes meaning; ignored");
    }
    return out;
}

// "node.labels.disk == ssd" -> (key, op, value). Fails when there is no == or !=.
result<std::tuple<std::string, std::string, std::string>> split_constraint(std::string_view c,
                                                                           std::string const& p) {
    for (std::string_view op : {"==", "!="}) {
        auto pos = c.find(op);
        if (pos != std::string_view::npos) {
            auto key = trim(c.substr(0, pos));
            auto value = trim(c.substr(pos + op.size()));
            if (key.empty() || value.empty()) break;
            return std::tuple{key, std::string(op), value};
        }
    }
    return invalid(fmt::format("placement constraint \"{}\" is not of the form "
                               "\"<key> == <value>\" or \"<key> != <value>\"",
                               c),
                   p);
}

result<std::optional<api::constraints>> constraints(compose::placement const& pl,
                                                    std::string const& p, context& ctx) {
    if (pl.constraints.empty()) return std::optional<api::constraints>{};
    api::constraints out;
    for (std::size_t i = 0; i < pl.constraints.size(); ++i) {
        std::string const cp = fmt::format("{}.constraints[{}]", p, i);
        OP_TRY(auto parts, split_constraint(pl.constraints[i], cp));
        auto& [key, op, value] = parts;
        api::constraint c{value, op};
        if (key == "node.platform.os") {
            out.operating_system = c;
        } else if (key == "node.platform.arch") {
            out.architecture = c;
        } else if (key == "node.hostname") {
            out.hostname = c;
        } else if (key.starts_with("node.labels.") && key.size() > 12) {
            out.match_labels[key.substr(12)] = c;
        } else {
            ctx.warn(cp, fmt::format("constraint key \"{}\" has no Kubernetes equivalent (use "
                                     "node.labels.*, node.hostname, node.platform.os or "
                                     "node.platform.arch); ignored",
                                     key));
        }
    }
    if (!pl.preferences.empty()) ctx.warn(p + ".preferences", "placement preferences ignored");
    if (out == api::constraints{}) return std::optional<api::constraints>{};
    return std::optional<api::constraints>{std::move(out)};
}

std::optional<api::resource> resource(std::optional<compose::resource> const& r) {
    if (!r) return std::nullopt;
    return api::resource{r->cpus, r->memory.value_or(0)};
}

// Compose / Kubernetes pull policy spellings -> Kubernetes.
result<std::string> pull_policy(std::string_view v, std::string const& p) {
    std::string lower;
    for (char c : v) {
        if (c != '_' && c != '-') lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (lower.empty()) return std::string();
    if (lower == "always") return std::string("Always");
    if (lower == "never") return std::string("Never");
    if (lower == "ifnotpresent" || lower == "missing") return std::string("IfNotPresent");
    return invalid(fmt::format("invalid pull policy \"{}\", must be \"Always\", \"IfNotPresent\" "
                               "or \"Never\" (Compose: always, missing, never)",
                               v),
                   p);
}

std::optional<std::string> scalar_extension(compose::extension_map const& ext, char const* key) {
    auto it = ext.find(key);
    if (it == ext.end() || !it->second.is_scalar()) return std::nullopt;
    return it->second.scalar;
}

result<std::vector<api::internal_port>> internal_ports(compose::extension_map const& ext,
                                                       std::string const& p) {
    std::vector<api::internal_port> out;
    auto it = ext.find("x-internal-ports");
    if (it == ext.end()) return out;
    std::string const base = p + ".x-internal-ports";
    if (!it->second.is_sequence()) return invalid("expected a sequence", base);
    for (std::size_t i = 0; i < it->second.items.size(); ++i) {
        auto const& item = it->second.items[i];
        std::string const ip = fmt::format("{}[{}]", base, i);
        auto const* port = item.find("port");
        auto const* proto = item.find("protocol");
        std::optional<std::int64_t> n;
        if (port != nullptr && port->is_scalar()) n = parse_id(port->scalar);
        if (!n || *n < 1 || *n > 65535) return invalid("expected {port: 1-65535, protocol}", ip);
        out.push_back({static_cast<std::int32_t>(*n),
                       proto != nullptr && proto->is_scalar() ? proto->scalar : std::string()});
    }
    return out;
}

// Keys that have no place in the structured spec: one warning each.
void warn_uncarried(compose::service const& s, std::string const& p, context& ctx) {
    auto w = [&](bool present, char const* key, char const* why) {
        if (present) ctx.warn(p + "." + key, why);
    };
    char const* no_k8s = "has no Kubernetes equivalent; ignored";
    w(s.build.has_value(), "build", "ignored: the image is pulled, never built on the cluster");
    w(!s.container_name.empty(), "container_name", "ignored: pod names are generated");
    w(!s.devices.empty(), "devices", no_k8s);
    w(!s.dns.empty() || !s.dns_opt.empty() || !s.dns_search.empty(), "dns", no_k8s);
    w(!s.env_file.empty(), "env_file",
      "not read on the server; run `compose-operator convert` so the client inlines it");
    w(!s.expose.empty(), "expose", "ignored: every service is reachable inside the stack");
    w(!s.links.empty(), "links", "ignored: services reach each other by name");
    w(s.logging.has_value(), "logging", no_k8s);
    w(!s.network_mode.empty(), "network_mode", no_k8s);
    w(!s.networks.empty(), "networks", "ignored: all services share the namespace network");
    w(!s.security_opt.empty(), "security_opt", no_k8s);
    w(!s.stop_signal.empty(), "stop_signal",
      "ignored: Kubernetes stops containers with the image's STOPSIGNAL (else SIGTERM); set "
      "STOPSIGNAL in the image or use a pre_stop hook");
    w(!s.ulimits.empty(), "ulimits", no_k8s);
    w(!s.mac_address.empty(), "mac_address", no_k8s);
    w(!s.platform.empty(), "platform",
      "ignored: use deploy.placement.constraints node.platform.os/arch");
    w(!s.runtime.empty(), "runtime", no_k8s);
    w(!s.userns_mode.empty(), "userns_mode", no_k8s);
    w(s.init.has_value(), "init", no_k8s);
    w(!s.domainname.empty(), "domainname", no_k8s);
    w(!s.cgroup_parent.empty(), "cgroup_parent",
      "has no Kubernetes equivalent (the kubelet chooses the pod's cgroup); ignored");
}

// The kernel parameters Kubernetes allows without kubelet configuration (its "safe" set).
bool safe_sysctl(std::string_view name) {
    static constexpr std::string_view safe[] = {
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"};
    for (auto n : safe) {
        if (n == name) return true;
    }
    return false;
}

// cpu_shares (a relative weight, 1024 = one CPU, as the kubelet computes it from requests) as
// a decimal CPU count rounded up to whole millicores: 512 -> "0.5", 100 -> "0.098".
std::string cpus_of_shares(std::int64_t shares) {
    std::int64_t const milli = (shares * 1000 + 1023) / 1024;
    std::string out = fmt::format("{}.{:03d}", milli / 1000, milli % 1000);
    while (out.back() == '0') out.pop_back();
    if (out.back() == '.') out.pop_back();
    return out;
}

// The service-level resource keys (cpus, cpu_shares, mem_limit, mem_reservation) as
// deploy.resources; a value also set under deploy.resources keeps the deploy one (warned when
// they differ).
void service_resources(compose::service const& s, api::service_config& out, std::string const& p,
                       context& ctx) {
    auto& res = out.deploy.resources_;
    auto set_cpus = [&](std::optional<api::resource>& r, std::string const& v, char const* key) {
        if (v.empty()) return;
        if (!r) r = api::resource{};
        if (r->cpus.empty()) r->cpus = v;
        else if (r->cpus != v) ctx.warn(p + "." + key, "deploy.resources sets cpus too; its value is used");
    };
    auto set_memory = [&](std::optional<api::resource>& r, std::optional<std::int64_t> v, char const* key) {
        if (!v) return;
        if (!r) r = api::resource{};
        if (r->memory == 0) r->memory = *v;
        else if (r->memory != *v) ctx.warn(p + "." + key, "deploy.resources sets memory too; its value is used");
    };
    set_cpus(res.limits, s.cpus, "cpus");
    if (s.cpu_shares && *s.cpu_shares > 0) set_cpus(res.reservations, cpus_of_shares(*s.cpu_shares), "cpu_shares");
    set_memory(res.limits, s.mem_limit, "mem_limit");
    set_memory(res.reservations, s.mem_reservation, "mem_reservation");
}

std::optional<api::lifecycle_hook> hook(std::vector<compose::lifecycle_hook> const& hooks,
                                        std::string const& path, context& ctx) {
    if (hooks.empty()) return std::nullopt;
    if (hooks.size() > 1) {
        ctx.warn(path, "Kubernetes runs one hook per container: only the first is used");
    }
    auto const& h = hooks.front();
    if (!h.user.empty() || h.privileged || !h.working_dir.empty() || !h.environment.empty()) {
        ctx.warn(path + "[0]", "user, privileged, working_dir and environment of a hook are not "
                               "supported by Kubernetes; the command runs like the container");
    }
    return api::lifecycle_hook{h.command};
}

// sysctls, group_add, shm_size and the lifecycle hooks.
void pod_settings(compose::service const& s, api::service_config& out, std::string const& p,
                  context& ctx) {
    out.sysctls = s.sysctls;
    for (auto const& [name, _] : s.sysctls) {
        if (!safe_sysctl(name)) {
            ctx.warn(p + ".sysctls." + name,
                     "not in Kubernetes' safe set: the pod is rejected unless the node's kubelet "
                     "allows it (--allowed-unsafe-sysctls)");
        }
    }
    for (std::size_t i = 0; i < s.group_add.size(); ++i) {
        if (auto gid = parse_id(s.group_add[i])) {
            out.group_add.push_back(*gid);
        } else {
            ctx.warn(fmt::format("{}.group_add[{}]", p, i),
                     fmt::format("group \"{}\" is not numeric; Kubernetes needs numeric group ids "
                                 "(supplementalGroups); ignored",
                                 s.group_add[i]));
        }
    }
    out.shm_size = s.shm_size;
    out.post_start = hook(s.post_start, p + ".post_start", ctx);
    out.pre_stop = hook(s.pre_stop, p + ".pre_stop", ctx);
    for (auto const& d : s.depends_on) {
        out.depends_on.push_back({d.service, d.condition, d.required, d.restart});
        if (d.restart) {
            ctx.warn(p + ".depends_on." + d.service + ".restart",
                     "ignored: Kubernetes does not restart a service when its dependency is "
                     "updated (the wait applies when its pods start)");
        }
    }
}

result<void> deploy(compose::service const& s, api::service_config& out, std::string const& p,
                    context& ctx) {
    if (s.scale) out.deploy.replicas = s.scale;
    if (!s.restart.empty()) {
        std::string cond;
        if (s.restart == "no") cond = "none";
        else if (s.restart == "always" || s.restart == "unless-stopped") cond = "any";
        else if (s.restart.starts_with("on-failure")) cond = "on-failure";
        if (!cond.empty()) out.deploy.restart = api::restart_policy{cond};
    }
    if (!s.deploy) return {};
    auto const& d = *s.deploy;
    std::string const dp = p + ".deploy";
    if (d.mode == "replicated-job" || d.mode == "global-job") {
        return invalid(fmt::format("deploy mode \"{}\" is not supported; use \"replicated\" or "
                                   "\"global\" (or a Kubernetes Job outside the stack)",
                                   d.mode),
                       dp + ".mode");
    }
    out.deploy.mode = d.mode;
    if (d.replicas) out.deploy.replicas = d.replicas;
    out.deploy.labels = d.labels;
    if (d.update_config) {
        out.deploy.update = api::update_config{d.update_config->parallelism};
        if (d.update_config->delay || !d.update_config->failure_action.empty() ||
            d.update_config->monitor || d.update_config->max_failure_ratio ||
            !d.update_config->order.empty()) {
            ctx.warn(dp + ".update_config", "only parallelism is used; other keys ignored");
        }
    }
    if (d.rollback_config) ctx.warn(dp + ".rollback_config", "ignored");
    out.deploy.resources_.limits = resource(d.resources.limits);
    out.deploy.resources_.reservations = resource(d.resources.reservations);
    if (d.restart_policy) {
        out.deploy.restart = api::restart_policy{d.restart_policy->condition};
        if (d.restart_policy->delay || d.restart_policy->max_attempts ||
            d.restart_policy->window) {
            ctx.warn(dp + ".restart_policy", "only condition is used; other keys ignored");
        }
    }
    OP_TRY(out.deploy.placement_.constraints_, constraints(d.placement, dp + ".placement", ctx));
    out.deploy.placement_.max_replicas_per_node = d.placement.max_replicas_per_node;
    if (d.endpoint_mode == "dnsrr") {
        ctx.warn(dp + ".endpoint_mode", "dnsrr is not supported; a ClusterIP/headless Service is used");
    }
    return {};
}

result<api::service_config> service(compose::service const& s, context& ctx) {
    std::string const p = "services." + s.name;
    if (s.image.empty()) {
        if (s.build) {
            return invalid("service has `build:` but no `image:`; Kubernetes cannot build images. "
                           "Build and push it, then set `image:`, or pass --image-prefix "
                           "REGISTRY/PATH to `compose-operator convert` / `stack deploy`, which "
                           "names it <prefix>/<project>-<service> as `docker compose build` does",
                           p);
        }
        return invalid("`image:` is required", p);
    }
    api::service_config out;
    out.name = s.name;
    out.image = s.image;
    out.cap_add = s.cap_add;
    out.cap_drop = s.cap_drop;
    if (s.command) out.command = *s.command;
    if (s.entrypoint) out.entrypoint = *s.entrypoint;
    for (auto const& c : s.configs) out.configs.push_back(reference(c));
    for (auto const& c : s.secrets) out.secrets.push_back(reference(c));
    out.environment = s.environment;
    out.extra_hosts = s.extra_hosts;
    out.hostname = s.hostname;
    if (s.healthcheck) {
        auto const& h = *s.healthcheck;
        api::health_check hc;
        hc.test = h.disable ? std::vector<std::string>{"NONE"} : h.test;
        hc.timeout = h.timeout;
        hc.interval = h.interval;
        hc.retries = h.retries;
        hc.start_period = h.start_period;
        if (h.start_interval) ctx.warn(p + ".healthcheck.start_interval", "ignored");
        out.healthcheck = std::move(hc);
    }
    out.ipc = s.ipc;
    out.labels = s.labels;
    out.pid = s.pid;
    for (std::size_t i = 0; i < s.ports.size(); ++i) {
        auto const& port = s.ports[i];
        std::string const pp = fmt::format("{}.ports[{}]", p, i);
        api::port_config pc{port.mode, port.target, 0, port.protocol};
        if (port.published) {
            if (port.published->start != port.published->end) {
                return invalid(fmt::format("published port range {}-{} is not supported; "
                                           "publish one port per target",
                                           port.published->start, port.published->end),
                               pp + ".published");
            }
            pc.published = port.published->start;
        }
        if (!port.host_ip.empty()) ctx.warn(pp + ".host_ip", "ignored: Services listen on all addresses");
        out.ports.push_back(std::move(pc));
    }
    out.privileged = s.privileged;
    out.read_only = s.read_only;
    out.stdin_open = s.stdin_open;
    out.stop_grace_period = s.stop_grace_period;
    out.tmpfs = s.tmpfs;
    out.tty = s.tty;
    if (!s.user.empty()) {
        auto colon = s.user.find(':');
        auto uid = parse_id(std::string_view(s.user).substr(0, colon));
        std::optional<std::int64_t> gid;
        if (colon != std::string::npos) gid = parse_id(std::string_view(s.user).substr(colon + 1));
        if (!uid || (colon != std::string::npos && !gid)) {
            ctx.warn(p + ".user", fmt::format("user \"{}\" is not numeric; Kubernetes needs a "
                                              "numeric uid[:gid] (runAsUser); ignored",
                                              s.user));
        } else {
            out.user = uid;
            out.group = gid;
        }
    }
    for (std::size_t i = 0; i < s.volumes.size(); ++i) {
        auto const& v = s.volumes[i];
        std::string const vp = fmt::format("{}.volumes[{}]", p, i);
        if (v.type == "image" || v.type == "cluster") {
            ctx.warn(vp, fmt::format("volume type \"{}\" is not supported; ignored", v.type));
            continue;
        }
        if (!v.bind_propagation.empty() || v.volume_nocopy || v.tmpfs_size || v.tmpfs_mode ||
            !v.volume_subpath.empty() || !v.bind_selinux.empty()) {
            ctx.warn(vp, "volume options (propagation, nocopy, subpath, selinux, tmpfs size/mode) ignored");
        }
        out.volumes.push_back({v.type, v.source, v.target, v.read_only});
    }
    out.working_dir = s.working_dir;
    // v1alpha3 fields: Compose's own pull_policy, else the Docker CLI's x-pull-policy.
    std::string pp = s.pull_policy;
    if (pp.empty()) pp = scalar_extension(s.extensions, "x-pull-policy").value_or("");
    if (pp == "build") {
        return invalid("pull_policy \"build\" is not supported; Kubernetes cannot build images",
                       p + ".pull_policy");
    }
    OP_TRY(out.pull_policy, pull_policy(pp, p + ".pull_policy"));
    out.pull_secret = scalar_extension(s.extensions, "x-pull-secret").value_or("");
    OP_TRY(out.internal_ports, internal_ports(s.extensions, p));
    out.internal_service_type = scalar_extension(s.extensions, "x-internal-service-type").value_or("");
    OP_RETURN_IF_ERROR(deploy(s, out, p, ctx));
    service_resources(s, out, p, ctx);
    if (s.kubernetes) {
        api::service_kubernetes k{s.kubernetes->service_type, {}};
        for (auto const& e : s.kubernetes->expose) {
            k.expose.push_back({e.host, e.path, e.path_type, e.port, e.tls_secret, e.ingress_class_name});
        }
        out.kubernetes = std::move(k);
    }
    pod_settings(s, out, p, ctx);
    warn_uncarried(s, p, ctx);
    return out;
}

}  // namespace

result<compose_spec> from_compose(compose::project const& project) {
    context ctx;
    compose_spec out;
    out.spec.services.reserve(project.services.size());
    for (auto const& s : project.services) {
        OP_TRY(auto svc, service(s, ctx));
        out.spec.services.push_back(std::move(svc));
    }
    for (auto const& [name, f] : project.secrets) {
        out.spec.secrets[name] = file_object(f, "secrets." + name, ctx);
    }
    for (auto const& [name, f] : project.configs) {
        out.spec.configs[name] = file_object(f, "configs." + name, ctx);
    }
    for (auto const& [name, v] : project.volumes) {
        if (!v.driver.empty() || !v.driver_opts.empty() || v.external) {
            ctx.warn("volumes." + name,
                     "volume driver, driver_opts and external are ignored; a PersistentVolumeClaim "
                     "is used (x-kubernetes sets its size, storageClassName and accessModes)");
        }
        if (v.kubernetes) {
            out.spec.volumes[name] = {v.kubernetes->size, v.kubernetes->storage_class_name,
                                      v.kubernetes->access_modes};
        }
    }
    if (!project.networks.empty()) {
        ctx.warn("networks", "ignored: all services share the namespace network");
    }
    out.warnings = std::move(ctx.warnings);
    return out;
}

}  // namespace op::conversion
