#include "op/kube/rate_limiter.hpp"

#include "op_catch.hpp"

using namespace std::chrono_literals;
using namespace op::kube;

TEST_CASE("exponential limiter: 5 ms doubling, capped at 1000 s, per key", "[unit]") {
    exponential_limiter l;
    CHECK(l.when("a") == 5ms);
    CHECK(l.when("a") == 10ms);
    CHECK(l.when("a") == 20ms);
    CHECK(l.when("b") == 5ms);
    CHECK(l.num_requeues("a") == 3);
    for (int i = 0; i < 40; ++i) (void)l.when("a");
    CHECK(l.when("a") == 1000s);
    l.forget("a");
    CHECK(l.num_requeues("a") == 0);
    CHECK(l.when("a") == 5ms);
}

TEST_CASE("token bucket: burst then qps, refills with the clock", "[unit]") {
    op::util::manual_clock clk;
    token_bucket b(10, 100, clk);
    for (int i = 0; i < 100; ++i) REQUIRE(b.reserve() == duration::zero());
    CHECK(b.reserve() == 100ms);  // 1 token short at 10/s
    CHECK(b.reserve() == 200ms);  // reservations queue up
    clk.advance(1s);              // +10 tokens: now 8 in hand
    CHECK(b.reserve() == duration::zero());
    CHECK(b.try_take());
}

TEST_CASE("token bucket: try_take does not go negative", "[unit]") {
    op::util::manual_clock clk;
    token_bucket b(1, 2, clk);
    CHECK(b.try_take());
    CHECK(b.try_take());
    CHECK_FALSE(b.try_take());
    clk.advance(1s);
    CHECK(b.try_take());
}

TEST_CASE("default controller limiter: max of backoff and bucket", "[unit]") {
    op::util::manual_clock clk;
    default_controller_limiter l(clk);
    // 100 different keys drain the bucket; each sees 5 ms from its own backoff.
    for (int i = 0; i < 100; ++i) REQUIRE(l.when("k" + std::to_string(i)) == 5ms);
    // The 101st key waits for the bucket (100 ms) although its backoff is 5 ms.
    CHECK(l.when("x") == 100ms);
    CHECK(l.num_requeues("x") == 1);
    l.forget("x");
    CHECK(l.num_requeues("x") == 0);
}

TEST_CASE("backoff: doubles with jitter, capped, resets", "[unit]") {
    backoff b(800ms, 30s, 1.0, [] { return 0.5; });
    CHECK(b.next() == 1200ms);  // 800 + 0.5*800
    CHECK(b.next() == 2400ms);
    for (int i = 0; i < 10; ++i) (void)b.next();
    CHECK(b.next() == 45s);  // 30 s + 50 % jitter
    b.reset();
    CHECK(b.next() == 1200ms);
    backoff nojitter(1s, 4s, 0, nullptr);
    CHECK(nojitter.next() == 1s);
    CHECK(nojitter.next() == 2s);
    CHECK(nojitter.next() == 4s);
    CHECK(nojitter.next() == 4s);
}
