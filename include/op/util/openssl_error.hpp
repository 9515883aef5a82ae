#pragma once
// The OpenSSL error queue as text, for every module that calls OpenSSL (identity, webhook).
#include <string>
#include <string_view>

namespace op {

// The last OpenSSL error queue entry as text (and clears the queue); `what` is prefixed.
[[nodiscard]] std::string openssl_error(std::string_view what);

}  // namespace op
