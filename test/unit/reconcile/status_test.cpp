#include "op/reconcile/status.hpp"

#include "fakes.hpp"
#include "op_catch.hpp"

using namespace op;
using namespace op::reconcile;
using op::reconcile::testing::parse;

TEST_CASE("Deployment counts: updated only at the observed generation", "[unit]") {
    auto d = parse(R"({"metadata":{"generation":3},"spec":{"replicas":2},"status":{)"
                   R"("observedGeneration":3,"replicas":2,"readyReplicas":2,"updatedReplicas":2}})");
    auto st = workload_state_of(child_kind::deployment, *d);
    CHECK(st.counts == api::service_status{2, 2, 2});
    CHECK(st.ready);

    auto stale = parse(R"({"metadata":{"generation":4},"spec":{"replicas":2},"status":{)"
                       R"("observedGeneration":3,"replicas":2,"readyReplicas":2,)"
                       R"("updatedReplicas":2}})");
    st = workload_state_of(child_kind::deployment, *stale);
    CHECK(st.counts == api::service_status{2, 2, 0});
    CHECK_FALSE(st.ready);

    auto old_pods = parse(R"({"metadata":{"generation":3},"spec":{"replicas":2},"status":{)"
                          R"("observedGeneration":3,"replicas":3,"readyReplicas":3,)"
                          R"("updatedReplicas":2}})");
    CHECK_FALSE(workload_state_of(child_kind::deployment, *old_pods).ready);
}

TEST_CASE("StatefulSet defaults replicas to 1; DaemonSet reads scheduled counts", "[unit]") {
    auto s = parse(R"({"metadata":{"generation":1},"spec":{},"status":{"observedGeneration":1}})");
    auto st = workload_state_of(child_kind::stateful_set, *s);
    CHECK(st.counts == api::service_status{1, 0, 0});
    CHECK_FALSE(st.ready);

    auto ds = parse(R"({"metadata":{"generation":2},"status":{"observedGeneration":2,)"
                    R"("desiredNumberScheduled":3,"currentNumberScheduled":3,"numberReady":2,)"
                    R"("updatedNumberScheduled":3}})");
    st = workload_state_of(child_kind::daemon_set, *ds);
    CHECK(st.counts == api::service_status{3, 2, 3});
    CHECK_FALSE(st.ready);
    CHECK(missing_workload_state(child_kind::daemon_set, *ds).counts.desired == 0);
}

TEST_CASE("next_status: phases, conditions and kept foreign conditions", "[unit]") {
    auto const t0 = std::chrono::sys_days{std::chrono::year{2026} / 3 / 4} + std::chrono::hours(5);
    std::map<std::string, workload_state> services{{"a", {{1, 1, 1}, true}},
                                                   {"b", {{2, 0, 2}, false}}};
    auto s = next_status(std::nullopt, 7, services, std::nullopt, t0);
    CHECK(s.phase == "Progressing");
    CHECK(s.observed_generation == 7);
    CHECK(s.ready == "1/2");
    auto const* ready = find_condition(s, "Ready");
    REQUIRE(ready);
    CHECK(ready->status == "False");
    CHECK(ready->message == "waiting for 1 of 2 services: b (ready 0/2, updated 2/2)");
    CHECK(ready->last_transition_time == "2026-03-04T05:00:00Z");

    s.conditions.push_back({"Custom", "True", "X", "", "2020-01-01T00:00:00Z", std::nullopt});
    auto failed = next_status(s, 8, services, stall{"Forbidden", "no"}, t0 + std::chrono::hours(1));
    CHECK(failed.phase == "Failure");
    CHECK(failed.message == "no");
    CHECK(find_condition(failed, "Stalled")->last_transition_time == "2026-03-04T06:00:00Z");
    CHECK(find_condition(failed, "Ready")->last_transition_time == "2026-03-04T05:00:00Z");
    REQUIRE(find_condition(failed, "Custom"));
    CHECK(condition_true(failed, "Stalled"));
    CHECK_FALSE(condition_true(failed, "Reconciling"));
}

TEST_CASE("rfc3339 formats UTC seconds", "[unit]") {
    using namespace std::chrono;
    CHECK(rfc3339(sys_days{year{1999} / 12 / 31} + hours(23) + minutes(59) + seconds(58) +
                  milliseconds(999)) == "1999-12-31T23:59:58Z");
}
