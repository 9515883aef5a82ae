#include "op/util/clock.hpp"

#include "op_catch.hpp"

TEST_CASE("manual_clock moves only when advanced", "[unit][util]") {
    op::util::manual_clock c;
    auto t0 = c.now();
    auto w0 = c.wall_now();
    CHECK(c.now() == t0);
    c.advance(std::chrono::seconds(5));
    CHECK(c.now() - t0 == std::chrono::seconds(5));
    CHECK(c.wall_now() - w0 == std::chrono::seconds(5));
}

TEST_CASE("system_clock is monotonic", "[unit][util]") {
    auto& c = op::util::system_clock();
    auto a = c.now();
    auto b = c.now();
    CHECK(b >= a);
}
