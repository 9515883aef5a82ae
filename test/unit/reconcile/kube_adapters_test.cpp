#include "op/reconcile/kube_adapters.hpp"

#include "fakes.hpp"
#include "op_catch.hpp"

#include <fmt/format.h>

using namespace op;
using namespace op::reconcile;

TEST_CASE("informer handlers feed the workqueue through event_handlers", "[unit]") {
    util::manual_clock clock;
    kube::workqueue q(clock);
    event_handlers h(q);
    auto stack_h = stack_event_handler(h);
    auto child_h = child_event_handler(h);
    stack_h.on_add(testing::parse(R"({"metadata":{"name":"app","namespace":"ns"}})"));
    child_h.on_delete(testing::parse(
        R"({"metadata":{"name":"web","namespace":"other","ownerReferences":[{"apiVersion":)"
        R"("compose.docker.com/v1beta2","kind":"Stack","name":"s2","uid":"u","controller":true}]}})"));
    CHECK(q.try_get() == std::optional<std::string>("ns/app"));
    CHECK(q.try_get() == std::optional<std::string>("other/s2"));
    CHECK_FALSE(q.try_get());
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
