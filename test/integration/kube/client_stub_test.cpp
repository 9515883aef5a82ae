#include "op/kube/kube.hpp"
#include "op/util/json.hpp"

#include "op_catch.hpp"
#include "stub_apiserver.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

using namespace std::chrono_literals;
using namespace op::kube;

namespace {

resource const cms{"", "v1", "configmaps", true};

config stub_config(unsigned short port) {
    config c;
    c.server = "https://127.0.0.1:" + std::to_string(port);
    c.insecure_skip_tls_verify = true;  // the stub's throw-away certificate
    c.token = token_source::fixed("t");
    c.qps = 0;  // unlimited
    c.request_timeout = 5s;
    return c;
}

std::string cm(char const* name, char const* rv) {
    return std::string(R"({"metadata":{"namespace":"ns","name":")") + name +
           R"(","resourceVersion":")" + rv + R"("}})";
}

}  // namespace

TEST_CASE("client: 429 with Retry-After is retried, within max_retries", "[integration]") {
    std::atomic<int> calls{0};
    stub::server srv([&](auto const& req) {
        int n = ++calls;
        CHECK(req[boost::beast::http::field::authorization] == "Bearer t");
        if (req.target().find("always") != std::string_view::npos || n == 1)
            return stub::reply{429, R"({"kind":"Status","reason":"TooManyRequests","code":429})",
                               {{"Retry-After", "1"}}};
        return stub::reply{200, cm("a", "1")};
    });
    boost::asio::io_context ioc;
    io_runner io(ioc, 1);
    auto cfg = stub_config(srv.port());
    cfg.max_retries = 1;
    auto c = client::create(ioc, cfg).value();
    auto t0 = std::chrono::steady_clock::now();
    auto ok = c->get(cms, "ns", "a");
    REQUIRE(ok);
    CHECK(calls == 2);
    CHECK(std::chrono::steady_clock::now() - t0 >= 1s);
    calls = 0;
    auto fail = c->get(cms, "ns", "always");
    REQUIRE_FALSE(fail);
    CHECK(calls == 2);  // first try + one retry
    CHECK(fail.error().code == op::errc::transient);
    CHECK(to_api_error(fail.error())->http_code == 429);
    // Impersonation headers reach the server.
}

TEST_CASE("client: a closed send gate stops every attempt, retries included", "[integration]") {
    std::atomic<int> calls{0};
    stub::server srv([&](auto const&) {
        ++calls;
        return stub::reply{429, R"({"kind":"Status","reason":"TooManyRequests","code":429})",
                           {{"Retry-After", "1"}}};
    });
    boost::asio::io_context ioc;
    io_runner io(ioc, 1);
    auto cfg = stub_config(srv.port());
    cfg.max_retries = 3;
    std::atomic<int> asked{0};
    // Open for the first attempt only, as when the Lease is lost while a write waits to retry.
    cfg.send_gate = [&asked] { return ++asked == 1; };
    auto c = client::create(ioc, cfg).value();
    apply_options ao;
    ao.field_manager = "test";
    auto r = c->apply(cms, "ns", "a", cm("a", "1"), ao);
    REQUIRE_FALSE(r);
    INFO(r.error().what());
    CHECK(calls == 1);  // the 429's retry was not sent
    CHECK(asked == 2);
    CHECK(r.error().code == op::errc::transient);
    CHECK(r.error().message.find("not sent") != std::string::npos);
    // Closed from the start: nothing reaches the server.
    calls = 0;
    auto closed = cfg;
    closed.send_gate = [] { return false; };
    auto c2 = client::create(ioc, closed).value();
    CHECK_FALSE(c2->get(cms, "ns", "a"));
    CHECK(calls == 0);
}

TEST_CASE("client: rest_client_requests_total counts every attempt by code, method and host",
          "[integration]") {
    auto srv = std::make_unique<stub::server>([&](auto const& req) {
        if (req.target().find("missing") != std::string_view::npos)
            return stub::reply{404, R"({"kind":"Status","reason":"NotFound","code":404})"};
        return stub::reply{200, cm("a", "1")};
    });
    auto const port = srv->port();
    boost::asio::io_context ioc;
    io_runner io(ioc, 1);
    op::metrics::registry reg;
    auto c = client::create(ioc, stub_config(port)).value();
    CHECK(c->get(cms, "ns", "before-instrument"));  // not counted
    c->instrument(reg);
    CHECK(c->get(cms, "ns", "a"));
    CHECK(c->get(cms, "ns", "a"));
    CHECK_FALSE(c->get(cms, "ns", "missing"));
    CHECK(c->create(cms, "ns", cm("b", "")));
    auto host = "127.0.0.1:" + std::to_string(port);
    auto text = reg.render();
    CHECK(text.find("# TYPE rest_client_requests_total counter") != std::string::npos);
    CHECK(text.find("rest_client_requests_total{code=\"200\",method=\"GET\",host=\"" + host + "\"} 2\n") !=
          std::string::npos);
    CHECK(text.find("rest_client_requests_total{code=\"404\",method=\"GET\",host=\"" + host + "\"} 1\n") !=
          std::string::npos);
    CHECK(text.find("rest_client_requests_total{code=\"200\",method=\"POST\",host=\"" + host + "\"} 1\n") !=
          std::string::npos);
    // No answer at all (nothing listens on the port any more): client-go's "<error>" code.
    srv.reset();
    auto dead_cfg = stub_config(port);
    dead_cfg.request_timeout = 2s;
    auto dead = client::create(ioc, dead_cfg).value();
    dead->instrument(reg);
    CHECK_FALSE(dead->get(cms, "ns", "a"));
    CHECK(reg.render().find("rest_client_requests_total{code=\"<error>\",method=\"GET\",host=\"" + host +
                            "\"} 1\n") != std::string::npos);
}

TEST_CASE("client: impersonation headers and connection reuse", "[integration]") {
    std::vector<std::string> groups;
    std::string user, extra;
    stub::server srv([&](auto const& req) {
        user = std::string(req["Impersonate-User"]);
        extra = std::string(req["Impersonate-Extra-acme.com%2Fteam"]);
        groups.clear();
        for (auto it = req.find("Impersonate-Group"); it != req.end() && it->name_string() == "Impersonate-Group"; ++it)
            groups.push_back(std::string(it->value()));
        return stub::reply{200, cm("a", "1")};
    });
    boost::asio::io_context ioc;
    io_runner io(ioc, 1);
    auto c = client::create(ioc, stub_config(srv.port())).value();
    request_options ro;
    ro.as = impersonation{"alice", "uid-1", {"g1", "g2"}, {{"acme.com/team", {"x"}}}};
    REQUIRE(c->get(cms, "ns", "a", ro));
    CHECK(user == "alice");
    CHECK(groups == std::vector<std::string>{"g1", "g2"});
    CHECK(extra == "x");
    REQUIRE(c->get(cms, "ns", "a"));
    CHECK(user.empty());
    CHECK(srv.targets().size() == 2);
}

TEST_CASE("client: apply and patch of a subresource go to <object>/<subresource>", "[integration]") {
    std::vector<std::string> methods, types;
    stub::server srv([&](auto const& req) {
        methods.push_back(std::string(req.method_string()));
        types.push_back(std::string(req[boost::beast::http::field::content_type]));
        return stub::reply{200, cm("a", "1")};
    });
    boost::asio::io_context ioc;
    io_runner io(ioc, 1);
    auto c = client::create(ioc, stub_config(srv.port())).value();
    apply_options ao;
    ao.field_manager = "compose-operator";
    ao.force = true;
    ao.subresource = "status";
    REQUIRE(c->apply(cms, "ns", "a", cm("a", "1"), ao));
    REQUIRE(c->patch(cms, "ns", "a", patch_type::merge, R"({"status":{"x":null}})", {}, "status"));
    ao.subresource.clear();
    REQUIRE(c->apply(cms, "ns", "a", cm("a", "1"), ao));  // no subresource: the object itself
    auto t = srv.targets();
    REQUIRE(t.size() == 3);
    CHECK(t[0] == "/api/v1/namespaces/ns/configmaps/a/status?fieldManager=compose-operator&force=true");
    CHECK(t[1] == "/api/v1/namespaces/ns/configmaps/a/status");
    CHECK(t[2] == "/api/v1/namespaces/ns/configmaps/a?fieldManager=compose-operator&force=true");
    CHECK(methods == std::vector<std::string>{"PATCH", "PATCH", "PATCH"});
    CHECK(types[0] == "application/apply-patch+yaml");
    CHECK(types[1] == "application/merge-patch+json");
}

TEST_CASE("client: a header value with CR, LF or NUL is an error, never sent", "[integration]") {
    std::atomic<int> seen{0};
    stub::server srv([&](auto const&) {
        ++seen;
        return stub::reply{200, cm("a", "1")};
    });
    boost::asio::io_context ioc;
    io_runner io(ioc, 1);
    auto c = client::create(ioc, stub_config(srv.port())).value();
    std::vector<impersonation> bad = {
        {"alice\r\nImpersonate-Group: system:masters", "", {}, {}},
        {"alice", std::string("u\0id", 4), {}, {}},
        {"alice", "", {"dev\nImpersonate-User: admin"}, {}},
        {"alice", "", {}, {{"acme.com/team", {"x\r\nX: y"}}}},
    };
    for (auto const& as : bad) {
        request_options ro;
        ro.as = as;
        auto r = c->get(cms, "ns", "a", ro);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == op::errc::invalid);
        CHECK(r.error().what().find("CR, LF or NUL") != std::string::npos);
        CHECK(r.error().what().find("system:masters") == std::string::npos);  // the value is not echoed
    }
    CHECK(seen == 0);
    REQUIRE(c->get(cms, "ns", "a"));  // the client is still usable
    CHECK(seen == 1);
}

TEST_CASE("informer: watch dropped mid-line resumes; 410 relists and loses nothing",
          "[integration]") {
    std::atomic<int> lists{0}, watches{0};
    stub::server srv([&](auto const& req) -> stub::reply {
        std::string t(req.target());
        if (t.find("watch=1") == std::string::npos) {
            if (++lists == 1)
                return {200, R"({"metadata":{"resourceVersion":"10"},"items":[)" + cm("a", "1") +
                                 "," + cm("b", "2") + "]}"};
            return {200, R"({"metadata":{"resourceVersion":"20"},"items":[)" + cm("a", "1") + "," +
                             cm("c", "11") + "," + cm("d", "15") + "]}"};
        }
        int w = ++watches;
        if (w == 1) {  // one event split across chunks, then half a line and a dropped connection
            std::string ev = R"({"type":"ADDED","object":)" + cm("c", "11") + "}\n";
            return {200, "", {}, stub::chunked({ev.substr(0, 7), ev.substr(7), R"({"type":"MOD)"}, false),
                    true};
        }
        if (w == 2)  // resumed from 11, which the server has compacted
            return {200, "", {}, stub::chunked({R"x({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old resource version: 11 (19)"}})x" "\n"}, true)};
        return {200, "", {}, stub::chunked({R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"21"}}})" "\n"}, false)};
    });
    boost::asio::io_context ioc;
    io_runner io(ioc, 1);
    auto c = client::create(ioc, stub_config(srv.port())).value();
    informer_options o;
    o.ns = "ns";
    o.backoff_initial = 10ms;
    informer inf(*c, cms, o);
    std::mutex m;
    std::vector<std::string> seen;
    inf.add_handler([&](delta const& d) {
        static constexpr char const* names[] = {"add ", "upd ", "del ", "resync "};
        std::lock_guard l(m);
        seen.push_back(names[static_cast<int>(d.type)] + key_of(*d.obj).str());
    });
    inf.start();
    REQUIRE(inf.wait_for_sync(5s));
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (inf.last_resource_version() != "21" && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    CHECK(inf.last_resource_version() == "21");
    inf.stop();
    CHECK(inf.cache().size() == 3);
    CHECK(inf.cache().get("ns/d"));
    CHECK_FALSE(inf.cache().get("ns/b"));
    auto st = inf.stats();
    CHECK(st.lists == 2);
    CHECK(st.gone == 1);
    std::lock_guard l(m);
    REQUIRE(seen.size() == 5);
    std::sort(seen.begin(), seen.begin() + 2);  // the first list's order is unspecified
    // c was added once by the first watch and not again by the relist; b deleted; d added.
    CHECK(seen == std::vector<std::string>{"add ns/a", "add ns/b", "add ns/c", "del ns/b", "add ns/d"});
    auto targets = srv.targets();
    int resumed = 0;
    for (auto const& t : targets) resumed += t.find("watch=1") != std::string::npos &&
                                             t.find("resourceVersion=11") != std::string::npos;
    CHECK(resumed == 1);
}

TEST_CASE("informer: listed and watched objects are cached without bookkeeping, unless kept",
          "[integration]") {
    auto heavy = [](char const* name, char const* rv) {
        return std::string(R"({"metadata":{"namespace":"ns","name":")") + name +
               R"(","resourceVersion":")" + rv +
               R"(","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}","keep":"me"},)"
               R"("managedFields":[{"manager":"kubectl"}]},"data":{"k":"v"}})";
    };
    stub::server srv([&](auto const& req) -> stub::reply {
        std::string t(req.target());
        if (t.find("watch=1") == std::string::npos)
            return {200, R"({"metadata":{"resourceVersion":"10"},"items":[)" + heavy("a", "1") + "]}"};
        return {200, "", {}, stub::chunked({R"({"type":"ADDED","object":)" + heavy("b", "11") + "}\n"}, false)};
    });
    boost::asio::io_context ioc;
    io_runner io(ioc, 1);
    auto c = client::create(ioc, stub_config(srv.port())).value();
    for (bool keep : {false, true}) {
        CAPTURE(keep);
        informer_options o;
        o.ns = "ns";
        o.keep_bookkeeping = keep;
        o.metadata_only = false;
        informer inf(*c, cms, o);
        inf.start();
        REQUIRE(inf.wait_for_sync(5s));
        auto deadline = std::chrono::steady_clock::now() + 10s;
        while (!inf.cache().get("ns/b") && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(10ms);
        inf.stop();
        for (char const* k : {"ns/a", "ns/b"}) {
            CAPTURE(k);
            auto obj = inf.cache().get(k);
            REQUIRE(obj);
            auto const text = op::json::dump(*obj);
            CHECK((text.find("managedFields") != std::string::npos) == keep);
            CHECK((text.find("last-applied-configuration") != std::string::npos) == keep);
            CHECK(text.find(R"("keep":"me")") != std::string::npos);
            CHECK(text.find(R"("data":{"k":"v"})") != std::string::npos);
        }
    }
}

TEST_CASE("informer: a metadata-only cache keeps labels and owners, not spec or data",
          "[integration]") {
    std::string const obj =
        R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"namespace":"ns","name":"a","resourceVersion":"1",)"
        R"("labels":{"l":"1"},"ownerReferences":[{"uid":"u","controller":true}],"managedFields":[{}]},"data":{"k":"v"}})";
    stub::server srv([&](auto const& req) -> stub::reply {
        std::string t(req.target());
        if (t.find("watch=1") == std::string::npos)
            return {200, R"({"metadata":{"resourceVersion":"10"},"items":[)" + obj + "]}"};
        return {200, "", {}, stub::chunked({R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"11"}}})" "\n"}, false)};
    });
    boost::asio::io_context ioc;
    io_runner io(ioc, 1);
    auto c = client::create(ioc, stub_config(srv.port())).value();
    informer_options o;
    o.ns = "ns";
    o.metadata_only = true;
    informer inf(*c, cms, o);
    inf.start();
    REQUIRE(inf.wait_for_sync(5s));
    // Stop once the watch is open (its bookmark seen): stopping while the watch request is on
    // its way left the stub's session waiting for it for minutes.
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (inf.last_resource_version() != "11" && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    CHECK(inf.last_resource_version() == "11");
    inf.stop();
    auto got = inf.cache().get("ns/a");
    REQUIRE(got);
    CHECK(op::json::dump(*got) ==
          R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"namespace":"ns","name":"a","resourceVersion":"1",)"
          R"("labels":{"l":"1"},"ownerReferences":[{"uid":"u","controller":true}]}})");
    CHECK(controller_uid(*got) == "u");
}

TEST_CASE("the exec credential plugin: a token, and a hung plugin killed at its timeout", "[integration]") {
    exec_config ok;
    ok.command = "sh";
    ok.args = {"-c", R"(echo '{"kind":"ExecCredential","status":{"token":"tok-1"}}')"};
    auto good = token_source::exec(ok, op::util::system_clock());
    auto t = good->token();
    REQUIRE(t);
    CHECK(*t == "tok-1");

    exec_config hung;
    hung.command = "sh";
    hung.args = {"-c", "sleep 30"};
    hung.timeout = 300ms;
    auto bad = token_source::exec(hung, op::util::system_clock());
    auto t0 = std::chrono::steady_clock::now();
    auto r = bad->token();
    auto took = std::chrono::steady_clock::now() - t0;
    REQUIRE_FALSE(r);
    CHECK(r.error().code == op::errc::transient);
    CHECK(took < 5s);  // before the timeout: 30 s, on an I/O thread
}

// Issue 12: the plugin ran (posix_spawn, a blocking read, waitpid) on the I/O thread that sent the
// request, so with one I/O thread nothing else moved until it finished. It runs on the client's
// blocking pool now: work posted to the same context meanwhile runs at once.
TEST_CASE("client: an exec credential plugin runs off the I/O thread", "[integration]") {
    std::mutex m;
    std::string auth;
    stub::server srv([&](auto const& req) {
        std::lock_guard l(m);
        auth = std::string(req[boost::beast::http::field::authorization]);
        return stub::reply{200, cm("a", "1")};
    });
    boost::asio::io_context ioc;
    io_runner io(ioc, 1);
    exec_config slow;
    slow.command = "sh";
    slow.args = {"-c", R"(sleep 1; echo '{"kind":"ExecCredential","status":{"token":"tok-slow"}}')"};
    slow.timeout = 10s;
    auto cfg = stub_config(srv.port());
    cfg.token = token_source::exec(slow, op::util::system_clock());
    auto c = client::create(ioc, cfg).value();
    std::optional<bool> got;
    std::thread request([&] { got = c->get(cms, "ns", "a").has_value(); });
    std::this_thread::sleep_for(200ms);  // the plugin is running by now
    std::promise<std::chrono::steady_clock::time_point> ran;
    auto const posted = std::chrono::steady_clock::now();
    boost::asio::post(ioc, [&] { ran.set_value(std::chrono::steady_clock::now()); });
    auto fut = ran.get_future();
    REQUIRE(fut.wait_for(5s) == std::future_status::ready);
    auto const waited = fut.get() - posted;
    request.join();
    CHECK(waited < 300ms);  // it waited for the plugin (about 800 ms more) before
    REQUIRE(got.has_value());
    CHECK(*got);
    std::lock_guard l(m);
    CHECK(auth == "Bearer tok-slow");
}

// Issue 12: record() spawned a coroutine that used the recorder's members after the controller
// had destroyed the recorder (on a stop or a lost Lease): a use-after-free, reported by the ASan
// build. The write now holds the recorder's state.
TEST_CASE("event_recorder: a write in flight outlives the recorder", "[integration]") {
    std::atomic<int> events{0};
    stub::server srv([&](auto const& req) {
        if (req.target().find("/events") != std::string_view::npos) {
            std::this_thread::sleep_for(300ms);  // the answer comes after the recorder is gone
            ++events;
            return stub::reply{201, R"({"metadata":{"name":"s.1","namespace":"ns"}})"};
        }
        return stub::reply{404, R"({"kind":"Status","code":404})"};
    });
    boost::asio::io_context ioc;
    io_runner io(ioc, 1);
    auto c = client::create(ioc, stub_config(srv.port())).value();
    auto rec = std::make_unique<event_recorder>(*c, recorder_options{});
    object_ref s;
    s.api_version = "compose.docker.com/v1beta2";
    s.kind = "Stack";
    s.ns = "ns";
    s.name = "s";
    rec->record(s, event_type::warning, "Stalled", "Reconcile", "the author lacks a right");
    rec.reset();  // destroyed with the write on the wire (on the heap: ASan and valgrind see a use)
    for (int i = 0; i < 50 && events.load() == 0; ++i) std::this_thread::sleep_for(20ms);
    std::this_thread::sleep_for(100ms);  // the coroutine resumes and finishes its bookkeeping
    CHECK(events == 1);
}

TEST_CASE("client: a 401 re-reads the token source once and retries", "[integration]") {
    std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                ("op-token-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto write = [&](char const* t) { std::ofstream(dir / "token", std::ios::trunc) << t << "\n"; };
    write("old");
    std::atomic<int> calls{0};
    std::mutex m;
    std::vector<std::string> seen;
    stub::server srv([&](auto const& req) -> stub::reply {
        ++calls;
        std::string auth(req[boost::beast::http::field::authorization]);
        {
            std::lock_guard l(m);
            seen.push_back(auth);
        }
        if (auth != "Bearer new")
            return {401, R"({"kind":"Status","reason":"Unauthorized","message":"Unauthorized","code":401})"};
        return {200, cm("a", "1")};
    });
    boost::asio::io_context ioc;
    io_runner io(ioc, 1);
    op::util::manual_clock clk;  // never advanced: only a 401 makes the file be read again
    auto cfg = stub_config(srv.port());
    cfg.token = token_source::file((dir / "token").string(), clk);
    auto c = client::create(ioc, cfg, clk).value();

    SECTION("the file still holds the refused token: one request, the 401 returned") {
        auto r = c->get(cms, "ns", "a");
        REQUIRE_FALSE(r);
        CHECK(calls == 1);
        CHECK(to_api_error(r.error())->http_code == 401);
    }
    SECTION("the token was rotated in the file: a status write retried once with the new token") {
        REQUIRE_FALSE(c->get(cms, "ns", "a"));  // caches "old"
        write("new");
        calls = 0;
        auto r = c->update_status(cms, "ns", "a", cm("a", "1"));
        REQUIRE(r);
        CHECK(calls == 2);
        std::lock_guard l(m);
        CHECK(seen.back() == "Bearer new");
        CHECK(seen[seen.size() - 2] == "Bearer old");
    }
    SECTION("a watch refused with 401 makes the next request use the rotated token") {
        REQUIRE(c->get(cms, "ns", "a").error().code == op::errc::terminal);
        write("new");
        watch_cancel wc;
        auto w = c->run(c->async_watch(cms, "ns", {}, [](watch_event&&) { return op::result<void>{}; }, wc));
        REQUIRE_FALSE(w);  // refused; the informer watches again (a list first), with the new token
        CHECK(to_api_error(w.error())->http_code == 401);
        calls = 0;
        REQUIRE(c->get(cms, "ns", "a"));
        CHECK(calls == 1);
    }
    SECTION("a fixed token is not retried") {
        auto fixed_cfg = stub_config(srv.port());
        auto f = client::create(ioc, fixed_cfg, clk).value();
        REQUIRE_FALSE(f->get(cms, "ns", "a"));
        CHECK(calls == 1);
    }
    std::filesystem::remove_all(dir);
}
