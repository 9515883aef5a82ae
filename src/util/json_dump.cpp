// json::dump and dump_to: compact JSON written straight into a std::string. The text is byte for
// byte what rapidjson::Writer writes for the same value (digests and owner signatures are taken
// over it, so it must never change): members in order, no spaces, strings with '"', '\\' and
// control characters escaped as Writer does (\b \f \n \r \t, others \u00XX with upper-case hex),
// everything else (UTF-8 and DEL included) as is, integers in decimal, doubles through RapidJSON's
// own dtoa. Where Writer would stop half-way (a NaN or an infinity) this writes null, so the text is
// always JSON. A string's worst case is reserved once and its plain runs are copied 16 bytes at a
// time (json_scan.hpp), where Writer goes byte by byte.
#include "json_scan.hpp"
#include "op/util/json.hpp"

#include <rapidjson/internal/dtoa.h>
#include <rapidjson/stringbuffer.h>

#include <charconv>
#include <cmath>
#include <cstring>

namespace op::json {
namespace {

using buffer = rapidjson::StringBuffer;

// Writer's escapes: 0 = as is, 'u' = \u00XX, else a backslash and this letter.
constexpr char escape_of(unsigned char c) {
    switch (c) {
        case '"': return '"';
        case '\\': return '\\';
        case '\b': return 'b';
        case '\f': return 'f';
        case '\n': return 'n';
        case '\r': return 'r';
        case '\t': return 't';
        default: return c < 0x20 ? 'u' : 0;
    }
}

// Writes the escape of special byte `c` at `o`; returns the end.
char* put_escape(char* o, unsigned char c) {
    static constexpr char hex[] = "0123456789ABCDEF";
    char const e = escape_of(c);
    *o++ = '\\';
    if (e != 'u') {
        *o++ = e;
        return o;
    }
    *o++ = 'u';
    *o++ = '0';
    *o++ = '0';
    *o++ = hex[c >> 4];
    *o++ = hex[c & 0xf];
    return o;
}

void put(buffer& b, char c) { *b.Push(1) = c; }

void put(buffer& b, std::string_view s) { std::memcpy(b.Push(s.size()), s.data(), s.size()); }

void write_string(buffer& b, char const* s, std::size_t n) {
    // The worst case (every byte \u00XX) is reserved, and what is left unused given back: the
    // 16-byte stores below may write past the string's text but never past the reservation.
    std::size_t const reserved = 2 + 6 * n;
    char* const start = b.Push(reserved);
    char* o = start;
    char const* const end = s + n;
    *o++ = '"';
    while (end - s >= 16) {
        __m128i const block = _mm_loadu_si128(reinterpret_cast<__m128i const*>(s));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(o), block);
        unsigned const r = detail::special_mask(block);
        if (r == 0) {
            s += 16;
            o += 16;
            continue;
        }
        auto const k = static_cast<std::size_t>(__builtin_ctz(r));
        o = put_escape(o + k, static_cast<unsigned char>(s[k]));
        s += k + 1;
    }
    for (; s != end; ++s) {
        if (detail::is_special(*s)) o = put_escape(o, static_cast<unsigned char>(*s));
        else *o++ = *s;
    }
    *o++ = '"';
    b.Pop(reserved - static_cast<std::size_t>(o - start));
}

template <class T>
void write_integer(buffer& b, T v) {
    char* const p = b.Push(24);
    auto const r = std::to_chars(p, p + 24, v);
    b.Pop(24 - static_cast<std::size_t>(r.ptr - p));
}

void write_double(buffer& b, double d) {
    if (!std::isfinite(d)) {
        put(b, "null");
        return;
    }
    char* const p = b.Push(32);
    char const* const e = rapidjson::internal::dtoa(d, p, 324);  // Writer's default places
    b.Pop(32 - static_cast<std::size_t>(e - p));
}

void write_value(buffer& b, rapidjson::Value const& v) {
    switch (v.GetType()) {
        case rapidjson::kNullType: put(b, "null"); return;
        case rapidjson::kFalseType: put(b, "false"); return;
        case rapidjson::kTrueType: put(b, "true"); return;
        case rapidjson::kStringType: write_string(b, v.GetString(), v.GetStringLength()); return;
        case rapidjson::kNumberType:
            // The order Value::Accept tests them in.
            if (v.IsDouble()) write_double(b, v.GetDouble());
            else if (v.IsInt()) write_integer(b, v.GetInt());
            else if (v.IsUint()) write_integer(b, v.GetUint());
            else if (v.IsInt64()) write_integer(b, v.GetInt64());
            else write_integer(b, v.GetUint64());
            return;
        case rapidjson::kObjectType: {
            put(b, '{');
            bool first = true;
            for (auto const& m : v.GetObject()) {
                if (!first) put(b, ',');
                first = false;
                write_string(b, m.name.GetString(), m.name.GetStringLength());
                put(b, ':');
                write_value(b, m.value);
            }
            put(b, '}');
            return;
        }
        case rapidjson::kArrayType: {
            put(b, '[');
            bool first = true;
            for (auto const& e : v.GetArray()) {
                if (!first) put(b, ',');
                first = false;
                write_value(b, e);
            }
            put(b, ']');
            return;
        }
    }
}

}  // namespace

void dump_to(rapidjson::Value const& v, std::string& out) {
    // One buffer per thread, reused: no allocation once it has grown to the largest document
    // this thread wrote (a huge one's is not kept).
    thread_local buffer buf;
    buf.Clear();
    write_value(buf, v);
    out.append(buf.GetString(), buf.GetSize());
    if (buf.GetSize() > (1u << 20)) {
        buf.Clear();
        buf.ShrinkToFit();
    }
}

std::string dump(rapidjson::Value const& v) {
    std::string out;
    dump_to(v, out);
    return out;
}

}  // namespace op::json
