#include "manager.hpp"

#include "op_catch.hpp"

#include <atomic>
#include <mutex>
#include <thread>

using namespace op;
using namespace op::runtime;
using namespace std::chrono_literals;

namespace {

// Runnables that record what happened to them, in order.
struct journal {
    std::mutex m;
    std::vector<std::string> lines;
    void add(std::string s) {
        std::lock_guard l(m);
        lines.push_back(std::move(s));
    }
    manager::runnable make(std::string name, bool fails = false) {
        return {name,
                [this, name, fails]() -> result<void> {
                    add("start " + name);
                    if (fails) return transient("port in use");
                    return {};
                },
                [this, name] { add("stop " + name); },
                nullptr};
    }
};

}  // namespace

TEST_CASE("manager: starts in order, stops in reverse", "[unit][runtime]") {
    journal j;
    manager m;
    for (auto const* n : {"probes", "webhook", "informers", "lease", "workers"}) m.add(j.make(n));
    REQUIRE(m.start());
    m.stop(5s);
    CHECK(j.lines == std::vector<std::string>{"start probes", "start webhook", "start informers",
                                              "start lease", "start workers", "stop workers",
                                              "stop lease", "stop informers", "stop webhook",
                                              "stop probes"});
    m.stop(5s);  // idempotent
    CHECK(j.lines.size() == 10);
}

TEST_CASE("manager: a failed start stops what started, newest first, and names the runnable", "[unit][runtime]") {
    journal j;
    manager m;
    m.add(j.make("probes"));
    m.add(j.make("webhook"));
    m.add(j.make("informers", true));
    m.add(j.make("workers"));
    auto r = m.start();
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "informers: port in use");
    CHECK(j.lines == std::vector<std::string>{"start probes", "start webhook", "start informers",
                                              "stop webhook", "stop probes"});
    CHECK_FALSE(m.ready());
}

TEST_CASE("manager: the readiness gate waits for every runnable and each one's ready()", "[unit][runtime]") {
    std::atomic<bool> synced{false};
    manager m;
    CHECK(m.ready());  // nothing to wait for
    m.add({"probes", [] { return result<void>{}; }, nullptr, nullptr});
    m.add({"informers", [] { return result<void>{}; }, nullptr, [&] { return synced.load(); }});
    CHECK_FALSE(m.ready());  // not started
    REQUIRE(m.start());
    CHECK_FALSE(m.ready());  // started, not synced
    synced = true;
    CHECK(m.ready());
    m.stop(1s);
    CHECK_FALSE(m.ready());  // stopped
}

TEST_CASE("manager: one stop path from any thread; first reason, largest exit code", "[unit][runtime]") {
    manager m;
    REQUIRE(m.start());
    CHECK_FALSE(m.stop_requested());
    std::jthread lost([&] {
        std::this_thread::sleep_for(20ms);
        m.request_stop("leadership lost", 1);
        m.request_stop("SIGTERM", 0);
    });
    CHECK(m.wait() == "leadership lost");  // returns once another thread asked
    lost.join();
    CHECK(m.stop_requested());
    CHECK(m.exit_code() == 1);
    CHECK(m.wait() == "leadership lost");  // no blocking once asked
}

TEST_CASE("manager: a stop that overruns the deadline is reported once, the others still run", "[unit][runtime]") {
    journal j;
    std::atomic<int> overruns{0};
    std::string stuck;
    manager m;
    m.add(j.make("probes"));
    m.add({"webhook", [] { return result<void>{}; },
           [&] {
               std::this_thread::sleep_for(300ms);  // a drain that takes too long
               j.add("stop webhook");
           },
           nullptr});
    m.add(j.make("workers"));
    REQUIRE(m.start());
    m.stop(50ms, [&](std::string const& name) {
        stuck = name;
        ++overruns;
    });
    CHECK(overruns == 1);
    CHECK(stuck == "webhook");
    CHECK(j.lines.back() == "stop probes");  // the stop went on after the report
}
