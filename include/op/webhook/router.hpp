#pragma once
// The webhook server's request dispatch, without sockets: method + target + body -> reply. Routes
// on the path only (the apiserver appends "?timeout=10s"), answers 404 for unknown paths and 405
// for a method other than POST, and records per-endpoint metrics.
#include "op/webhook/metrics.hpp"
#include "op/webhook/review.hpp"
#include "op/webhook/server.hpp"

#include <string_view>

namespace op::webhook {

class router {
public:
    // `metrics` must outlive the router.
    router(handlers h, registry& metrics, json::limits lim);

    // The reply for one request. `method` is the request method as sent ("POST"). Never throws
    // for handler exceptions (they become errored answers).
    [[nodiscard]] http_reply handle(std::string_view method, std::string_view target,
                                    std::string_view body) const;

private:
    struct route {
        std::string path;
        std::function<http_reply(std::string_view)> serve;
        counter* errors = nullptr;
        histogram* latency = nullptr;
    };
    void record(std::string_view endpoint, unsigned status) const;
    std::vector<route> routes_;
    registry* metrics_;
    json::limits limits_;
};

}  // namespace op::webhook
