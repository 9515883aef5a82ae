// project -> node tree -> YAML text (written here, not through yaml-cpp's emitter).
#include "op/compose/emit.hpp"

#include "op/compose/scalars.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <string_view>

namespace op::compose {
namespace {

node str(std::string s) { return node::make_scalar(std::move(s)); }
// A number or boolean written plain (tag "?": YAML's non-specific plain tag).
node plain(std::string s) {
    node n = node::make_scalar(std::move(s));
    n.tag = "?";
    return n;
}
node num(std::int64_t v) { return plain(std::to_string(v)); }
node unum(std::uint64_t v) { return plain(std::to_string(v)); }
node boolean(bool b) { return plain(b ? "true" : "false"); }
node dur(duration d) { return plain(format_duration(d)); }
node mode_node(std::uint32_t m) {
    char buf[16];
    auto r = std::to_chars(buf, buf + sizeof buf, m, 8);
    return plain("0" + std::string(buf, r.ptr));
}

class map_builder {
public:
    map_builder& add(std::string_view k, node v) {
        n_.entries.emplace_back(std::string(k), std::move(v));
        return *this;
    }
    map_builder& s(std::string_view k, std::string const& v) {
        if (!v.empty()) add(k, str(v));
        return *this;
    }
    map_builder& b(std::string_view k, bool v) {
        if (v) add(k, boolean(true));
        return *this;
    }
    template <class T, class F>
    map_builder& opt(std::string_view k, std::optional<T> const& v, F&& f) {
        if (v) add(k, f(*v));
        return *this;
    }
    map_builder& list(std::string_view k, std::vector<std::string> const& v) {
        if (!v.empty()) add(k, strings(v));
        return *this;
    }
    map_builder& smap(std::string_view k, std::map<std::string, std::string> const& v) {
        if (!v.empty()) add(k, string_map(v));
        return *this;
    }
    map_builder& nodes(std::map<std::string, node> const& v) {
        for (auto const& [k, x] : v) add(k, x);
        return *this;
    }
    node done() { return std::move(n_); }

    static node strings(std::vector<std::string> const& v) {
        node n = node::make_sequence();
        for (auto const& s : v) n.items.push_back(str(s));
        return n;
    }
    static node string_map(std::map<std::string, std::string> const& v) {
        node n = node::make_mapping();
        for (auto const& [k, x] : v) n.entries.emplace_back(k, str(x));
        return n;
    }

private:
    node n_ = node::make_mapping();
};

node to_node(port_range const& r) {
    return str(r.start == r.end ? std::to_string(r.start)
                                : std::to_string(r.start) + "-" + std::to_string(r.end));
}

node to_node(service_port const& p) {
    return map_builder{}.add("target", unum(p.target))
        .opt("published", p.published, [](port_range const& r) { return to_node(r); })
        .s("host_ip", p.host_ip).s("protocol", p.protocol).s("mode", p.mode)
        .s("name", p.name).s("app_protocol", p.app_protocol).nodes(p.extensions).done();
}

node to_node(service_volume const& v) {
    map_builder m;
    m.s("type", v.type).s("source", v.source).s("target", v.target).b("read_only", v.read_only)
        .s("consistency", v.consistency);
    map_builder bind;
    bind.s("propagation", v.bind_propagation)
        .opt("create_host_path", v.bind_create_host_path, boolean).s("selinux", v.bind_selinux);
    if (node b = bind.done(); !b.entries.empty()) m.add("bind", std::move(b));
    map_builder vol;
    vol.b("nocopy", v.volume_nocopy).s("subpath", v.volume_subpath);
    if (node b = vol.done(); !b.entries.empty()) m.add("volume", std::move(b));
    map_builder tmp;
    tmp.opt("size", v.tmpfs_size, num).opt("mode", v.tmpfs_mode, mode_node);
    if (node b = tmp.done(); !b.entries.empty()) m.add("tmpfs", std::move(b));
    if (!v.image_subpath.empty()) m.add("image", map_builder{}.s("subpath", v.image_subpath).done());
    return m.nodes(v.extensions).done();
}

node to_node(file_reference const& r) {
    return map_builder{}.s("source", r.source).s("target", r.target).s("uid", r.uid)
        .s("gid", r.gid).opt("mode", r.mode, mode_node).nodes(r.extensions).done();
}

node to_node(healthcheck const& h) {
    return map_builder{}.list("test", h.test).opt("interval", h.interval, dur)
        .opt("timeout", h.timeout, dur).opt("start_period", h.start_period, dur)
        .opt("start_interval", h.start_interval, dur).opt("retries", h.retries, unum)
        .b("disable", h.disable).nodes(h.extensions).done();
}

node to_node(resource const& r) {
    return map_builder{}.s("cpus", r.cpus).opt("memory", r.memory, num).opt("pids", r.pids, num)
        .nodes(r.other).nodes(r.extensions).done();
}

node to_node(update_config const& u) {
    auto ratio = [](double d) {
        char buf[64];
        auto r = std::to_chars(buf, buf + sizeof buf, d);
        return plain(std::string(buf, r.ptr));
    };
    return map_builder{}.opt("parallelism", u.parallelism, unum).opt("delay", u.delay, dur)
        .s("failure_action", u.failure_action).opt("monitor", u.monitor, dur)
        .opt("max_failure_ratio", u.max_failure_ratio, ratio).s("order", u.order)
        .nodes(u.extensions).done();
}

node to_node(deploy_config const& d) {
    map_builder m;
    m.s("mode", d.mode).opt("replicas", d.replicas, unum).smap("labels", d.labels)
        .opt("update_config", d.update_config, [](auto const& u) { return to_node(u); })
        .opt("rollback_config", d.rollback_config, [](auto const& u) { return to_node(u); });
    map_builder res;
    res.opt("limits", d.resources.limits, [](auto const& r) { return to_node(r); })
        .opt("reservations", d.resources.reservations, [](auto const& r) { return to_node(r); });
    if (node r = res.done(); !r.entries.empty()) m.add("resources", std::move(r));
    m.opt("restart_policy", d.restart_policy, [](restart_policy const& r) {
        return map_builder{}.s("condition", r.condition).opt("delay", r.delay, dur)
            .opt("max_attempts", r.max_attempts, unum).opt("window", r.window, dur)
            .nodes(r.extensions).done();
    });
    map_builder pl;
    pl.list("constraints", d.placement.constraints);
    if (!d.placement.preferences.empty()) {
        node prefs = node::make_sequence();
        for (auto const& p : d.placement.preferences) {
            prefs.items.push_back(map_builder{}.add("spread", str(p.spread)).done());
        }
        pl.add("preferences", std::move(prefs));
    }
    pl.opt("max_replicas_per_node", d.placement.max_replicas_per_node, unum)
        .nodes(d.placement.extensions);
    if (node p = pl.done(); !p.entries.empty()) m.add("placement", std::move(p));
    return m.s("endpoint_mode", d.endpoint_mode).nodes(d.extensions).done();
}

template <class T>
node seq(std::vector<T> const& v) {
    node n = node::make_sequence();
    for (auto const& x : v) n.items.push_back(to_node(x));
    return n;
}

node to_node(service const& s);

}  // namespace

namespace {

node to_node(service const& s) {
    map_builder m;
    m.s("image", s.image);
    if (s.build) m.add("build", *s.build);
    m.list("cap_add", s.cap_add).list("cap_drop", s.cap_drop)
        .opt("command", s.command, map_builder::strings)
        .opt("entrypoint", s.entrypoint, map_builder::strings);
    if (!s.configs.empty()) m.add("configs", seq(s.configs));
    if (!s.secrets.empty()) m.add("secrets", seq(s.secrets));
    m.s("container_name", s.container_name);
    if (!s.depends_on.empty()) {
        node deps = node::make_mapping();
        for (auto const& d : s.depends_on) {
            map_builder dm;
            dm.s("condition", d.condition).b("restart", d.restart);
            if (!d.required) dm.add("required", boolean(false));
            deps.entries.emplace_back(d.service, dm.done());
        }
        m.add("depends_on", std::move(deps));
    }
    m.opt("deploy", s.deploy, [](deploy_config const& d) { return to_node(d); });
    m.list("devices", s.devices).list("dns", s.dns).list("dns_opt", s.dns_opt)
        .list("dns_search", s.dns_search).s("domainname", s.domainname);
    if (!s.env_file.empty()) {
        node files = node::make_sequence();
        for (auto const& f : s.env_file) {
            map_builder fm;
            fm.s("path", f.path);
            if (!f.required) fm.add("required", boolean(false));
            files.items.push_back(fm.s("format", f.format).done());
        }
        m.add("env_file", std::move(files));
    }
    if (!s.environment.empty()) {
        node env = node::make_mapping();
        for (auto const& [k, v] : s.environment) env.entries.emplace_back(k, v ? str(*v) : node{});
        m.add("environment", std::move(env));
    }
    m.list("expose", s.expose).list("extra_hosts", s.extra_hosts).list("group_add", s.group_add)
        .opt("healthcheck", s.healthcheck, [](healthcheck const& h) { return to_node(h); })
        .s("hostname", s.hostname).opt("init", s.init, boolean).s("ipc", s.ipc)
        .smap("labels", s.labels).list("links", s.links)
        .opt("logging", s.logging, [](logging_config const& l) {
            return map_builder{}.s("driver", l.driver).smap("options", l.options).done();
        })
        .s("mac_address", s.mac_address).s("network_mode", s.network_mode);
    if (!s.networks.empty()) {
        node nets = node::make_mapping();
        for (auto const& [k, v] : s.networks) {
            if (!v) {
                nets.entries.emplace_back(k, node{});
                continue;
            }
            nets.entries.emplace_back(k, map_builder{}.list("aliases", v->aliases)
                .s("ipv4_address", v->ipv4_address).s("ipv6_address", v->ipv6_address)
                .opt("priority", v->priority, num).nodes(v->other).nodes(v->extensions).done());
        }
        m.add("networks", std::move(nets));
    }
    m.s("pid", s.pid).s("platform", s.platform);
    if (!s.ports.empty()) m.add("ports", seq(s.ports));
    m.b("privileged", s.privileged).list("profiles", s.profiles).s("pull_policy", s.pull_policy)
        .b("read_only", s.read_only).s("restart", s.restart).s("runtime", s.runtime)
        .opt("scale", s.scale, unum).list("security_opt", s.security_opt)
        .opt("shm_size", s.shm_size, num).b("stdin_open", s.stdin_open)
        .opt("stop_grace_period", s.stop_grace_period, dur).s("stop_signal", s.stop_signal)
        .smap("sysctls", s.sysctls).list("tmpfs", s.tmpfs).b("tty", s.tty);
    if (!s.ulimits.empty()) {
        node u = node::make_mapping();
        for (auto const& [k, v] : s.ulimits) {
            u.entries.emplace_back(k, map_builder{}.add("soft", num(v.soft)).add("hard", num(v.hard)).done());
        }
        m.add("ulimits", std::move(u));
    }
    m.s("user", s.user).s("userns_mode", s.userns_mode);
    if (!s.volumes.empty()) m.add("volumes", seq(s.volumes));
    m.s("working_dir", s.working_dir).s("cpus", s.cpus).opt("cpu_shares", s.cpu_shares, num)
        .opt("mem_limit", s.mem_limit, num).opt("mem_reservation", s.mem_reservation, num)
        .s("cgroup_parent", s.cgroup_parent);
    for (auto [key, hooks] : {std::pair{"post_start", &s.post_start}, std::pair{"pre_stop", &s.pre_stop}}) {
        if (hooks->empty()) continue;
        node list = node::make_sequence();
        for (auto const& h : *hooks) {
            map_builder hm;
            hm.list("command", h.command).s("user", h.user).b("privileged", h.privileged)
                .s("working_dir", h.working_dir);
            if (!h.environment.empty()) {
                node env = node::make_mapping();
                for (auto const& [k, v] : h.environment) env.entries.emplace_back(k, v ? str(*v) : node{});
                hm.add("environment", std::move(env));
            }
            list.items.push_back(hm.done());
        }
        m.add(key, std::move(list));
    }
    if (s.kubernetes) {
        map_builder km;
        km.s("serviceType", s.kubernetes->service_type);
        if (!s.kubernetes->expose.empty()) {
            node list = node::make_sequence();
            for (auto const& e : s.kubernetes->expose) {
                list.items.push_back(map_builder{}.s("host", e.host).s("path", e.path)
                    .s("pathType", e.path_type).opt("port", e.port, unum).s("tlsSecret", e.tls_secret)
                    .s("ingressClassName", e.ingress_class_name).done());
            }
            km.add("expose", std::move(list));
        }
        m.add("x-kubernetes", km.done());
    }
    return m.nodes(s.other).nodes(s.extensions).done();
}

node to_node(network const& n) {
    return map_builder{}.s("name", n.name).s("driver", n.driver).smap("driver_opts", n.driver_opts)
        .b("external", n.external).b("internal", n.internal).b("attachable", n.attachable)
        .opt("enable_ipv6", n.enable_ipv6, boolean).opt("ipam", n.ipam, [](node const& x) { return x; })
        .smap("labels", n.labels).nodes(n.extensions).done();
}

node to_node(volume_claim const& k) {
    return map_builder{}.opt("size", k.size, str).opt("storageClassName", k.storage_class_name, str)
        .list("accessModes", k.access_modes).done();
}

node to_node(volume const& v) {
    return map_builder{}.s("name", v.name).s("driver", v.driver).smap("driver_opts", v.driver_opts)
        .b("external", v.external).smap("labels", v.labels)
        .opt("x-kubernetes", v.kubernetes, [](volume_claim const& k) { return to_node(k); })
        .nodes(v.extensions).done();
}

node to_node(file_object const& f) {
    return map_builder{}.s("name", f.name).s("file", f.file).s("environment", f.environment)
        .s("content", f.content).b("external", f.external).smap("labels", f.labels)
        .s("driver", f.driver).smap("driver_opts", f.driver_opts)
        .s("template_driver", f.template_driver).nodes(f.extensions).done();
}

template <class T>
node named(std::map<std::string, T> const& m) {
    node n = node::make_mapping();
    for (auto const& [k, v] : m) {
        node x = to_node(v);
        n.entries.emplace_back(k, x.entries.empty() ? node{} : std::move(x));
    }
    return n;
}

bool needs_quotes(std::string_view s) {
    if (s.empty()) return true;
    static constexpr std::string_view words[] = {"~", "null", "Null", "NULL", "true", "True",
        "TRUE", "false", "False", "FALSE", "yes", "Yes", "YES", "no", "No", "NO", "on", "On",
        "ON", "off", "Off", "OFF", "y", "Y", "n", "N", "<<"};
    if (s.size() <= 5) {  // the longest word
        for (auto w : words) {
            if (s == w) return true;
        }
    }
    char const c = s.front();
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.';
}

// ---- YAML text, written directly (block style, two-space indent) ----
// yaml-cpp's emitter tests every scalar against its regular expressions, which made it most of
// the cost of a v1beta2 -> v1beta1 conversion; this writer decides with one pass per scalar.

// True when `s` can be written as a plain scalar in block context and reads back as the same
// text. Deliberately narrower than YAML allows: printable ASCII only, no leading or trailing
// space, no indicator first (a '-', '?' or ':' first only before a non-space), no ": ", " #",
// '#', flow indicators, quotes or backslashes anywhere, no trailing ':', no document marker.
// Everything else is double-quoted, which reads back as a string, as such text would anyway.
bool plain_safe(std::string_view s) {
    if (s.empty() || s.front() == ' ' || s.back() == ' ' || s.back() == ':') return false;
    if (s.starts_with("---") || s.starts_with("...")) return false;
    switch (s.front()) {
        case '-': case '?': case ':':
            if (s.size() == 1 || s[1] == ' ') return false;
            break;
        case '&': case '*': case '!': case '|': case '>': case '%': case '@': case '`':
            return false;
        default: break;
    }
    // Per byte: 0 plain, 1 never plain, 2 ':' (not plain before a space).
    static constexpr auto kind = [] {
        std::array<std::uint8_t, 256> t{};
        for (int c = 0; c < 256; ++c) t[static_cast<std::size_t>(c)] = c < 0x20 || c > 0x7e;
        for (unsigned char c : std::string_view("#,[]{}\"'\\")) t[c] = 1;
        t[':'] = 2;
        return t;
    }();
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto const k = kind[static_cast<unsigned char>(s[i])];
        if (k == 0) continue;
        if (k == 1 || (i + 1 < s.size() && s[i + 1] == ' ')) return false;
    }
    return true;
}

// `s` double-quoted. UTF-8 passes through; control characters, DEL, and the characters YAML
// reads as line breaks or a byte-order mark (U+0085, U+2028, U+2029, U+FEFF) are escaped.
void double_quoted(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    out += '"';
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto const c = static_cast<unsigned char>(s[i]);
        switch (c) {
            case '"': out += "\\\""; continue;
            case '\\': out += "\\\\"; continue;
            case '\n': out += "\\n"; continue;
            case '\t': out += "\\t"; continue;
            case '\r': out += "\\r"; continue;
            case '\0': out += "\\0"; continue;
            default: break;
        }
        if (c < 0x20 || c == 0x7f) {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xf];
            continue;
        }
        // U+0085 = C2 85; U+2028/U+2029 = E2 80 A8/A9; U+FEFF = EF BB BF.
        auto const rest = s.substr(i);
        if (rest.starts_with("\xC2\x85")) { out += "\\u0085"; i += 1; continue; }
        if (rest.starts_with("\xE2\x80\xA8")) { out += "\\u2028"; i += 2; continue; }
        if (rest.starts_with("\xE2\x80\xA9")) { out += "\\u2029"; i += 2; continue; }
        if (rest.starts_with("\xEF\xBB\xBF")) { out += "\\uFEFF"; i += 2; continue; }
        out += static_cast<char>(c);
    }
    out += '"';
}

class yaml_writer {
public:
    explicit yaml_writer(bool escape_dollars) : esc_(escape_dollars) {}

    std::string take(node const& top) {
        if (is_block(top)) {
            block(top, 0, false);
        } else {
            inline_value(top, false);
            out_ += '\n';
        }
        return std::move(out_);
    }

private:
    // Implicit keys are limited to 1,024 characters (YAML 1.2, 7.4.2); longer ones are explicit.
    static constexpr std::size_t max_implicit_key = 1000;

    static bool is_block(node const& n) {
        return (n.type == node::kind::mapping && !n.entries.empty()) ||
               (n.type == node::kind::sequence && !n.items.empty());
    }

    void indent(int col) { out_.append(static_cast<std::size_t>(col), ' '); }

    void scalar(node const& n, bool is_key) {
        std::string_view text = n.scalar;
        std::string escaped;
        if (esc_ && !is_key && text.find('$') != std::string_view::npos) {
            escaped.reserve(text.size() + 4);
            for (char c : text) {
                escaped += c;
                if (c == '$') escaped += '$';
            }
            text = escaped;
        }
        // Values kept from the source (extensions, build, ...) keep their quoting; values
        // built from typed fields are quoted when YAML could read them as another type.
        bool const from_source = n.where.line != 0;
        bool const quote = from_source ? (n.quoted || text.empty())
                                       : (n.tag != "?" && (needs_quotes(text) || n.quoted));
        if (quote || !plain_safe(text)) {
            double_quoted(out_, text);
        } else {
            out_ += text;
        }
    }

    // A scalar, null or empty collection on the current line.
    void inline_value(node const& n, bool is_key) {
        switch (n.type) {
            case node::kind::null: out_ += '~'; return;
            case node::kind::scalar: scalar(n, is_key); return;
            case node::kind::sequence: out_ += "[]"; return;
            case node::kind::mapping: out_ += "{}"; return;
        }
    }

    // A non-empty collection whose entries start at column `col`; with `continues`, the first
    // entry goes on the current line (after "- ").
    void block(node const& n, int col, bool continues) {
        bool first = true;
        if (n.type == node::kind::sequence) {
            for (auto const& item : n.items) {
                if (!(first && continues)) indent(col);
                first = false;
                out_ += "- ";
                if (is_block(item)) {
                    block(item, col + 2, true);
                } else {
                    inline_value(item, false);
                    out_ += '\n';
                }
            }
            return;
        }
        for (auto const& [k, v] : n.entries) {
            if (!(first && continues)) indent(col);
            first = false;
            // The limit counts the key as written: escapes (\x02 is four characters) included.
            std::string rendered;
            rendered.swap(out_);
            scalar(node::make_scalar(k), true);
            rendered.swap(out_);
            if (rendered.size() > max_implicit_key) {
                out_ += "? ";
                out_ += rendered;
                out_ += '\n';
                indent(col);
            } else {
                out_ += rendered;
            }
            out_ += ':';
            if (is_block(v)) {
                out_ += '\n';
                block(v, col + 2, false);
            } else {
                out_ += ' ';
                inline_value(v, false);
                out_ += '\n';
            }
        }
    }

    bool esc_;
    std::string out_;
};

}  // namespace

std::string emit(project const& p, emit_options const& options) {
    map_builder top;
    top.s("name", p.name).s("version", p.version);
    node services = node::make_mapping();
    for (auto const& s : p.services) services.entries.emplace_back(s.name, to_node(s));
    top.add("services", std::move(services));
    if (!p.networks.empty()) top.add("networks", named(p.networks));
    if (!p.volumes.empty()) top.add("volumes", named(p.volumes));
    if (!p.secrets.empty()) top.add("secrets", named(p.secrets));
    if (!p.configs.empty()) top.add("configs", named(p.configs));
    top.nodes(p.extensions);
    return yaml_writer(options.escape_dollars).take(top.done());
}

}  // namespace op::compose
