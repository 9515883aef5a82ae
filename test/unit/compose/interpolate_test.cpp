#include "op/compose/interpolate.hpp"

#include "op_catch.hpp"

using namespace op::compose;

TEST_CASE("interpolate forms", "[unit]") {
    environment_map const env{{"SET", "value"}, {"EMPTY", ""}, {"ALT", "alt"}};
    struct row { char const* text; char const* want; };
    auto const r = GENERATE(values<row>({
        {"plain", "plain"},
        {"$SET", "value"},
        {"${SET}", "value"},
        {"x${SET}y", "xvaluey"},
        {"$SET-suffix", "value-suffix"},
        {"${UNSET:-def}", "def"},
        {"${EMPTY:-def}", "def"},
        {"${EMPTY-def}", ""},
        {"${UNSET-def}", "def"},
        {"${SET:-def}", "value"},
        {"${SET:+alt}", "alt"},
        {"${EMPTY:+alt}", ""},
        {"${EMPTY+alt}", "alt"},
        {"${UNSET+alt}", ""},
        {"${SET:?boom}", "value"},
        {"${EMPTY?boom}", ""},
        {"$$", "$"},
        {"$${SET}", "${SET}"},
        {"$$(cat /run/secrets/x)", "$(cat /run/secrets/x)"},
        {"${UNSET:-${SET}}", "value"},
        {"${UNSET:-${ALSO_UNSET:-deep}}", "deep"},
        {"${SET:+[${ALT}]}", "[alt]"},
        {"${UNSET:-a}${UNSET:-b}", "ab"},
        {"${UNSET:-}", ""},
        {"${UNSET:-$$}", "$"},
        {"${UNSET:-x:y}", "x:y"}}));
    auto out = interpolate(r.text, env, "p");
    INFO(r.text);
    REQUIRE(out);
    CHECK(out->value == r.want);
    CHECK(out->unresolved.empty());
}

TEST_CASE("interpolate reports variables left without a value", "[unit]") {
    auto out = interpolate("${A}-$B-${C:-c}-${D:+d}", {}, "services.web.image");
    REQUIRE(out);
    CHECK(out->value == "--c-");
    std::vector<unresolved_variable> const want{{"A", "services.web.image"},
                                                {"B", "services.web.image"}};
    CHECK(out->unresolved == want);
    auto nested = interpolate("${X:-${Y}}", {}, "p");
    REQUIRE(nested);
    CHECK(nested->unresolved == std::vector<unresolved_variable>{{"Y", "p"}});
}

TEST_CASE("interpolate errors carry the path and message", "[unit]") {
    struct row { char const* text; char const* msg; };
    auto const r = GENERATE(values<row>({
        {"${REQ:?please set REQ}", "required variable REQ is missing a value: please set REQ"},
        {"${REQ?}", "required variable REQ is missing a value"},
        {"${EMPTY:?need ${WHO:-it}}", "required variable EMPTY is missing a value: need it"},
        {"cost $5", "invalid interpolation format in \"cost $5\": '$' followed by 5 (write a literal $ as $$)"},
        {"a$", "invalid interpolation format in \"a$\": a lone '$' at the end (write a literal $ as $$)"},
        {"${A", "invalid interpolation format in \"${A\": unterminated \"${\" (write a literal $ as $$)"},
        {"${A:x}", "invalid interpolation format in \"${A:x}\": unknown operator in \"${A:x}\" (write a literal $ as $$)"},
        {"${1A}", "invalid interpolation format in \"${1A}\": bad variable name in \"${1A}\" (write a literal $ as $$)"}}));
    auto out = interpolate(r.text, {{"EMPTY", ""}}, "services.db.environment.X");
    INFO(r.text);
    REQUIRE_FALSE(out);
    CHECK(out.error().message == r.msg);
    CHECK(out.error().field_path == "services.db.environment.X");
    CHECK(out.error().code == op::errc::invalid);
    CHECK(interpolate("${EMPTY?ok}", {{"EMPTY", ""}}).has_value());
}
