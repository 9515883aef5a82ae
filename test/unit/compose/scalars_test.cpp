#include "op/compose/scalars.hpp"

#include "op_catch.hpp"

using namespace op::compose;
using namespace std::chrono_literals;

TEST_CASE("parse_duration accepts Go durations", "[unit]") {
    struct row { char const* text; duration want; };
    auto const r = GENERATE(values<row>({
        {"0", 0ns}, {"1m30s", 90s}, {"500ms", 500ms}, {"1h", 1h}, {"10us", 10us},
        {"10\xC2\xB5s", 10us}, {"1.5s", 1500ms}, {"2h45m", 165min}, {"100ns", 100ns},
        {"+3s", 3s}, {"0.5ms", 500us}, {"1h0m0s", 1h}}));
    auto d = parse_duration(r.text);
    INFO(r.text);
    REQUIRE(d);
    CHECK(*d == r.want);
}

TEST_CASE("parse_duration rejects bad durations with the value in the message", "[unit]") {
    struct row { char const* text; char const* msg; };
    auto const r = GENERATE(values<row>({
        {"5", "invalid duration \"5\": missing unit (use ns, us, ms, s, m or h)"},
        {"", "invalid duration \"\": empty"},
        {"-1s", "invalid duration \"-1s\": negative"},
        {"1x", "invalid duration \"1x\": unknown unit \"x\""},
        {"s", "invalid duration \"s\": expected a number"},
        {"9999999999h", "invalid duration \"9999999999h\": overflow"}}));
    auto d = parse_duration(r.text);
    REQUIRE_FALSE(d);
    CHECK(d.error().message == r.msg);
    CHECK(d.error().code == op::errc::invalid);
}

TEST_CASE("format_duration prints like Go and reads back", "[unit]") {
    CHECK(format_duration(90s) == "1m30s");
    CHECK(format_duration(500ms) == "500ms");
    CHECK(format_duration(1h) == "1h0m0s");
    CHECK(format_duration(10us) == "10us");
    CHECK(format_duration(0s) == "0s");
    CHECK(format_duration(1500ms) == "1.5s");
    CHECK(format_duration(7ns) == "7ns");
    for (duration d : {duration{1}, duration{1234567891011}, duration{3600000000001}, duration{999}}) {
        auto back = parse_duration(format_duration(d));
        REQUIRE(back);
        CHECK(*back == d);
    }
}

TEST_CASE("parse_byte_size", "[unit]") {
    struct row { char const* text; std::int64_t want; };
    auto const r = GENERATE(values<row>({
        {"0", 0}, {"1024", 1024}, {"50M", 50LL << 20}, {"1gb", 1LL << 30}, {"512k", 512 << 10},
        {"100b", 100}, {"1.5GiB", 3LL << 29}, {"2 m", 2 << 20}, {"1T", 1LL << 40}}));
    auto b = parse_byte_size(r.text);
    INFO(r.text);
    REQUIRE(b);
    CHECK(*b == r.want);
    for (char const* bad : {"", "abc", "-5M", "5X", "1.M", "99999999999999p"}) {
        INFO(bad);
        CHECK_FALSE(parse_byte_size(bad));
    }
    CHECK(parse_byte_size("5X").error().message ==
          "invalid byte size \"5X\": unknown unit (use b, k, m, g, t or p)");
}

TEST_CASE("split_shell_words", "[unit]") {
    using v = std::vector<std::string>;
    struct row { char const* text; v want; };
    auto const r = GENERATE(values<row>({
        {"echo hello", v{"echo", "hello"}},
        {"  a   b  ", v{"a", "b"}},
        {"sh -c 'echo $HOME'", v{"sh", "-c", "echo $HOME"}},
        {"say \"a b\" c", v{"say", "a b", "c"}},
        {"a\\ b", v{"a b"}},
        {"\"x\\\"y\"", v{"x\"y"}},
        {"'it''s'", v{"its"}},
        {"''", v{""}},
        {"", v{}},
        {"--flag=\"v 1\"", v{"--flag=v 1"}},
        {"a # b", v{"a", "#", "b"}}}));
    auto w = split_shell_words(r.text);
    INFO(r.text);
    REQUIRE(w);
    CHECK(*w == r.want);
    CHECK(split_shell_words("echo 'open").error().message ==
          "invalid command \"echo 'open\": unterminated quote");
    CHECK(split_shell_words("a\\").error().message ==
          "invalid command \"a\\\": trailing backslash");
}

TEST_CASE("parse_port short syntax", "[unit]") {
    auto one = [](char const* t) {
        auto r = parse_port(t);
        REQUIRE(r);
        REQUIRE(r->size() == 1);
        return (*r)[0];
    };
    auto p = one("80");
    CHECK(p.target == 80);
    CHECK_FALSE(p.published);
    CHECK(p.protocol == "tcp");
    CHECK(p.mode == "ingress");
    p = one("8080:80");
    CHECK(p.published == port_range{8080, 8080});
    p = one("127.0.0.1:80:80");
    CHECK(p.host_ip == "127.0.0.1");
    p = one("127.0.0.1::80");
    CHECK(p.host_ip == "127.0.0.1");
    CHECK_FALSE(p.published);
    p = one("53:53/udp");
    CHECK(p.protocol == "udp");
    p = one("[::1]:6000:6000");
    CHECK(p.host_ip == "::1");
    p = one("9090-9091:8080");
    CHECK(p.published == port_range{9090, 9091});
    CHECK(p.target == 8080);

    auto range = parse_port("8000-8010:8000-8010");
    REQUIRE(range);
    REQUIRE(range->size() == 11);
    CHECK((*range)[10].target == 8010);
    CHECK((*range)[10].published == port_range{8010, 8010});
    auto bare = parse_port("3000-3002");
    REQUIRE(bare);
    CHECK(bare->size() == 3);
}

TEST_CASE("parse_port errors", "[unit]") {
    struct row { char const* text; char const* msg; };
    auto const r = GENERATE(values<row>({
        {"80:abc", "invalid port \"80:abc\": container port \"abc\" is not a number"},
        {"abc", "invalid port \"abc\": container port \"abc\" is not a number"},
        {"70000", "invalid port \"70000\": container port 70000 is out of range 1-65535"},
        {"0", "invalid port \"0\": container port 0 is out of range 1-65535"},
        {"80/xyz", "invalid port \"80/xyz\": unknown protocol \"xyz\" (use tcp, udp or sctp)"},
        {"8000-8002:80-81", "invalid port \"8000-8002:80-81\": host and container port ranges have different sizes"},
        {"90-80", "invalid port \"90-80\": container port range \"90-80\" ends before it starts"},
        {"", "invalid port \"\": container port \"\" is not a number"}}));
    auto p = parse_port(r.text);
    REQUIRE_FALSE(p);
    CHECK(p.error().message == r.msg);
}

TEST_CASE("parse_volume short syntax", "[unit]") {
    auto v = parse_volume("db-data:/var/lib/mysql");
    REQUIRE(v);
    CHECK(v->type == "volume");
    CHECK(v->source == "db-data");
    CHECK(v->target == "/var/lib/mysql");
    v = parse_volume("./data:/data:ro");
    REQUIRE(v);
    CHECK(v->type == "bind");
    CHECK(v->read_only);
    v = parse_volume("~/cfg:/cfg:rw,z");
    REQUIRE(v);
    CHECK(v->type == "bind");
    CHECK_FALSE(v->read_only);
    CHECK(v->bind_selinux == "z");
    v = parse_volume("/var/run/docker.sock:/var/run/docker.sock:rshared,cached");
    REQUIRE(v);
    CHECK(v->bind_propagation == "rshared");
    CHECK(v->consistency == "cached");
    v = parse_volume("/anon");
    REQUIRE(v);
    CHECK(v->type == "volume");
    CHECK(v->source.empty());
    v = parse_volume("cache:/c:nocopy");
    REQUIRE(v);
    CHECK(v->volume_nocopy);

    CHECK(parse_volume(":/media/").error().message == "invalid volume \":/media/\": empty source");
    CHECK(parse_volume("a:b:c:d").error().message ==
          "invalid volume \"a:b:c:d\": too many ':' (expected [source:]target[:options])");
    CHECK(parse_volume("/a:/b:bogus").error().message ==
          "invalid volume \"/a:/b:bogus\": unknown option \"bogus\"");
    CHECK(parse_volume("my vol:/b").error().message ==
          "invalid volume \"my vol:/b\": source \"my vol\" is neither a path (/, ./, ~) nor a volume name");
    CHECK(parse_volume("/a:/b:nocopy").error().message ==
          "invalid volume \"/a:/b:nocopy\": nocopy applies to volumes only");
}
