#pragma once
// Private helpers over OpenSSL shared by the webhook sources.
#include <string>
#include <string_view>

namespace op::webhook::detail {

// The last OpenSSL error queue entry as text (and clears the queue); `what` is prefixed.
[[nodiscard]] std::string openssl_error(std::string_view what);

}  // namespace op::webhook::detail
