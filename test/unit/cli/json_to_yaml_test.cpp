#include "op/compose/json_to_yaml.hpp"

#include "op/util/json.hpp"
#include "op_catch.hpp"

namespace {
std::string y(std::string const& json) {
    auto doc = op::json::parse(json);
    REQUIRE(doc);
    return op::compose::json_to_yaml(*doc);
}
}  // namespace

TEST_CASE("json_to_yaml renders block YAML", "[unit][cli]") {
    CHECK(y(R"({"a":1,"b":"x","c":true,"d":null})") == "a: 1\nb: x\nc: true\nd: null\n");
    CHECK(y(R"({"l":["a","b"],"e":[],"o":{}})") == "l:\n- a\n- b\ne: []\no: {}\n");
    CHECK(y(R"({"s":[{"name":"web","ports":[{"target":80}]}]})") ==
          "s:\n- name: web\n  ports:\n  - target: 80\n");
    CHECK(y(R"({"m":{"k":{"v":"1"}}})") == "m:\n  k:\n    v: \"1\"\n");
}

TEST_CASE("json_to_yaml quotes what would change meaning", "[unit][cli]") {
    for (auto const* s : {"true", "yes", "No", "null", "~", "1.0", "0x1F", "-1", ".5", "", " a",
                          "a: b", "a #b", "@x", "*x", "&x", "!x", "%x", "{x}", "[x]", "x:", "é"}) {
        INFO(s);
        std::string out = y(std::string(R"({"k":)") + op::json::dump(rapidjson::Value(rapidjson::StringRef(s))) + "}");
        CHECK(out.substr(0, 4) == "k: \"");
    }
    CHECK(y(R"({"k":"nginx:1.25"})") == "k: nginx:1.25\n");
    CHECK(y(R"({"compose.docker.com/x":"a b"})") == "compose.docker.com/x: a b\n");
}

TEST_CASE("json_to_yaml uses literal blocks for multi-line text", "[unit][cli]") {
    CHECK(y(R"({"f":"a\n  b\n"})") == "f: |\n  a\n    b\n");
    CHECK(y(R"({"f":"a\nb"})") == "f: |-\n  a\n  b\n");
    CHECK(y(R"({"f":"a\n\n"})") == "f: |+\n  a\n\n");
    CHECK(y(R"({"f":"a\n\nb\n"})") == "f: |\n  a\n\n  b\n");
    CHECK(y(R"({"f":"trailing \nspace"})") == "f: \"trailing \\nspace\"\n");
    CHECK(y(R"({"x":{"f":"a\n"}})") == "x:\n  f: |\n    a\n");
}
