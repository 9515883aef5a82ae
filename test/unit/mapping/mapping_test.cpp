#include "op/mapping/mapping.hpp"

#include "op_catch.hpp"

TEST_CASE("placeholder2", "[unit]") { CHECK(true); }
