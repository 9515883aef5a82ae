#pragma once
// Kubernetes name rules used by the mapping (private).
#include "op/util/error.hpp"

#include <string>
#include <string_view>

namespace op::mapping::detail {

// kube_name(compose_name, name_kind::subdomain) (op/mapping/names.hpp: the one rule).
[[nodiscard]] std::string k8s_name(std::string_view compose_name);

// RFC 1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 characters.
[[nodiscard]] bool is_dns1123_label(std::string_view s);
// RFC 1123 subdomain: labels joined by '.', at most 253 characters.
[[nodiscard]] bool is_dns1123_subdomain(std::string_view s);
// RFC 1035 label (Service names): a label that starts with a letter.
[[nodiscard]] bool is_dns1035_label(std::string_view s);

// The Secret/ConfigMap name for a top-level secret/config: k8s_name(source), which must be a
// DNS subdomain; fails (invalid at `path`) otherwise.
[[nodiscard]] result<std::string> file_object_name(std::string_view source,
                                                   std::string const& path);

}  // namespace op::mapping::detail
