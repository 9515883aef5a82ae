// Webhook throughput and latency over TLS keep-alive: /convert (1 and 100 objects, a stub
// converter that copies objects and sets apiVersion) and /validate, next to a trivial endpoint on
// the same server (the transport ceiling), and /convert while slow validations are in flight.
// Usage: webhook_bench [client_threads] [seconds] [server_threads] [inline]
#include "harness.hpp"
#include "op/util/log.hpp"
#include "stubs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

using namespace op::webhook;
using namespace op::webhook::test;

namespace {

struct outcome {
    double rps = 0;
    double p50_ms = 0;
    double p99_ms = 0;
    std::size_t errors = 0;
};

outcome run(test_server& s, std::string const& target, std::string const& body, int clients,
            double seconds) {
    std::vector<std::vector<double>> lat(static_cast<std::size_t>(clients));
    std::vector<std::size_t> errors(static_cast<std::size_t>(clients), 0);
    std::atomic<bool> stop{false};
    std::vector<std::thread> ts;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < clients; ++i) {
        ts.emplace_back([&, i] {
            auto c = s.client();
            while (!stop.load(std::memory_order_relaxed)) {
                auto t0 = std::chrono::steady_clock::now();
                auto res = c.request(target, body);
                std::chrono::duration<double, std::milli> d = std::chrono::steady_clock::now() - t0;
                if (res.result_int() != 200) ++errors[static_cast<std::size_t>(i)];
                lat[static_cast<std::size_t>(i)].push_back(d.count());
            }
        });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& t : ts) t.join();
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    std::vector<double> all;
    outcome o;
    for (std::size_t i = 0; i < lat.size(); ++i) {
        all.insert(all.end(), lat[i].begin(), lat[i].end());
        o.errors += errors[i];
    }
    std::sort(all.begin(), all.end());
    if (all.empty()) return o;
    o.rps = static_cast<double>(all.size()) / took.count();
    o.p50_ms = all[all.size() / 2];
    o.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    int clients = argc > 1 ? std::atoi(argv[1]) : 4;
    double seconds = argc > 2 ? std::atof(argv[2]) : 3.0;
    server_options opts = test_server::small_options();
    opts.threads = argc > 3 ? std::atoi(argv[3]) : 2;
    opts.read_timeout = std::chrono::seconds(30);
    // A 4th argument "inline" runs every handler on the I/O threads (the behaviour before the pool).
    if (argc > 4 && std::string_view(argv[4]) == "inline") opts.pooled_paths.clear();
    op::log::set_level(op::log::level::warn);
    handlers h = stub_handlers();
    // A validation named "slow" takes 500 ms (a slow decision, as a blocking lookup once was).
    h.validate = [](admission_request const& req) {
        if (req.name == "slow") std::this_thread::sleep_for(std::chrono::milliseconds(500));
        return stub_validate(req);
    };
    h.extra["/ping"] = [](std::string_view) { return http_reply{200, "{}", "application/json"}; };
    test_server s(std::move(h), opts);

    struct scenario {
        char const* name;
        std::string target;
        std::string body;
    };
    std::vector<scenario> scenarios = {
        {"trivial /ping", "/ping", "{}"},
        {"/convert 1 object", "/convert?timeout=10s", conversion_review("u", 1)},
        {"/convert 100 objects", "/convert?timeout=10s", conversion_review("u", 100)},
        {"/validate", "/validate?timeout=10s", admission_review("u", "web")},
    };
    fmt::print("webhook_bench: {} client threads, {} server threads, {:.1f}s per scenario, TLS "
               "keep-alive on 127.0.0.1\n", clients, opts.threads, seconds);
    fmt::print("{:<22} {:>10} {:>10} {:>10} {:>8} {:>12} {:>8}\n", "scenario", "req/s", "p50 ms",
               "p99 ms", "errors", "body bytes", "vs ping");
    double ping_rps = 0;
    for (auto const& sc : scenarios) {
        auto o = run(s, sc.target, sc.body, clients, seconds);
        if (ping_rps == 0) ping_rps = o.rps;
        fmt::print("{:<22} {:>10.0f} {:>10.3f} {:>10.3f} {:>8} {:>12} {:>8.2f}\n", sc.name, o.rps,
                   o.p50_ms, o.p99_ms, o.errors, sc.body.size(), ping_rps > 0 ? o.rps / ping_rps : 0);
    }

    // /convert while 8 slow validations are always in flight (more than the I/O threads).
    std::atomic<bool> stop_slow{false};
    std::vector<std::thread> slow;
    for (int i = 0; i < 8; ++i) {
        slow.emplace_back([&] {
            auto c = s.client();
            while (!stop_slow) (void)c.request("/validate?timeout=10s", admission_review("u", "slow"));
        });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto o = run(s, "/convert?timeout=10s", conversion_review("u", 1), clients, seconds);
    stop_slow = true;
    for (auto& t : slow) t.join();
    fmt::print("{:<22} {:>10.0f} {:>10.3f} {:>10.3f} {:>8} {:>12} {:>8.2f}\n", "/convert, 8 slow val.", o.rps,
               o.p50_ms, o.p99_ms, o.errors, conversion_review("u", 1).size(), ping_rps > 0 ? o.rps / ping_rps : 0);
    return 0;
}
