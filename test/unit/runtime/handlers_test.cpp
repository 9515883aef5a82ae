// The operator's /convert handler (make_handlers) with and without its per-object cache.
#include "op/util/json.hpp"
#include "op_catch.hpp"
#include "parts.hpp"

#include <fmt/format.h>

namespace {

rapidjson::Document stack(int i, std::string const& image) {
    auto d = op::json::parse(fmt::format(
        R"({{"apiVersion":"compose.docker.com/v1beta2","kind":"Stack","metadata":{{"name":"s{}",)"
        R"("namespace":"ns","uid":"u-{}","resourceVersion":"{}"}},"spec":{{"services":[{{"name":"web",)"
        R"("image":"{}","deploy":{{"replicas":2}},"ports":[{{"target":80,"published":8080}}]}}]}}}})",
        i, i, 100 + i, image));
    REQUIRE(d);
    return std::move(*d);
}

op::webhook::conversion_request review(std::string const& version, std::vector<std::string> const& images) {
    op::webhook::conversion_request r;
    r.uid = "u";
    r.desired_api_version = version;
    for (std::size_t i = 0; i < images.size(); ++i) r.objects.push_back(stack(static_cast<int>(i), images[i]));
    return r;
}

}  // namespace

TEST_CASE("convert handler: answers from its cache equal fresh conversions", "[unit]") {
    auto const key = op::identity::hmac_key::from_bytes(std::string(32, 'k')).value();
    op::mapping::mapping_options const mapping;
    auto const plain = op::runtime::make_handlers(key, mapping, nullptr);
    auto cache = std::make_shared<op::webhook::conversion_cache>(1 << 20);
    auto const cached = op::runtime::make_handlers(key, mapping, nullptr, cache);

    for (auto const* version : {"compose.docker.com/v1beta1", "compose.docker.com/v1alpha3"}) {
        auto const req = review(version, {"nginx:1.27", "redis:7", "httpd:2.4"});
        auto const fresh = plain.convert(req);
        REQUIRE(fresh);
        auto const first = cached.convert(req);   // misses, stores
        auto const second = cached.convert(req);  // hits
        REQUIRE(first);
        REQUIRE(second);
        CHECK(*first == *fresh);
        CHECK(*second == *fresh);
        auto const converted = op::json::parse((*fresh)[1]);
        REQUIRE(converted);
        CHECK(std::string((*converted)["apiVersion"].GetString()) == version);
    }
    auto s = cache->snapshot();
    CHECK(s.misses == 6);
    CHECK(s.hits == 6);
    CHECK(s.entries == 6);

    // One object changed: only it is converted again, and its answer is its own.
    auto const changed = review("compose.docker.com/v1beta1", {"nginx:1.27", "redis:8", "httpd:2.4"});
    auto const again = cached.convert(changed);
    REQUIRE(again);
    CHECK(*again == *plain.convert(changed));
    CHECK((*again)[1].find("redis:8") != std::string::npos);
    s = cache->snapshot();
    CHECK(s.misses == 7);
    CHECK(s.hits == 8);
}
