#pragma once
// Labels, selectors and owner references of the objects generated for a Stack.
//
// Every child carries the three standard labels of the reference system
// (`com.docker.stack.namespace=<stack>`, `com.docker.service.name=<svc>`,
// `com.docker.service.id=<stack>-<svc>`) plus `app.kubernetes.io/managed-by=compose-operator`.
// Selectors use the three standard labels only (selectors are immutable and must match objects
// created by the reference system). `deploy.labels` are added but never override those keys.
#include "op/api/hub.hpp"

#include <rapidjson/document.h>

#include <map>
#include <string>
#include <string_view>

namespace op::mapping {

using label_map = std::map<std::string, std::string>;

inline constexpr std::string_view label_stack_namespace = "com.docker.stack.namespace";
inline constexpr std::string_view label_service_name = "com.docker.service.name";
inline constexpr std::string_view label_service_id = "com.docker.service.id";
inline constexpr std::string_view label_managed_by = "app.kubernetes.io/managed-by";
inline constexpr std::string_view managed_by_value = "compose-operator";
inline constexpr std::string_view field_manager = "compose-operator";
// apiVersion written in ownerReferences (the storage version).
inline constexpr std::string_view owner_api_version = "compose.docker.com/v1beta2";

// The three standard labels of one service: the selector of its workload and Services.
[[nodiscard]] label_map selector_labels(std::string_view stack, std::string_view service);

// selector_labels plus the managed-by label.
[[nodiscard]] label_map standard_labels(std::string_view stack, std::string_view service);

// Labels of a service's workload, pod template and Services: standard_labels merged with
// `deploy.labels`; a deploy label naming a standard key is skipped (see is_reserved_label).
[[nodiscard]] label_map object_labels(std::string_view stack, api::service_config const& svc);

// True for the keys deploy.labels may not set (the standard labels and managed-by).
[[nodiscard]] bool is_reserved_label(std::string_view key);

// Labels of stack-wide objects (Secrets, ConfigMaps): stack namespace label plus managed-by.
[[nodiscard]] label_map stack_labels(std::string_view stack);

// Label selector (kubectl syntax) matching every object this operator made for `stack`:
// "com.docker.stack.namespace=<stack>,app.kubernetes.io/managed-by=compose-operator".
[[nodiscard]] std::string stack_selector(std::string_view stack);

// Label selector matching the objects of one service (the three standard labels, sorted).
[[nodiscard]] std::string service_selector(std::string_view stack, std::string_view service);

// Formats labels as a selector "k1=v1,k2=v2" in key order.
[[nodiscard]] std::string to_selector(label_map const& labels);

// The controller ownerReference to `stack` ({apiVersion compose.docker.com/v1beta2, kind Stack,
// name, uid, controller: true, blockOwnerDeletion: true}) as a JSON object allocated in `alloc`.
[[nodiscard]] rapidjson::Value owner_reference(api::stack const& stack,
                                               rapidjson::Document::AllocatorType& alloc);

}  // namespace op::mapping
