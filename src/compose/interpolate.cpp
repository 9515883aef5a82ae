// Compose variable interpolation.
#include "op/compose/interpolate.hpp"

namespace op::compose {
namespace {

bool name_start(char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9'); }

class interpolator {
public:
    interpolator(std::string_view whole, environment_map const& env, std::string_view path)
        : whole_(whole), env_(env), path_(path) {}

    result<std::string> run(std::string_view text, int depth) {
        if (depth > 16) return fail("too deeply nested");
        std::string out;
        out.reserve(text.size());
        std::size_t i = 0;
        while (i < text.size()) {
            char const c = text[i];
            if (c != '$') {
                out += c;
                ++i;
                continue;
            }
            if (i + 1 >= text.size()) return fail("a lone '$' at the end");
            char const n = text[i + 1];
            if (n == '$') {
                out += '$';
                i += 2;
            } else if (n == '{') {
                std::size_t const close = matching_brace(text, i + 2);
                if (close == std::string_view::npos) return fail("unterminated \"${\"");
                OP_TRY(std::string v, braced(text.substr(i + 2, close - i - 2), depth));
                out += v;
                i = close + 1;
            } else if (name_start(n)) {
                std::size_t j = i + 1;
                while (j < text.size() && name_char(text[j])) ++j;
                out += lookup_plain(text.substr(i + 1, j - i - 1));
                i = j;
            } else {
                return fail("'$' followed by " + std::string(1, n));
            }
        }
        return out;
    }

    std::vector<unresolved_variable> unresolved;

private:
    error fail(std::string const& why) const {
        return invalid("invalid interpolation format in \"" + std::string(whole_) + "\": " + why +
                           " (write a literal $ as $$)",
                       std::string(path_));
    }

    // Index of the '}' closing a "${" whose content starts at `from`, or npos.
    static std::size_t matching_brace(std::string_view t, std::size_t from) {
        int depth = 1;
        for (std::size_t i = from; i < t.size(); ++i) {
            if (t[i] == '$' && i + 1 < t.size() && t[i + 1] == '$') {
                ++i;
            } else if (t[i] == '$' && i + 1 < t.size() && t[i + 1] == '{') {
                ++depth;
                ++i;
            } else if (t[i] == '}' && --depth == 0) {
                return i;
            }
        }
        return std::string_view::npos;
    }

    std::string lookup_plain(std::string_view name) {
        auto it = env_.find(std::string(name));
        if (it != env_.end()) return it->second;
        unresolved.push_back({std::string(name), std::string(path_)});
        return {};
    }

    result<std::string> braced(std::string_view body, int depth) {
        std::size_t j = 0;
        if (body.empty() || !name_start(body[0])) return fail("bad variable name in \"${" + std::string(body) + "}\"");
        while (j < body.size() && name_char(body[j])) ++j;
        std::string const name(body.substr(0, j));
        std::string_view op = body.substr(j);
        if (op.empty()) return lookup_plain(name);
        bool colon = false;
        if (op.front() == ':') {
            colon = true;
            op.remove_prefix(1);
        }
        if (op.empty() || (op.front() != '-' && op.front() != '?' && op.front() != '+')) {
            return fail("unknown operator in \"${" + std::string(body) + "}\"");
        }
        char const kind = op.front();
        std::string_view const arg = op.substr(1);
        auto it = env_.find(name);
        bool const set = it != env_.end();
        bool const has_value = set && (!colon || !it->second.empty());
        switch (kind) {
            case '-':
                if (has_value) return it->second;
                return run(arg, depth + 1);
            case '+':
                if (has_value) return run(arg, depth + 1);
                return std::string{};
            default: {  // '?'
                if (has_value) return it->second;
                OP_TRY(std::string msg, run(arg, depth + 1));
                std::string m = "required variable " + name + " is missing a value";
                if (!msg.empty()) m += ": " + msg;
                return invalid(std::move(m), std::string(path_));
            }
        }
    }

    std::string_view whole_;
    environment_map const& env_;
    std::string_view path_;
};

}  // namespace

result<interpolation> interpolate(std::string_view text, environment_map const& env,
                                  std::string_view field_path) {
    interpolation out;
    if (text.find('$') == std::string_view::npos) {
        out.value = std::string(text);
        return out;
    }
    interpolator ip(text, env, field_path);
    OP_TRY(out.value, ip.run(text, 0));
    out.unresolved = std::move(ip.unresolved);
    return out;
}

}  // namespace op::compose
