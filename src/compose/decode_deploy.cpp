// deploy, healthcheck, ports, volumes and secret/config references of a service.
#include "decode.hpp"

#include "op/compose/scalars.hpp"

#include <algorithm>

namespace op::compose::detail {
namespace {

status one_of(context const& c, node const& n, std::string const& p, std::string const& v,
              std::initializer_list<std::string_view> allowed) {
    if (std::find(allowed.begin(), allowed.end(), v) != allowed.end()) return {};
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    return c.fail(n, p, "invalid value " + quoted(v) + " (expected one of " + list + ")");
}

result<resource> decode_resource(context const& c, node const& n, std::string const& p) {
    resource r;
    OP_RETURN_IF_ERROR(walk(c, n, p, {"cpus", "memory", "pids", "devices", "generic_resources"},
        &r.extensions, [&](std::string const& k, node const& v, std::string const& vp) -> status {
            if (k == "cpus") {
                OP_TRY(double cpus, as_double(c, v, vp));
                if (cpus < 0) return c.fail(v, vp, "invalid cpus " + quoted(v.scalar));
                r.cpus = v.scalar;
            } else if (k == "memory") {
                OP_TRY(r.memory, as_bytes(c, v, vp));
            } else if (k == "pids") {
                OP_TRY(r.pids, as_int(c, v, vp));
            } else {
                r.other[k] = v;
                c.warn(vp, "not supported: kept but ignored");
            }
            return {};
        }));
    return r;
}

result<update_config> decode_update(context const& c, node const& n, std::string const& p) {
    update_config u;
    OP_RETURN_IF_ERROR(walk(c, n, p,
        {"parallelism", "delay", "failure_action", "monitor", "max_failure_ratio", "order"},
        &u.extensions, [&](std::string const& k, node const& v, std::string const& vp) -> status {
            if (k == "parallelism") { OP_TRY(u.parallelism, as_uint(c, v, vp)); }
            else if (k == "delay") { OP_TRY(u.delay, as_duration(c, v, vp)); }
            else if (k == "monitor") { OP_TRY(u.monitor, as_duration(c, v, vp)); }
            else if (k == "max_failure_ratio") {
                OP_TRY(u.max_failure_ratio, as_double(c, v, vp));
                if (*u.max_failure_ratio < 0 || *u.max_failure_ratio > 1) {
                    return c.fail(v, vp, "max_failure_ratio " + quoted(v.scalar) + " is not in [0, 1]");
                }
            } else if (k == "failure_action") {
                OP_TRY(u.failure_action, as_string(c, v, vp));
                return one_of(c, v, vp, u.failure_action, {"continue", "rollback", "pause"});
            } else {
                OP_TRY(u.order, as_string(c, v, vp));
                return one_of(c, v, vp, u.order, {"stop-first", "start-first"});
            }
            return {};
        }));
    return u;
}

result<restart_policy> decode_restart(context const& c, node const& n, std::string const& p) {
    restart_policy r;
    OP_RETURN_IF_ERROR(walk(c, n, p, {"condition", "delay", "max_attempts", "window"}, &r.extensions,
        [&](std::string const& k, node const& v, std::string const& vp) -> status {
            if (k == "condition") {
                OP_TRY(r.condition, as_string(c, v, vp));
                return one_of(c, v, vp, r.condition, {"none", "on-failure", "any"});
            }
            if (k == "delay") { OP_TRY(r.delay, as_duration(c, v, vp)); }
            else if (k == "window") { OP_TRY(r.window, as_duration(c, v, vp)); }
            else { OP_TRY(r.max_attempts, as_uint(c, v, vp)); }
            return {};
        }));
    return r;
}

result<placement> decode_placement(context const& c, node const& n, std::string const& p) {
    placement pl;
    OP_RETURN_IF_ERROR(walk(c, n, p, {"constraints", "preferences", "max_replicas_per_node"},
        &pl.extensions, [&](std::string const& k, node const& v, std::string const& vp) -> status {
            if (k == "constraints") {
                OP_TRY(pl.constraints, as_string_list(c, v, vp));
            } else if (k == "max_replicas_per_node") {
                OP_TRY(pl.max_replicas_per_node, as_uint(c, v, vp));
            } else {
                if (!v.is_sequence()) return c.fail(v, vp, "expected a list");
                for (std::size_t i = 0; i < v.items.size(); ++i) {
                    placement_preference pref;
                    OP_RETURN_IF_ERROR(walk(c, v.items[i], index_path(vp, i), {"spread"}, nullptr,
                        [&](std::string const&, node const& sv, std::string const& sp) -> status {
                            OP_TRY(pref.spread, as_string(c, sv, sp));
                            return {};
                        }));
                    pl.preferences.push_back(std::move(pref));
                }
            }
            return {};
        }));
    return pl;
}

}  // namespace

result<deploy_config> decode_deploy(context const& c, node const& n, std::string const& p) {
    deploy_config d;
    OP_RETURN_IF_ERROR(walk(c, n, p,
        {"mode", "replicas", "labels", "update_config", "rollback_config", "resources",
         "restart_policy", "placement", "endpoint_mode"},
        &d.extensions, [&](std::string const& k, node const& v, std::string const& vp) -> status {
            if (k == "mode") {
                OP_TRY(d.mode, as_string(c, v, vp));
                return one_of(c, v, vp, d.mode, {"replicated", "global", "replicated-job", "global-job"});
            }
            if (k == "endpoint_mode") {
                OP_TRY(d.endpoint_mode, as_string(c, v, vp));
                return one_of(c, v, vp, d.endpoint_mode, {"vip", "dnsrr"});
            }
            if (k == "replicas") { OP_TRY(d.replicas, as_uint(c, v, vp)); }
            else if (k == "labels") { OP_TRY(d.labels, as_string_map(c, v, vp)); }
            else if (k == "update_config") { OP_TRY(d.update_config, decode_update(c, v, vp)); }
            else if (k == "rollback_config") { OP_TRY(d.rollback_config, decode_update(c, v, vp)); }
            else if (k == "restart_policy") { OP_TRY(d.restart_policy, decode_restart(c, v, vp)); }
            else if (k == "placement") { OP_TRY(d.placement, decode_placement(c, v, vp)); }
            else {
                OP_RETURN_IF_ERROR(walk(c, v, vp, {"limits", "reservations"}, nullptr,
                    [&](std::string const& rk, node const& rv, std::string const& rp) -> status {
                        OP_TRY(auto r, decode_resource(c, rv, rp));
                        (rk == "limits" ? d.resources.limits : d.resources.reservations) = std::move(r);
                        return {};
                    }));
            }
            return {};
        }));
    if (d.mode.starts_with("global") && d.replicas) {
        return c.fail(n, p, "replicas cannot be set with mode " + quoted(d.mode));
    }
    return d;
}

result<healthcheck> decode_healthcheck(context const& c, node const& n, std::string const& p) {
    healthcheck h;
    OP_RETURN_IF_ERROR(walk(c, n, p,
        {"test", "interval", "timeout", "start_period", "start_interval", "retries", "disable"},
        &h.extensions, [&](std::string const& k, node const& v, std::string const& vp) -> status {
            if (k == "test") {
                if (v.is_scalar()) {
                    h.test = v.scalar == "NONE" ? std::vector<std::string>{"NONE"}
                                                : std::vector<std::string>{"CMD-SHELL", v.scalar};
                } else {
                    OP_TRY(h.test, as_string_list(c, v, vp));
                    if (h.test.empty() || (h.test[0] != "NONE" && h.test[0] != "CMD" &&
                                           h.test[0] != "CMD-SHELL")) {
                        return c.fail(v, vp, "healthcheck test must start with \"CMD\", \"CMD-SHELL\" or \"NONE\"");
                    }
                }
            } else if (k == "retries") { OP_TRY(h.retries, as_uint(c, v, vp)); }
            else if (k == "disable") { OP_TRY(h.disable, as_bool(c, v, vp)); }
            else {
                OP_TRY(auto d, as_duration(c, v, vp));
                if (k == "interval") h.interval = d;
                else if (k == "timeout") h.timeout = d;
                else if (k == "start_period") h.start_period = d;
                else h.start_interval = d;
            }
            return {};
        }));
    if (!h.test.empty() && h.test[0] == "NONE") h.disable = true;
    if (h.disable) h.test = {"NONE"};
    return h;
}

result<std::vector<service_port>> decode_ports(context const& c, node const& n,
                                               std::string const& p) {
    if (!n.is_sequence()) return c.fail(n, p, "expected a list");
    std::vector<service_port> out;
    for (std::size_t i = 0; i < n.items.size(); ++i) {
        node const& it = n.items[i];
        std::string const ip = index_path(p, i);
        if (it.is_scalar()) {
            OP_RETURN_IF_ERROR(c.take_ports(it, ip, port_count(it.scalar)));
            auto ports = parse_port(it.scalar, c.options.limits.max_ports);
            if (!ports) return c.fail(it, ip, ports.error().message);
            for (auto& x : *ports) out.push_back(std::move(x));
            continue;
        }
        OP_RETURN_IF_ERROR(c.take_ports(it, ip, 1));
        service_port sp;
        bool has_target = false;
        OP_RETURN_IF_ERROR(walk(c, it, ip,
            {"target", "published", "host_ip", "protocol", "mode", "name", "app_protocol"},
            &sp.extensions, [&](std::string const& k, node const& v, std::string const& vp) -> status {
                if (k == "target" || k == "published") {
                    OP_TRY(auto s, as_string(c, v, vp));
                    if (k == "published" && s.empty()) return {};
                    auto parsed = parse_port(s + (k == "target" ? "" : ":1"));
                    bool const ok = parsed && (k == "published" || parsed->size() == 1);
                    if (!ok) return c.fail(v, vp, "invalid " + k + " port " + quoted(s));
                    if (k == "target") {
                        sp.target = (*parsed)[0].target;
                        has_target = true;
                    } else {
                        sp.published = (*parsed)[0].published;
                    }
                } else if (k == "host_ip") { OP_TRY(sp.host_ip, as_string(c, v, vp)); }
                else if (k == "name") { OP_TRY(sp.name, as_string(c, v, vp)); }
                else if (k == "app_protocol") { OP_TRY(sp.app_protocol, as_string(c, v, vp)); }
                else if (k == "protocol") {
                    OP_TRY(sp.protocol, as_string(c, v, vp));
                    return one_of(c, v, vp, sp.protocol, {"tcp", "udp", "sctp"});
                } else {
                    OP_TRY(sp.mode, as_string(c, v, vp));
                    return one_of(c, v, vp, sp.mode, {"ingress", "host"});
                }
                return {};
            }));
        if (!has_target) return c.fail(it, ip, "port needs a target");
        out.push_back(std::move(sp));
    }
    return out;
}

result<std::vector<service_volume>> decode_volumes(context const& c, node const& n,
                                                   std::string const& p) {
    if (!n.is_sequence()) return c.fail(n, p, "expected a list");
    std::vector<service_volume> out;
    for (std::size_t i = 0; i < n.items.size(); ++i) {
        node const& it = n.items[i];
        std::string const ip = index_path(p, i);
        service_volume sv;
        if (it.is_scalar()) {
            auto v = parse_volume(it.scalar);
            if (!v) return c.fail(it, ip, v.error().message);
            sv = std::move(*v);
        } else {
            OP_RETURN_IF_ERROR(walk(c, it, ip,
                {"type", "source", "target", "read_only", "consistency", "bind", "volume", "tmpfs", "image"},
                &sv.extensions, [&](std::string const& k, node const& v, std::string const& vp) -> status {
                    if (k == "type") {
                        OP_TRY(sv.type, as_string(c, v, vp));
                        return one_of(c, v, vp, sv.type, {"bind", "volume", "tmpfs", "npipe", "image", "cluster"});
                    }
                    if (k == "source") { OP_TRY(sv.source, as_string(c, v, vp)); }
                    else if (k == "target") { OP_TRY(sv.target, as_string(c, v, vp)); }
                    else if (k == "read_only") { OP_TRY(sv.read_only, as_bool(c, v, vp)); }
                    else if (k == "consistency") { OP_TRY(sv.consistency, as_string(c, v, vp)); }
                    else if (k == "bind") {
                        return walk(c, v, vp, {"propagation", "create_host_path", "selinux"}, nullptr,
                            [&](std::string const& bk, node const& bv, std::string const& bp) -> status {
                                if (bk == "propagation") { OP_TRY(sv.bind_propagation, as_string(c, bv, bp)); }
                                else if (bk == "create_host_path") { OP_TRY(sv.bind_create_host_path, as_bool(c, bv, bp)); }
                                else {
                                    OP_TRY(sv.bind_selinux, as_string(c, bv, bp));
                                    return one_of(c, bv, bp, sv.bind_selinux, {"z", "Z"});
                                }
                                return {};
                            });
                    } else if (k == "volume") {
                        return walk(c, v, vp, {"nocopy", "subpath"}, nullptr,
                            [&](std::string const& bk, node const& bv, std::string const& bp) -> status {
                                if (bk == "nocopy") { OP_TRY(sv.volume_nocopy, as_bool(c, bv, bp)); }
                                else { OP_TRY(sv.volume_subpath, as_string(c, bv, bp)); }
                                return {};
                            });
                    } else if (k == "tmpfs") {
                        return walk(c, v, vp, {"size", "mode"}, nullptr,
                            [&](std::string const& bk, node const& bv, std::string const& bp) -> status {
                                if (bk == "size") { OP_TRY(sv.tmpfs_size, as_bytes(c, bv, bp)); }
                                else { OP_TRY(sv.tmpfs_mode, as_mode(c, bv, bp)); }
                                return {};
                            });
                    } else {
                        return walk(c, v, vp, {"subpath"}, nullptr,
                            [&](std::string const&, node const& bv, std::string const& bp) -> status {
                                OP_TRY(sv.image_subpath, as_string(c, bv, bp));
                                return {};
                            });
                    }
                    return {};
                }));
            if (sv.type.empty()) return c.fail(it, ip, "volume needs a type");
            if (sv.target.empty()) return c.fail(it, ip, "volume needs a target");
            if (sv.type == "bind" && sv.source.empty()) return c.fail(it, ip, "bind mount needs a source");
            if (sv.type == "tmpfs" && !sv.source.empty()) return c.fail(it, ip, "tmpfs mount takes no source");
        }
        if (sv.type == "bind") {
            node const* src = it.is_mapping() ? it.find("source") : nullptr;
            sv.source = resolve_path(c, src != nullptr ? src->where : it.where, std::move(sv.source));
        }
        out.push_back(std::move(sv));
    }
    return out;
}

result<std::vector<file_reference>> decode_file_refs(context const& c, node const& n,
                                                     std::string const& p, bool secrets) {
    if (!n.is_sequence()) return c.fail(n, p, "expected a list");
    std::vector<file_reference> out;
    for (std::size_t i = 0; i < n.items.size(); ++i) {
        node const& it = n.items[i];
        std::string const ip = index_path(p, i);
        file_reference r;
        if (it.is_scalar()) {
            r.source = it.scalar;
        } else {
            OP_RETURN_IF_ERROR(walk(c, it, ip, {"source", "target", "uid", "gid", "mode"}, &r.extensions,
                [&](std::string const& k, node const& v, std::string const& vp) -> status {
                    if (k == "mode") { OP_TRY(r.mode, as_mode(c, v, vp)); }
                    else {
                        OP_TRY(auto s, as_string(c, v, vp));
                        (k == "source" ? r.source : k == "target" ? r.target : k == "uid" ? r.uid : r.gid) = s;
                    }
                    return {};
                }));
        }
        if (r.source.empty()) return c.fail(it, ip, "reference needs a source");
        if (r.target.empty()) r.target = secrets ? "/run/secrets/" + r.source : "/" + r.source;
        else if (secrets && r.target.front() != '/') r.target = "/run/secrets/" + r.target;
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace op::compose::detail
