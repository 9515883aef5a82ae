#include "op/kube/workqueue.hpp"

#include "op_catch.hpp"

#include <memory>

using namespace std::chrono_literals;
using op::kube::workqueue;

namespace {
// A limiter that always says zero, so tests see pure queue semantics.
struct zero_limiter : op::kube::rate_limiter {
    op::kube::duration when(std::string const&) override { return {}; }
    void forget(std::string const&) override {}
    int num_requeues(std::string const&) override { return 0; }
};
}  // namespace

TEST_CASE("workqueue: duplicates collapse and order is FIFO", "[unit]") {
    op::util::manual_clock clk;
    workqueue q(clk);
    q.add("a");
    q.add("b");
    q.add("a");
    CHECK(q.len() == 2);
    CHECK(q.try_get() == "a");
    CHECK(q.try_get() == "b");
    CHECK_FALSE(q.try_get());
}

TEST_CASE("workqueue: a key in flight is not handed out twice and is re-queued after done", "[unit]") {
    op::util::manual_clock clk;
    workqueue q(clk);
    q.add("a");
    auto k = q.try_get();
    REQUIRE(k == "a");
    q.add("a");  // re-added while processing
    CHECK(q.len() == 0);
    CHECK_FALSE(q.try_get());  // not given to a second worker
    q.add("a");  // still one pending re-add
    q.done("a");
    CHECK(q.len() == 1);
    CHECK(q.try_get() == "a");
    q.done("a");
    CHECK_FALSE(q.try_get());
}

TEST_CASE("workqueue: done without re-add leaves nothing", "[unit]") {
    op::util::manual_clock clk;
    workqueue q(clk);
    q.add("x");
    REQUIRE(q.try_get() == "x");
    q.done("x");
    CHECK(q.len() == 0);
    CHECK_FALSE(q.try_get());
}

TEST_CASE("workqueue: add_after waits for the clock; earliest add_after wins", "[unit]") {
    op::util::manual_clock clk;
    workqueue q(clk);
    q.add_after("a", 10s);
    q.add_after("a", 5s);
    q.add_after("a", 20s);
    CHECK(q.delayed_len() == 1);
    CHECK_FALSE(q.try_get());
    clk.advance(4s);
    CHECK_FALSE(q.try_get());
    clk.advance(1s);
    CHECK(q.try_get() == "a");
    q.done("a");
    clk.advance(30s);
    CHECK_FALSE(q.try_get());  // superseded entries do not fire again
    q.add_after("b", 0s);      // no delay: immediate
    CHECK(q.try_get() == "b");
}

TEST_CASE("workqueue: delayed key already queued collapses", "[unit]") {
    op::util::manual_clock clk;
    workqueue q(clk);
    q.add("a");
    q.add_after("a", 1s);
    clk.advance(2s);
    CHECK(q.try_get() == "a");
    CHECK_FALSE(q.try_get());
}

TEST_CASE("workqueue: rate limited requeues back off exponentially; forget resets", "[unit]") {
    op::util::manual_clock clk;
    workqueue q(clk);  // default controller limiter
    q.add_rate_limited("k");  // 5 ms
    CHECK(q.num_requeues("k") == 1);
    CHECK_FALSE(q.try_get());
    clk.advance(5ms);
    REQUIRE(q.try_get() == "k");
    q.done("k");
    q.add_rate_limited("k");  // 10 ms
    clk.advance(9ms);
    CHECK_FALSE(q.try_get());
    clk.advance(1ms);
    REQUIRE(q.try_get() == "k");
    q.done("k");
    CHECK(q.num_requeues("k") == 2);
    q.forget("k");
    CHECK(q.num_requeues("k") == 0);
}

TEST_CASE("workqueue: shut down returns queued keys, then nullopt; adds ignored", "[unit]") {
    op::util::manual_clock clk;
    workqueue q(clk, std::make_unique<zero_limiter>());
    q.add("a");
    q.shut_down();
    q.add("b");
    CHECK(q.shutting_down());
    CHECK(q.get() == "a");
    CHECK_FALSE(q.get());  // does not block once shut down
}

TEST_CASE("workqueue: shut_down_with_drain waits for in-flight keys", "[unit]") {
    // One thread is unavoidable here: drain must block until done() is called.
    op::util::manual_clock clk;
    workqueue q(clk);
    q.add("a");
    REQUIRE(q.get() == "a");
    std::atomic<bool> drained{false};
    std::thread t([&] {
        q.shut_down_with_drain();
        drained = true;
    });
    std::this_thread::sleep_for(20ms);
    CHECK_FALSE(drained.load());
    q.done("a");
    t.join();
    CHECK(drained.load());
}

TEST_CASE("workqueue: get blocks until a key is added", "[unit]") {
    op::util::manual_clock clk;
    workqueue q(clk);
    std::thread t([&] {
        std::this_thread::sleep_for(10ms);
        q.add("late");
    });
    CHECK(q.get() == "late");
    t.join();
}

TEST_CASE("workqueue: client-go's workqueue_* metrics under a fake clock", "[unit]") {
    op::util::manual_clock clk;
    op::metrics::registry reg;
    auto q = std::make_unique<workqueue>(clk, std::make_unique<zero_limiter>(),
                                         op::kube::queue_metrics{&reg, "stack"});
    op::metrics::labels const l{{"name", "stack"}, {"controller", "stack"}};
    auto value = [&](char const* name) { return reg.get_gauge(name, "", l).value(); };
    auto count = [&](char const* name) { return reg.get_counter(name, "", l).value(); };
    auto& waited = reg.get_histogram("workqueue_queue_duration_seconds", "", l);
    auto& worked = reg.get_histogram("workqueue_work_duration_seconds", "", l);

    q->add("a");
    q->add("a");  // already waiting: not an add
    q->add("b");
    CHECK(count("workqueue_adds_total") == 2);
    CHECK(value("workqueue_depth") == 2);

    clk.advance(3s);
    REQUIRE(q->try_get() == "a");
    CHECK(value("workqueue_depth") == 1);
    CHECK(waited.count() == 1);
    CHECK(waited.sum() == Approx(3.0));

    q->add("a");  // re-added while processing: counted as an add, waits in depth
    CHECK(count("workqueue_adds_total") == 3);
    CHECK(value("workqueue_depth") == 2);

    clk.advance(2s);
    auto text = reg.render();  // the collector reports the in-flight key
    CHECK(text.find("workqueue_unfinished_work_seconds{name=\"stack\",controller=\"stack\"} 2\n") !=
          std::string::npos);
    CHECK(text.find("workqueue_longest_running_processor_seconds{name=\"stack\",controller=\"stack\"} 2\n") !=
          std::string::npos);
    q->done("a");
    CHECK(worked.count() == 1);
    CHECK(worked.sum() == Approx(2.0));
    CHECK(reg.render().find("workqueue_unfinished_work_seconds{name=\"stack\",controller=\"stack\"} 0\n") !=
          std::string::npos);

    q->add_rate_limited("c");
    q->add_rate_limited("c");
    CHECK(count("workqueue_retries_total") == 2);
    CHECK(text.find("# TYPE workqueue_queue_duration_seconds histogram") != std::string::npos);
    CHECK(text.find("workqueue_queue_duration_seconds_bucket{name=\"stack\",controller=\"stack\",le=\"1e-08\"}") !=
          std::string::npos);

    q.reset();  // the collector goes with the queue: a later scrape does not touch it
    CHECK(reg.render().find("workqueue_depth{") != std::string::npos);
}
