#pragma once
// UTF-8 checks and repair shared by the modules that store file content as text, read Compose
// files, and write JSON answers (a JSON string must be well-formed UTF-8; RFC 8259 section 8.1).
#include <cstddef>
#include <string>
#include <string_view>

namespace op {

// Byte offset of the first ill-formed UTF-8 sequence in `s` (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or std::string_view::npos. NUL is well-formed.
[[nodiscard]] std::size_t invalid_utf8_at(std::string_view s) noexcept;

// True when `s` is well-formed UTF-8 without NUL: what a JSON string and a ConfigMap's `data`
// can hold (anything else goes to `binaryData` or is refused).
[[nodiscard]] bool is_utf8_text(std::string_view s) noexcept;

// `s` with every ill-formed byte replaced by U+FFFD, for text that must reach a JSON answer
// whatever it holds (error messages quoting input). Returns `s` unchanged when well-formed.
[[nodiscard]] std::string valid_utf8(std::string_view s);

}  // namespace op
