#include "op/util/text.hpp"

#include <cstdint>
#include <cstring>

namespace op {
namespace {

// Length of the well-formed sequence starting at s[i], or 0.
std::size_t sequence_length(std::string_view s, std::size_t i) noexcept {
    auto const* p = reinterpret_cast<unsigned char const*>(s.data());
    unsigned char const c = p[i];
    if (c < 0x80) return 1;
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1Fu; }
    else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0Fu; }
    else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07u; }
    else return 0;
    for (std::size_t k = 1; k <= n; ++k) {
        if (i + k >= s.size() || (p[i + k] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[i + k] & 0x3Fu);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return n + 1;
}

}  // namespace

std::size_t invalid_utf8_at(std::string_view s) noexcept {
    for (std::size_t i = 0; i < s.size();) {
        // ASCII runs eight bytes at a time: JSON bodies are mostly ASCII.
        while (i + 8 <= s.size()) {
            std::uint64_t word = 0;
            std::memcpy(&word, s.data() + i, 8);
            if ((word & 0x8080808080808080ull) != 0) break;
            i += 8;
        }
        if (i >= s.size()) break;
        std::size_t const len = sequence_length(s, i);
        if (len == 0) return i;
        i += len;
    }
    return std::string_view::npos;
}

bool is_utf8_text(std::string_view s) noexcept {
    return s.find('\0') == std::string_view::npos && invalid_utf8_at(s) == std::string_view::npos;
}

std::string valid_utf8(std::string_view s) {
    std::size_t bad = invalid_utf8_at(s);
    if (bad == std::string_view::npos) return std::string(s);
    std::string out;
    out.reserve(s.size() + 8);
    out.append(s.substr(0, bad));
    for (std::size_t i = bad; i < s.size();) {
        std::size_t const len = sequence_length(s, i);
        if (len == 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
            ++i;
        } else {
            out.append(s.substr(i, len));
            i += len;
        }
    }
    return out;
}

}  // namespace op
