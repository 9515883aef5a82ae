#pragma once
// Private to util: the scan both JSON directions share. A JSON string's plain run ends at '"',
// '\\' or a control character (<= 0x1f): the parser copies such runs whole, and the writer
// appends them whole (everything else in a string is written as is).
#include <emmintrin.h>  // SSE2: part of x86-64

#include <cstddef>

namespace op::json::detail {

// Bit i set when byte i of the 16 in `s` is '"', '\\' or <= 0x1f.
inline unsigned special_mask(__m128i s) {
    __m128i const x = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(s, _mm_set1_epi8('"')), _mm_cmpeq_epi8(s, _mm_set1_epi8('\\'))),
        _mm_cmpeq_epi8(_mm_max_epu8(s, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f)));  // s <= 0x1f
    return static_cast<unsigned>(_mm_movemask_epi8(x));
}

inline bool is_special(char c) {
    auto const u = static_cast<unsigned char>(c);
    return u == '"' || u == '\\' || u < 0x20;
}

// The first byte in [p, end) that is special (above); `end` when there is none. Loads 16 bytes at
// a time only while 16 remain, so no byte outside the range is read.
inline char const* find_special(char const* p, char const* const end) {
    while (end - p >= 16) {
        unsigned const r = special_mask(_mm_loadu_si128(reinterpret_cast<__m128i const*>(p)));
        if (r != 0) return p + __builtin_ctz(r);
        p += 16;
    }
    while (p != end && !is_special(*p)) ++p;
    return p;
}

}  // namespace op::json::detail
