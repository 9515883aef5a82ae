#pragma once
// The webhook server's request dispatch, without sockets: method + target + body -> reply. Routes
// on the path only (the apiserver appends "?timeout=10s"), answers 404 for unknown paths and 405
// for a method other than POST, and records per-webhook metrics
// (controller-runtime's controller_runtime_webhook_* names, label `webhook` = the path).
#include "op/metrics/registry.hpp"
#include "op/webhook/review.hpp"
#include "op/webhook/server.hpp"

#include <string_view>

namespace op::webhook {

class router {
public:
    // `metrics` must outlive the router.
    router(handlers h, metrics::registry& metrics, json::limits lim);

    // The reply for one request. `method` is the request method as sent ("POST"). Never throws
    // for handler exceptions (they become errored answers).
    [[nodiscard]] http_reply handle(std::string_view method, std::string_view target,
                                    std::string_view body) const;

private:
    struct route {
        std::string path;
        std::function<http_reply(std::string_view)> serve;
        metrics::counter* errors = nullptr;
        metrics::gauge* in_flight = nullptr;
    };
    // Counts one answer; `seconds` < 0: the request reached no handler (no latency observed).
    void record(std::string_view endpoint, unsigned status, double seconds) const;
    std::vector<route> routes_;
    metrics::registry* metrics_;
    json::limits limits_;
};

}  // namespace op::webhook
