#include "op/util/base64.hpp"

#include "op_catch.hpp"

TEST_CASE("base64 encodes the RFC 4648 vectors", "[unit][util]") {
    CHECK(op::base64::encode("") == "");
    CHECK(op::base64::encode("f") == "Zg==");
    CHECK(op::base64::encode("fo") == "Zm8=");
    CHECK(op::base64::encode("foo") == "Zm9v");
    CHECK(op::base64::encode("foob") == "Zm9vYg==");
    CHECK(op::base64::encode("fooba") == "Zm9vYmE=");
    CHECK(op::base64::encode("foobar") == "Zm9vYmFy");
    CHECK(op::base64::encode(std::string("\xff\x00\x01", 3)) == "/wAB");
}

TEST_CASE("base64 decodes padded, unpadded and wrapped text", "[unit][util]") {
    CHECK(*op::base64::decode("Zm9vYmFy") == "foobar");
    CHECK(*op::base64::decode("Zm9vYg==") == "foob");
    CHECK(*op::base64::decode("Zm9vYg") == "foob");
    CHECK(*op::base64::decode("Zm9v\nYmFy\n") == "foobar");
    CHECK(*op::base64::decode("/wAB") == std::string("\xff\x00\x01", 3));
    std::string all;
    for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
    CHECK(*op::base64::decode(op::base64::encode(all)) == all);
}

TEST_CASE("base64 rejects bad input", "[unit][util]") {
    CHECK_FALSE(op::base64::decode("Zm9v!").has_value());
    CHECK_FALSE(op::base64::decode("Z").has_value());
    CHECK_FALSE(op::base64::decode("Zg==Zg==").has_value());
    CHECK_FALSE(op::base64::decode("Zg===").has_value());
}
