#pragma once
// Standard base64 (RFC 4648, with padding), as Kubernetes uses it for Secret data, caBundle and
// the kubeconfig *-data fields.
#include "op/util/error.hpp"

#include <string>
#include <string_view>

namespace op::base64 {

// The padded base64 text of `data`.
[[nodiscard]] std::string encode(std::string_view data);
// The bytes of padded or unpadded base64 `text`; ASCII whitespace is skipped (PEM-like line
// breaks). Fails (invalid) on any other character outside the alphabet or a bad length.
[[nodiscard]] result<std::string> decode(std::string_view text);

}  // namespace op::base64
