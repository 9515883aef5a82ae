#include "op/reconcile/kube_adapters.hpp"

#include "fakes.hpp"
#include "op_catch.hpp"

#include <fmt/format.h>

using namespace op;
using namespace op::reconcile;

TEST_CASE("event_body is an events.k8s.io/v1 Event regarding the stack", "[unit]") {
    auto stack = testing::parse(testing::stack_json({{"web"}}));
    auto const now = std::chrono::sys_days{std::chrono::year{2026} / 2 / 3} +
                     std::chrono::microseconds(1'500'042);
    auto ev = testing::parse(event_body(*stack, event_type::warning, "Forbidden",
                                        std::string(2000, 'x'), now, "pod-1"));
    auto const& e = *ev;
    CHECK(std::string(e["apiVersion"].GetString()) == "events.k8s.io/v1");
    CHECK(std::string(e["type"].GetString()) == "Warning");
    CHECK(std::string(e["reason"].GetString()) == "Forbidden");
    CHECK(std::string(e["eventTime"].GetString()) == "2026-02-03T00:00:01.500042Z");
    CHECK(std::string(e["note"].GetString()).size() == 1024);
    CHECK(std::string(e["metadata"]["namespace"].GetString()) == "ns");
    CHECK(std::string(e["metadata"]["name"].GetString()).rfind("app.", 0) == 0);
    CHECK(std::string(e["regarding"]["uid"].GetString()) == "stack-uid");
    CHECK(std::string(e["regarding"]["kind"].GetString()) == "Stack");
    CHECK(std::string(e["reportingController"].GetString()) ==
          "compose.docker.com/compose-operator");
}

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
