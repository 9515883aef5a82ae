#include "op/metrics/registry.hpp"

#include "op_catch.hpp"

#include <thread>
#include <vector>

using namespace op::metrics;

TEST_CASE("counters, gauges and histograms render in Prometheus text format", "[unit][metrics]") {
    registry r;
    r.get_counter("requests_total", "Requests.", {{"webhook", "/convert"}, {"code", "200"}}).inc(3);
    r.get_counter("requests_total", "ignored", {{"webhook", "/convert"}, {"code", "400"}}).inc();
    r.get_gauge("open_connections", "Open.").set(2);
    auto& h = r.get_histogram("latency_seconds", "Latency.", {{"webhook", "/x"}}, {1, 0.1});  // sorted here
    h.observe(0.05);
    h.observe(0.1);  // le is inclusive
    h.observe(0.5);
    h.observe(7);
    CHECK(r.render() ==
          "# HELP latency_seconds Latency.\n"
          "# TYPE latency_seconds histogram\n"
          "latency_seconds_bucket{webhook=\"/x\",le=\"0.1\"} 2\n"
          "latency_seconds_bucket{webhook=\"/x\",le=\"1\"} 3\n"
          "latency_seconds_bucket{webhook=\"/x\",le=\"+Inf\"} 4\n"
          "latency_seconds_sum{webhook=\"/x\"} 7.65\n"
          "latency_seconds_count{webhook=\"/x\"} 4\n"
          "# HELP open_connections Open.\n"
          "# TYPE open_connections gauge\n"
          "open_connections 2\n"
          "# HELP requests_total Requests.\n"
          "# TYPE requests_total counter\n"
          "requests_total{webhook=\"/convert\",code=\"200\"} 3\n"
          "requests_total{webhook=\"/convert\",code=\"400\"} 1\n");
}

TEST_CASE("label values and help text are escaped; series are stable", "[unit][metrics]") {
    CHECK(escape_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
    registry r;
    auto& c1 = r.get_counter("c_total", "line one\nback\\slash \"quoted\"", {{"k", "v\"\n\\"}});
    auto& c2 = r.get_counter("c_total", "other", {{"k", "v\"\n\\"}});
    CHECK(&c1 == &c2);
    c1.inc();
    // HELP escapes backslash and newline only; label values also escape the double quote.
    CHECK(r.render() ==
          "# HELP c_total line one\\nback\\\\slash \"quoted\"\n"
          "# TYPE c_total counter\n"
          "c_total{k=\"v\\\"\\n\\\\\"} 1\n");
}

TEST_CASE("a histogram with no observations renders zero buckets, sum and count", "[unit][metrics]") {
    registry r;
    (void)r.get_histogram("h_seconds", "H.", {}, exponential_buckets(1e-8, 10, 3));
    CHECK(r.render() ==
          "# HELP h_seconds H.\n"
          "# TYPE h_seconds histogram\n"
          "h_seconds_bucket{le=\"1e-08\"} 0\n"
          "h_seconds_bucket{le=\"1e-07\"} 0\n"
          "h_seconds_bucket{le=\"1e-06\"} 0\n"
          "h_seconds_bucket{le=\"+Inf\"} 0\n"
          "h_seconds_sum 0\n"
          "h_seconds_count 0\n");
}

TEST_CASE("fractional counters, and advance_to never lowers a total", "[unit][metrics]") {
    registry r;
    auto& cpu = r.get_counter("cpu_seconds_total", "CPU.");
    cpu.advance_to(1.25);
    cpu.advance_to(0.5);  // a stale read: ignored
    CHECK(cpu.value() == 1.25);
    CHECK(r.render().find("cpu_seconds_total 1.25\n") != std::string::npos);
}

TEST_CASE("collectors run before each render until their handle goes", "[unit][metrics]") {
    registry r;
    auto& g = r.get_gauge("scraped", "Set at scrape time.");
    int runs = 0;
    {
        auto handle = r.add_collector([&] { g.set(++runs); });
        CHECK(r.render().find("scraped 1\n") != std::string::npos);
        CHECK(r.render().find("scraped 2\n") != std::string::npos);
        collector_handle moved = std::move(handle);  // ownership moves, registration stays
        CHECK(r.render().find("scraped 3\n") != std::string::npos);
    }
    CHECK(r.render().find("scraped 3\n") != std::string::npos);
    CHECK(runs == 3);
}

TEST_CASE("concurrent updates are not lost", "[unit][metrics]") {
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
