#pragma once
// Module `webhook`: the operator's HTTPS webhook server (the Stack CRD's conversion webhook and
// the mutating/validating admission webhooks) and its supporting parts.
//
//   server.hpp    async HTTPS (TLS 1.2+, HTTP/1.1 keep-alive) on its own io_context and thread
//                 pool; POST /convert, /mutate, /validate; cert reload; graceful stop.
//   review.hpp    ConversionReview / AdmissionReview types, decoding, encoding, response helpers.
//   owner.hpp     the owner patch of the mutating webhook (the annotations, digests and HMAC
//                 signatures are op/identity, design.md "Identity").
//   certs.hpp     self-made CA and serving certificate when none is mounted.
//   probes.hpp    plain-HTTP /healthz, /readyz, /metrics (the op/metrics registry).
//
// Transport is kept apart from typed handlers (style rule 8): the server decodes reviews, echoes
// the uid and catches exceptions; handlers are plain functions that know nothing of HTTP.
// Sessions follow style rule 7 (a strand each, expires_after on every step, a fresh parser with a
// body limit per request); stop() follows rule 10 (refuse new sessions, drain, then cancel).
#include "op/util/error.hpp"
#include "op/metrics/registry.hpp"
#include "op/webhook/review.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace op::webhook {

using namespace std::chrono_literals;

struct server_options {
    std::string address = "0.0.0.0";
    std::uint16_t port = 9443;  // 0 picks a free port (tests); see server::port()
    std::filesystem::path cert_dir = "/tmp/k8s-webhook-server/serving-certs";  // OLM's path
    std::string cert_name = "tls.crt";
    std::string key_name = "tls.key";
    std::size_t body_limit = 3u << 20;
    std::size_t header_limit = 16u << 10;
    std::size_t max_connections = 1024;  // above it idle sessions are evicted, then new ones refused
    std::size_t json_max_depth = 128;
    int threads = 2;
    std::chrono::milliseconds handshake_timeout = 10s;
    std::chrono::milliseconds read_timeout = 30s;  // a whole request, and keep-alive idle time
    std::chrono::milliseconds write_timeout = 30s;
    std::chrono::milliseconds cert_poll_interval = 5s;
    // Requests to these paths are handled on a pool of `handler_threads`, never on an I/O thread,
    // so a slow validation cannot hold up /convert (which the API server needs on every read of
    // a Stack and which stays on the I/O threads: pure CPU within the body limit). At most
    // `handler_queue` such requests are in flight (more: HTTP 503 at once); one not answered within
    // `handler_deadline` gets HTTP 504, before the API server's webhook timeout (5 s in
    // manifests/50-webhooks.yaml) passes.
    std::vector<std::string> pooled_paths{"/validate", "/mutate"};
    int handler_threads = 2;
    std::size_t handler_queue = 64;
    std::chrono::milliseconds handler_deadline = 4s;
};

// An extra raw route (benchmarks, debugging): body in, reply out.
using raw_handler = std::function<http_reply(std::string_view body)>;

// The typed handlers. An empty function leaves its path unrouted (404).
struct handlers {
    conversion_handler convert;   // POST /convert
    admission_handler mutate;     // POST /mutate
    admission_handler validate;   // POST /validate (a returned patch becomes an errored 500)
    std::map<std::string, raw_handler, std::less<>> extra;  // POST <path>
};

class server {
public:
    // Builds the server; nothing listens until start(). `metrics` must outlive the server.
    server(server_options opts, handlers h, metrics::registry& metrics);
    ~server();  // stops with a zero deadline if still running
    server(server const&) = delete;
    server& operator=(server const&) = delete;

    // Loads the certificate pair, binds, listens and starts the threads and the cert watcher.
    // Fails (invalid) on a missing or bad cert/key, (transient) when the address cannot be bound.
    [[nodiscard]] result<void> start();
    // The bound port (after start()).
    [[nodiscard]] std::uint16_t port() const;
    // Stops accepting, closes idle connections, lets in-flight requests finish until `deadline`
    // passes, then cancels the rest and joins the threads. Idempotent.
    void stop(std::chrono::milliseconds deadline = 10s);
    // Re-reads the certificate pair now (the watcher does this every cert_poll_interval). Returns
    // true when a new context was installed; fails (invalid) when the files are unusable.
    [[nodiscard]] result<bool> reload_certs();
    // Open connections now.
    [[nodiscard]] std::size_t connections() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// The request path of an HTTP target, without the query ("/convert?timeout=10s" -> "/convert").
[[nodiscard]] std::string_view target_path(std::string_view target);

}  // namespace op::webhook
