#include "op/reconcile/handlers.hpp"

#include "fakes.hpp"
#include "op_catch.hpp"

#include <fmt/format.h>

using namespace op;
using namespace op::reconcile;
using op::reconcile::testing::parse;

namespace {

kube::object child(char const* owner_api, char const* owner_kind, bool controller,
                   char const* rv = "1") {
    return parse(fmt::format(
        R"({{"metadata":{{"name":"web","namespace":"ns","resourceVersion":"{}",)"
        R"("ownerReferences":[{{"apiVersion":"{}","kind":"{}","name":"app","uid":"u",)"
        R"("controller":{}}}]}}}})",
        rv, owner_api, owner_kind, controller ? "true" : "false"));
}

std::vector<std::string> drain(kube::workqueue& q) {
    std::vector<std::string> out;
    while (auto k = q.try_get()) {
        out.push_back(*k);
        q.done(*k);
    }
    return out;
}

}  // namespace

TEST_CASE("a child maps to its controlling Stack, anything else is ignored", "[unit]") {
    CHECK(owner_stack_key(*child("compose.docker.com/v1beta2", "Stack", true)) == "ns/app");
    CHECK(owner_stack_key(*child("compose.docker.com/v1alpha3", "Stack", true)) == "ns/app");
    CHECK_FALSE(owner_stack_key(*child("compose.docker.com/v1beta2", "Stack", false)));
    CHECK_FALSE(owner_stack_key(*child("apps/v1", "ReplicaSet", true)));
    CHECK_FALSE(owner_stack_key(*child("example.com/v1", "Stack", true)));
    CHECK_FALSE(owner_stack_key(*parse(R"({"metadata":{"name":"x"}})")));
}

TEST_CASE("handlers only enqueue keys; same-resourceVersion updates are skipped", "[unit]") {
    util::manual_clock clock;
    kube::workqueue q(clock);
    event_handlers h(q);
    auto stack = parse(R"({"metadata":{"name":"app","namespace":"ns","resourceVersion":"5"}})");
    h.on_stack({kube::delta_type::added, stack, nullptr});
    h.on_stack({kube::delta_type::updated, stack, stack});
    CHECK(drain(q) == std::vector<std::string>{"ns/app"});

    auto c1 = child("compose.docker.com/v1beta2", "Stack", true, "1");
    auto c2 = child("compose.docker.com/v1beta2", "Stack", true, "2");
    h.on_child({kube::delta_type::updated, c2, c1});
    h.on_child({kube::delta_type::deleted, c2, nullptr});
    CHECK(drain(q) == std::vector<std::string>{"ns/app"});
    h.on_child({kube::delta_type::updated, c1, c1});
    h.on_child({kube::delta_type::added, child("apps/v1", "ReplicaSet", true), nullptr});
    CHECK(drain(q).empty());
}

TEST_CASE("a resync re-evaluates every stack, Stalled ones through the rate limiter", "[unit]") {
    util::manual_clock clock;
    kube::workqueue q(clock);
    event_handlers h(q);
    auto ok = parse(R"({"metadata":{"name":"ok","namespace":"ns","resourceVersion":"5"},)"
                    R"("status":{"conditions":[{"type":"Stalled","status":"False"}]}})");
    auto stalled = parse(R"({"metadata":{"name":"stuck","namespace":"ns","resourceVersion":"7"},)"
                         R"("status":{"conditions":[{"type":"Ready","status":"False"},)"
                         R"({"type":"Stalled","status":"True","reason":"NameConflict"}]}})");
    h.on_stack({kube::delta_type::resync, ok, ok});
    h.on_stack({kube::delta_type::resync, stalled, stalled});
    CHECK(drain(q) == std::vector<std::string>{"ns/ok"});  // the Stalled one waits its backoff
    clock.advance(std::chrono::seconds(1));
    CHECK(drain(q) == std::vector<std::string>{"ns/stuck"});
    // A same-version update is still no reason to reconcile.
    h.on_stack({kube::delta_type::updated, stalled, stalled});
    CHECK(drain(q).empty());
}
