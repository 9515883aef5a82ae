#include "op/reconcile/kube_adapters.hpp"

#include "fakes.hpp"
#include "op_catch.hpp"

#include <fmt/format.h>

using namespace op;
using namespace op::reconcile;

TEST_CASE("store_cache lists labelled children of one namespace", "[unit]") {
    kube::store stacks, deployments;
    auto mk = [](char const* name, char const* ns, char const* stack) {
        return testing::parse(fmt::format(
            R"({{"metadata":{{"name":"{}","namespace":"{}","resourceVersion":"1",)"
            R"("labels":{{"com.docker.stack.namespace":"{}"}}}}}})",
            name, ns, stack));
    };
    (void)deployments.upsert(mk("a", "ns", "app"));
    (void)deployments.upsert(mk("b", "other", "app"));
    (void)deployments.upsert(mk("c", "ns", "else"));
    store_cache cache(stacks, {{child_kind::deployment, &deployments}});
    auto l = cache.list_labelled(child_kind::deployment, "ns", "app");
    REQUIRE(l.size() == 1);
    CHECK(kube::key_of(*l[0]).str() == "ns/a");
    CHECK(cache.list_labelled(child_kind::service, "ns", "app").empty());
    auto got = cache.get_child(child_kind::deployment, {"ns", "c"});
    REQUIRE(got);
    CHECK(*got);
    auto none = cache.get_child(child_kind::deployment, {"ns", "zz"});
    REQUIRE(none);
    CHECK_FALSE(*none);
    CHECK_FALSE(cache.get_stack({"ns", "app"}));
}

TEST_CASE("stale_status_patch removes what an older writer left and nothing else", "[unit]") {
    auto stored = testing::parse(
        R"({"observedGeneration":3,"phase":"Available","message":"old",)"
        R"("conditions":[{"type":"Ready","status":"True"}],)"
        R"("services":{"web":{"ready":1},"gone":{"ready":1}},"ready":"2/2"})");
    SECTION("fields and services the applied status lacks become nulls") {
        auto wanted = testing::parse(
            R"({"observedGeneration":4,"phase":"Available",)"
            R"("conditions":[{"type":"Ready","status":"True"}],"services":{"web":{"ready":1}},)"
            R"("ready":"1/1"})");
        auto p = stale_status_patch(*stored, *wanted);
        REQUIRE(p);
        CHECK(*p == R"({"status":{"message":null,"services":{"gone":null}}})");
    }
    SECTION("nothing to remove: no patch") {
        CHECK_FALSE(stale_status_patch(*stored, *stored));
    }
    SECTION("services dropped altogether: one null") {
        auto wanted = testing::parse(
            R"({"observedGeneration":3,"phase":"Available","message":"old",)"
            R"("conditions":[],"ready":"0/0"})");
        auto p = stale_status_patch(*stored, *wanted);
        REQUIRE(p);
        CHECK(*p == R"({"status":{"services":null}})");
    }
    SECTION("not objects: no patch") {
        auto n = testing::parse("[]");
        CHECK_FALSE(stale_status_patch(*n, *stored));
    }
}
