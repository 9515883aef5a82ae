// Path routing and per-endpoint metrics for the webhook server.
#include "op/webhook/router.hpp"

#include "op/util/log.hpp"

#include <chrono>
#include <exception>

namespace op::webhook {

std::string_view target_path(std::string_view target) {
    auto q = target.find_first_of("?#");
    return q == std::string_view::npos ? target : target.substr(0, q);
}

router::router(handlers h, metrics::registry& metrics, json::limits lim) : metrics_(&metrics), limits_(lim) {
    auto add = [this](std::string path, std::function<http_reply(std::string_view)> fn) {
        route r{path, std::move(fn), nullptr, nullptr};
        r.errors = &metrics_->get_counter("compose_operator_webhook_request_errors_total",
                                          "Webhook requests answered with an error (errored review or HTTP error).",
                                          {{"webhook", path}});
        r.in_flight = &metrics_->get_gauge("controller_runtime_webhook_requests_in_flight",
                                           "Current number of admission requests being served.",
                                           {{"webhook", path}});
        routes_.push_back(std::move(r));
    };
    if (h.convert) {
        add("/convert", [conv = std::move(h.convert), lim](std::string_view body) {
            return serve_conversion(body, conv, lim);
        });
    }
    if (h.mutate) {
        add("/mutate", [m = std::move(h.mutate), lim](std::string_view body) {
            return serve_admission(body, m, true, lim);
        });
    }
    if (h.validate) {
        add("/validate", [v = std::move(h.validate), lim](std::string_view body) {
            return serve_admission(body, v, false, lim);
        });
    }
    for (auto& [path, fn] : h.extra) add(path, std::move(fn));
}

void router::record(std::string_view endpoint, unsigned status, double seconds) const {
    metrics::labels const lbls{{"webhook", std::string(endpoint)}, {"code", std::to_string(status)}};
    metrics_->get_counter("controller_runtime_webhook_requests_total",
                          "Total number of admission requests by HTTP status code.", lbls)
        .inc();
    if (seconds >= 0) {
        metrics_->get_histogram("controller_runtime_webhook_latency_seconds",
                                "Histogram of the latency of processing admission requests", lbls)
            .observe(seconds);
    }
}

http_reply router::handle(std::string_view method, std::string_view target,
                          std::string_view body) const {
    std::string_view path = target_path(target);
    route const* found = nullptr;
    for (auto const& r : routes_) {
        if (r.path == path) found = &r;
    }
    if (!found) {
        record("unknown", 404, -1);
        return http_reply{404, status_body(404, "no webhook at this path"), "application/json", true};
    }
    if (method != "POST") {
        record(found->path, 405, -1);
        found->errors->inc();
        return http_reply{405, status_body(405, "use POST"), "application/json", true};
    }
    auto start = std::chrono::steady_clock::now();
    found->in_flight->add(1);
    http_reply reply;
    try {
        reply = found->serve(body);
    } catch (std::exception const& e) {  // raw handlers, or encoding failures (bad_alloc)
        log::error("webhook request failed", {{"endpoint", found->path}, {"error", e.what()}});
        reply = http_reply{500, status_body(500, "internal error"), "application/json", true};
    }
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    found->in_flight->add(-1);
    record(found->path, reply.status, took.count());
    if (reply.error) found->errors->inc();
    return reply;
}

}  // namespace op::webhook
