#pragma once
// Kubernetes name rules used by the mapping (private).
#include "op/api/hub.hpp"
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

// The Secret/ConfigMap name of top-level secret/config `key` of `stack`, under the one rule
// (kube_name, subdomain):
// - `external: true`: the existing object, by its `name:` (external.name, else name), else the key;
// - made by the operator from content (`created`: inline `content`, or what the client packed):
//   stack_scoped_name(stack, key), "<stack>.<key>", so stacks sharing a namespace never share one
//   (the Secrets the client packs are named so too);
// - neither (the object must exist; the reference's client named it after the key): the key.
// Fails (invalid at `path`) when the result is not a DNS-1123 subdomain (at most 253).
[[nodiscard]] result<std::string> file_object_name(api::stack const& stack, std::string const& key,
                                                   api::file_object const& obj, bool created,
                                                   std::string const& path);

}  // namespace op::mapping::detail
