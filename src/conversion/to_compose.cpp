// api::stack_spec -> compose::project, so that a structured spec can be shown as Compose YAML
// (v1beta1 reads of stacks created with a structured spec). from_compose(to_compose(s)) == s
// for specs that from_compose produces; the exact round trip of arbitrary specs is guaranteed
// by the structured-spec annotation (op/conversion/convert.hpp), not by this text.
#include "op/conversion/compose_spec.hpp"

#include <fmt/format.h>

namespace op::conversion {
namespace {

compose::file_reference reference(api::file_reference const& r) {
    compose::file_reference out;
    out.source = r.source;
    out.target = r.target;
    out.uid = r.uid;
    out.gid = r.gid;
    out.mode = r.mode;
    return out;
}

compose::file_object file_object(api::file_object const& f) {
    compose::file_object out;
    out.name = f.external.external && !f.external.name.empty() ? f.external.name : f.name;
    out.file = f.file;
    out.content = f.content;
    out.external = f.external.external;
    out.labels = f.labels;
    return out;
}

std::optional<compose::resource> resource(std::optional<api::resource> const& r) {
    if (!r) return std::nullopt;
    compose::resource out;
    out.cpus = r->cpus;
    if (r->memory != 0) out.memory = r->memory;
    return out;
}

std::vector<std::string> constraint_strings(std::optional<api::constraints> const& c) {
    std::vector<std::string> out;
    if (!c) return out;
    auto add = [&](std::string const& key, api::constraint const& k) {
        out.push_back(fmt::format("{} {} {}", key, k.op.empty() ? "==" : k.op, k.value));
    };
    if (c->operating_system) add("node.platform.os", *c->operating_system);
    if (c->architecture) add("node.platform.arch", *c->architecture);
    if (c->hostname) add("node.hostname", *c->hostname);
    for (auto const& [label, k] : c->match_labels) add("node.labels." + label, k);
    return out;
}

std::optional<compose::deploy_config> deploy(api::deploy_config const& d) {
    if (d == api::deploy_config{}) return std::nullopt;
    compose::deploy_config out;
    out.mode = d.mode;
    out.replicas = d.replicas;
    out.labels = d.labels;
    if (d.update) {
        compose::update_config u;
        u.parallelism = d.update->parallelism;
        out.update_config = u;
    }
    out.resources.limits = resource(d.resources_.limits);
    out.resources.reservations = resource(d.resources_.reservations);
    if (d.restart) {
        compose::restart_policy r;
        r.condition = d.restart->condition;
        out.restart_policy = r;
    }
    out.placement.constraints = constraint_strings(d.placement_.constraints_);
    out.placement.max_replicas_per_node = d.placement_.max_replicas_per_node;
    return out;
}

compose::service service(api::service_config const& s) {
    compose::service out;
    out.name = s.name;
    out.image = s.image;
    out.cap_add = s.cap_add;
    out.cap_drop = s.cap_drop;
    if (!s.command.empty()) out.command = s.command;
    if (!s.entrypoint.empty()) out.entrypoint = s.entrypoint;
    for (auto const& c : s.configs) out.configs.push_back(reference(c));
    for (auto const& c : s.secrets) out.secrets.push_back(reference(c));
    out.deploy = deploy(s.deploy);
    out.environment = s.environment;
    out.extra_hosts = s.extra_hosts;
    out.hostname = s.hostname;
    if (s.healthcheck) {
        compose::healthcheck h;
        h.test = s.healthcheck->test;
        h.disable = h.test.size() == 1 && h.test[0] == "NONE";
        h.timeout = s.healthcheck->timeout;
        h.interval = s.healthcheck->interval;
        h.retries = s.healthcheck->retries;
        h.start_period = s.healthcheck->start_period;
        out.healthcheck = std::move(h);
    }
    out.ipc = s.ipc;
    out.labels = s.labels;
    out.pid = s.pid;
    for (auto const& p : s.ports) {
        compose::service_port port;
        port.target = p.target;
        if (p.published != 0) port.published = compose::port_range{p.published, p.published};
        if (!p.protocol.empty()) port.protocol = p.protocol;
        if (!p.mode.empty()) port.mode = p.mode;
        out.ports.push_back(std::move(port));
    }
    out.privileged = s.privileged;
    out.read_only = s.read_only;
    out.stdin_open = s.stdin_open;
    out.stop_grace_period = s.stop_grace_period;
    out.tmpfs = s.tmpfs;
    out.tty = s.tty;
    if (s.user) {
        out.user = std::to_string(*s.user);
        if (s.group) out.user += ":" + std::to_string(*s.group);
    }
    for (auto const& v : s.volumes) {
        compose::service_volume vol;
        vol.type = v.type;
        vol.source = v.source;
        vol.target = v.target;
        vol.read_only = v.read_only;
        out.volumes.push_back(std::move(vol));
    }
    out.working_dir = s.working_dir;
    out.sysctls = s.sysctls;
    for (auto g : s.group_add) out.group_add.push_back(std::to_string(g));
    out.shm_size = s.shm_size;
    if (s.post_start) out.post_start.push_back(compose::lifecycle_hook{s.post_start->command, {}, false, {}, {}});
    if (s.pre_stop) out.pre_stop.push_back(compose::lifecycle_hook{s.pre_stop->command, {}, false, {}, {}});
    if (s.kubernetes) {
        compose::service_kubernetes k{s.kubernetes->service_type, {}};
        for (auto const& e : s.kubernetes->expose) {
            k.expose.push_back({e.host, e.path, e.path_type, e.port, e.tls_secret, e.ingress_class_name});
        }
        out.kubernetes = std::move(k);
    }
    for (auto const& d : s.depends_on) {
        out.depends_on.push_back({d.service, d.condition, d.restart, d.required});
    }
    if (!s.pull_policy.empty()) out.extensions["x-pull-policy"] = compose::node::make_scalar(s.pull_policy);
    if (!s.pull_secret.empty()) out.extensions["x-pull-secret"] = compose::node::make_scalar(s.pull_secret);
    if (!s.internal_service_type.empty()) {
        out.extensions["x-internal-service-type"] = compose::node::make_scalar(s.internal_service_type);
    }
    if (!s.internal_ports.empty()) {
        std::vector<compose::node> items;
        for (auto const& ip : s.internal_ports) {
            std::vector<std::pair<std::string, compose::node>> entries;
            entries.emplace_back("port", compose::node::make_scalar(std::to_string(ip.port)));
            if (!ip.protocol.empty()) {
                entries.emplace_back("protocol", compose::node::make_scalar(ip.protocol));
            }
            items.push_back(compose::node::make_mapping(std::move(entries)));
        }
        out.extensions["x-internal-ports"] = compose::node::make_sequence(std::move(items));
    }
    return out;
}

}  // namespace

compose::project to_compose(api::stack_spec const& spec) {
    compose::project out;
    for (auto const& s : spec.services) out.services.push_back(service(s));
    for (auto const& [name, f] : spec.secrets) out.secrets[name] = file_object(f);
    for (auto const& [name, f] : spec.configs) out.configs[name] = file_object(f);
    // Named volumes used by services must be declared at the top level for load() to accept them.
    for (auto const& s : spec.services) {
        for (auto const& v : s.volumes) {
            if (v.type == "volume" && !v.source.empty()) out.volumes[v.source];
        }
    }
    for (auto const& [name, claim] : spec.volumes) {
        out.volumes[name].kubernetes =
            compose::volume_claim{claim.size, claim.storage_class_name, claim.access_modes};
    }
    return out;
}

}  // namespace op::conversion
