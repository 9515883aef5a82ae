#include "op/webhook/probes.hpp"

#include "harness.hpp"
#include "op_catch.hpp"
#include "stubs.hpp"

#include <fstream>
#include <future>
#include <thread>

using namespace op::webhook;
using namespace op::webhook::test;
using namespace std::chrono_literals;

namespace {

long rss_kib() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    return 0;
}

// One request on a new connection, trusting `cas`; retried once on a connection error (as the
// apiserver's webhook client retries on a reset). Returns the HTTP status, 0 on failure.
unsigned fresh_request(std::uint16_t port, std::vector<std::string> const& cas,
                       std::string* peer = nullptr) {
    for (int attempt = 0; attempt < 3; ++attempt) {
        try {
            tls_client c(port, cas);
            auto res = c.request("/validate", admission_review("r", "web"));
            if (peer) *peer = c.peer_cert_pem();
            return res.result_int();
        } catch (std::exception const&) {
            std::this_thread::sleep_for(20ms);
        }
    }
    return 0;
}

http::response<http::string_body> plain_get(std::uint16_t port, std::string const& target) {
    net::io_context ioc;
    tcp::socket sock(ioc);
    sock.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    set_socket_timeouts(sock.native_handle(), 5);
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    http::write(sock, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(sock, buf, res);
    return res;
}

}  // namespace

TEST_CASE("certificate rotation: new connections get the new cert, no request fails",
          "[integration][webhook]") {
    test_server s(stub_handlers());
    auto next = make_certs();
    std::vector<std::string> both = {s.certs.ca_cert_pem, next.ca_cert_pem};
    std::atomic<bool> done{false};
    std::atomic<int> failures{0}, ok{0};
    std::thread load([&] {
        auto c = s.client();  // a keep-alive connection made before the rotation keeps working
        while (!done) {
            if (fresh_request(s.srv->port(), both) != 200) ++failures;
            if (c.request("/validate", admission_review("k", "web")).result_int() != 200) ++failures;
            ok += 2;
        }
    });
    std::this_thread::sleep_for(200ms);
    REQUIRE(write_cert_dir(s.dir, next));
    bool rotated = false;
    for (int i = 0; i < 50 && !rotated; ++i) {
        std::string peer;
        REQUIRE(fresh_request(s.srv->port(), both, &peer) == 200);
        rotated = peer == next.cert_pem;
        if (!rotated) std::this_thread::sleep_for(100ms);
    }
    done = true;
    load.join();
    CHECK(rotated);
    CHECK(failures == 0);
    CHECK(ok > 0);
    // Only the new CA is needed now.
    CHECK(fresh_request(s.srv->port(), {next.ca_cert_pem}) == 200);
    CHECK(s.metrics.render().find("compose_operator_webhook_certificate_reloads_total 1") != std::string::npos);
}

TEST_CASE("graceful shutdown drains an in-flight request", "[integration][webhook]") {
    std::atomic<bool> entered{false};
    handlers h = stub_handlers();
    h.validate = [&](admission_request const&) {
        entered = true;
        std::this_thread::sleep_for(500ms);
        return allowed();
    };
    test_server s(std::move(h));
    auto idle = s.client();  // an idle keep-alive connection is closed at once by stop()
    auto in_flight = std::async(std::launch::async, [&] {
        auto c = s.client();
        return c.request("/validate", admission_review("slow", "web"));
    });
    while (!entered) std::this_thread::sleep_for(5ms);
    auto start = std::chrono::steady_clock::now();
    s.srv->stop(5s);
    auto took = std::chrono::steady_clock::now() - start;
    auto res = in_flight.get();
    CHECK(res.result_int() == 200);
    CHECK_FALSE(res.keep_alive());  // told to close because the server is draining
    CHECK(took < 3s);
    CHECK(s.srv->connections() == 0);
    CHECK_THROWS(s.client());  // no longer accepting
}

TEST_CASE("shutdown cancels requests that outlive the deadline", "[integration][webhook]") {
    std::atomic<bool> entered{false};
    handlers h = stub_handlers();
    h.validate = [&](admission_request const&) {
        entered = true;
        std::this_thread::sleep_for(1500ms);
        return allowed();
    };
    test_server s(std::move(h));
    auto in_flight = std::async(std::launch::async, [&] {
        auto c = s.client();
        try {
            return c.request("/validate", admission_review("slow", "web")).result_int();
        } catch (std::exception const&) {
            return 0u;
        }
    });
    while (!entered) std::this_thread::sleep_for(5ms);
    auto start = std::chrono::steady_clock::now();
    s.srv->stop(200ms);
    CHECK(std::chrono::steady_clock::now() - start < 4s);
    in_flight.get();  // answered or cut; either way stop() returned
}

TEST_CASE("1000 idle connections are bounded and valid requests keep being answered",
          "[integration][webhook]") {
    server_options o = test_server::small_options();
    o.max_connections = 100;
    o.handshake_timeout = 3s;
    test_server s(stub_handlers(), o);
    long rss_before = rss_kib();
    std::atomic<bool> done{false};
    std::atomic<int> failures{0}, answered{0};
    std::atomic<std::size_t> peak{0};
    std::thread valid([&] {
        while (!done) {
            if (fresh_request(s.srv->port(), {s.certs.ca_cert_pem}) == 200) ++answered;
            else ++failures;
            peak = std::max(peak.load(), s.srv->connections());
        }
    });
    net::io_context ioc;
    std::vector<tcp::socket> idle;
    for (int i = 0; i < 1000; ++i) {
        tcp::socket sock(ioc);
        boost::system::error_code ec;
        sock.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), s.srv->port()), ec);
        if (!ec) idle.push_back(std::move(sock));
        peak = std::max(peak.load(), s.srv->connections());
    }
    // The kernel completes the connects before the server accepts them; wait (bounded) until it
    // has accepted and evicted most of them, as a loaded machine (ASan, TSan) takes longer.
    auto evicted = [&] {
        return s.metrics.get_counter("compose_operator_webhook_connections_evicted_total", "").value();
    };
    std::this_thread::sleep_for(300ms);
    for (auto until = std::chrono::steady_clock::now() + 20s;
         evicted() < 800 && std::chrono::steady_clock::now() < until;)
        std::this_thread::sleep_for(20ms);
    done = true;
    valid.join();
    CHECK(failures == 0);
    CHECK(answered > 0);
    CHECK(peak <= 110);  // the limit plus evictions in flight
#if defined(__SANITIZE_ADDRESS__)
    long const rss_budget_kib = 256 * 1024;  // ASan's quarantine and redzones
#elif defined(__SANITIZE_THREAD__)
    long const rss_budget_kib = 256 * 1024;  // TSan's shadow memory (85 MiB seen)
#else
    long const rss_budget_kib = 64 * 1024;
#endif
    CHECK(rss_kib() - rss_before < rss_budget_kib);
    CHECK(evicted() >= 800);
    CHECK(fresh_request(s.srv->port(), {s.certs.ca_cert_pem}) == 200);
}

TEST_CASE("probe server: healthz, readyz and metrics", "[integration][webhook]") {
    op::metrics::registry m;
    m.get_counter("controller_runtime_webhook_requests_total", "Requests.", {{"webhook", "/convert"}, {"code", "200"}}).inc();
    std::atomic<bool> ready{false};
    probe_options o;
    o.address = "127.0.0.1";
    o.port = 0;
    probe_server p(o, m, [&] { return ready.load(); });
    REQUIRE(p.start());
    CHECK(plain_get(p.port(), "/healthz").result_int() == 200);
    CHECK(plain_get(p.port(), "/readyz").result_int() == 503);
    ready = true;
    CHECK(plain_get(p.port(), "/readyz?verbose").result_int() == 200);
    auto metrics = plain_get(p.port(), "/metrics");
    CHECK(metrics.result_int() == 200);
    CHECK(metrics[http::field::content_type] == "text/plain; version=0.0.4; charset=utf-8");
    CHECK(metrics.body().find("controller_runtime_webhook_requests_total{webhook=\"/convert\",code=\"200\"} 1") !=
          std::string::npos);
    CHECK(plain_get(p.port(), "/nope").result_int() == 404);
    p.stop();
}
