#include "op/webhook/conversion_cache.hpp"

#include "op_catch.hpp"

using op::webhook::conversion_cache;

TEST_CASE("conversion_cache: keys depend on the version and the whole object text", "[unit]") {
    auto const a = conversion_cache::key_of("compose.docker.com/v1beta1", R"({"a":1})");
    REQUIRE(a);
    CHECK(a == conversion_cache::key_of("compose.docker.com/v1beta1", R"({"a":1})"));
    CHECK(a != conversion_cache::key_of("compose.docker.com/v1beta2", R"({"a":1})"));
    CHECK(a != conversion_cache::key_of("compose.docker.com/v1beta1", R"({"a":2})"));
    // The version is length-prefixed: moving bytes between the two parts changes the key.
    CHECK(conversion_cache::key_of("ab", "c") != conversion_cache::key_of("a", "bc"));
}

TEST_CASE("conversion_cache: a stored answer is returned until evicted, least recent first", "[unit]") {
    std::string const text(1000, 'x');
    // Room for about three entries of 1,000 bytes (each costs its text plus bookkeeping).
    conversion_cache c(3 * 1200);
    auto const k = [](int i) { return conversion_cache::key_of("v", std::to_string(i)).value(); };
    CHECK_FALSE(c.get(k(1)));
    c.put(k(1), text + "1");
    c.put(k(2), text + "2");
    c.put(k(3), text + "3");
    REQUIRE(c.get(k(1)) == text + "1");  // 1 is now the most recent
    c.put(k(4), text + "4");             // evicts 2, the least recently used
    CHECK_FALSE(c.get(k(2)));
    CHECK(c.get(k(1)) == text + "1");
    CHECK(c.get(k(3)) == text + "3");
    CHECK(c.get(k(4)) == text + "4");
    auto const s = c.snapshot();
    CHECK(s.entries == 3);
    CHECK(s.evictions == 1);
    CHECK(s.hits == 4);
    CHECK(s.misses == 2);
    CHECK(s.bytes <= 3 * 1200);
}

TEST_CASE("conversion_cache: put refreshes; nothing larger than the budget is kept", "[unit]") {
    conversion_cache c(4096);
    auto const k = conversion_cache::key_of("v", "o").value();
    c.put(k, "old");
    c.put(k, "new");
    CHECK(c.get(k) == "new");
    CHECK(c.snapshot().entries == 1);
    auto const big = conversion_cache::key_of("v", "big").value();
    c.put(big, std::string(5000, 'b'));
    CHECK_FALSE(c.get(big));
    CHECK(c.get(k) == "new");  // the oversized answer evicted nothing
    conversion_cache none(0);
    none.put(k, "x");
    CHECK_FALSE(none.get(k));
}
