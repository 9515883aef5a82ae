#pragma once
// Private helpers of stack_reconciler: decoding the cached Stack, preparing desired objects for
// apply, and deciding whether a cached child already matches its desired state.
#include "op/api/hub.hpp"
#include "op/kube/resource.hpp"
#include "op/mapping/mapping.hpp"
#include "op/reconcile/ports.hpp"

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace op::reconcile::detail {

// The hub Stack of a cached v1beta2 or v1alpha3 object (the informer reads the storage version).
// Fails (invalid, with the field path) on a malformed object or another version.
[[nodiscard]] result<api::stack> decode_hub(rapidjson::Value const& object);

// One object to apply, normalised: namespace set, the stack label and the controller
// ownerReference present, and the desired-hash annotation added.
struct desired_child {
    child_kind kind = child_kind::deployment;
    kube::object_key key;
    std::string service;  // label com.docker.service.name, or "" for stack-wide objects
    rapidjson::Document body;
    std::string hash;
};

// Normalises the mapper's objects for `stack`. Fails (internal) on a kind the reconciler does
// not own, or on an object already controlled by something else (a mapper bug).
[[nodiscard]] result<std::vector<desired_child>> prepare(std::vector<mapping::k8s_object>&& objs,
                                                         api::stack const& stack);

// True when `cached` carries `d.hash` and holds every field of `d.body` with an equal value
// (numbers compared numerically, arrays element-wise and of equal length). Server defaults and
// fields of other managers are ignored; a value the server canonicalises differently (e.g. the
// quantity "0.5" read back as "500m") makes it false, which only costs a no-op apply.
// Top-level apiVersion/kind are not compared: objects from a LIST response lack them.
[[nodiscard]] bool up_to_date(rapidjson::Value const& cached, desired_child const& d);

// `a` is contained in `b` (see up_to_date).
[[nodiscard]] bool json_subset(rapidjson::Value const& a, rapidjson::Value const& b);

// True when the cached object cannot be updated in place into `d` and must be deleted first:
// a Service switching between headless (clusterIP None) and a cluster IP (immutable field).
[[nodiscard]] bool needs_replace(rapidjson::Value const& cached, desired_child const& d);

// metadata.deletionTimestamp is set.
[[nodiscard]] bool being_deleted(rapidjson::Value const& obj);

// The apply body that adopts a Secret the client packed beside the stack (op/cli/pack.hpp): only
// metadata.name/namespace and a NON-controller ownerReference to the stack, so Kubernetes'
// garbage collector deletes the Secret with the stack while the reconciler never prunes it.
// nullopt when `secret` is not labelled com.docker.stack.namespace=<stack> (not packed for this
// stack: left alone) or already carries an ownerReference to the stack's uid.
[[nodiscard]] std::optional<std::string> adoption_body(rapidjson::Value const& secret,
                                                       api::stack const& stack);

// A claim the reconciler made for a volume that services of stack `name` share: labelled with the
// stack and compose-operator, and controlled by nothing (such claims are never owned, so they
// outlive the stack). Like the claims a StatefulSet adopts by name, it is trusted by its labels:
// whoever may create claims in the namespace could make one, as they could make the StatefulSet's.
[[nodiscard]] bool kept_claim_of(rapidjson::Value const& claim, std::string_view name);

// The controller ownerReference points to a Stack named `name` (any uid).
[[nodiscard]] bool controlled_by_stack_named(rapidjson::Value const& obj, std::string_view name);

}  // namespace op::reconcile::detail
