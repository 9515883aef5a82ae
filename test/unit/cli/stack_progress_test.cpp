#include "op/cli/stack.hpp"

#include "op/util/json.hpp"
#include "op_catch.hpp"

#include <fmt/format.h>

using namespace op;
using namespace op::cli;
using std::chrono::seconds;

namespace {

// A stack at metadata.generation 3 with the given status members (JSON text, may be empty).
rapidjson::Document stack_with(std::string_view status) {
    std::string text = R"({"metadata": {"name": "shop", "generation": 3},
        "spec": {"services": [{"name": "web"}, {"name": "db"}]})";
    if (!status.empty()) text += fmt::format(R"(, "status": {{{}}})", status);
    text += "}";
    auto d = json::parse(text);
    REQUIRE(d);
    return std::move(*d);
}

std::string const progressing = R"("observedGeneration": 3, "phase": "Progressing", "message": "Stack is starting",
    "conditions": [{"type": "Ready", "status": "False", "observedGeneration": 3, "reason": "Progressing"},
                   {"type": "Stalled", "status": "False", "observedGeneration": 3}],
    "services": {"web": {"desired": 2, "ready": 1, "updated": 2}, "db": {"desired": 1, "ready": 0, "updated": 0}})";

}  // namespace

TEST_CASE("snapshot_of: waiting until the operator observed the applied generation", "[unit][cli]") {
    auto none = snapshot_of(stack_with(""), 3);
    CHECK(none.state == stack_state::waiting);
    REQUIRE(none.services.size() == 2);
    CHECK_FALSE(none.services[0].known);

    // An old Ready status (generation 2) does not count for generation 3.
    auto old = snapshot_of(stack_with(R"("observedGeneration": 2, "phase": "Available",
        "conditions": [{"type": "Ready", "status": "True", "observedGeneration": 2}])"), 3);
    CHECK(old.state == stack_state::waiting);
}

TEST_CASE("snapshot_of: progressing, ready, failed", "[unit][cli]") {
    auto p = snapshot_of(stack_with(progressing), 3);
    CHECK(p.state == stack_state::progressing);
    CHECK(p.services[0] == service_progress{"web", 2, 1, 2, true});
    CHECK(p.services[1] == service_progress{"db", 1, 0, 0, true});

    auto r = snapshot_of(stack_with(R"("observedGeneration": 3, "phase": "Available",
        "conditions": [{"type": "Ready", "status": "True", "observedGeneration": 3}],
        "services": {"web": {"desired": 2, "ready": 2, "updated": 2}, "db": {"desired": 1, "ready": 1, "updated": 1}})"),
                         3);
    CHECK(r.state == stack_state::ready);

    // A condition without its own observedGeneration uses the status's.
    auto r2 = snapshot_of(stack_with(R"("observedGeneration": 3, "conditions": [{"type": "Ready", "status": "True"}])"), 3);
    CHECK(r2.state == stack_state::ready);

    auto f = snapshot_of(stack_with(R"("observedGeneration": 3, "phase": "Failure", "message": "old",
        "conditions": [{"type": "Ready", "status": "False", "observedGeneration": 3},
                       {"type": "Stalled", "status": "True", "observedGeneration": 3, "reason": "Forbidden",
                        "message": "user bob cannot create deployments"}])"),
                         3);
    CHECK(f.state == stack_state::failed);
    CHECK(f.reason == "Forbidden");
    CHECK(f.message == "user bob cannot create deployments");
    CHECK(progress_lines(f, "shop", seconds(1))[0] == "Stack shop: Failed (Forbidden) (1s)");
    // The caller prints the failure's message; the report lists the services only.
    CHECK(not_ready_report(f) == std::vector<std::string>{"service web is not ready: -/- waiting",
                                                          "service db is not ready: -/- waiting"});

    auto junk = snapshot_of(stack_with(R"("observedGeneration": "three")"), 3);
    CHECK(junk.state == stack_state::waiting);
}

TEST_CASE("progress_lines: a header and one aligned line per service", "[unit][cli]") {
    auto p = snapshot_of(stack_with(progressing), 3);
    auto lines = progress_lines(p, "shop", seconds(12));
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == "Stack shop: Progressing (12s)");
    CHECK(lines[1] == "  web      1/2  starting");
    CHECK(lines[2] == "  db       0/1  starting (0/1 updated)");
    auto w = progress_lines(snapshot_of(stack_with(""), 3), "shop", seconds(0));
    CHECK(w[0] == "Stack shop: waiting for the operator (0s)");
    CHECK(w[1] == "  web      -/-  waiting");
}

TEST_CASE("redraw moves up over the previous block and clears what is left", "[unit][cli]") {
    CHECK(redraw(0, {"a", "b"}, 0) == "\r\x1b[2Ka\n\r\x1b[2Kb\n\x1b[J");
    CHECK(redraw(2, {"a"}, 0) == "\x1b[2A\r\x1b[2Ka\n\x1b[J");
    CHECK(redraw(0, {"abcdef"}, 4) == "\r\x1b[2Kabc\n\x1b[J");  // never wraps
}

TEST_CASE("progress_changes: plain lines only for what changed", "[unit][cli]") {
    auto w = snapshot_of(stack_with(""), 3);
    auto first = progress_changes(std::nullopt, w, seconds(0));
    CHECK(first == std::vector<std::string>{"[   0s] stack: waiting for the operator"});

    auto p = snapshot_of(stack_with(progressing), 3);
    auto second = progress_changes(w, p, seconds(2));
    CHECK(second == std::vector<std::string>{"[   2s] stack: Progressing", "[   2s] web: 1/2 starting",
                                             "[   2s] db: 0/1 starting (0/1 updated)"});
    CHECK(progress_changes(p, p, seconds(3)).empty());

    auto q = p;
    q.services[1] = {"db", 1, 1, 1, true};
    CHECK(progress_changes(p, q, seconds(4)) == std::vector<std::string>{"[   4s] db: 1/1 ready"});
}

TEST_CASE("not_ready_report names the services that are not ready", "[unit][cli]") {
    auto p = snapshot_of(stack_with(progressing), 3);
    auto r = not_ready_report(p);
    CHECK(r == std::vector<std::string>{"stack status: Progressing: Stack is starting",
                                        "service web is not ready: 1/2 starting",
                                        "service db is not ready: 0/1 starting (0/1 updated)"});
    auto w = not_ready_report(snapshot_of(stack_with(""), 3));
    CHECK(w.front().find("operator has not reported") != std::string::npos);
}
