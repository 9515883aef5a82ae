#pragma once
// The admission module: what the validating webhook decides about a Stack, without HTTP.
//
// validate() takes a Stack object of any served version (JSON, as the API server sends it in an
// AdmissionReview) and answers allowed/denied with every problem found, each with its field
// path, plus warnings kubectl prints. It checks, in order:
//   1. the object decodes and, for v1beta1, the Compose file loads (parse errors keep their line);
//   2. names Kubernetes will need: the stack name as a label value, service names as Service
//      names including the `-published` / `-random-ports` suffixes, volume claim names, secret and
//      config names, every service has an image (a `build:` section cannot run on a cluster);
//   3. a dry run of the mapping (op::mapping) so anything the reconciler would fail on is
//      rejected now (relative bind mounts, global services with volumes, duplicate ports, ...);
//   4. collisions with existing Services/Deployments/StatefulSets/DaemonSets that do not belong
//      to this stack, through an injected lookup (the operator's informer caches, which hold only
//      stack-labelled objects: runtime/lookups.hpp; the lookup must not block).
// Warnings: Compose keys with no effect on Kubernetes, and variables that interpolated to nothing.
// For v1beta1 objects the paths name the Compose file's keys (`spec.composeFile: services.web...`).
// Pure: no I/O.
#include "op/mapping/options.hpp"

#include <rapidjson/document.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace op::admission {

// An object that already exists in the stack's namespace.
struct existing_object {
    std::map<std::string, std::string> labels;
    std::string controller_uid;  // uid of its controller ownerReference, "" if none
};

// Finds an object by kind ("Service", "Deployment", "StatefulSet", "DaemonSet"), namespace and
// name; nullopt when there is none.
using object_lookup = std::function<std::optional<existing_object>(
    std::string_view kind, std::string_view ns, std::string_view name)>;

struct verdict {
    bool allowed = true;
    std::vector<std::string> errors;    // "path: message", in spec order
    std::vector<std::string> warnings;  // "path: message"

    // All errors joined by "; " (the denial message kubectl shows).
    [[nodiscard]] std::string message() const;
};

// Validates one Stack object. `lookup` may be empty (no collision check). Never throws.
[[nodiscard]] verdict validate(rapidjson::Value const& object,
                               mapping::mapping_options const& options = {},
                               object_lookup const& lookup = {});

// Name rules, exposed for tests and the CLI. Each returns "" when `name` is fine, else why not.
[[nodiscard]] std::string check_label_value(std::string_view name);      // <= 63, [A-Za-z0-9._-]
[[nodiscard]] std::string check_dns1035_label(std::string_view name);    // Service names
[[nodiscard]] std::string check_dns1123_label(std::string_view name);    // claim names
[[nodiscard]] std::string check_dns1123_subdomain(std::string_view name);  // Secret/ConfigMap

}  // namespace op::admission
