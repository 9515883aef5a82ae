#pragma once
// Text checks shared by the modules that decide whether file content can be stored as text.
#include <string_view>

namespace op {

// True when `s` is well-formed UTF-8 without NUL: what a JSON string and a ConfigMap's `data`
// can hold (anything else goes to `binaryData` or is refused).
[[nodiscard]] bool is_utf8_text(std::string_view s) noexcept;

}  // namespace op
