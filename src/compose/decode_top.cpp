// The top level: version, name, services, networks, volumes, secrets, configs; references.
#include "decode.hpp"

#include <algorithm>

namespace op::compose::detail {
namespace {

bool valid_project_name(std::string_view s) {
    if (s.empty()) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char const ch = s[i];
        bool const ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                        (i > 0 && (ch == '-' || ch == '_'));
        if (!ok) return false;
    }
    return true;
}

bool valid_service_name(std::string_view s) {
    if (s.empty()) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char const ch = s[i];
        bool const alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
        if (!alnum && (i == 0 || (ch != '-' && ch != '_' && ch != '.'))) return false;
    }
    return true;
}

// `external: true` or the 3.x form `external: {name: x}`.
status decode_external(context const& c, node const& v, std::string const& vp, bool& external,
                       std::string& name) {
    if (v.is_mapping()) {
        external = true;
        return walk(c, v, vp, {"name"}, nullptr,
                    [&](std::string const&, node const& nv, std::string const& np) -> status {
                        OP_TRY(name, as_string(c, nv, np));
                        return {};
                    });
    }
    OP_TRY(external, as_bool(c, v, vp));
    return {};
}

result<network> decode_network(context const& c, node const& n, std::string const& p) {
    network net;
    if (n.is_null()) return net;
    OP_RETURN_IF_ERROR(walk(c, n, p,
        {"name", "driver", "driver_opts", "external", "internal", "attachable", "enable_ipv6",
         "enable_ipv4", "ipam", "labels"},
        &net.extensions, [&](std::string const& k, node const& v, std::string const& vp) -> status {
            if (k == "name") { OP_TRY(net.name, as_string(c, v, vp)); }
            else if (k == "driver") { OP_TRY(net.driver, as_string(c, v, vp)); }
            else if (k == "driver_opts") { OP_TRY(net.driver_opts, as_string_map(c, v, vp)); }
            else if (k == "external") { return decode_external(c, v, vp, net.external, net.name); }
            else if (k == "internal") { OP_TRY(net.internal, as_bool(c, v, vp)); }
            else if (k == "attachable") { OP_TRY(net.attachable, as_bool(c, v, vp)); }
            else if (k == "enable_ipv6") { OP_TRY(net.enable_ipv6, as_bool(c, v, vp)); }
            else if (k == "enable_ipv4") { c.warn(vp, "not supported: ignored"); }
            else if (k == "ipam") { net.ipam = v; }
            else { OP_TRY(net.labels, as_string_map(c, v, vp)); }
            return {};
        }));
    return net;
}

result<volume> decode_volume(context const& c, node const& n, std::string const& p) {
    volume vol;
    if (n.is_null()) return vol;
    OP_RETURN_IF_ERROR(walk(c, n, p, {"name", "driver", "driver_opts", "external", "labels"},
        &vol.extensions, [&](std::string const& k, node const& v, std::string const& vp) -> status {
            if (k == "name") { OP_TRY(vol.name, as_string(c, v, vp)); }
            else if (k == "driver") { OP_TRY(vol.driver, as_string(c, v, vp)); }
            else if (k == "driver_opts") { OP_TRY(vol.driver_opts, as_string_map(c, v, vp)); }
            else if (k == "external") { return decode_external(c, v, vp, vol.external, vol.name); }
            else { OP_TRY(vol.labels, as_string_map(c, v, vp)); }
            return {};
        }));
    if (auto it = vol.extensions.find("x-kubernetes"); it != vol.extensions.end()) {
        OP_TRY(vol.kubernetes, decode_volume_claim(c, it->second, key_path(p, it->first)));
        vol.extensions.erase(it);
    }
    return vol;
}

result<file_object> decode_file_object(context const& c, node const& n, std::string const& p,
                                       std::string_view what) {
    file_object f;
    OP_RETURN_IF_ERROR(walk(c, n, p,
        {"name", "file", "environment", "content", "external", "labels", "driver", "driver_opts",
         "template_driver"},
        &f.extensions, [&](std::string const& k, node const& v, std::string const& vp) -> status {
            if (k == "external") return decode_external(c, v, vp, f.external, f.name);
            if (k == "labels") { OP_TRY(f.labels, as_string_map(c, v, vp)); }
            else if (k == "driver_opts") { OP_TRY(f.driver_opts, as_string_map(c, v, vp)); }
            else {
                OP_TRY(auto s, as_string(c, v, vp));
                if (k == "name") f.name = s;
                else if (k == "file") f.file = s;
                else if (k == "environment") f.environment = s;
                else if (k == "content") f.content = s;
                else if (k == "driver") f.driver = s;
                else f.template_driver = s;
            }
            return {};
        }));
    if (!f.file.empty()) {
        node const* file = n.find("file");
        f.file = resolve_path(c, file != nullptr ? file->where : n.where, std::move(f.file));
    }
    int const sources = int(!f.file.empty()) + int(!f.environment.empty()) +
                        int(!f.content.empty()) + int(f.external);
    if (sources != 1 && f.driver.empty()) {
        return c.fail(n, p, std::string(what) +
                                " needs exactly one of file, environment, content or external");
    }
    return f;
}

template <class T, class F>
status decode_named(context const& c, node const& v, std::string const& vp,
                    std::map<std::string, T>& out, F&& one) {
    if (v.is_null()) return {};
    OP_RETURN_IF_ERROR(expect_mapping(c, v, vp));
    for (auto const& [name, body] : v.entries) {
        OP_TRY(out[name], one(body, key_path(vp, name)));
    }
    return {};
}

// A named volume a service uses without declaring it is declared here with the defaults and a
// warning: the reference system and Docker Compose (for a single file) accept such files.
status check_references(context const& c, project& pr, node const& services_node) {
    for (auto const& s : pr.services) {
        node const& sn = *services_node.find(s.name);
        std::string const p = "services." + s.name;
        auto ref_fail = [&](std::string const& field, std::string const& what, std::string const& name) {
            node const* at = sn.find(field);
            return c.fail(at != nullptr ? *at : sn, p + "." + field,
                          "service " + quoted(s.name) + " refers to undefined " + what + " " + quoted(name));
        };
        for (auto const& d : s.depends_on) {
            if (pr.find_service(d.service) == nullptr) return ref_fail("depends_on", "service", d.service);
        }
        for (auto const& v : s.volumes) {
            if (v.type == "volume" && !v.source.empty() && !pr.volumes.contains(v.source)) {
                pr.volumes.emplace(v.source, volume{});
                c.warn(p + ".volumes", "named volume " + quoted(v.source) +
                                           " is not declared under the top-level volumes; declared with "
                                           "the defaults (add it under volumes: to set its size or class)");
            }
        }
        for (auto const& r : s.secrets) {
            if (!pr.secrets.contains(r.source)) return ref_fail("secrets", "secret", r.source);
        }
        for (auto const& r : s.configs) {
            if (!pr.configs.contains(r.source)) return ref_fail("configs", "config", r.source);
        }
        for (auto const& [net, _] : s.networks) {
            if (net != "default" && !pr.networks.contains(net)) return ref_fail("networks", "network", net);
        }
        if (s.network_mode.starts_with("service:") &&
            pr.find_service(s.network_mode.substr(8)) == nullptr) {
            return ref_fail("network_mode", "service", s.network_mode.substr(8));
        }
    }
    return {};
}

bool profile_active(context const& c, service const& s) {
    if (s.profiles.empty()) return true;
    for (auto const& active : c.options.profiles) {
        if (active == "*") return true;
        if (std::find(s.profiles.begin(), s.profiles.end(), active) != s.profiles.end()) return true;
    }
    return false;
}

// Removes the services whose profiles are all inactive (with a warning each). A remaining
// service that requires a removed one is an error naming the profile to activate; a
// `required: false` dependency on it is dropped with a warning.
status apply_profiles(context const& c, project& pr, node const& services_node) {
    std::vector<service> kept;
    std::map<std::string, std::vector<std::string>> removed;  // name -> its profiles
    for (auto& s : pr.services) {
        if (profile_active(c, s)) {
            kept.push_back(std::move(s));
            continue;
        }
        std::string list;
        for (auto const& p : s.profiles) list += (list.empty() ? "" : ", ") + p;
        c.warn("services." + s.name,
               "not deployed: none of its profiles (" + list + ") is active; activate one with "
               "--profile " + s.profiles.front() +
               (c.options.profiles.empty() ? " (on the client: compose-operator stack deploy / convert)" : ""));
        removed.emplace(s.name, s.profiles);
    }
    if (removed.empty()) {
        pr.services = std::move(kept);
        return {};
    }
    for (auto& s : kept) {
        std::vector<service_dependency> deps;
        for (auto& d : s.depends_on) {
            auto it = removed.find(d.service);
            if (it == removed.end()) {
                deps.push_back(std::move(d));
                continue;
            }
            std::string const path = "services." + s.name + ".depends_on." + d.service;
            if (!d.required) {
                c.warn(path, "dependency not waited for: service " + quoted(d.service) +
                                 " is not deployed (profile " + it->second.front() + " is not active)");
                continue;
            }
            node const* sn = services_node.find(s.name);
            node const* dn = sn != nullptr ? sn->find("depends_on") : nullptr;
            return c.fail(dn != nullptr ? *dn : services_node, path,
                          "service " + quoted(s.name) + " depends on " + quoted(d.service) +
                              ", which is not deployed because its profile is not active; "
                              "activate it with --profile " + it->second.front() +
                              " or mark the dependency `required: false`");
        }
        s.depends_on = std::move(deps);
    }
    pr.services = std::move(kept);
    return {};
}

}  // namespace

result<project> decode_project(context const& c, node const& root) {
    if (root.is_null()) return c.fail(root, "", "empty Compose file");
    if (!root.is_mapping()) return c.fail(root, "", "top-level object must be a mapping");
    project pr;
    node const* services_node = nullptr;
    OP_RETURN_IF_ERROR(walk(c, root, "",
        {"version", "name", "services", "networks", "volumes", "secrets", "configs", "include"},
        &pr.extensions, [&](std::string const& k, node const& v, std::string const& vp) -> status {
            if (k == "version") {
                OP_TRY(pr.version, as_string(c, v, vp));
                if (!pr.version.empty() && !pr.version.starts_with("2") && !pr.version.starts_with("3")) {
                    return c.fail(v, vp, "unsupported Compose file version: " + pr.version);
                }
            } else if (k == "name") {
                OP_TRY(pr.name, as_string(c, v, vp));
                if (!valid_project_name(pr.name)) {
                    return c.fail(v, vp, "invalid project name " + quoted(pr.name) +
                                             " (lowercase letters, digits, '-' and '_'; starting with a letter or digit)");
                }
            } else if (k == "include") {
                return c.fail(v, vp, "include needs the files it names; the cluster cannot read "
                                     "other files: run `compose-operator stack deploy` or "
                                     "`compose-operator convert`, which read them on your machine");
            } else if (k == "services") {
                if (v.is_null()) return {};
                OP_RETURN_IF_ERROR(expect_mapping(c, v, vp));
                services_node = &v;
                if (v.entries.size() > c.options.limits.max_services) {
                    return c.fail(v, vp, "more than " + std::to_string(c.options.limits.max_services) + " services");
                }
                for (auto const& [name, body] : v.entries) {
                    std::string const sp = key_path(vp, name);
                    if (!valid_service_name(name)) {
                        return c.fail(body, sp, "invalid service name " + quoted(name));
                    }
                    OP_TRY(auto s, decode_service(c, name, body, sp));
                    pr.services.push_back(std::move(s));
                }
            } else if (k == "networks") {
                return decode_named(c, v, vp, pr.networks,
                                    [&](node const& b, std::string const& bp) { return decode_network(c, b, bp); });
            } else if (k == "volumes") {
                return decode_named(c, v, vp, pr.volumes,
                                    [&](node const& b, std::string const& bp) { return decode_volume(c, b, bp); });
            } else {
                std::string_view const what = k == "secrets" ? "secret" : "config";
                auto& target = k == "secrets" ? pr.secrets : pr.configs;
                return decode_named(c, v, vp, target, [&](node const& b, std::string const& bp) {
                    return decode_file_object(c, b, bp, what);
                });
            }
            return {};
        }));
    std::sort(pr.services.begin(), pr.services.end(),
              [](service const& a, service const& b) { return a.name < b.name; });
    if (services_node != nullptr) {
        OP_RETURN_IF_ERROR(apply_profiles(c, pr, *services_node));
        OP_RETURN_IF_ERROR(check_references(c, pr, *services_node));
    }
    return pr;
}

}  // namespace op::compose::detail
