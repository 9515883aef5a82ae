#include "op/util/error.hpp"

#include "op_catch.hpp"

namespace {

op::result<int> parse_digit(char c) {
    if (c < '0' || c > '9') return op::invalid(std::string("not a digit: ") + c, "digit");
    return c - '0';
}

op::result<int> sum_two(char a, char b) {
    OP_TRY(int x, parse_digit(a));
    OP_TRY(int y, parse_digit(b));
    return x + y;
}

op::result<void> check_all(std::string_view s) {
    for (char c : s) OP_RETURN_IF_ERROR(parse_digit(c));
    return {};
}

}  // namespace

TEST_CASE("result carries a value or an error", "[unit][util]") {
    auto ok = parse_digit('7');
    REQUIRE(ok.has_value());
    CHECK(*ok == 7);

    auto bad = parse_digit('x');
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code == op::errc::invalid);
    CHECK(bad.error().what() == "digit: not a digit: x");
}

TEST_CASE("OP_TRY propagates the first error and unwraps values", "[unit][util]") {
    CHECK(*sum_two('2', '3') == 5);
    auto r = sum_two('2', 'q');
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "not a digit: q");
}

TEST_CASE("OP_RETURN_IF_ERROR works for result<void>", "[unit][util]") {
    CHECK(check_all("123").has_value());
    auto r = check_all("12z3");
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "not a digit: z");
}

TEST_CASE("error::under prefixes field paths", "[unit][util]") {
    auto e = op::invalid("bad port", "ports[0]");
    CHECK(e.under("services[2]").field_path == "services[2].ports[0]");
    CHECK(e.under("spec").under("x").field_path == "x.spec.ports[0]");
    CHECK(op::invalid("m", "[3]").under("list").field_path == "list[3]");
    CHECK(op::invalid("m").under("spec").field_path == "spec");
    CHECK(op::join_path("", "a") == "a");
    CHECK(op::join_path("a", "") == "a");
}

TEST_CASE("value() on an error throws with the message", "[unit][util]") {
    op::result<int> r = op::transient("server down");
    CHECK_THROWS_WITH(r.value(), "server down");
    CHECK(op::to_string(op::errc::not_found) == "not_found");
}
