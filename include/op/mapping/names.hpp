#pragma once
// The one rule that turns Compose names into Kubernetes object names. The mapping, the
// admission webhook and the client (`convert`, `stack deploy`) all call it, so a name that
// converts is never denied later: `db_data` names the claim `db-data` everywhere.
//
// The rule: ASCII letters are lowercased and '_' becomes '-'; for a DNS-1123 *label* (claim
// template and pod volume names) '.' becomes '-' too, for a *subdomain* (Secret, ConfigMap,
// PersistentVolumeClaim) it is kept. Nothing else changes, so a name that is still not valid
// afterwards (a leading '-', more than 63/253 characters, other characters) is an error, and two
// Compose names that normalise to the same Kubernetes name are an error naming both.
#include <string>
#include <string_view>

namespace op::mapping {

enum class name_kind {
    label,      // RFC 1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 characters
    subdomain,  // RFC 1123 subdomain: labels joined by '.', at most 253 characters
};

// The Kubernetes spelling of `compose_name` under the rule above (never fails; check the result
// with is_valid_name).
[[nodiscard]] std::string kube_name(std::string_view compose_name, name_kind kind);

// The name of an object that belongs to one stack but is named after a Compose name: the Secret
// the client packs for a file secret, the PersistentVolumeClaim of a named volume shared by
// several services. "<stack>.<key>" with the key under the subdomain rule ("shop",
// "db_password" -> "shop.db-password"), so two stacks in one namespace never share one. `stack` must be a
// DNS-1123 label (no '.'; the client refuses other stack names): then the first '.' separates
// the two parts and different (stack, key) pairs give different names ("a-b" + "c" is "a-b.c",
// "a" + "b-c" is "a.b-c"). Check the result with is_valid_name (subdomain; at most 253).
[[nodiscard]] std::string stack_scoped_name(std::string_view stack, std::string_view compose_name);

// Whether `name` is a valid name of that kind.
[[nodiscard]] bool is_valid_name(std::string_view name, name_kind kind);

}  // namespace op::mapping
