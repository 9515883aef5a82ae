#include "op/util/log.hpp"

#include "op_catch.hpp"

TEST_CASE("text lines quote values that need it", "[unit][util]") {
    auto line = op::log::render(op::log::format::text, "2026-01-01T00:00:00.000Z",
                                op::log::level::info, "stack applied",
                                {{"stack", "ns/web"}, {"reason", "two words"}});
    CHECK(line == "2026-01-01T00:00:00.000Z info stack applied stack=ns/web reason=\"two words\"\n");
}

TEST_CASE("json lines escape strings", "[unit][util]") {
    auto line = op::log::render(op::log::format::json, "T", op::log::level::error, "bad \"x\"\n",
                                {{"k", "a\tb"}});
    CHECK(line == "{\"ts\":\"T\",\"level\":\"error\",\"msg\":\"bad \\\"x\\\"\\n\",\"k\":\"a\\tb\"}\n");
}

TEST_CASE("levels and formats parse and filter", "[unit][util]") {
    op::log::level l{};
    CHECK(op::log::parse_level("warning", l));
    CHECK(l == op::log::level::warn);
    CHECK_FALSE(op::log::parse_level("loud", l));
    op::log::format f{};
    CHECK(op::log::parse_format("json", f));
    CHECK(f == op::log::format::json);
    CHECK_FALSE(op::log::parse_format("xml", f));

    op::log::set_level(op::log::level::warn);
    CHECK_FALSE(op::log::enabled(op::log::level::info));
    CHECK(op::log::enabled(op::log::level::error));
    op::log::set_level(op::log::level::info);
    CHECK(op::log::enabled(op::log::level::info));
}
