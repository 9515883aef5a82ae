#include "reconcile_metrics.hpp"

#include <chrono>
#include <vector>

namespace op::runtime {
namespace {

// controller-runtime's buckets for controller_runtime_reconcile_time_seconds.
std::vector<double> reconcile_time_buckets() {
    return {0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6,
            0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6,
            7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60};
}

// Counts a worker in a pass while it lives.
class busy {
public:
    explicit busy(metrics::gauge& g) : g_(g) { g_.add(1); }
    ~busy() { g_.add(-1); }
    busy(busy const&) = delete;
    busy& operator=(busy const&) = delete;

private:
    metrics::gauge& g_;
};

}  // namespace

std::string_view error_reason(errc code) noexcept {
    switch (code) {
        case errc::invalid: return "Invalid";
        case errc::not_found: return "NotFound";
        case errc::conflict: return "Conflict";
        case errc::transient: return "Transient";
        case errc::terminal: return "Terminal";
        case errc::internal: break;
    }
    return "InternalError";
}

void count_reconcile_error(metrics::registry& m, std::string_view reason) {
    m.get_counter("compose_operator_reconcile_errors_total",
                  "Reconcile passes that ended Stalled (by the condition's reason) or failed (by error class)",
                  {{"reason", std::string(reason)}})
        .inc();
}

reconcile::reconcile_fn metered_reconcile(reconcile::reconcile_fn inner, metrics::registry& m, int workers) {
    metrics::labels const ctl{{"controller", reconcile_controller_name}};
    auto total = [&m](std::string_view result) -> metrics::counter& {
        return m.get_counter("controller_runtime_reconcile_total", "Total number of reconciliations per controller",
                             {{"controller", reconcile_controller_name}, {"result", std::string(result)}});
    };
    // Every result series exists from the start (at 0), as controller-runtime initialises them.
    for (auto result : {"success", "error", "requeue", "requeue_after"}) (void)total(result);
    auto& errors = m.get_counter("controller_runtime_reconcile_errors_total",
                                 "Total number of reconciliation errors per controller", ctl);
    auto& terminal = m.get_counter("controller_runtime_terminal_reconcile_errors_total",
                                   "Total number of terminal reconciliation errors per controller", ctl);
    auto& reconcile_time = m.get_histogram("controller_runtime_reconcile_time_seconds",
                                 "Length of time per reconciliation per controller", ctl, reconcile_time_buckets());
    m.get_gauge("controller_runtime_max_concurrent_reconciles", "Maximum number of concurrent reconciles per controller",
                ctl)
        .set(workers);
    auto& active = m.get_gauge("controller_runtime_active_workers", "Number of currently used workers per controller", ctl);
    auto& duration = m.get_histogram("compose_operator_reconcile_duration_seconds", "Time of one reconcile pass of a Stack");
    return [inner = std::move(inner), &m, total, &errors, &terminal, &reconcile_time, &active, &duration](
               kube::object_key const& key, std::stop_token st) {
        busy worker(active);
        auto t0 = std::chrono::steady_clock::now();
        auto r = inner(key, st);
        double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        reconcile_time.observe(took);
        duration.observe(took);
        m.get_counter("compose_operator_reconcile_total", "Reconcile passes by result", {{"result", result_label(r)}})
            .inc();
        if (r) {
            total(r->delay ? "requeue_after" : "success").inc();
            return r;
        }
        total("error").inc();
        errors.inc();
        // The worker forgets invalid errors (no retry), like controller-runtime's TerminalError;
        // every other error, `terminal` (401/403) included, is retried with backoff.
        if (r.error().code == errc::invalid) terminal.inc();
        count_reconcile_error(m, error_reason(r.error().code));
        return r;
    };
}

}  // namespace op::runtime
