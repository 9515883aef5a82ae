#include "op/compose/load.hpp"

#include "op_catch.hpp"

using namespace op::compose;

TEST_CASE("smoke", "[unit]") {
    auto r = load("services:\n  web:\n    image: nginx\n");
    REQUIRE(r);
    CHECK(r->project.services.size() == 1);
}
