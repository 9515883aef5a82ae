#include "op/kube/watch.hpp"

#include "op/kube/resource.hpp"
#include "op/util/json.hpp"

#include "op_catch.hpp"

using namespace op::kube;

TEST_CASE("line splitter: lines split across chunks in any place", "[unit]") {
    std::string stream =
        "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"1\"}}}\n"
        "{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"resourceVersion\":\"7\"}}}\r\n\n";
    for (std::size_t step = 1; step <= stream.size(); ++step) {
        line_splitter s(1024);
        std::vector<std::string> all;
        for (std::size_t i = 0; i < stream.size(); i += step) {
            auto r = s.feed(std::string_view(stream).substr(i, step));
            REQUIRE(r);
            for (auto& l : *r) all.push_back(std::move(l));
        }
        REQUIRE(all.size() == 2);
        CHECK(s.pending() == 0);
        auto ev = parse_watch_event(all[1]);
        REQUIRE(ev);
        CHECK(ev->type == watch_event_type::bookmark);
        CHECK(meta_string(*ev->obj, "resourceVersion") == "7");
    }
}

TEST_CASE("line splitter: an oversize line fails", "[unit]") {
    line_splitter s(16);
    REQUIRE(s.feed("0123456789"));
    auto r = s.feed("0123456789\n");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == op::errc::invalid);
    line_splitter ok(16);
    auto r2 = ok.feed("0123456789abcdef\n");  // exactly at the limit
    REQUIRE(r2);
    CHECK(r2->size() == 1);
}

TEST_CASE("watch events: types, bad input, error status", "[unit]") {
    auto added = parse_watch_event(R"({"type":"MODIFIED","object":{"metadata":{"name":"x"}}})");
    REQUIRE(added);
    CHECK(added->type == watch_event_type::modified);
    CHECK_FALSE(parse_watch_event("not json"));
    CHECK_FALSE(parse_watch_event(R"({"type":"WHAT","object":{}})"));
    CHECK_FALSE(parse_watch_event(R"({"type":"ADDED"})"));
    CHECK_FALSE(parse_watch_event(R"({"type":1,"object":{}})"));
    auto err = parse_watch_event(
        R"x({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old resource version: 5 (9)"}})x");
    REQUIRE(err);
    CHECK(err->type == watch_event_type::error);
    auto ae = watch_error(*err);
    CHECK(ae.http_code == 410);
    CHECK(is_gone(to_error(ae)));
}

TEST_CASE("parse_watch_event drops bookkeeping in its one copy when asked", "[unit]") {
    std::string const line =
        R"({"type":"ADDED","object":{"metadata":{"name":"a","managedFields":[{"m":1}],)"
        R"("annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}","z":"1"}},"spec":{}}})";
    auto kept = parse_watch_event(line);
    REQUIRE(kept);
    CHECK(op::json::dump(*kept->obj).find("managedFields") != std::string::npos);
    auto slim = parse_watch_event(line, true);
    REQUIRE(slim);
    CHECK(op::json::dump(*slim->obj) ==
          R"({"metadata":{"name":"a","annotations":{"z":"1"}},"spec":{}})");
    // Not an object's metadata: copied as it is.
    auto odd = parse_watch_event(R"({"type":"ADDED","object":{"metadata":[1],"x":2}})", true);
    REQUIRE(odd);
    CHECK(op::json::dump(*odd->obj) == R"({"metadata":[1],"x":2})");
}

TEST_CASE("parse_watch_event keeps only apiVersion, kind and metadata when asked; an ERROR whole",
          "[unit]") {
    auto slim = parse_watch_event(
        R"({"type":"MODIFIED","object":{"apiVersion":"apps/v1","kind":"Deployment",)"
        R"("metadata":{"name":"a","labels":{"l":"1"},"managedFields":[{}]},"spec":{"replicas":3},"status":{}}})",
        true, true);
    REQUIRE(slim);
    CHECK(op::json::dump(*slim->obj) ==
          R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"a","labels":{"l":"1"}}})");
    auto err = parse_watch_event(
        R"({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"m"}})",
        true, true);
    REQUIRE(err);
    CHECK(watch_error(*err).http_code == 410);
    CHECK(watch_error(*err).reason == "Expired");
}

TEST_CASE("without_bookkeeping drops managedFields and the last-applied annotation, nothing else",
          "[unit]") {
    auto parsed = op::json::parse(
        R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"ns",)"
        R"("annotations":{"x":"1","kubectl.kubernetes.io/last-applied-configuration":"{\"big\":1}","y":"2"},)"
        R"("managedFields":[{"manager":"kubectl","operation":"Apply"}],"resourceVersion":"7"},)"
        R"("data":{"k":"v"}})");
    REQUIRE(parsed);
    auto const o = std::make_shared<rapidjson::Document const>(std::move(*parsed));
    auto const slim = op::kube::without_bookkeeping(o);
    REQUIRE(slim);
    CHECK(op::json::dump(*slim) ==
          R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"ns",)"
          R"("annotations":{"x":"1","y":"2"},"resourceVersion":"7"},"data":{"k":"v"}})");
    // Nothing to drop: the very same object, no copy.
    CHECK(op::kube::without_bookkeeping(slim) == slim);
    auto bare = op::json::parse(R"({"metadata":{"name":"b"}})");
    REQUIRE(bare);
    auto const b = std::make_shared<rapidjson::Document const>(std::move(*bare));
    CHECK(op::kube::without_bookkeeping(b) == b);
    CHECK(op::kube::without_bookkeeping(nullptr) == nullptr);
}
