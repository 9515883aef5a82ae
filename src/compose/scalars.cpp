// Go durations, byte sizes and shell-word splitting.
#include "op/compose/scalars.hpp"

#include <cstdint>
#include <limits>

namespace op::compose {
namespace {

using u128 = unsigned __int128;
constexpr u128 max_i64 = static_cast<u128>(std::numeric_limits<std::int64_t>::max());

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

error bad_duration(std::string_view text, std::string_view why) {
    return invalid("invalid duration " + quote(text) + ": " + std::string(why));
}

// Nanoseconds per unit, 0 when unknown.
std::uint64_t unit_ns(std::string_view u) {
    if (u == "ns") return 1;
    if (u == "us" || u == "\xC2\xB5s" || u == "\xCE\xBCs") return 1'000;
    if (u == "ms") return 1'000'000;
    if (u == "s") return 1'000'000'000ULL;
    if (u == "m") return 60'000'000'000ULL;
    if (u == "h") return 3'600'000'000'000ULL;
    return 0;
}

}  // namespace

result<duration> parse_duration(std::string_view text) {
    std::string_view s = text;
    if (s.empty()) return bad_duration(text, "empty");
    if (s.front() == '-') return bad_duration(text, "negative");
    if (s.front() == '+') s.remove_prefix(1);
    if (s == "0") return duration{0};
    if (s.empty()) return bad_duration(text, "empty");
    u128 total = 0;
    while (!s.empty()) {
        std::size_t i = 0;
        u128 whole = 0;
        bool digits = false;
        while (i < s.size() && is_digit(s[i])) {
            whole = whole * 10 + static_cast<unsigned>(s[i] - '0');
            if (whole > max_i64) return bad_duration(text, "overflow");
            digits = true;
            ++i;
        }
        u128 frac = 0;
        u128 scale = 1;
        if (i < s.size() && s[i] == '.') {
            ++i;
            while (i < s.size() && is_digit(s[i])) {
                if (scale < 1'000'000'000'000'000'000ULL) {
                    frac = frac * 10 + static_cast<unsigned>(s[i] - '0');
                    scale *= 10;
                }
                digits = true;
                ++i;
            }
        }
        if (!digits) return bad_duration(text, "expected a number");
        std::size_t u = i;
        while (u < s.size() && !is_digit(s[u]) && s[u] != '.') ++u;
        if (u == i) return bad_duration(text, "missing unit (use ns, us, ms, s, m or h)");
        std::uint64_t const mult = unit_ns(s.substr(i, u - i));
        if (mult == 0) return bad_duration(text, "unknown unit " + quote(s.substr(i, u - i)));
        total += whole * mult + frac * mult / scale;
        if (total > max_i64) return bad_duration(text, "overflow");
        s.remove_prefix(u);
    }
    return duration{static_cast<std::int64_t>(total)};
}

std::string format_duration(duration d) {
    std::int64_t ns = d.count();
    if (ns == 0) return "0s";
    std::string sign;
    std::uint64_t u = ns < 0 ? static_cast<std::uint64_t>(-(ns + 1)) + 1 : static_cast<std::uint64_t>(ns);
    if (ns < 0) sign = "-";
    // fractional printing of v / unit with trailing zeros trimmed
    auto frac = [](std::uint64_t v, std::uint64_t unit, int digits) {
        std::string out = std::to_string(v / unit);
        std::uint64_t rest = v % unit;
        if (rest != 0) {
            std::string f = std::to_string(rest);
            f.insert(0, static_cast<std::size_t>(digits) - f.size(), '0');
            while (!f.empty() && f.back() == '0') f.pop_back();
            out += "." + f;
        }
        return out;
    };
    if (u < 1'000) return sign + std::to_string(u) + "ns";
    if (u < 1'000'000) return sign + frac(u, 1'000, 3) + "us";
    if (u < 1'000'000'000) return sign + frac(u, 1'000'000, 6) + "ms";
    std::uint64_t const h = u / 3'600'000'000'000ULL;
    std::uint64_t const m = (u / 60'000'000'000ULL) % 60;
    std::uint64_t const sec_ns = u % 60'000'000'000ULL;
    std::string out = sign;
    if (h > 0) out += std::to_string(h) + "h";
    if (h > 0 || m > 0) out += std::to_string(m) + "m";
    out += frac(sec_ns, 1'000'000'000ULL, 9) + "s";
    return out;
}

result<std::int64_t> parse_byte_size(std::string_view text) {
    auto bad = [&](std::string_view why) {
        return invalid("invalid byte size " + quote(text) + ": " + std::string(why));
    };
    std::string_view s = text;
    std::size_t i = 0;
    u128 whole = 0;
    while (i < s.size() && is_digit(s[i])) {
        whole = whole * 10 + static_cast<unsigned>(s[i] - '0');
        if (whole > max_i64) return bad("too large");
        ++i;
    }
    if (i == 0) return bad(s.empty() || s[0] != '-' ? "expected a number" : "negative");
    u128 frac = 0;
    u128 scale = 1;
    if (i < s.size() && s[i] == '.') {
        ++i;
        std::size_t const start = i;
        while (i < s.size() && is_digit(s[i])) {
            if (scale < 1'000'000'000'000ULL) {
                frac = frac * 10 + static_cast<unsigned>(s[i] - '0');
                scale *= 10;
            }
            ++i;
        }
        if (i == start) return bad("expected digits after '.'");
    }
    if (i < s.size() && s[i] == ' ') ++i;
    std::string_view unit = s.substr(i);
    u128 mult = 1;
    if (!unit.empty()) {
        char const c = static_cast<char>(unit.front() | 0x20);
        int power = -1;
        switch (c) {
            case 'k': power = 1; break;
            case 'm': power = 2; break;
            case 'g': power = 3; break;
            case 't': power = 4; break;
            case 'p': power = 5; break;
            default: break;
        }
        if (power > 0) {
            unit.remove_prefix(1);
            for (int p = 0; p < power; ++p) mult *= 1024;
            if (!unit.empty() && (unit.front() | 0x20) == 'i') unit.remove_prefix(1);
        }
        if (!unit.empty() && (unit.front() | 0x20) == 'b') unit.remove_prefix(1);
        if (!unit.empty()) return bad("unknown unit (use b, k, m, g, t or p)");
    }
    u128 const total = whole * mult + frac * mult / scale;
    if (total > max_i64) return bad("too large");
    return static_cast<std::int64_t>(total);
}

result<std::vector<std::string>> split_shell_words(std::string_view text) {
    std::vector<std::string> words;
    std::string cur;
    bool in_word = false;
    enum class q { none, single, dbl } quote_state = q::none;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char const c = text[i];
        switch (quote_state) {
            case q::single:
                if (c == '\'') quote_state = q::none;
                else cur += c;
                break;
            case q::dbl:
                if (c == '"') {
                    quote_state = q::none;
                } else if (c == '\\') {
                    if (i + 1 >= text.size()) {
                        return invalid("invalid command " + quote(text) + ": unterminated quote");
                    }
                    cur += text[++i];
                } else {
                    cur += c;
                }
                break;
            case q::none:
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                    if (in_word) words.push_back(std::move(cur));
                    cur.clear();
                    in_word = false;
                } else if (c == '\\') {
                    if (i + 1 >= text.size()) {
                        return invalid("invalid command " + quote(text) + ": trailing backslash");
                    }
                    cur += text[++i];
                    in_word = true;
                } else if (c == '\'') {
                    quote_state = q::single;
                    in_word = true;
                } else if (c == '"') {
                    quote_state = q::dbl;
                    in_word = true;
                } else {
                    cur += c;
                    in_word = true;
                }
                break;
        }
    }
    if (quote_state != q::none) {
        return invalid("invalid command " + quote(text) + ": unterminated quote");
    }
    if (in_word) words.push_back(std::move(cur));
    return words;
}

}  // namespace op::compose
