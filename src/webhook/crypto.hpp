#pragma once
// Private helpers over OpenSSL shared by the webhook sources.
#include <string>
#include <string_view>

namespace op::webhook::detail {

// Standard base64 (with padding) of `data`.
[[nodiscard]] std::string base64_encode(std::string_view data);
// The last OpenSSL error queue entry as text (and clears the queue); `what` is prefixed.
[[nodiscard]] std::string openssl_error(std::string_view what);

}  // namespace op::webhook::detail
