// One service: the service-level keys of the Compose Specification.
#include "decode.hpp"

#include "op/compose/scalars.hpp"

#include <optional>
#include <set>
#include <string_view>

namespace op::compose::detail {
namespace {

// Known Compose keys the typed model does not cover: kept in service::other, with a warning.
constexpr std::string_view other_keys[] = {
    "annotations", "attach", "blkio_config", "cgroup", "cpu_count", "cpu_percent", "cpu_period",
    "cpu_quota", "cpu_rt_period", "cpu_rt_runtime", "cpuset",
    "credential_spec", "develop", "device_cgroup_rules", "external_links", "gpus",
    "isolation", "label_file", "mem_swappiness", "memswap_limit",
    "models", "oom_kill_disable", "oom_score_adj", "pids_limit", "provider", "storage_opt", "use_api_socket", "uts", "volume_driver", "volumes_from"};

// Typed keys that the reference mapping ignores (compose-on-kubernetes 4.12).
constexpr std::string_view no_effect_keys[] = {
    "build", "cgroup_parent", "container_name", "devices", "dns", "dns_opt",
    "dns_search", "domainname", "expose", "links", "logging", "mac_address", "network_mode",
    "networks", "security_opt", "stop_signal", "ulimits", "userns_mode",
    "runtime", "platform", "init"};

template <std::size_t N>
bool contains(std::string_view const (&arr)[N], std::string_view k) {
    for (auto a : arr) {
        if (a == k) return true;
    }
    return false;
}

result<std::optional<std::vector<std::string>>> decode_command(context const& c, node const& n,
                                                               std::string const& p) {
    if (n.is_null()) return std::optional<std::vector<std::string>>{};
    if (n.is_scalar()) {
        auto words = split_shell_words(n.scalar);
        if (!words) return c.fail(n, p, words.error().message);
        return std::optional<std::vector<std::string>>{std::move(*words)};
    }
    OP_TRY(auto list, as_string_list(c, n, p));
    return std::optional<std::vector<std::string>>{std::move(list)};
}

result<std::map<std::string, std::optional<std::string>>> decode_environment(
    context const& c, node const& n, std::string const& p) {
    std::map<std::string, std::optional<std::string>> out;
    if (n.is_sequence()) {
        for (std::size_t i = 0; i < n.items.size(); ++i) {
            OP_TRY(auto s, as_string(c, n.items[i], index_path(p, i)));
            std::size_t const eq = s.find('=');
            if (eq == 0 || s.empty()) {
                return c.fail(n.items[i], index_path(p, i), "invalid environment entry " + quoted(s));
            }
            if (eq == std::string::npos) out[s] = std::nullopt;
            else out[s.substr(0, eq)] = s.substr(eq + 1);
        }
        return out;
    }
    if (!n.is_mapping()) {
        return c.fail(n, p, "expected a mapping or a list of \"KEY=value\", got " +
                                std::string(kind_name(n.type)));
    }
    for (auto const& [k, v] : n.entries) {
        if (v.is_null()) {
            out[k] = std::nullopt;
        } else {
            OP_TRY(auto s, as_string(c, v, key_path(p, k)));
            out[k] = std::move(s);
        }
    }
    return out;
}

// One rule for both forms, so that what the mapping form accepts is what the list form (the one
// emit() writes) reads back: a host name that is not empty and holds no ':' or '=', and an address
// that is not empty.
std::optional<std::string> extra_host_problem(std::string_view host, std::string_view ip) {
    if (host.empty()) return "empty host name";
    if (host.find_first_of(":=") != std::string_view::npos) {
        return "host name " + quoted(std::string(host)) + " contains ':' or '='";
    }
    if (ip.empty()) return "empty address for host " + quoted(std::string(host));
    return std::nullopt;
}

result<std::vector<std::string>> decode_extra_hosts(context const& c, node const& n,
                                                    std::string const& p) {
    if (n.is_sequence()) {
        OP_TRY(auto list, as_string_list(c, n, p));
        for (std::size_t i = 0; i < list.size(); ++i) {
            std::string_view const entry = list[i];
            std::size_t const sep = entry.find_first_of(":=");
            if (sep == std::string_view::npos ||
                extra_host_problem(entry.substr(0, sep), entry.substr(sep + 1))) {
                return c.fail(n.items[i], index_path(p, i),
                              "invalid extra host " + quoted(list[i]) + " (expected \"host:ip\")");
            }
            list[i][sep] = ':';
        }
        return list;
    }
    if (!n.is_mapping()) return c.fail(n, p, "expected a mapping or a list of \"host:ip\"");
    std::vector<std::string> out;
    for (auto const& [k, v] : n.entries) {
        OP_TRY(auto ips, as_string_list(c, v, key_path(p, k), true));
        for (std::size_t i = 0; i < ips.size(); ++i) {
            if (auto why = extra_host_problem(k, ips[i])) {
                bool const listed = v.is_sequence();
                return c.fail(listed ? v.items[i] : v,
                              listed ? index_path(key_path(p, k), i) : key_path(p, k),
                              "invalid extra host: " + *why + " (expected \"host: ip\")");
            }
            out.push_back(k + ":" + ips[i]);
        }
    }
    return out;
}

result<std::vector<service_dependency>> decode_depends_on(context const& c, node const& n,
                                                          std::string const& p) {
    std::vector<service_dependency> out;
    // A service named twice is refused, as the Compose schema does (uniqueItems): the model keys
    // dependencies by service, so a second entry could neither be applied nor written back.
    std::set<std::string_view> seen;
    if (n.is_sequence()) {
        OP_TRY(auto names, as_string_list(c, n, p));
        for (std::size_t i = 0; i < names.size(); ++i) {
            if (!seen.insert(names[i]).second) {
                return c.fail(n.items[i], index_path(p, i),
                              "service " + quoted(names[i]) + " is listed twice");
            }
        }
        for (auto& s : names) {
            service_dependency d;
            d.service = std::move(s);
            out.push_back(std::move(d));
        }
        return out;
    }
    OP_RETURN_IF_ERROR(expect_mapping(c, n, p));  // type check only
    for (auto const& [k, v] : n.entries) {
        if (!seen.insert(k).second) {
            return c.fail(v, key_path(p, k), "service " + quoted(k) + " is listed twice");
        }
        service_dependency d;
        d.service = k;
        std::string const kp = key_path(p, k);
        if (!v.is_null()) {
            OP_RETURN_IF_ERROR(walk(c, v, kp, {"condition", "restart", "required"}, nullptr,
                [&](std::string const& key, node const& val, std::string const& vp) -> status {
                    if (key == "condition") {
                        OP_TRY(d.condition, as_string(c, val, vp));
                        if (d.condition != "service_started" && d.condition != "service_healthy" &&
                            d.condition != "service_completed_successfully") {
                            return c.fail(val, vp, "invalid condition " + quoted(d.condition));
                        }
                    } else if (key == "restart") {
                        OP_TRY(d.restart, as_bool(c, val, vp));
                    } else {
                        OP_TRY(d.required, as_bool(c, val, vp));
                    }
                    return {};
                }));
        }
        out.push_back(std::move(d));
    }
    return out;
}

result<std::map<std::string, std::optional<service_network>>> decode_service_networks(
    context const& c, node const& n, std::string const& p) {
    std::map<std::string, std::optional<service_network>> out;
    if (n.is_sequence()) {
        OP_TRY(auto names, as_string_list(c, n, p));
        for (auto& s : names) out[s] = std::nullopt;
        return out;
    }
    if (!n.is_mapping()) return c.fail(n, p, "expected a mapping or a list of network names");
    for (auto const& [k, v] : n.entries) {
        if (v.is_null()) {
            out[k] = std::nullopt;
            continue;
        }
        service_network sn;
        OP_RETURN_IF_ERROR(walk(c, v, key_path(p, k),
            {"aliases", "ipv4_address", "ipv6_address", "priority", "link_local_ips",
             "mac_address", "driver_opts", "gw_priority", "interface_name"},
            &sn.extensions, [&](std::string const& key, node const& val, std::string const& vp) -> status {
                if (key == "aliases") {
                    OP_TRY(sn.aliases, as_string_list(c, val, vp));
                } else if (key == "ipv4_address") {
                    OP_TRY(sn.ipv4_address, as_string(c, val, vp));
                } else if (key == "ipv6_address") {
                    OP_TRY(sn.ipv6_address, as_string(c, val, vp));
                } else if (key == "priority") {
                    OP_TRY(sn.priority, as_int(c, val, vp));
                } else {
                    sn.other[key] = val;
                }
                return {};
            }));
        out[k] = std::move(sn);
    }
    return out;
}

result<std::map<std::string, ulimit>> decode_ulimits(context const& c, node const& n,
                                                     std::string const& p) {
    std::map<std::string, ulimit> out;
    OP_RETURN_IF_ERROR(expect_mapping(c, n, p));
    for (auto const& [k, v] : n.entries) {
        std::string const kp = key_path(p, k);
        ulimit u;
        if (v.is_scalar()) {
            OP_TRY(u.soft, as_int(c, v, kp));
            u.hard = u.soft;
        } else {
            bool soft = false, hard = false;
            OP_RETURN_IF_ERROR(walk(c, v, kp, {"soft", "hard"}, nullptr,
                [&](std::string const& key, node const& val, std::string const& vp) -> status {
                    OP_TRY(auto x, as_int(c, val, vp));
                    (key == "soft" ? u.soft : u.hard) = x;
                    (key == "soft" ? soft : hard) = true;
                    return {};
                }));
            if (!soft || !hard) return c.fail(v, kp, "ulimit needs both soft and hard");
        }
        out[k] = u;
    }
    return out;
}

// `build:` written in an included or extended file: its context is relative to that file's
// folder (relative_to_file), the default context "." too; a URL context is not a path.
void rebase_build_context(context const& c, node& build) {
    auto const url = [](std::string const& s) {
        return s.find("://") != std::string::npos || s.starts_with("git@");
    };
    if (build.is_scalar()) {
        if (!url(build.scalar)) build.scalar = relative_to_file(c, build.where, build.scalar);
        return;
    }
    if (!build.is_mapping()) return;
    if (node* dir = build.find("context"); dir != nullptr) {
        if (dir->is_scalar() && !url(dir->scalar)) dir->scalar = relative_to_file(c, dir->where, dir->scalar);
        return;
    }
    if (auto folder = relative_to_file(c, build.where, "."); folder != ".") {
        node dir = node::make_scalar(std::move(folder));
        dir.where = build.where;
        build.entries.emplace_back("context", std::move(dir));
    }
}

result<std::vector<env_file>> decode_env_files(context const& c, node const& n,
                                               std::string const& p) {
    std::vector<env_file> out;
    if (n.is_scalar()) {
        env_file f;
        f.path = relative_to_file(c, n.where, n.scalar);
        return std::vector<env_file>{f};
    }
    if (!n.is_sequence()) return c.fail(n, p, "expected a string or a list");
    for (std::size_t i = 0; i < n.items.size(); ++i) {
        node const& it = n.items[i];
        env_file f;
        if (it.is_scalar()) {
            f.path = relative_to_file(c, it.where, it.scalar);
        } else {
            OP_RETURN_IF_ERROR(walk(c, it, index_path(p, i), {"path", "required", "format"}, nullptr,
                [&](std::string const& key, node const& val, std::string const& vp) -> status {
                    if (key == "path") { OP_TRY(f.path, as_string(c, val, vp)); }
                    else if (key == "required") { OP_TRY(f.required, as_bool(c, val, vp)); }
                    else { OP_TRY(f.format, as_string(c, val, vp)); }
                    return {};
                }));
            if (f.path.empty()) return c.fail(it, index_path(p, i), "env_file entry needs a path");
            node const* path = it.find("path");
            f.path = relative_to_file(c, path != nullptr ? path->where : it.where, std::move(f.path));
        }
        out.push_back(std::move(f));
    }
    return out;
}

// `post_start` / `pre_stop`: a list of {command, user, privileged, working_dir, environment}.
result<std::vector<lifecycle_hook>> decode_hooks(context const& c, node const& n,
                                                 std::string const& p) {
    std::vector<lifecycle_hook> out;
    if (n.is_null()) return out;
    if (!n.is_sequence()) return c.fail(n, p, "expected a list of hooks ({command: ...})");
    for (std::size_t i = 0; i < n.items.size(); ++i) {
        std::string const ip = index_path(p, i);
        lifecycle_hook h;
        OP_RETURN_IF_ERROR(walk(c, n.items[i], ip,
            {"command", "user", "privileged", "working_dir", "environment"}, nullptr,
            [&](std::string const& key, node const& val, std::string const& vp) -> status {
                if (key == "command") {
                    OP_TRY(auto cmd, decode_command(c, val, vp));
                    h.command = cmd.value_or(std::vector<std::string>{});
                } else if (key == "user") {
                    OP_TRY(h.user, as_string(c, val, vp));
                } else if (key == "privileged") {
                    OP_TRY(h.privileged, as_bool(c, val, vp));
                } else if (key == "working_dir") {
                    OP_TRY(h.working_dir, as_string(c, val, vp));
                } else {
                    OP_TRY(h.environment, decode_environment(c, val, vp));
                }
                return {};
            }));
        if (h.command.empty()) return c.fail(n.items[i], ip, "hook needs a command");
        out.push_back(std::move(h));
    }
    return out;
}

result<logging_config> decode_logging(context const& c, node const& n, std::string const& p) {
    logging_config l;
    OP_RETURN_IF_ERROR(walk(c, n, p, {"driver", "options"}, nullptr,
        [&](std::string const& key, node const& val, std::string const& vp) -> status {
            if (key == "driver") { OP_TRY(l.driver, as_string(c, val, vp)); }
            else if (!val.is_null()) { OP_TRY(l.options, as_string_map(c, val, vp)); }
            return {};
        }));
    return l;
}

}  // namespace

result<service> decode_service(context const& c, std::string const& name, node const& n,
                               std::string const& p) {
    service s;
    s.name = name;
    if (n.is_null()) return c.fail(n, p, "service " + quoted(name) + " is empty");
    OP_RETURN_IF_ERROR(expect_mapping(c, n, p));  // type check
    for (auto const& [k, v] : n.entries) {
        std::string const vp = key_path(p, k);
        // v named explicitly: clang 14 (the fuzz build) cannot capture a structured binding.
        auto str = [&, &v = v](std::string& out) -> status {
            OP_TRY(out, as_string(c, v, vp));
            return {};
        };
        auto list = [&, &v = v](std::vector<std::string>& out, bool single) -> status {
            OP_TRY(out, as_string_list(c, v, vp, single));
            return {};
        };
        auto flag = [&, &v = v](bool& out) -> status {
            OP_TRY(out, as_bool(c, v, vp));
            return {};
        };
        status st;
        if (is_extension(k)) {
            s.extensions[k] = v;
            continue;
        } else if (contains(other_keys, k)) {
            s.other[k] = v;
            c.warn(vp, "not supported: kept but ignored");
            continue;
        } else if (k == "image") { st = str(s.image); }
        else if (k == "build") {
            if (!v.is_scalar() && !v.is_mapping()) return c.fail(v, vp, "expected a string or a mapping");
            s.build = v;
            rebase_build_context(c, *s.build);
        }
        else if (k == "cap_add") { st = list(s.cap_add, false); }
        else if (k == "cap_drop") { st = list(s.cap_drop, false); }
        else if (k == "command") { OP_TRY(s.command, decode_command(c, v, vp)); }
        else if (k == "entrypoint") { OP_TRY(s.entrypoint, decode_command(c, v, vp)); }
        else if (k == "configs") { OP_TRY(s.configs, decode_file_refs(c, v, vp, false)); }
        else if (k == "secrets") { OP_TRY(s.secrets, decode_file_refs(c, v, vp, true)); }
        else if (k == "container_name") { st = str(s.container_name); }
        else if (k == "depends_on") { OP_TRY(s.depends_on, decode_depends_on(c, v, vp)); }
        else if (k == "deploy") {
            if (!v.is_null()) { OP_TRY(s.deploy, decode_deploy(c, v, vp)); }
        }
        else if (k == "devices") { st = list(s.devices, false); }
        else if (k == "dns") { st = list(s.dns, true); }
        else if (k == "dns_opt") { st = list(s.dns_opt, false); }
        else if (k == "dns_search") { st = list(s.dns_search, true); }
        else if (k == "domainname") { st = str(s.domainname); }
        else if (k == "env_file") { OP_TRY(s.env_file, decode_env_files(c, v, vp)); }
        else if (k == "environment") { OP_TRY(s.environment, decode_environment(c, v, vp)); }
        else if (k == "expose") { st = list(s.expose, false); }
        else if (k == "extra_hosts") { OP_TRY(s.extra_hosts, decode_extra_hosts(c, v, vp)); }
        else if (k == "group_add") { st = list(s.group_add, false); }
        else if (k == "healthcheck") { OP_TRY(s.healthcheck, decode_healthcheck(c, v, vp)); }
        else if (k == "hostname") { st = str(s.hostname); }
        else if (k == "init") { OP_TRY(s.init, as_bool(c, v, vp)); }
        else if (k == "ipc") { st = str(s.ipc); }
        else if (k == "labels") { OP_TRY(s.labels, as_string_map(c, v, vp)); }
        else if (k == "links") { st = list(s.links, false); }
        else if (k == "logging") { OP_TRY(s.logging, decode_logging(c, v, vp)); }
        else if (k == "mac_address") { st = str(s.mac_address); }
        else if (k == "network_mode") { st = str(s.network_mode); }
        else if (k == "networks") { OP_TRY(s.networks, decode_service_networks(c, v, vp)); }
        else if (k == "pid") { st = str(s.pid); }
        else if (k == "platform") { st = str(s.platform); }
        else if (k == "ports") { OP_TRY(s.ports, decode_ports(c, v, vp)); }
        else if (k == "privileged") { st = flag(s.privileged); }
        else if (k == "profiles") { st = list(s.profiles, false); }
        else if (k == "pull_policy") { st = str(s.pull_policy); }
        else if (k == "read_only") { st = flag(s.read_only); }
        else if (k == "restart") { st = str(s.restart); }
        else if (k == "runtime") { st = str(s.runtime); }
        else if (k == "scale") { OP_TRY(s.scale, as_uint(c, v, vp)); }
        else if (k == "security_opt") { st = list(s.security_opt, false); }
        else if (k == "shm_size") { OP_TRY(s.shm_size, as_bytes(c, v, vp)); }
        else if (k == "stdin_open") { st = flag(s.stdin_open); }
        else if (k == "stop_grace_period") { OP_TRY(s.stop_grace_period, as_duration(c, v, vp)); }
        else if (k == "stop_signal") { st = str(s.stop_signal); }
        else if (k == "sysctls") { OP_TRY(s.sysctls, as_string_map(c, v, vp)); }
        else if (k == "tmpfs") { st = list(s.tmpfs, true); }
        else if (k == "tty") { st = flag(s.tty); }
        else if (k == "ulimits") { OP_TRY(s.ulimits, decode_ulimits(c, v, vp)); }
        else if (k == "user") { st = str(s.user); }
        else if (k == "userns_mode") { st = str(s.userns_mode); }
        else if (k == "volumes") { OP_TRY(s.volumes, decode_volumes(c, v, vp)); }
        else if (k == "working_dir") { st = str(s.working_dir); }
        else if (k == "cpus") {
            st = str(s.cpus);
            if (st && !s.cpus.empty() && !(s.cpus[0] >= '0' && s.cpus[0] <= '9') && s.cpus[0] != '.') {
                return c.fail(v, vp, "invalid cpus " + quoted(s.cpus) + " (a number of CPUs, e.g. 0.5)");
            }
        }
        else if (k == "cpu_shares") {
            OP_TRY(s.cpu_shares, as_int(c, v, vp));
            if (*s.cpu_shares < 0) return c.fail(v, vp, "cpu_shares must not be negative");
        }
        else if (k == "mem_limit") { OP_TRY(s.mem_limit, as_bytes(c, v, vp)); }
        else if (k == "mem_reservation") { OP_TRY(s.mem_reservation, as_bytes(c, v, vp)); }
        else if (k == "cgroup_parent") { st = str(s.cgroup_parent); }
        else if (k == "post_start") { OP_TRY(s.post_start, decode_hooks(c, v, vp)); }
        else if (k == "pre_stop") { OP_TRY(s.pre_stop, decode_hooks(c, v, vp)); }
        else if (c.options.strict_keys) {
            return c.fail(v, vp, "unknown key " + quoted(k));
        } else {
            c.warn(vp, "unknown key ignored");
            continue;
        }
        if (!st) return st.error();
        if (contains(no_effect_keys, k)) c.warn(vp, "has no effect on Kubernetes; ignored");
    }
    if (auto it = s.extensions.find("x-kubernetes"); it != s.extensions.end()) {
        OP_TRY(s.kubernetes, decode_service_kubernetes(c, it->second, key_path(p, it->first)));
        s.extensions.erase(it);
    }
    if (s.image.empty() && !s.build) {
        return c.fail(n, p, "service " + quoted(name) + " has neither an image nor a build context");
    }
    return s;
}

}  // namespace op::compose::detail
