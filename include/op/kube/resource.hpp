#pragma once
// Generic addressing of Kubernetes resources and objects, plus the API error shape.
// Nothing here knows a concrete kind: a resource is {group, version, plural, namespaced}.
#include "op/util/error.hpp"

#include <rapidjson/document.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace op::kube {

// An immutable cached/returned object. Never modify it: copy it first.
using object = std::shared_ptr<rapidjson::Document const>;

// A resource type, e.g. {"apps","v1","deployments",true} or {"","v1","configmaps",true}.
struct resource {
    std::string group;    // "" for the core group
    std::string version;  // "v1"
    std::string plural;   // "configmaps"
    bool namespaced = true;

    // "v1" or "apps/v1": the apiVersion field of objects of this resource.
    [[nodiscard]] std::string api_version() const;
    // The collection path: /api/v1/namespaces/<ns>/configmaps or /apis/<g>/<v>/<plural>.
    // `ns` is ignored for cluster-scoped resources; empty `ns` means all namespaces.
    [[nodiscard]] std::string collection_path(std::string_view ns) const;
    // The object path: collection_path(ns) + "/" + name.
    [[nodiscard]] std::string object_path(std::string_view ns, std::string_view name) const;
};

// "namespace/name" (or "name" for cluster-scoped objects): the workqueue and store key.
struct object_key {
    std::string ns;
    std::string name;
    [[nodiscard]] std::string str() const { return ns.empty() ? name : ns + "/" + name; }
    // Splits "ns/name" or "name".
    [[nodiscard]] static object_key parse(std::string_view key);
    friend bool operator==(object_key const&, object_key const&) = default;
    friend auto operator<=>(object_key const&, object_key const&) = default;
};

// Metadata accessors that tolerate missing fields (they return "" / nullptr).
[[nodiscard]] std::string_view meta_string(rapidjson::Value const& obj, std::string_view field);
[[nodiscard]] object_key key_of(rapidjson::Value const& obj);
// The uid of the ownerReference with controller:true, or "" when there is none.
[[nodiscard]] std::string_view controller_uid(rapidjson::Value const& obj);

// The annotation `kubectl apply` (client-side) keeps a whole copy of the object in.
inline constexpr std::string_view last_applied_annotation =
    "kubectl.kubernetes.io/last-applied-configuration";
// `o` without what only the API server and kubectl read: metadata.managedFields and the
// last-applied annotation (often more than half of a stored object). `o` itself when it has
// neither. What informers cache (informer_options::keep_bookkeeping is false by default), as
// controller-runtime's default cache transform does; never write such a copy back with PUT.
// Informers get it in the copy they make anyway (list_options::drop_bookkeeping).
[[nodiscard]] object without_bookkeeping(object const& o);

// A failed API call as the server described it (a metav1.Status), or as the transport saw it
// (http_code 0 for connection errors and timeouts).
struct api_error {
    int http_code = 0;
    std::string reason;   // Status.reason: "NotFound", "AlreadyExists", "Conflict", "Expired", ...
    std::string message;  // Status.message or a transport description
    int retry_after_seconds = 0;
};

// Maps to op::error: 404 not_found, 409 conflict, 401/403 terminal, 400/422 invalid,
// 410 transient (reason Expired), 429/5xx/0 transient, others internal. The message is
// "[<code> <reason>] <message>" so to_api_error can recover the fields.
[[nodiscard]] error to_error(api_error const& e);
// Recovers the HTTP code, reason and message from an error made by to_error; nullopt otherwise.
[[nodiscard]] std::optional<api_error> to_api_error(error const& e);
// Builds an api_error from an HTTP status and a body that may hold a metav1.Status.
[[nodiscard]] api_error api_error_from_response(int http_code, std::string_view body);
// A metav1.MicroTime: RFC 3339 UTC with microseconds, "2026-11-25T10:00:08.123456Z".
[[nodiscard]] std::string micro_time(std::chrono::system_clock::time_point t);

// True when the error is a 410 Gone / Expired / "too old resource version".
[[nodiscard]] bool is_gone(error const& e);

}  // namespace op::kube
