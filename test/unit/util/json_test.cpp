#include "op/util/json.hpp"

#include "op_catch.hpp"
#include "writer_text.hpp"

#include <cstdint>
#include <limits>
#include <string>

TEST_CASE("parse accepts well-formed JSON and round-trips it", "[unit][util]") {
    auto doc = op::json::parse(R"({"a":[1,2,{"b":"c"}],"d":null})");
    REQUIRE(doc);
    CHECK(op::json::dump(*doc) == R"({"a":[1,2,{"b":"c"}],"d":null})");
}

TEST_CASE("parse rejects malformed, oversized, too deep and non-UTF-8 input", "[unit][util]") {
    auto bad = op::json::parse(R"({"a":)");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == op::errc::invalid);
    CHECK(bad.error().message.find("malformed JSON at byte") == 0);

    CHECK_FALSE(op::json::parse(R"({"a":1} {"b":2})").has_value());

    std::string big(100, ' ');
    auto too_big = op::json::parse(big, {.max_bytes = 10, .max_depth = 10});
    REQUIRE_FALSE(too_big);
    CHECK(too_big.error().message.find("exceeds the limit") != std::string::npos);

    std::string deep(100000, '[');
    deep += std::string(100000, ']');
    auto too_deep = op::json::parse(deep);
    REQUIRE_FALSE(too_deep);
    CHECK(too_deep.error().message == "JSON nesting deeper than 128 levels");

    CHECK_FALSE(op::json::parse("\"\xff\xfe\"").has_value());
}

TEST_CASE("parse keeps a lone low-surrogate escape as U+FFFD, as Go reads it: strings are UTF-8",
          "[unit][util]") {
    // RapidJSON alone decodes "\uDFFF" to ED BF BF, which is not UTF-8 (fuzz_admission_review
    // found an owner patch that was then not JSON). Keys, values, ASCII and non-ASCII texts.
    auto doc = op::json::parse(R"({"k\uDC00":"a\uDFFFb","v":["\uDC80"],"ok":"\uD83D\uDE00"})");
    REQUIRE(doc);
    CHECK(op::json::dump(*doc) == "{\"k\xEF\xBF\xBD\":\"a\xEF\xBF\xBD" "b\",\"v\":[\"\xEF\xBF\xBD\"],"
                                  "\"ok\":\"\xF0\x9F\x98\x80\"}");
    auto mixed = op::json::parse("[\"\xC3\xA9\\uDFFF\xC3\xA9\"]");  // non-ASCII text: the validating parse
    REQUIRE(mixed);
    CHECK(op::json::dump(*mixed) == "[\"\xC3\xA9\xEF\xBF\xBD\xC3\xA9\"]");
    CHECK_FALSE(op::json::parse(R"(["\uD800"])").has_value());  // a lone high surrogate: refused
}

TEST_CASE("nesting_depth ignores brackets inside strings", "[unit][util]") {
    CHECK(op::json::nesting_depth(R"({"a":"[[[[{{{"})", 100) == 1);
    CHECK(op::json::nesting_depth(R"([[["\"]]]"]]])", 100) == 3);
    CHECK(op::json::nesting_depth("", 100) == 0);
}

TEST_CASE("typed getters check types and report the field path", "[unit][util]") {
    auto doc = op::json::parse(R"({"s":"x","i":3,"f":1.5,"b":true,"o":{},"a":[],"n":null})");
    REQUIRE(doc);
    auto const& v = *doc;

    CHECK(**op::json::get_string(v, "s", "spec") == "x");
    CHECK_FALSE(op::json::get_string(v, "missing", "spec")->has_value());
    CHECK_FALSE(op::json::get_string(v, "n", "spec")->has_value());
    auto wrong = op::json::get_string(v, "i", "spec");
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error().what() == "spec.i: expected string, got number");

    CHECK(**op::json::get_int(v, "i", "") == 3);
    CHECK_FALSE(op::json::get_int(v, "f", "").has_value());
    {
        // Found by fuzz_watch_event (a Status code of 2e81): the range is checked before the
        // conversion, which is undefined outside int64 (clang's UBSan reports it; g++'s does not check).
        auto big = op::json::parse(R"({"whole": 4e3, "huge": 2e81, "low": -2e81})");
        REQUIRE(big);
        CHECK(**op::json::get_int(*big, "whole", "") == 4000);
        auto huge = op::json::get_int(*big, "huge", "status");
        REQUIRE_FALSE(huge);
        CHECK(huge.error().what() == "status.huge: expected integer, got number");
        CHECK_FALSE(op::json::get_int(*big, "low", "").has_value());
    }
    CHECK(**op::json::get_number(v, "f", "") == 1.5);
    CHECK(**op::json::get_bool(v, "b", "") == true);
    CHECK(*op::json::get_object(v, "o", "") != nullptr);
    CHECK(*op::json::get_array(v, "a", "") != nullptr);
    CHECK(*op::json::get_array(v, "missing", "") == nullptr);
    CHECK_FALSE(op::json::get_array(v, "o", "x").has_value());
}

TEST_CASE("set replaces or adds members", "[unit][util]") {
    rapidjson::Document d;
    d.SetObject();
    op::json::set(d, "k", op::json::string_value("v1", d.GetAllocator()), d.GetAllocator());
    op::json::set(d, "k", op::json::string_value("v2", d.GetAllocator()), d.GetAllocator());
    CHECK(op::json::dump(d) == R"({"k":"v2"})");
    CHECK(op::json::dump_pretty(d) == "{\n  \"k\": \"v2\"\n}");
}

TEST_CASE("parse counts values before building them (max_values)", "[unit][util]") {
    // [ + 3 commas = 4; nested: [ [ , ] , { } , "..." ] = 6 (commas in strings do not count).
    CHECK(op::json::parse("[1,2,3,4]", {.max_values = 4}));
    auto past = op::json::parse("[1,2,3,4,5]", {.max_values = 4});
    REQUIRE_FALSE(past);
    CHECK(past.error().message ==
          "JSON body has more than 4 values (arrays, objects and their elements; limit max_values)");
    CHECK(op::json::parse(R"([[1,2],{}, "a,b,[,{"])", {.max_values = 6}));
    CHECK_FALSE(op::json::parse(R"([[1,2],{}, "a,b", 3])", {.max_values = 6}));
    CHECK(op::json::limits{}.max_values == 500'000);
    // At the default depth limit and one past it.
    std::string const at = std::string(128, '[') + std::string(128, ']');
    CHECK(op::json::parse(at));
    std::string const past_depth = std::string(129, '[') + std::string(129, ']');
    CHECK(op::json::parse(past_depth).error().message == "JSON nesting deeper than 128 levels");
    // At the size limit (7 MiB of spaces around a value) and one byte past it.
    std::string body(7u << 20, ' ');
    body[0] = '1';
    CHECK(op::json::parse(body));
    CHECK(op::json::parse(body + " ").error().message ==
          "JSON body of 7340033 bytes exceeds the limit of 7340032 bytes");
}

// parse and dump copy the runs of a string that need no escape 16 bytes at a time; every byte
// that ends a run ('"', '\\', a control character) must still be seen wherever it falls.
TEST_CASE("strings: every special byte at every position of a long string", "[unit][util]") {
    std::string const pad(40, 'x');
    for (std::size_t at = 0; at < 36; ++at) {
        std::string specials = "\"\\";
        for (int c = 0; c < 0x20; ++c) specials += static_cast<char>(c);
        for (char c : specials) {
            std::string raw = pad;
            raw[at] = c;
            rapidjson::Document d;
            d.SetString(raw.data(), static_cast<rapidjson::SizeType>(raw.size()), d.GetAllocator());
            std::string const text = op::json::dump(d);
            INFO("at " << at << " byte " << int(c));
            // The escaped text parses back to the same bytes.
            auto back = op::json::parse(text);
            REQUIRE(back);
            CHECK(std::string(back->GetString(), back->GetStringLength()) == raw);
            // The byte itself is escaped: the text holds no raw control character.
            for (char t : text) CHECK(static_cast<unsigned char>(t) >= 0x20);
        }
        // A raw control character inside a JSON string is an error at its offset.
        for (char bad : {'\x01', '\x19', '\x1a', '\x1f'}) {
            std::string text = "\"" + pad + "\"";
            text[at + 1] = bad;
            auto r = op::json::parse(text);
            REQUIRE_FALSE(r);
            CHECK(r.error().message == "malformed JSON at byte " + std::to_string(at + 1) +
                                           ": Invalid escape character in string.");
        }
    }
    rapidjson::Document d;
    std::string const s = std::string(20, 'a') + "\"\\\n\x1f" + std::string(20, 'b') + "\x7f\xc3\xa9";
    d.SetString(s.data(), static_cast<rapidjson::SizeType>(s.size()), d.GetAllocator());
    CHECK(op::json::dump(d) == "\"" + std::string(20, 'a') + "\\\"\\\\\\n\\u001F" +
                                   std::string(20, 'b') + "\x7f\xc3\xa9\"");
}

using op::test::writer_text;

TEST_CASE("dump writes exactly what rapidjson::Writer writes", "[unit][util]") {
    rapidjson::Document d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    // Every byte value, alone and inside runs that cross the 16-byte scan blocks.
    rapidjson::Value strings(rapidjson::kArrayType);
    for (int c = 0; c < 256; ++c) {
        for (std::size_t len : {1u, 15u, 16u, 17u, 33u}) {
            std::string s(len, 'q');
            s[len / 2] = static_cast<char>(c);
            if (len > 16) s[15] = static_cast<char>(c);
            strings.PushBack(rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a), a);
        }
    }
    d.AddMember("strings", strings, a);
    // Keys are escaped like strings.
    d.AddMember(rapidjson::Value("k\"e\\y\n\x01\x7f\xc3\xa9", a), rapidjson::Value(1), a);
    rapidjson::Value numbers(rapidjson::kArrayType);
    for (std::int64_t i : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{INT32_MIN}, std::int64_t{INT32_MAX},
                           std::int64_t{INT32_MAX} + 1, std::int64_t{UINT32_MAX}, std::int64_t{UINT32_MAX} + 1,
                           INT64_MIN, INT64_MAX, std::int64_t{1} << 53})
        numbers.PushBack(rapidjson::Value(i), a);
    numbers.PushBack(rapidjson::Value(UINT64_MAX), a);
    numbers.PushBack(rapidjson::Value(std::uint64_t{1} << 63), a);
    numbers.PushBack(rapidjson::Value(std::int64_t{-2147483649}), a);
    for (double x : {0.0, -0.0, 1.0, -1.5, 0.1, 1e-7, 1e21, 1e300, 5e-324, 1.7976931348623157e308,
                     123456789.125, 3.0e-5})
        numbers.PushBack(rapidjson::Value(x), a);
    d.AddMember("numbers", numbers, a);
    d.AddMember("empty", rapidjson::Value(rapidjson::kObjectType), a);
    d.AddMember("list", rapidjson::Value(rapidjson::kArrayType), a);
    d.AddMember("t", true, a);
    d.AddMember("f", false, a);
    d.AddMember("n", rapidjson::Value(), a);
    d.AddMember("s", rapidjson::Value("", a), a);
    rapidjson::Value nested(rapidjson::kArrayType);
    nested.PushBack(rapidjson::Value(rapidjson::kArrayType).PushBack(rapidjson::Value(rapidjson::kObjectType), a), a);
    d.AddMember("nested", nested, a);
    std::string const ours = op::json::dump(d);
    CHECK(ours == writer_text(d));
    std::string appended = "prefix:";
    op::json::dump_to(d, appended);
    CHECK(appended == "prefix:" + ours);
    // A stored Stack, parsed and dumped: the same text.
    std::string const stack =
        R"({"apiVersion":"compose.docker.com/v1beta2","kind":"Stack","metadata":{"name":"w",)"
        R"("annotations":{"x":"{\"a\":[1,2],\"b\":\"c\\n\"}"}},"spec":{"services":[{"name":"web",)"
        R"("image":"nginx","ports":[{"target":80,"published":8080}],"environment":{"A":null,"B":"\u00e9"}}]}})";
    auto parsed = op::json::parse(stack);
    REQUIRE(parsed);
    CHECK(op::json::dump(*parsed) == writer_text(*parsed));
    CHECK(op::json::dump(*parsed) == stack.substr(0, stack.find("\\u00e9")) + "\xc3\xa9\"}}]}}");
}

TEST_CASE("dump writes null for a NaN or infinity, where Writer would stop half-way", "[unit][util]") {
    rapidjson::Document d(rapidjson::kArrayType);
    d.PushBack(rapidjson::Value(1), d.GetAllocator());
    d.PushBack(rapidjson::Value(std::numeric_limits<double>::quiet_NaN()), d.GetAllocator());
    d.PushBack(rapidjson::Value(-std::numeric_limits<double>::infinity()), d.GetAllocator());
    d.PushBack(rapidjson::Value(2), d.GetAllocator());
    CHECK(op::json::dump(d) == "[1,null,null,2]");
    CHECK(writer_text(d) == "[1,");  // what the old dump gave: not JSON
}

TEST_CASE("parse refuses an object that holds a key twice, naming where", "[unit][util]") {
    // Go keeps the last "namespace", RapidJSON's find() the first: the same text would name two
    // namespaces, so it is refused.
    auto twice = op::json::parse(R"({"metadata":{"name":"a","namespace":"x","namespace":"y"}})");
    REQUIRE_FALSE(twice);
    CHECK(twice.error().code == op::errc::invalid);
    CHECK(twice.error().field_path == "metadata");
    CHECK(twice.error().message.find(R"(the key "namespace" more than once)") != std::string::npos);

    auto top = op::json::parse(R"({"a":1,"a":1})");
    REQUIRE_FALSE(top);
    CHECK(top.error().field_path.empty());

    auto in_array = op::json::parse(R"({"items":[{"k":1},{"k":1,"j":2,"k":3}]})");
    REQUIRE_FALSE(in_array);
    CHECK(in_array.error().field_path == "items[1]");

    // The same key in different objects, and keys that differ only in case, are not repeats.
    CHECK(op::json::parse(R"({"a":{"k":1},"b":{"k":1},"k":[{"k":1}],"K":2})").has_value());

    // Past 16 members the check sorts: a repeat among 1000 keys is found, 1000 distinct pass.
    std::string many = "{";
    for (int i = 0; i < 1000; ++i) many += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":0";
    CHECK(op::json::parse(many + "}").has_value());
    auto late = op::json::parse(many + ",\"k500\":1}");
    REQUIRE_FALSE(late);
    CHECK(late.error().message.find(R"("k500")") != std::string::npos);

    // A key with an escape is compared as decoded text: "\u0061" is "a".
    CHECK_FALSE(op::json::parse(R"({"a":1,"\u0061":2})").has_value());
    // Embedded NUL bytes are part of a key, not its end.
    CHECK(op::json::parse(R"({"a\u0000b":1,"a\u0000c":2})").has_value());
}
