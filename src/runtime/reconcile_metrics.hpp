#pragma once
// Private to runtime: the reconciler's series on /metrics. controller-runtime's names for the
// controller "stack" (controller_runtime_reconcile_total{controller,result},
// controller_runtime_reconcile_errors_total, controller_runtime_terminal_reconcile_errors_total,
// controller_runtime_reconcile_time_seconds, controller_runtime_max_concurrent_reconciles,
// controller_runtime_active_workers), failures by reason (compose_operator_reconcile_errors_total)
// and the documented compose_operator_reconcile_total{result} and
// compose_operator_reconcile_duration_seconds.
#include "op/metrics/registry.hpp"
#include "op/reconcile/worker.hpp"
#include "op/util/error.hpp"

#include <string>
#include <string_view>

namespace op::runtime {

inline constexpr char const* reconcile_controller_name = "stack";

// "ok", or the error's class ("conflict", "terminal", ...): the result label of the
// compose_operator_* counters.
template <class R>
std::string result_label(R const& r) {
    return r ? std::string("ok") : std::string(to_string(r.error().code));
}

// The reason label of a pass that failed with `code` ("Transient", "Conflict", ...).
[[nodiscard]] std::string_view error_reason(errc code) noexcept;

// compose_operator_reconcile_errors_total{reason} += 1.
void count_reconcile_error(metrics::registry& m, std::string_view reason);

// `inner` with every pass timed and counted. A pass returning after(d) is "requeue_after", done
// is "success", an error is "error" (and terminal when the worker will not retry it: terminal or
// invalid). `workers` is reported as controller_runtime_max_concurrent_reconciles.
[[nodiscard]] reconcile::reconcile_fn metered_reconcile(reconcile::reconcile_fn inner, metrics::registry& m,
                                                        int workers);

}  // namespace op::runtime
