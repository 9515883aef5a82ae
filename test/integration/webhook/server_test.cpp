#include "op/webhook/server.hpp"

#include "harness.hpp"
#include "op/util/json.hpp"
#include "op_catch.hpp"
#include "stubs.hpp"

#include <chrono>
#include <future>
#include <thread>
#include <vector>

using namespace op::webhook;
using namespace op::webhook::test;

namespace {

rapidjson::Document body_json(http::response<http::string_body> const& res) {
    auto d = op::json::parse(res.body());
    REQUIRE(d);
    return std::move(*d);
}

// True when the server answers a fresh valid request.
bool still_serving(test_server& s) {
    auto c = s.client();
    return c.request("/validate", admission_review("alive", "web")).result_int() == 200;
}

}  // namespace

TEST_CASE("convert, mutate and validate over TLS keep-alive", "[integration][webhook]") {
    test_server s(stub_handlers());
    auto c = s.client();
    for (int i = 0; i < 5; ++i) {
        std::string uid = "conv-" + std::to_string(i);
        auto res = c.request("/convert?timeout=10s", conversion_review(uid, 3));
        REQUIRE(res.result_int() == 200);
        CHECK(res.keep_alive());
        auto d = body_json(res);
        CHECK(std::string(d["response"]["uid"].GetString()) == uid);
        CHECK(std::string(d["response"]["result"]["status"].GetString()) == "Success");
        CHECK(std::string(d["response"]["convertedObjects"][2]["apiVersion"].GetString()) ==
              "compose.docker.com/v1beta2");
    }
    auto m = body_json(c.request("/mutate?timeout=10s", admission_review("m-1", "web")));
    CHECK(std::string(m["response"]["uid"].GetString()) == "m-1");
    CHECK(std::string(m["response"]["patchType"].GetString()) == "JSONPatch");
    auto v = body_json(c.request("/validate", admission_review("v-1", "deny")));
    CHECK_FALSE(v["response"]["allowed"].GetBool());
    CHECK(v["response"]["status"]["code"].GetInt() == 422);
    CHECK(c.request("/validate", admission_review("v-2", "web")).result_int() == 200);
    CHECK(c.request("/nope", "{}").result_int() == 404);
    CHECK(c.request("/convert", "", http::verb::get).result_int() == 405);
    CHECK(s.metrics.render().find("controller_runtime_webhook_requests_total{webhook=\"/convert\",code=\"200\"} 5") !=
          std::string::npos);
}

TEST_CASE("hostile bodies get 4xx answers and the server keeps serving", "[integration][webhook]") {
    test_server s(stub_handlers());
    auto c = s.client();
    CHECK(c.request("/validate", "{\"apiVersion\":").result_int() == 400);
    CHECK(c.request("/validate", R"({"apiVersion":"admission.k8s.io/v1","kind":"ConversionReview","request":{"uid":"x"}})").result_int() == 400);
    CHECK(c.request("/convert", admission_review("x", "web")).result_int() == 400);
    CHECK(c.request("/validate", R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{}})").result_int() == 400);
    CHECK(c.request("/convert", std::string(100000, '[') + std::string(100000, ']')).result_int() == 400);
    CHECK(c.request("/validate", "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"x\":\"\xc3\x28\"}").result_int() == 400);
    CHECK(c.request("/validate", admission_review("after", "web")).result_int() == 200);

    SECTION("a 10 MiB body is refused with 413 or a closed connection") {
        auto big = s.client();
        try {
            auto res = big.request("/convert", std::string(10u << 20, ' '));
            CHECK(res.result_int() == 413);
            CHECK_FALSE(res.keep_alive());
        } catch (boost::system::system_error const&) {
            SUCCEED("connection closed");
        }
        CHECK(still_serving(s));
    }
}

TEST_CASE("a client sending one byte per second is timed out", "[integration][webhook]") {
    test_server s(stub_handlers());
    auto c = s.client();
    std::string req = "POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n";
    auto start = std::chrono::steady_clock::now();
    bool closed = false;
    for (std::size_t i = 0; i < req.size() && !closed; ++i) {
        boost::system::error_code ec;
        net::write(c.stream(), net::buffer(&req[i], 1), ec);
        if (ec) closed = true;
        std::this_thread::sleep_for(std::chrono::seconds(1));
        if (std::chrono::steady_clock::now() - start > std::chrono::seconds(6)) break;
    }
    if (!closed) {  // the write side may still be open locally; a read must see the close
        char b;
        boost::system::error_code ec;
        c.stream().read_some(net::buffer(&b, 1), ec);
        closed = ec.failed();
    }
    CHECK(closed);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(6));
    CHECK(still_serving(s));
}

TEST_CASE("a TLS handshake of garbage is dropped", "[integration][webhook]") {
    test_server s(stub_handlers());
    net::io_context ioc;
    tcp::socket sock(ioc);
    sock.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), s.srv->port()));
    set_socket_timeouts(sock.native_handle(), 5);
    std::string garbage(4096, '\0');
    std::mt19937 rng(42);
    for (auto& ch : garbage) ch = static_cast<char>(rng());
    boost::system::error_code ec;
    net::write(sock, net::buffer(garbage), ec);
    char buf[256];
    std::size_t total = 0;
    while (!ec && total < 4096) total += sock.read_some(net::buffer(buf), ec);
    CHECK(ec.failed());  // closed after (at most) a TLS alert
    CHECK(still_serving(s));
    CHECK(s.metrics.render().find("compose_operator_webhook_tls_handshake_failures_total 1") != std::string::npos);
}

TEST_CASE("start fails without certificates", "[integration][webhook]") {
    op::metrics::registry m;
    server_options o = test_server::small_options();
    o.cert_dir = temp_cert_dir();
    server srv(o, stub_handlers(), m);
    auto r = srv.start();
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("tls.crt") != std::string::npos);
}

TEST_CASE("slow validations in flight do not hold up /convert", "[integration][webhook]") {
    std::atomic<int> entered{0};
    std::atomic<bool> release{false};
    handlers h = stub_handlers();
    h.validate = [&](admission_request const&) {
        ++entered;
        for (int i = 0; i < 300 && !release; ++i) std::this_thread::sleep_for(10ms);  // <= 3 s
        return allowed();
    };
    auto opts = test_server::small_options();
    opts.handler_threads = 4;
    test_server s(std::move(h), opts);
    // More slow validations than the server has I/O threads (2).
    std::vector<std::future<unsigned>> slow;
    for (int i = 0; i < 4; ++i) {
        slow.push_back(std::async(std::launch::async, [&s, i] {
            auto c = s.client();
            return c.request("/validate", admission_review("slow-" + std::to_string(i), "web")).result_int();
        }));
    }
    for (int i = 0; i < 500 && entered < 4; ++i) std::this_thread::sleep_for(10ms);
    REQUIRE(entered == 4);
    auto c = s.client();
    for (int i = 0; i < 5; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        auto res = c.request("/convert?timeout=10s", conversion_review("fast-" + std::to_string(i), 3));
        auto took = std::chrono::steady_clock::now() - t0;
        CHECK(res.result_int() == 200);
        CHECK(took < 1s);  // before the pool: ~3 s, both I/O threads were blocked in validate
    }
    release = true;
    for (auto& f : slow) CHECK(f.get() == 200);
}

TEST_CASE("a handler past its deadline gets 504, one past the queue limit 503", "[integration][webhook]") {
    std::atomic<int> entered{0};
    std::atomic<bool> release{false};
    handlers h = stub_handlers();
    h.validate = [&](admission_request const&) {
        ++entered;
        for (int i = 0; i < 500 && !release; ++i) std::this_thread::sleep_for(10ms);
        return allowed();
    };
    auto opts = test_server::small_options();
    opts.handler_threads = 1;
    opts.handler_queue = 1;
    opts.handler_deadline = 300ms;
    test_server s(std::move(h), opts);
    auto first = std::async(std::launch::async, [&s] {
        auto c = s.client();
        auto t0 = std::chrono::steady_clock::now();
        auto code = c.request("/validate", admission_review("stuck", "web")).result_int();
        return std::pair{code, std::chrono::steady_clock::now() - t0};
    });
    for (int i = 0; i < 500 && entered < 1; ++i) std::this_thread::sleep_for(10ms);
    REQUIRE(entered == 1);
    auto c = s.client();
    CHECK(c.request("/validate", admission_review("second", "web")).result_int() == 503);
    auto [code, took] = first.get();
    CHECK(code == 504);
    CHECK(took < 2s);
    release = true;
    // The pool frees up again once the stuck handler returns.
    bool served = false;
    for (int i = 0; i < 100 && !served; ++i) {
        served = c.request("/validate", admission_review("later", "web")).result_int() == 200;
        if (!served) std::this_thread::sleep_for(20ms);
    }
    CHECK(served);
    CHECK(s.metrics.render().find("compose_operator_webhook_handler_deadline_exceeded_total 1") != std::string::npos);
}
