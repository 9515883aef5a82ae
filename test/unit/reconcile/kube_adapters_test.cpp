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
