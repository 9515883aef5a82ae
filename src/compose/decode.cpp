// Typed decoding helpers and the top level of the project.
#include "decode.hpp"

#include "op/compose/scalars.hpp"
#include "reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace op::compose::detail {

error context::fail(node const& n, std::string const& path, std::string msg) const {
    std::string_view file;
    if (n.where.file >= 0 && static_cast<std::size_t>(n.where.file) < file_names.size()) {
        file = file_names[static_cast<std::size_t>(n.where.file)];
    }
    return invalid(std::move(msg) + position(n.where, file), path);
}

void context::warn(std::string path, std::string msg) const {
    if (warnings.size() >= budget.limits.max_warnings) {
        ++budget.warnings_dropped;
        return;
    }
    warnings.push_back({std::move(path), std::move(msg)});
}

status context::take_ports(node const& n, std::string const& path, std::size_t count) const {
    if (count > budget.limits.max_ports - budget.ports) {
        return fail(n, path, "the project has more than " + std::to_string(budget.limits.max_ports) +
                                 " ports after range expansion (limit max_ports); publish smaller ranges");
    }
    budget.ports += count;
    return {};
}

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }
std::string key_path(std::string const& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}
std::string index_path(std::string const& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
}
bool is_extension(std::string_view key) { return key.starts_with("x-"); }

namespace {
error type_error(context const& c, node const& n, std::string const& p, std::string_view want) {
    return c.fail(n, p, "expected " + std::string(want) + ", got " + std::string(kind_name(n.type)));
}
}  // namespace

result<std::string> as_string(context const& c, node const& n, std::string const& p) {
    if (!n.is_scalar()) return type_error(c, n, p, "a string");
    return n.scalar;
}

result<bool> as_bool(context const& c, node const& n, std::string const& p) {
    if (!n.is_scalar()) return type_error(c, n, p, "a boolean");
    std::string s = n.scalar;
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (s == "true" || s == "yes" || s == "on" || s == "y") return true;
    if (s == "false" || s == "no" || s == "off" || s == "n") return false;
    return c.fail(n, p, "invalid boolean " + quoted(n.scalar));
}

result<std::uint64_t> as_uint(context const& c, node const& n, std::string const& p) {
    if (!n.is_scalar()) return type_error(c, n, p, "a number");
    std::uint64_t v = 0;
    std::string_view s = n.scalar;
    if (s.starts_with('+')) s.remove_prefix(1);
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || ptr != s.data() + s.size()) {
        return c.fail(n, p, "invalid non-negative integer " + quoted(n.scalar));
    }
    return v;
}

result<std::int64_t> as_int(context const& c, node const& n, std::string const& p) {
    if (!n.is_scalar()) return type_error(c, n, p, "a number");
    std::int64_t v = 0;
    std::string_view s = n.scalar;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || ptr != s.data() + s.size()) {
        return c.fail(n, p, "invalid integer " + quoted(n.scalar));
    }
    return v;
}

result<double> as_double(context const& c, node const& n, std::string const& p) {
    if (!n.is_scalar()) return type_error(c, n, p, "a number");
    double v = 0;
    std::string_view s = n.scalar;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || ptr != s.data() + s.size() || !std::isfinite(v)) {
        return c.fail(n, p, "invalid number " + quoted(n.scalar));
    }
    return v;
}

result<duration> as_duration(context const& c, node const& n, std::string const& p) {
    if (!n.is_scalar()) return type_error(c, n, p, "a duration");
    auto d = parse_duration(n.scalar);
    if (!d) return c.fail(n, p, d.error().message);
    return *d;
}

result<std::int64_t> as_bytes(context const& c, node const& n, std::string const& p) {
    if (!n.is_scalar()) return type_error(c, n, p, "a byte size");
    auto b = parse_byte_size(n.scalar);
    if (!b) return c.fail(n, p, b.error().message);
    return *b;
}

result<std::uint32_t> as_mode(context const& c, node const& n, std::string const& p) {
    if (!n.is_scalar()) return type_error(c, n, p, "a file mode");
    std::string_view s = n.scalar;
    int base = 10;
    if (s.starts_with("0o") || s.starts_with("0O")) {
        s.remove_prefix(2);
        base = 8;
    } else if (s.size() > 1 && s.starts_with('0')) {
        base = 8;  // YAML 1.1 octal, as written in most Compose files: 0440
    }
    std::uint32_t v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
    if (s.empty() || ec != std::errc{} || ptr != s.data() + s.size() || v > 07777) {
        return c.fail(n, p, "invalid file mode " + quoted(n.scalar));
    }
    return v;
}

result<std::vector<std::string>> as_string_list(context const& c, node const& n,
                                                std::string const& p, bool allow_single) {
    std::vector<std::string> out;
    if (allow_single && n.is_scalar()) {
        out.push_back(n.scalar);
        return out;
    }
    if (!n.is_sequence()) return type_error(c, n, p, allow_single ? "a string or a list" : "a list");
    for (std::size_t i = 0; i < n.items.size(); ++i) {
        OP_TRY(auto s, as_string(c, n.items[i], index_path(p, i)));
        out.push_back(std::move(s));
    }
    return out;
}

result<std::map<std::string, std::string>> as_string_map(context const& c, node const& n,
                                                         std::string const& p) {
    std::map<std::string, std::string> out;
    if (n.is_sequence()) {
        for (std::size_t i = 0; i < n.items.size(); ++i) {
            OP_TRY(auto s, as_string(c, n.items[i], index_path(p, i)));
            std::size_t const eq = s.find('=');
            if (eq == 0) return c.fail(n.items[i], index_path(p, i), "empty key in " + quoted(s));
            if (eq == std::string::npos) out[s] = "";
            else out[s.substr(0, eq)] = s.substr(eq + 1);
        }
        return out;
    }
    if (!n.is_mapping()) return type_error(c, n, p, "a mapping or a list of \"key=value\"");
    for (auto const& [k, v] : n.entries) {
        if (v.is_null()) {
            out[k] = "";
        } else {
            OP_TRY(out[k], as_string(c, v, key_path(p, k)));
        }
    }
    return out;
}

// Makes a bind source or file path absolute when the caller gave a home or working directory.
std::string resolve_path(context const& c, mark const& where, std::string path) {
    path = relative_to_file(c, where, std::move(path));
    if (!c.options.home.empty() && (path == "~" || path.starts_with("~/"))) {
        path = c.options.home + path.substr(1);
    }
    if (!c.options.working_dir.empty() && !path.empty() && path.front() != '/' &&
        path.front() != '~') {
        std::string_view rel = path;
        while (rel.starts_with("./")) rel.remove_prefix(2);
        std::string dir = c.options.working_dir;
        if (!dir.ends_with('/')) dir += '/';
        path = rel == "." ? c.options.working_dir : dir + std::string(rel);
    }
    return path;
}


status expect_mapping(context const& c, node const& n, std::string const& p) {
    if (!n.is_mapping()) return type_error(c, n, p, "a mapping");
    return {};
}

status walk(context const& c, node const& n, std::string const& p,
            std::initializer_list<std::string_view> known, extension_map* ext,
            entry_fn const& fn) {
    if (!n.is_mapping()) return type_error(c, n, p, "a mapping");
    for (auto const& [k, v] : n.entries) {
        std::string const kp = key_path(p, k);
        if (ext != nullptr && is_extension(k)) {
            (*ext)[k] = v;
            continue;
        }
        if (std::find(known.begin(), known.end(), k) == known.end()) {
            if (c.options.strict_keys) return c.fail(v, kp, "unknown key " + quoted(k));
            c.warn(kp, "unknown key ignored");
            continue;
        }
        OP_RETURN_IF_ERROR(fn(k, v, kp));
    }
    return {};
}

}  // namespace op::compose::detail
