#include "op/util/text.hpp"

#include <catch2/catch.hpp>

#include <string>

TEST_CASE("is_utf8_text: well-formed UTF-8 without NUL", "[unit]") {
    CHECK(op::is_utf8_text(""));
    CHECK(op::is_utf8_text("server { listen 80; }\n"));
    CHECK(op::is_utf8_text("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3"));  // 2-, 3- and 4-byte forms
    CHECK_FALSE(op::is_utf8_text(std::string("a\0b", 3)));                 // NUL
    CHECK_FALSE(op::is_utf8_text("\xff\xfe"));                             // not a lead byte
    CHECK_FALSE(op::is_utf8_text("\xc3"));                                 // truncated sequence
    CHECK_FALSE(op::is_utf8_text("\xe2\x28\xa1"));                         // bad continuation
    CHECK_FALSE(op::is_utf8_text("\x80"));                                 // lone continuation
}

TEST_CASE("is_utf8_text: strict RFC 3629, as JSON parsers and the API server read it", "[unit]") {
    CHECK_FALSE(op::is_utf8_text("\xc0\x80"));          // overlong NUL
    CHECK_FALSE(op::is_utf8_text("\xe0\x80\xaf"));      // overlong '/'
    CHECK_FALSE(op::is_utf8_text("\xed\xa0\x80"));      // UTF-16 surrogate U+D800 (CESU-8)
    CHECK_FALSE(op::is_utf8_text("\xf4\x90\x80\x80"));  // above U+10FFFF
    CHECK_FALSE(op::is_utf8_text("\xf8\x88\x80\x80\x80"));  // 5-byte form
    CHECK(op::is_utf8_text("\xf4\x8f\xbf\xbf"));        // U+10FFFF, the last code point
    CHECK(op::is_utf8_text("\xef\xbf\xbd"));            // U+FFFD
}

TEST_CASE("invalid_utf8_at: the offset of the first ill-formed byte; NUL is well-formed", "[unit]") {
    CHECK(op::invalid_utf8_at("") == std::string_view::npos);
    CHECK(op::invalid_utf8_at(std::string_view("a\0b", 3)) == std::string_view::npos);
    CHECK(op::invalid_utf8_at("ab\xc3\xa9\x85z") == 4);
    CHECK(op::invalid_utf8_at("abc\xe2\x82") == 3);  // truncated at the end
}

TEST_CASE("valid_utf8: ill-formed bytes become U+FFFD, the rest is kept", "[unit]") {
    CHECK(op::valid_utf8("caf\xc3\xa9") == "caf\xc3\xa9");
    CHECK(op::valid_utf8("unknown escape character: \xc3") == "unknown escape character: \xef\xbf\xbd");
    CHECK(op::valid_utf8("a\x85" "b\xa0" "c") == "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c");
    CHECK(op::valid_utf8("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    std::string const out = op::valid_utf8("\xff\xfe x \xf0\x9f\x90");
    CHECK(op::invalid_utf8_at(out) == std::string_view::npos);
    CHECK(out.find(" x ") != std::string::npos);
}
