#include "op/reconcile/worker.hpp"

#include "op/kube/rate_limiter.hpp"
#include "op_catch.hpp"

#include <stdexcept>

using namespace op;
using namespace op::reconcile;

namespace {

struct queue_fixture {
    util::manual_clock clock;
    kube::workqueue queue{clock, std::make_unique<kube::exponential_limiter>()};
    std::vector<std::string> seen;

    bool once(std::function<result<requeue>()> outcome) {
        reconcile_fn fn = [&](kube::object_key const& k, std::stop_token) {
            seen.push_back(k.str());
            return outcome();
        };
        return process_next(queue, fn, {});
    }
};

}  // namespace

TEST_CASE("worker: success forgets the key and marks it done", "[unit]") {
    queue_fixture f;
    f.queue.add_rate_limited("ns/a");  // one earlier failure
    f.clock.advance(std::chrono::seconds(1));
    REQUIRE(f.queue.num_requeues("ns/a") == 1);
    CHECK(f.once([] { return result<requeue>(requeue::done()); }));
    CHECK(f.seen == std::vector<std::string>{"ns/a"});
    CHECK(f.queue.num_requeues("ns/a") == 0);
    CHECK(f.queue.len() == 0);
    CHECK(f.queue.delayed_len() == 0);
    f.queue.add("ns/a");  // done() was called: the key can be handed out again
    CHECK(f.queue.try_get() == std::optional<std::string>("ns/a"));
}

TEST_CASE("worker: after(d) forgets then adds after d", "[unit]") {
    queue_fixture f;
    f.queue.add("ns/a");
    CHECK(f.once([] { return result<requeue>(requeue::after(std::chrono::seconds(30))); }));
    CHECK(f.queue.num_requeues("ns/a") == 0);
    CHECK(f.queue.delayed_len() == 1);
    CHECK_FALSE(f.queue.try_get());
    f.clock.advance(std::chrono::seconds(30));
    CHECK(f.queue.try_get() == std::optional<std::string>("ns/a"));
}

TEST_CASE("worker: transient, conflict and terminal errors are rate limited, invalid ones forgotten", "[unit]") {
    queue_fixture f;
    f.queue.add("ns/a");
    CHECK(f.once([] { return result<requeue>(transient("503")); }));
    CHECK(f.queue.num_requeues("ns/a") == 1);
    CHECK(f.queue.delayed_len() == 1);
    f.clock.advance(std::chrono::milliseconds(5));
    REQUIRE(f.queue.len() + f.queue.delayed_len() == 1);
    CHECK(f.once([] { return result<requeue>(error{errc::conflict, "409", {}}); }));
    CHECK(f.queue.num_requeues("ns/a") == 2);
    f.clock.advance(std::chrono::milliseconds(10));
    // A 403 of the operator's own reads (e.g. an API server that has just restarted and whose
    // authorizer has not synced yet) is retried like any other error, not dropped until the
    // next resync.
    CHECK(f.once([] { return result<requeue>(terminal("forbidden")); }));
    CHECK(f.queue.num_requeues("ns/a") == 3);
    CHECK(f.queue.delayed_len() == 1);
    f.clock.advance(std::chrono::milliseconds(20));
    CHECK(f.once([] { return result<requeue>(invalid("bad object", "spec")); }));
    CHECK(f.queue.num_requeues("ns/a") == 0);
    CHECK(f.queue.len() == 0);
    CHECK(f.queue.delayed_len() == 0);
    CHECK(f.seen.size() == 4);
}

TEST_CASE("worker: backoff_up_to(d) keeps the failure count and caps the delay at d", "[unit]") {
    queue_fixture f;  // exponential_limiter: 5 ms doubling
    f.queue.add("ns/a");
    auto const stalled = [] { return result<requeue>(requeue::backoff_up_to(std::chrono::milliseconds(30))); };
    CHECK(f.once(stalled));  // 5 ms
    CHECK(f.queue.num_requeues("ns/a") == 1);
    CHECK_FALSE(f.queue.try_get());
    f.clock.advance(std::chrono::milliseconds(5));
    CHECK(f.once(stalled));  // 10 ms
    f.clock.advance(std::chrono::milliseconds(9));
    CHECK_FALSE(f.queue.try_get());
    f.clock.advance(std::chrono::milliseconds(1));
    CHECK(f.once(stalled));  // 20 ms
    f.clock.advance(std::chrono::milliseconds(20));
    CHECK(f.once(stalled));  // 40 ms, capped at 30 ms
    CHECK(f.queue.num_requeues("ns/a") == 4);
    f.clock.advance(std::chrono::milliseconds(29));
    CHECK_FALSE(f.queue.try_get());
    f.clock.advance(std::chrono::milliseconds(1));
    // The stall clears: success forgets the count.
    CHECK(f.once([] { return result<requeue>(requeue::done()); }));
    CHECK(f.queue.num_requeues("ns/a") == 0);
    CHECK(f.seen.size() == 5);
}

TEST_CASE("worker: an exception is caught, logged and rate limited", "[unit]") {
    queue_fixture f;
    f.queue.add("ns/a");
    CHECK(f.once([]() -> result<requeue> { throw std::runtime_error("boom"); }));
    CHECK(f.queue.num_requeues("ns/a") == 1);
    f.queue.shut_down();
    f.clock.advance(std::chrono::seconds(1));
    CHECK_FALSE(f.once([] { return result<requeue>(requeue::done()); }));
}
