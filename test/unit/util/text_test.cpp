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
