#pragma once
// The plain-HTTP probe server (design.md "Runtime", default :8080): GET /healthz (200 while the
// process serves), GET /readyz (200 when the readiness callback says so, else 503) and
// GET /metrics (the registry in Prometheus text format). It has its own small io_context.
#include "op/util/error.hpp"
#include "op/metrics/registry.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace op::webhook {

struct probe_options {
    std::string address = "0.0.0.0";
    std::uint16_t port = 8080;  // 0 picks a free port
    std::chrono::milliseconds read_timeout = std::chrono::seconds(10);
    std::size_t max_connections = 64;
    int threads = 1;
};

class probe_server {
public:
    // `ready` is called on each /readyz; `metrics` must outlive the server.
    probe_server(probe_options opts, metrics::registry& metrics, std::function<bool()> ready);
    ~probe_server();
    probe_server(probe_server const&) = delete;
    probe_server& operator=(probe_server const&) = delete;

    // Binds and starts serving. Fails (transient) when the address cannot be bound.
    [[nodiscard]] result<void> start();
    [[nodiscard]] std::uint16_t port() const;
    // Closes the listener and all connections and joins the threads. Idempotent.
    void stop();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace op::webhook
