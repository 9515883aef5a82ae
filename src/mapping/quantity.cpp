// Resource quantities in the API server's spelling (see op/mapping/quantity.hpp).
//
// The rules are those of apimachinery pkg/api/resource: ParseQuantity (quantity.go; including
// its fast path that keeps an input string it considers canonical), CanonicalizeBytes
// (quantity.go), AsCanonicalBytes / AsCanonicalBase1024Bytes (amount.go) and the suffix tables
// (suffix.go). The arithmetic here is exact on unsigned 128-bit magnitudes instead of inf.Dec.
#include "op/mapping/quantity.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

namespace op::mapping {
namespace {

using u128 = unsigned __int128;

constexpr u128 u128_max = ~u128{0};
constexpr u128 int64_max = static_cast<u128>(std::numeric_limits<std::int64_t>::max());
constexpr long max_exponent = 10000;  // our bound on "e<n>" suffixes

enum class format { decimal_si, binary_si, decimal_exponent };

// (-1)^negative * mag * 10^exp10, with the format its suffix selected.
struct quantity {
    bool negative = false;
    u128 mag = 0;
    long exp10 = 0;
    format fmt = format::decimal_si;
    bool keep_text = false;  // the server keeps the input spelling (ParseQuantity's fast path)
};

constexpr std::array<std::pair<std::string_view, int>, 10> decimal_suffixes{{
    {"n", -9}, {"u", -6}, {"m", -3}, {"", 0}, {"k", 3},
    {"M", 6}, {"G", 9}, {"T", 12}, {"P", 15}, {"E", 18},
}};
constexpr std::array<std::string_view, 7> binary_suffixes{"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};

error out_of_range() { return op::invalid("is out of the supported range"); }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

[[nodiscard]] bool mul(u128& v, u128 m) {
    if (m != 0 && v > u128_max / m) return false;
    v *= m;
    return true;
}

[[nodiscard]] std::optional<u128> pow10(long n) {
    u128 p = 1;
    for (long i = 0; i < n; ++i) {
        if (!mul(p, 10)) return std::nullopt;
    }
    return p;
}

[[nodiscard]] bool append_digits(u128& v, std::string_view digits) {
    for (char c : digits) {
        auto const d = static_cast<u128>(c - '0');
        if (!mul(v, 10) || v > u128_max - d) return false;
        v += d;
    }
    return true;
}

// ceil(mag / 10^n) for mag > 0.
u128 div_pow10_round_up(u128 mag, long n) {
    auto const p = pow10(n);
    if (!p) return 1;  // 10^n exceeds every u128, so mag / 10^n is in (0, 1)
    return mag / *p + (mag % *p != 0 ? 1 : 0);
}

std::string to_string(u128 v) {
    if (v == 0) return "0";
    std::string s;
    for (; v != 0; v /= 10) s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    return s;
}

std::string_view trim(std::string_view s) {
    constexpr std::string_view blanks = " \t\n\r\f\v";
    auto const b = s.find_first_not_of(blanks);
    if (b == std::string_view::npos) return {};
    return s.substr(b, s.find_last_not_of(blanks) - b + 1);
}

// The parts of `<sign><digits>.<digits><suffix>` (parseQuantityString).
struct pieces {
    bool negative = false;
    std::string_view num = "0";  // integer digits without leading zeros; "0" when none are left
    std::string_view denom;      // fraction digits
    std::string_view suffix;     // [eEinumkKMGTP]* [+-]? [0-9]*
    bool has_digit = false;      // the number part has at least one digit
};

std::optional<pieces> scan(std::string_view s) {
    pieces p;
    std::size_t pos = 0;
    auto const end = s.size();
    if (pos < end && (s[pos] == '-' || s[pos] == '+')) p.negative = s[pos++] == '-';
    for (; pos < end && s[pos] == '0'; ++pos) p.has_digit = true;
    auto const num_start = pos;
    while (pos < end && is_digit(s[pos])) ++pos;
    if (pos > num_start) {
        p.num = s.substr(num_start, pos - num_start);
        p.has_digit = true;
    }
    if (pos < end && s[pos] == '.') {
        auto const denom_start = ++pos;
        while (pos < end && is_digit(s[pos])) ++pos;
        p.denom = s.substr(denom_start, pos - denom_start);
        if (!p.denom.empty()) p.has_digit = true;
    }
    auto const suffix_start = pos;
    while (pos < end && std::string_view("eEinumkKMGTP").find(s[pos]) != std::string_view::npos) {
        ++pos;
    }
    if (pos < end && (s[pos] == '-' || s[pos] == '+')) ++pos;
    while (pos < end && is_digit(s[pos])) ++pos;
    if (pos != end) return std::nullopt;
    p.suffix = s.substr(suffix_start);
    return p;
}

struct suffix_info {
    int base = 10;
    long exponent = 0;  // of `base`
    format fmt = format::decimal_si;
};

result<suffix_info> interpret(std::string_view s) {
    for (auto const& [name, e] : decimal_suffixes) {
        if (s == name) return suffix_info{10, e, format::decimal_si};
    }
    for (std::size_t i = 1; i < binary_suffixes.size(); ++i) {
        if (s == binary_suffixes[i]) {
            return suffix_info{2, static_cast<long>(10 * i), format::binary_si};
        }
    }
    if (s.size() > 1 && (s[0] == 'e' || s[0] == 'E')) {
        auto digits = s.substr(1);
        bool const negative = digits[0] == '-';
        if (digits[0] == '-' || digits[0] == '+') digits.remove_prefix(1);
        if (digits.empty()) return op::invalid("has an invalid exponent");
        long e = 0;
        for (char c : digits) {
            if (!is_digit(c)) return op::invalid("has an invalid exponent");
            e = e * 10 + (c - '0');
            if (e > max_exponent) return out_of_range();
        }
        return suffix_info{10, negative ? -e : e, format::decimal_exponent};
    }
    return op::invalid("has an unknown suffix \"" + std::string(s) +
                       "\" (use n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or e<n>)");
}

result<quantity> parse(std::string_view text) {
    if (text.empty()) return op::invalid("is not a quantity (empty)");
    quantity q;
    if (text == "0") {
        q.keep_text = true;
        return q;
    }
    auto const p = scan(text);
    if (!p) {
        return op::invalid("is not a quantity (a number with an optional suffix such as m, Mi, "
                           "G or e6)");
    }
    OP_TRY(auto const sfx, interpret(p->suffix));
    q.negative = p->negative;
    q.fmt = sfx.fmt;
    auto const digits = static_cast<long>(p->num.size() + p->denom.size());

    // Fast path: an int64 at a scale of at least nano. The server keeps the input string when
    // it already looks canonical.
    if (sfx.base == 10) {
        long const scale = sfx.exponent - static_cast<long>(p->denom.size());
        if (digits <= 18 && scale >= -9) {
            std::string shifted(p->num);
            shifted += p->denom;
            if (!append_digits(q.mag, shifted)) return out_of_range();  // <= 18 digits: fits
            q.exp10 = scale;
            q.keep_text = scale % 3 == 0 && !shifted.ends_with("000") && shifted[0] != '0';
            return q;
        }
    } else if (p->denom.empty()) {
        // Precision estimate of the binary fast path: 1Mi (2^20) has ~6 decimal digits.
        long const precision = 15 - static_cast<long>(p->num.size()) - sfx.exponent * 3 / 10 - 1;
        if (precision >= 0) {
            u128 v = 0;
            if (!append_digits(v, p->num)) return out_of_range();
            u128 const shifted = v << sfx.exponent;
            if (shifted <= int64_max) {
                q.mag = shifted;
                q.keep_text = (v & 7) != 0;
                return q;
            }
        }
    }

    // Slow path (exact decimal arithmetic): more than 18 digits, finer than nano, fractional or
    // large binary values.
    if (!p->has_digit) return op::invalid("is not a quantity (no digits)");
    auto denom = p->denom;
    while (!denom.empty() && denom.back() == '0') denom.remove_suffix(1);  // value-preserving
    if (!append_digits(q.mag, p->num) || !append_digits(q.mag, denom)) return out_of_range();
    q.exp10 = -static_cast<long>(denom.size());
    if (sfx.base == 10) {
        q.exp10 += sfx.exponent;
    } else {
        if (q.mag > (u128_max >> sfx.exponent)) return out_of_range();
        q.mag <<= sfx.exponent;
    }
    // A non-zero magnitude is rounded up to whole nano units.
    if (q.mag != 0 && q.exp10 < -9) {
        q.mag = div_pow10_round_up(q.mag, -9 - q.exp10);
        q.exp10 = -9;
    }
    // Binary values are capped at 2^63-1 (exp10 is in [-9, 0] here).
    if (q.fmt == format::binary_si && q.exp10 <= 0) {
        auto cap = int64_max;
        if (!mul(cap, *pow10(-q.exp10)) || q.mag > cap) {
            q.mag = int64_max;
            q.exp10 = 0;
        }
    }
    return q;
}

bool is_integer(quantity const& q) {
    if (q.exp10 >= 0) return true;
    auto const p = pow10(-q.exp10);
    return p && q.mag % *p == 0;
}

// |q| < n for a small n.
bool magnitude_below(quantity const& q, u128 n) {
    if (q.exp10 >= 0) {
        u128 v = q.mag;
        auto const p = pow10(q.exp10);
        return p && mul(v, *p) && v < n;
    }
    auto limit = n;
    auto const p = pow10(-q.exp10);
    if (!p || !mul(limit, *p)) return true;  // n * 10^-exp10 exceeds every u128
    return q.mag < limit;
}

// CanonicalizeBytes: the server's String() of a parsed quantity.
result<std::string> render(quantity const& q, std::string_view text) {
    if (q.keep_text) return std::string(text);
    if (q.mag == 0) return std::string("0");
    std::string const sign = q.negative ? "-" : "";
    auto fmt = q.fmt;
    // Binary SI below 1024 or with a fraction is printed as decimal SI.
    if (fmt == format::binary_si && (magnitude_below(q, 1024) || !is_integer(q))) {
        fmt = format::decimal_si;
    }
    if (fmt == format::binary_si) {
        u128 v = q.mag;
        if (q.exp10 < 0) v /= *pow10(-q.exp10);  // exact: is_integer
        std::size_t k = 0;
        for (; v % 1024 == 0 && k + 1 < binary_suffixes.size(); ++k) v /= 1024;
        return sign + to_string(v) + std::string(binary_suffixes[k]);
    }
    // Move factors of ten into the exponent, then lower it to a multiple of three.
    u128 m = q.mag;
    long e = q.exp10;
    for (; m % 10 == 0; m /= 10) ++e;
    for (; e % 3 != 0; --e) {
        if (!mul(m, 10)) return out_of_range();
    }
    if (fmt == format::decimal_exponent) {
        return sign + to_string(m) + (e == 0 ? std::string() : "e" + std::to_string(e));
    }
    for (auto const& [name, ex] : decimal_suffixes) {
        if (ex == e) return sign + to_string(m) + std::string(name);
    }
    return out_of_range();  // >= 10^21: the server would drop the suffix
}

// The string after storing and reading back (at most two passes are ever needed).
result<std::string> fixed_point(std::string s) {
    for (int pass = 0; pass < 4; ++pass) {
        OP_TRY(auto const q, parse(s));
        OP_TRY(auto next, render(q, s));
        if (next == s) break;
        s = std::move(next);
    }
    return s;
}

error at_path(error e, std::string_view text, std::string const& path) {
    return op::invalid("quantity \"" + std::string(text) + "\" " + e.message, path);
}

}  // namespace

result<std::string> canonical_quantity(std::string_view text, std::string const& path) {
    auto r = fixed_point(std::string(trim(text)));
    if (!r) return at_path(std::move(r).error(), text, path);
    return std::move(*r);
}

result<std::string> cpu_quantity(std::string_view text, std::string const& path) {
    auto const t = trim(text);
    auto q = parse(t);
    if (!q) return at_path(std::move(q).error(), text, path);
    if (q->negative && q->mag != 0) {
        return op::invalid("cpus \"" + std::string(text) + "\" must not be negative", path);
    }
    if (q->mag != 0 && q->exp10 < -3) {  // Quantity.RoundUp(Milli)
        q->mag = div_pow10_round_up(q->mag, -3 - q->exp10);
        q->exp10 = -3;
        q->keep_text = false;
    }
    auto first = render(*q, t);
    if (!first) return at_path(std::move(first).error(), text, path);
    auto r = fixed_point(std::move(*first));
    if (!r) return at_path(std::move(r).error(), text, path);
    return std::move(*r);
}

result<std::string> storage_quantity(std::string_view text, std::string const& path) {
    auto const t = trim(text);
    auto q = parse(t);
    if (!q) return at_path(std::move(q).error(), text, path);
    if (q->negative || q->mag == 0) {
        return op::invalid("volume size \"" + std::string(text) + "\" must be greater than zero",
                           path);
    }
    return canonical_quantity(t, path);
}

result<std::string> memory_quantity(std::int64_t bytes, std::string const& path) {
    if (bytes < 0) return op::invalid("memory must not be negative", path);
    if (bytes >= 1024 && bytes % 1024 == 0) {
        return canonical_quantity(std::to_string(bytes / 1024) + "Ki", path);
    }
    return canonical_quantity(std::to_string(bytes), path);
}

}  // namespace op::mapping
