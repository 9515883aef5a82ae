// Short syntax of ports and volumes.
#include "op/compose/scalars.hpp"

#include <charconv>
#include <optional>

namespace op::compose {
namespace {

std::string quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        std::size_t const p = s.find(sep, start);
        if (p == std::string_view::npos) {
            out.push_back(s.substr(start));
            return out;
        }
        out.push_back(s.substr(start, p - start));
        start = p + 1;
    }
}

// "80" or "8000-8010"; empty `why` on success.
bool parse_range(std::string_view s, port_range& out, std::string& why, std::string_view what) {
    auto num = [&](std::string_view t, std::uint32_t& v) {
        auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
        if (t.empty() || ec != std::errc{} || p != t.data() + t.size()) {
            why = std::string(what) + " " + quote(t) + " is not a number";
            return false;
        }
        if (v < 1 || v > 65535) {
            why = std::string(what) + " " + std::string(t) + " is out of range 1-65535";
            return false;
        }
        return true;
    };
    std::size_t const dash = s.find('-');
    if (dash == std::string_view::npos) {
        if (!num(s, out.start)) return false;
        out.end = out.start;
        return true;
    }
    if (!num(s.substr(0, dash), out.start) || !num(s.substr(dash + 1), out.end)) return false;
    if (out.end < out.start) {
        why = std::string(what) + " range " + quote(s) + " ends before it starts";
        return false;
    }
    return true;
}

bool valid_volume_name(std::string_view s) {
    if (s.empty()) return false;
    auto ok = [](char c, bool first) {
        bool const alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        return alnum || (!first && (c == '_' || c == '.' || c == '-'));
    };
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (!ok(s[i], i == 0)) return false;
    }
    return true;
}

}  // namespace

namespace {

// A short-syntax port before range expansion.
struct port_spec {
    port_range target;
    std::optional<port_range> published;
    std::string protocol = "tcp";
    std::string host_ip;
    [[nodiscard]] std::size_t count() const { return target.end - target.start + 1; }
};

result<port_spec> parse_port_spec(std::string_view text) {
    auto bad = [&](std::string const& why) {
        return invalid("invalid port " + quote(text) + ": " + why);
    };
    port_spec out;
    std::string_view rest = text;
    if (std::size_t const slash = rest.rfind('/'); slash != std::string_view::npos) {
        out.protocol = std::string(rest.substr(slash + 1));
        rest = rest.substr(0, slash);
        if (out.protocol != "tcp" && out.protocol != "udp" && out.protocol != "sctp") {
            return bad("unknown protocol " + quote(out.protocol) + " (use tcp, udp or sctp)");
        }
    }
    if (!rest.empty() && rest.front() == '[') {
        std::size_t const close = rest.find(']');
        if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
            return bad("malformed IPv6 host address");
        }
        out.host_ip = std::string(rest.substr(1, close - 1));
        rest = rest.substr(close + 2);
        if (rest.find(':') == std::string_view::npos) return bad("missing container port");
    }
    std::string_view target_s = rest;
    std::string_view published_s;
    bool has_published = false;
    if (std::size_t const c1 = rest.rfind(':'); c1 != std::string_view::npos) {
        target_s = rest.substr(c1 + 1);
        std::string_view head = rest.substr(0, c1);
        has_published = true;
        published_s = head;
        if (std::size_t const c2 = head.rfind(':'); c2 != std::string_view::npos) {
            if (!out.host_ip.empty()) return bad("too many ':'");
            out.host_ip = std::string(head.substr(0, c2));
            published_s = head.substr(c2 + 1);
            if (out.host_ip.empty()) return bad("empty host IP");
        }
        if (published_s.empty()) has_published = false;  // "127.0.0.1::80"
    }
    std::string why;
    if (!parse_range(target_s, out.target, why, "container port")) return bad(why);
    if (has_published) {
        port_range published;
        if (!parse_range(published_s, published, why, "host port")) return bad(why);
        if (out.count() > 1 && published.end - published.start + 1 != out.count()) {
            return bad("host and container port ranges have different sizes");
        }
        out.published = published;
    }
    return out;
}

}  // namespace

std::size_t port_count(std::string_view text) {
    auto spec = parse_port_spec(text);
    return spec ? spec->count() : 0;
}

result<std::vector<service_port>> parse_port(std::string_view text, std::size_t max_ports) {
    OP_TRY(port_spec spec, parse_port_spec(text));
    std::size_t const n = spec.count();
    if (n > max_ports) {
        return invalid("invalid port " + quote(text) + ": " + std::to_string(n) +
                       " ports, more than the limit of " + std::to_string(max_ports));
    }
    std::vector<service_port> out;
    out.reserve(n);
    for (std::uint32_t i = 0; i < n; ++i) {
        service_port p;
        p.target = spec.target.start + i;
        if (spec.published) {
            p.published = n > 1 ? port_range{spec.published->start + i, spec.published->start + i}
                                : spec.published;
        }
        p.protocol = spec.protocol;
        p.host_ip = spec.host_ip;
        out.push_back(std::move(p));
    }
    return out;
}

result<service_volume> parse_volume(std::string_view text) {
    auto bad = [&](std::string const& why) {
        return invalid("invalid volume " + quote(text) + ": " + why);
    };
    if (text.empty()) return bad("empty");
    auto const parts = split(text, ':');
    if (parts.size() > 3) return bad("too many ':' (expected [source:]target[:options])");
    service_volume v;
    std::string_view options;
    if (parts.size() == 1) {
        v.type = "volume";
        v.target = std::string(parts[0]);
    } else {
        v.source = std::string(parts[0]);
        v.target = std::string(parts[1]);
        if (parts.size() == 3) options = parts[2];
        if (v.source.empty()) return bad("empty source");
        char const c = v.source.front();
        if (c == '/' || c == '.' || c == '~' || c == '\\') {
            v.type = "bind";
        } else {
            v.type = "volume";
            if (!valid_volume_name(v.source)) {
                return bad("source " + quote(v.source) +
                           " is neither a path (/, ./, ~) nor a volume name");
            }
        }
    }
    if (v.target.empty()) return bad("empty target");
    if (parts.size() == 3 && options.empty()) return bad("empty options");
    if (!options.empty()) {
        for (std::string_view o : split(options, ',')) {
            if (o == "ro") {
                v.read_only = true;
            } else if (o == "rw") {
                v.read_only = false;
            } else if (o == "z" || o == "Z") {
                v.bind_selinux = std::string(o);
            } else if (o == "nocopy") {
                if (v.type != "volume") return bad("nocopy applies to volumes only");
                v.volume_nocopy = true;
            } else if (o == "shared" || o == "rshared" || o == "slave" || o == "rslave" ||
                       o == "private" || o == "rprivate") {
                if (v.type != "bind") return bad("propagation applies to bind mounts only");
                v.bind_propagation = std::string(o);
            } else if (o == "cached" || o == "delegated" || o == "consistent") {
                v.consistency = std::string(o);
            } else {
                return bad("unknown option " + quote(o));
            }
        }
    }
    return v;
}

}  // namespace op::compose
