#include "op/webhook/metrics.hpp"

#include "op_catch.hpp"

#include <thread>
#include <vector>

using namespace op::webhook;

TEST_CASE("counters, gauges and histograms render in Prometheus text format", "[unit][webhook]") {
    registry r;
    r.get_counter("webhook_requests_total", "Requests.", {{"endpoint", "/convert"}, {"code", "200"}}).inc(3);
    r.get_counter("webhook_requests_total", "ignored", {{"endpoint", "/convert"}, {"code", "400"}}).inc();
    r.get_gauge("open_connections", "Open.").set(2);
    auto& h = r.get_histogram("latency_seconds", "Latency.", {{"endpoint", "/x"}}, {0.1, 1});
    h.observe(0.05);
    h.observe(0.1);  // le is inclusive
    h.observe(0.5);
    h.observe(7);
    CHECK(r.render() ==
          "# HELP latency_seconds Latency.\n"
          "# TYPE latency_seconds histogram\n"
          "latency_seconds_bucket{endpoint=\"/x\",le=\"0.1\"} 2\n"
          "latency_seconds_bucket{endpoint=\"/x\",le=\"1\"} 3\n"
          "latency_seconds_bucket{endpoint=\"/x\",le=\"+Inf\"} 4\n"
          "latency_seconds_sum{endpoint=\"/x\"} 7.65\n"
          "latency_seconds_count{endpoint=\"/x\"} 4\n"
          "# HELP open_connections Open.\n"
          "# TYPE open_connections gauge\n"
          "open_connections 2\n"
          "# HELP webhook_requests_total Requests.\n"
          "# TYPE webhook_requests_total counter\n"
          "webhook_requests_total{endpoint=\"/convert\",code=\"200\"} 3\n"
          "webhook_requests_total{endpoint=\"/convert\",code=\"400\"} 1\n");
}

TEST_CASE("label values are escaped; series are stable", "[unit][webhook]") {
    CHECK(escape_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
    registry r;
    auto& c1 = r.get_counter("c", "h", {{"k", "v"}});
    auto& c2 = r.get_counter("c", "h", {{"k", "v"}});
    CHECK(&c1 == &c2);
}

TEST_CASE("concurrent updates are not lost", "[unit][webhook]") {
    registry r;
    auto& c = r.get_counter("c", "h");
    auto& h = r.get_histogram("h", "h");
    std::vector<std::thread> ts;
    for (int t = 0; t < 4; ++t) {
        ts.emplace_back([&] {
            for (int i = 0; i < 10000; ++i) {
                c.inc();
                h.observe(0.001);
            }
        });
    }
    for (auto& t : ts) t.join();
    CHECK(c.value() == 40000);
    CHECK(h.count() == 40000);
}
