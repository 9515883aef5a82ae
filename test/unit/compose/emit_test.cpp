// emit()'s own YAML writer: every awkward scalar reads back as the same text, and the layout is
// yaml-cpp's block style (the golden file of corpus_test pins the whole of it).
#include "op/compose/emit.hpp"

#include "op/compose/load.hpp"
#include "op_catch.hpp"

#include <string>
#include <vector>

using namespace op::compose;

namespace {

std::vector<std::string> const awkward = {
    "", " lead", "trail ", "a: b", "a #b", "#x", "- x", "-", "?", "?x", ":", ":x", "a:b",
    "key:", "[x]", "{x}", "a,b", "'q'", "\"dq\"", "it's", "back\\slash", "line1\nline2",
    "tab\there", "cr\rlf", "bell\x07", "del\x7f", "\xc3\xa9t\xc3\xa9", "nel\xc2\x85x",
    "ls\xe2\x80\xa8ps\xe2\x80\xa9", "\xef\xbb\xbf" "bom", "---", "--- x", "...", "~", "null",
    "true", "no", "0x1F", "1e3", ".inf", "+1", "<<", "&anchor", "*alias", "!tag", "|", ">", "%x",
    "@x", "`x`", "a | b", "/path/to:/other", "x=1 y=2", "  ", "a  b",
};

project with_values(std::vector<std::string> const& values) {
    project p;
    service s;
    s.name = "web";
    s.image = "nginx";
    for (std::size_t i = 0; i < values.size(); ++i) {
        s.environment["V" + std::to_string(i)] = values[i];
        if (!values[i].empty()) s.labels[values[i]] = values[i];  // as keys too
    }
    s.command = values;
    p.services.push_back(std::move(s));
    return p;
}

}  // namespace

TEST_CASE("emit: awkward scalars read back as the same text, as values, keys and list items",
          "[unit]") {
    project const p = with_values(awkward);
    std::string const text = emit(p);
    INFO(text);
    auto r = load(text);
    REQUIRE(r);
    CHECK(r->project == p);
    CHECK(emit(r->project) == text);  // a fixed point
}

TEST_CASE("emit: plain where YAML reads the text back as written, double-quoted otherwise",
          "[unit]") {
    project const p = with_values({"a:b", "a: b", "line1\nline2", "ls\xe2\x80\xa8", "tab\tx",
                                   "daemon off;", "-f", "x #y", "\xc3\xa9"});
    std::string const text = emit(p);
    INFO(text);
    CHECK(text.find("V0: a:b\n") != std::string::npos);
    CHECK(text.find("V1: \"a: b\"\n") != std::string::npos);
    CHECK(text.find("V2: \"line1\\nline2\"\n") != std::string::npos);
    CHECK(text.find("V3: \"ls\\u2028\"\n") != std::string::npos);
    CHECK(text.find("V4: \"tab\\tx\"\n") != std::string::npos);
    CHECK(text.find("V5: daemon off;\n") != std::string::npos);
    CHECK(text.find("V6: \"-f\"\n") != std::string::npos);
    CHECK(text.find("V7: \"x #y\"\n") != std::string::npos);
    CHECK(text.find("V8: \"\xc3\xa9\"\n") != std::string::npos);  // UTF-8 kept, quoted
}

TEST_CASE("emit: a key longer than 1,024 characters is written as an explicit key", "[unit]") {
    std::string const key(2000, 'k');
    project const p = with_values({key});
    std::string const text = emit(p);
    CHECK(text.find("? " + key + "\n") != std::string::npos);
    auto r = load(text);
    REQUIRE(r);
    CHECK(r->project == p);
}

TEST_CASE("emit: a key short in bytes but long once escaped is an explicit key too", "[unit]") {
    // 400 control bytes are 1,600 characters written (\x02 each): over the implicit-key limit,
    // though the key itself is 400 bytes (found by fuzz_compose_load: the text did not load back).
    std::string const key = "k" + std::string(400, '\x02');
    project const p = with_values({key});
    std::string const text = emit(p);
    CHECK(text.find("? \"k\\x02") != std::string::npos);
    auto r = load(text);
    REQUIRE(r);
    CHECK(r->project == p);
}

TEST_CASE("emit: nested lists and maps kept from the source keep their shape and plain scalars",
          "[unit]") {
    std::string const src = "services:\n"
                            "  web:\n"
                            "    image: nginx\n"
                            "x-shape:\n"
                            "  - - a\n"
                            "    - 1\n"
                            "  - k: v\n"
                            "    m:\n"
                            "      deep: [1, \"2\"]\n"
                            "  - []\n"
                            "  - {}\n"
                            "  - ~\n"
                            "  - \"quoted\"\n"
                            "  - 12\n";
    auto r = load(src);
    REQUIRE(r);
    std::string const text = emit(r->project);
    INFO(text);
    CHECK(text.find("x-shape:\n"
                    "  - - a\n"
                    "    - 1\n"
                    "  - k: v\n"
                    "    m:\n"
                    "      deep:\n"
                    "        - 1\n"
                    "        - \"2\"\n"
                    "  - []\n"
                    "  - {}\n"
                    "  - ~\n"
                    "  - \"quoted\"\n"
                    "  - 12\n") != std::string::npos);
    auto again = load(text);
    REQUIRE(again);
    CHECK(again->project == r->project);
}
