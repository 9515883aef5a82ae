#include "op/mapping/labels.hpp"

#include "op_catch.hpp"

TEST_CASE("placeholder", "[unit]") { CHECK(true); }
