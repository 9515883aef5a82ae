#pragma once
// Stack status computation: pure functions from (previous status, generation, workload states,
// terminal failure) to the next status. Phases stay reference-compatible (Progressing,
// Available, Failure with the reference's messages); conditions follow kstatus:
//   Ready       True only when every service's workload is ready at its current generation;
//   Reconciling True while rolling out (abnormal-true: False once Available or Stalled);
//   Stalled     True on a terminal failure (abnormal-true), with a reason and a user-facing message.
// lastTransitionTime changes only when a condition's status flips.
#include "op/api/hub.hpp"
#include "op/reconcile/ports.hpp"

#include <rapidjson/document.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace op::reconcile {

inline constexpr char const* message_started = "Stack is started";    // reference, Available
inline constexpr char const* message_starting = "Stack is starting";  // reference, Progressing

// One service's workload as seen in the cache (or in an apply response).
struct workload_state {
    api::service_status counts;  // desired / ready / updated
    bool ready = false;          // observed at its generation and fully rolled out and ready
};

// Reads a Deployment / StatefulSet (spec.replicas, default 1; status.readyReplicas,
// status.updatedReplicas) or DaemonSet (status.desiredNumberScheduled, numberReady,
// updatedNumberScheduled). `updated` counts only when status.observedGeneration equals
// metadata.generation. Missing or mistyped fields read as 0.
[[nodiscard]] workload_state workload_state_of(child_kind kind, rapidjson::Value const& obj);

// A workload that should exist but is not cached yet: desired from the desired object's
// spec.replicas (default 1; 0 for a DaemonSet), nothing ready.
[[nodiscard]] workload_state missing_workload_state(child_kind kind,
                                                    rapidjson::Value const& desired);

// A terminal failure: Stalled=True with this reason (CamelCase) and message.
struct stall {
    std::string reason;
    std::string message;
    friend bool operator==(stall const&, stall const&) = default;
};

// The next status. `services` maps service name -> workload state (all services of the spec);
// `failure` set means Stalled / phase Failure. Conditions of other types in `previous` are kept.
// observedGeneration (top level and per condition) = `generation`. Printer fields via
// api::summarized.
[[nodiscard]] api::stack_status next_status(std::optional<api::stack_status> const& previous,
                                            std::int64_t generation,
                                            std::map<std::string, workload_state> const& services,
                                            std::optional<stall> const& failure,
                                            std::chrono::system_clock::time_point now);

// The condition of `type` in `status`, or nullptr.
[[nodiscard]] api::condition const* find_condition(api::stack_status const& status,
                                                   std::string_view type);
// True when `status` has condition `type` with status "True".
[[nodiscard]] bool condition_true(std::optional<api::stack_status> const& status,
                                  std::string_view type);

// "2026-01-01T00:00:00Z" (seconds precision, UTC), as metav1.Time serialises.
[[nodiscard]] std::string rfc3339(std::chrono::system_clock::time_point t);

}  // namespace op::reconcile
