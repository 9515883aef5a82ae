#include "reconcile_metrics.hpp"

#include "build_info.hpp"
#include "op_catch.hpp"

#include <stdexcept>

using namespace op;
using namespace op::runtime;

namespace {

bool has(std::string const& text, std::string const& line) { return text.find(line + "\n") != std::string::npos; }

}  // namespace

TEST_CASE("metered reconcile: controller-runtime's reconcile families by result", "[unit]") {
    metrics::registry m;
    std::vector<result<reconcile::requeue>> answers = {
        reconcile::requeue::done(), reconcile::requeue::after(std::chrono::seconds(5)), reconcile::requeue::done(),
        op::transient("apiserver away"), op::terminal("forbidden"), op::invalid("not a stack")};
    std::size_t next = 0;
    auto fn = metered_reconcile([&](kube::object_key const&, std::stop_token) { return answers.at(next++); }, m, 3);

    auto text = m.render();  // before any pass: every result series at 0, the worker limit set
    CHECK(has(text, R"(controller_runtime_reconcile_total{controller="stack",result="requeue"} 0)"));
    CHECK(has(text, R"(controller_runtime_max_concurrent_reconciles{controller="stack"} 3)"));
    for (std::size_t i = 0; i < answers.size(); ++i) (void)fn({"ns", "app"}, {});

    text = m.render();
    CHECK(has(text, R"(controller_runtime_reconcile_total{controller="stack",result="success"} 2)"));
    CHECK(has(text, R"(controller_runtime_reconcile_total{controller="stack",result="requeue_after"} 1)"));
    CHECK(has(text, R"(controller_runtime_reconcile_total{controller="stack",result="error"} 3)"));
    CHECK(has(text, R"(controller_runtime_reconcile_errors_total{controller="stack"} 3)"));
    CHECK(has(text, R"(controller_runtime_terminal_reconcile_errors_total{controller="stack"} 1)"));
    CHECK(has(text, R"(controller_runtime_reconcile_time_seconds_count{controller="stack"} 6)"));
    CHECK(has(text, R"(controller_runtime_reconcile_time_seconds_bucket{controller="stack",le="60"} 6)"));
    CHECK(has(text, R"(controller_runtime_active_workers{controller="stack"} 0)"));
    // Failures by reason, and the documented compose_operator_* series.
    CHECK(has(text, R"(compose_operator_reconcile_errors_total{reason="Transient"} 1)"));
    CHECK(has(text, R"(compose_operator_reconcile_errors_total{reason="Terminal"} 1)"));
    CHECK(has(text, R"(compose_operator_reconcile_errors_total{reason="Invalid"} 1)"));
    CHECK(has(text, R"(compose_operator_reconcile_total{result="ok"} 3)"));
    CHECK(has(text, R"(compose_operator_reconcile_total{result="transient"} 1)"));
    CHECK(has(text, R"(compose_operator_reconcile_duration_seconds_count 6)"));
}

TEST_CASE("metered reconcile: a worker counts as active only inside a pass, even one that throws", "[unit]") {
    metrics::registry m;
    auto& active = m.get_gauge("controller_runtime_active_workers", "", {{"controller", "stack"}});
    double seen = -1;
    bool do_throw = false;
    auto fn = metered_reconcile(
        [&](kube::object_key const&, std::stop_token) -> result<reconcile::requeue> {
            seen = active.value();
            if (do_throw) throw std::runtime_error("bug");
            return reconcile::requeue::done();
        },
        m, 1);
    (void)fn({"ns", "app"}, {});
    CHECK(seen == 1);
    do_throw = true;
    CHECK_THROWS((void)fn({"ns", "app"}, {}));  // the worker loop catches it
    CHECK(active.value() == 0);
}

TEST_CASE("error reasons and stall reasons share one family", "[unit]") {
    metrics::registry m;
    count_reconcile_error(m, "NameConflict");
    count_reconcile_error(m, error_reason(errc::internal));
    auto text = m.render();
    CHECK(has(text, R"(compose_operator_reconcile_errors_total{reason="NameConflict"} 1)"));
    CHECK(has(text, R"(compose_operator_reconcile_errors_total{reason="InternalError"} 1)"));
    CHECK(error_reason(errc::not_found) == "NotFound");
    CHECK(error_reason(errc::invalid) == "Invalid");
}

TEST_CASE("build_info and the leader gauges", "[unit]") {
    metrics::registry m;
    register_build_info(m);
    leader_gauges leader(m);
    auto text = m.render();
    CHECK(text.find("# TYPE compose_operator_build_info gauge\ncompose_operator_build_info{version=\"") !=
          std::string::npos);
    CHECK(text.find("\",git_commit=\"") != std::string::npos);
    CHECK(has(text, "compose_operator_leader 0"));
    CHECK(has(text, R"(leader_election_master_status{name="compose-operator"} 0)"));
    leader.set(true);
    text = m.render();
    CHECK(has(text, "compose_operator_leader 1"));
    CHECK(has(text, R"(leader_election_master_status{name="compose-operator"} 1)"));
}
