#include "op/reconcile/reconciler.hpp"

#include "fakes.hpp"
#include "op/identity/identity.hpp"
#include "op/util/json.hpp"
#include "op/webhook/owner.hpp"
#include "op_catch.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

using namespace op;
using namespace op::reconcile;
using namespace op::reconcile::testing;
using strings = std::vector<std::string>;

namespace {

struct fixture {
    fake_cluster cluster;
    fake_events events;
    fake_verifier owners;
    util::manual_clock clock;
    reconciler_options options;
    mapper map = [](api::stack const& s) -> result<std::vector<mapping::k8s_object>> {
        return fake_map(s);
    };

    result<requeue> run() {
        stack_reconciler r(cluster, cluster, events, owners, map, clock, options);
        return r.reconcile({"ns", "app"}, {});
    }
    // Runs and returns the actions of that run only.
    strings step() {
        cluster.actions.clear();
        auto r = run();
        REQUIRE(r);
        return cluster.actions;
    }
    api::stack_status const& last_status() const {
        REQUIRE(!cluster.statuses.empty());
        return cluster.statuses.back();
    }
};

std::string cond(api::stack_status const& s, char const* type) {
    auto const* c = find_condition(s, type);
    return c ? c->status + "/" + c->reason : "absent";
}

strings const first_apply = {
    "apply Deployment ns/web as alice", "apply Service ns/web as alice",
    "apply Deployment ns/db as alice",  "apply Service ns/db as alice",
    "status ns/app as operator",
};

}  // namespace

TEST_CASE("first reconcile applies every child as the owner, then writes Progressing", "[unit]") {
    fixture f;
    f.cluster.put_stack(stack_json({{"web"}, {"db", 2}}));
    auto r = f.run();
    REQUIRE(r);
    CHECK(*r == requeue::done());
    CHECK(f.cluster.actions == first_apply);

    auto dep = f.cluster.get(child_kind::deployment, "web");
    REQUIRE(dep);
    CHECK(kube::controller_uid(*dep) == "stack-uid");
    CHECK(std::string((*dep)["metadata"]["ownerReferences"][0]["kind"].GetString()) == "Stack");

    auto const& s = f.last_status();
    CHECK(s.phase == "Progressing");
    CHECK(s.message == "Stack is starting");
    CHECK(s.observed_generation == 1);
    CHECK(cond(s, "Ready") == "False/Progressing");
    CHECK(cond(s, "Reconciling") == "True/Progressing");
    CHECK(cond(s, "Stalled") == "False/Progressing");
    CHECK(s.services.at("web") == api::service_status{1, 0, 0});
    CHECK(s.services.at("db") == api::service_status{2, 0, 0});
    CHECK(s.ready == "0/2");
    CHECK(s.service_count == 2);
    CHECK(f.events.lines.empty());
}

TEST_CASE("an unchanged stack writes nothing on the next pass, not even status", "[unit]") {
    fixture f;
    f.cluster.put_stack(stack_json({{"web"}, {"db", 2}}));
    CHECK(f.step() == first_apply);
    CHECK(f.step().empty());
    f.clock.advance(std::chrono::hours(1));
    CHECK(f.step().empty());
}

TEST_CASE("workloads becoming ready flip Ready once, with an event", "[unit]") {
    fixture f;
    f.cluster.put_stack(stack_json({{"web"}, {"db", 2}}));
    CHECK(f.step() == first_apply);
    f.cluster.set_ready(child_kind::deployment, "web");
    f.cluster.set_ready(child_kind::deployment, "db", 1);  // 1 of 2 ready
    CHECK(f.step() == strings{"status ns/app as operator"});
    CHECK(f.last_status().phase == "Progressing");
    CHECK(f.last_status().services.at("db") == api::service_status{2, 1, 2});
    CHECK(f.last_status().ready == "1/2");

    f.cluster.set_ready(child_kind::deployment, "db");
    CHECK(f.step() == strings{"status ns/app as operator"});
    auto const& s = f.last_status();
    CHECK(s.phase == "Available");
    CHECK(s.message == "Stack is started");
    CHECK(cond(s, "Ready") == "True/Available");
    CHECK(cond(s, "Reconciling") == "False/Available");
    CHECK(cond(s, "Stalled") == "False/Available");
    CHECK(s.ready == "2/2");
    CHECK(f.events.lines == strings{"Normal Ready: all 2 services are ready"});
    CHECK(f.step().empty());
    CHECK(f.events.lines.size() == 1);
}

TEST_CASE("a workload not yet observed at its generation is not ready", "[unit]") {
    fixture f;
    f.cluster.put_stack(stack_json({{"web"}}));
    f.step();
    f.cluster.set_ready(child_kind::deployment, "web");
    f.step();
    REQUIRE(f.last_status().phase == "Available");
    // Spec change: the apply bumps the Deployment's generation; its status is from the old one.
    f.cluster.put_stack(stack_json({{"web", 3}}, 2));
    CHECK(f.step() == strings{"apply Deployment ns/web as alice", "status ns/app as operator"});
    auto const& s = f.last_status();
    CHECK(s.phase == "Progressing");
    CHECK(s.observed_generation == 2);
    CHECK(s.services.at("web") == api::service_status{3, 1, 0});
    for (auto const& c : s.conditions) CHECK(c.observed_generation == 2);
    // Ready -> rolling out is a transition the user sees as an Event, once.
    REQUIRE(f.events.lines.size() == 2);
    CHECK(f.events.lines[1].rfind("Normal Progressing: generation 2: ", 0) == 0);
    f.step();
    CHECK(f.events.lines.size() == 2);
}

TEST_CASE("lastTransitionTime moves only when a condition flips", "[unit]") {
    fixture f;
    f.cluster.put_stack(stack_json({{"web"}}));
    f.step();
    auto const t0 = rfc3339(f.clock.wall_now());
    f.clock.advance(std::chrono::minutes(10));
    f.cluster.set_ready(child_kind::deployment, "web");
    f.step();
    auto const t1 = rfc3339(f.clock.wall_now());
    REQUIRE(t0 != t1);
    auto const& s = f.last_status();
    CHECK(find_condition(s, "Ready")->last_transition_time == t1);
    CHECK(find_condition(s, "Reconciling")->last_transition_time == t1);
    CHECK(find_condition(s, "Stalled")->last_transition_time == t0);
}

TEST_CASE("a removed service is pruned, and only objects controlled by this stack", "[unit]") {
    fixture f;
    f.cluster.put_stack(stack_json({{"web"}, {"db"}}));
    f.step();
    // Same label, another controller uid (e.g. another stack's leftovers): never ours.
    f.cluster.put(child_kind::deployment,
                  R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"other",)"
                  R"("namespace":"ns","labels":{"com.docker.stack.namespace":"app"},)"
                  R"("ownerReferences":[{"apiVersion":"compose.docker.com/v1beta2","kind":"Stack",)"
                  R"("name":"app","uid":"someone-else","controller":true}]}})");
    // Our uid but without the label: not listed as a child either.
    f.cluster.put(child_kind::config_map,
                  R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm",)"
                  R"("namespace":"ns","ownerReferences":[{"uid":"stack-uid","controller":true}]}})");
    f.cluster.put_stack(stack_json({{"web"}}, 2));
    CHECK(f.step() == strings{"delete Deployment ns/db as alice", "delete Service ns/db as alice",
                              "status ns/app as operator"});
    CHECK(f.cluster.get(child_kind::deployment, "other"));
    CHECK(f.last_status().services.size() == 1);
}

TEST_CASE("a workload changing kind is applied under the new kind and pruned under the old",
          "[unit]") {
    fixture f;
    f.cluster.put_stack(stack_json({{"web"}}));
    f.step();
    f.cluster.put_stack(stack_json({{"web", 1, true}}, 2));
    CHECK(f.step() == strings{"apply StatefulSet ns/web as alice",
                              "delete Deployment ns/web as alice", "status ns/app as operator"});
    CHECK_FALSE(f.cluster.get(child_kind::deployment, "web"));
    CHECK(f.cluster.get(child_kind::stateful_set, "web"));
}

TEST_CASE("drift of a field we own is reverted by a new apply", "[unit]") {
    fixture f;
    f.cluster.put_stack(stack_json({{"web", 2}}));
    f.step();
    f.cluster.set_spec_int(child_kind::deployment, "web", "replicas", 5);
    CHECK(f.step() == strings{"apply Deployment ns/web as alice"});
    auto dep = f.cluster.get(child_kind::deployment, "web");
    CHECK((*dep)["spec"]["replicas"].GetInt() == 2);
}

TEST_CASE("a forged or unsigned owner writes no child, stalls once, never storms", "[unit]") {
    fixture f;
    f.cluster.put_stack(stack_json({{"web"}}));
    f.owners.answer = error{errc::terminal, "owner signature does not match", {}};
    auto r = f.run();
    REQUIRE(r);
    CHECK(*r == requeue::done());
    CHECK(f.cluster.actions == strings{"status ns/app as operator"});
    auto const& s = f.last_status();
    CHECK(s.phase == "Failure");
    CHECK(cond(s, "Stalled") == "True/OwnerNotVerified");
    CHECK(cond(s, "Ready") == "False/OwnerNotVerified");
    CHECK(cond(s, "Reconciling") == "False/OwnerNotVerified");
    CHECK(s.message.find("re-apply the stack") != std::string::npos);
    CHECK(s.message.find("owner signature does not match") != std::string::npos);
    REQUIRE(f.events.lines.size() == 1);
    CHECK(f.events.lines[0].rfind("Warning OwnerNotVerified: ", 0) == 0);
    // Again: identical status, no write, no event.
    CHECK(f.step().empty());
    CHECK(f.events.lines.size() == 1);
}

TEST_CASE("impersonation none skips verification and writes as the operator", "[unit]") {
    fixture f;
    f.options.impersonation = impersonation_mode::none;
    f.owners.answer = error{errc::terminal, "unsigned", {}};
    f.cluster.put_stack(stack_json({{"web"}}));
    CHECK(f.step() == strings{"apply Deployment ns/web as operator",
                              "apply Service ns/web as operator", "status ns/app as operator"});
    CHECK(f.owners.calls == 0);
}

TEST_CASE("403 stalls with the forbidden message and retries with a backoff up to 5m", "[unit]") {
    fixture f;
    f.cluster.put_stack(stack_json({{"web"}}));
    f.cluster.inject = [](std::string const& line) -> std::optional<error> {
        if (line.rfind("apply Deployment", 0) != 0) return std::nullopt;
        return kube::to_error({403, "Forbidden",
                               "deployments.apps \"web\" is forbidden: User \"alice\" cannot "
                               "patch resource \"deployments\" in API group \"apps\" in the "
                               "namespace \"ns\"",
                               0});
    };
    auto r = f.run();
    REQUIRE(r);
    CHECK(*r == requeue::backoff_up_to(std::chrono::minutes(5)));
    CHECK(f.cluster.actions ==
          strings{"apply Deployment ns/web as alice", "status ns/app as operator"});
    auto const& s = f.last_status();
    CHECK(s.phase == "Failure");
    CHECK(cond(s, "Stalled") == "True/Forbidden");
    CHECK(s.message.rfind("user alice cannot apply deployments.apps in namespace ns", 0) == 0);
    CHECK(s.message.find("grant user alice") != std::string::npos);
    CHECK(s.message.find("retried with a backoff of up to 5m") != std::string::npos);
    REQUIRE(f.events.lines.size() == 1);
    CHECK(f.events.lines[0].rfind("Warning Forbidden: user alice cannot", 0) == 0);
    // The slow retry still fails: the apply is tried, nothing else is written or emitted.
    CHECK(f.step() == strings{"apply Deployment ns/web as alice"});
    CHECK(f.events.lines.size() == 1);
    // RBAC granted: it proceeds and leaves Stalled.
    f.cluster.inject = nullptr;
    f.step();
    CHECK(cond(f.last_status(), "Stalled") == "False/Progressing");
}

TEST_CASE("a transient failure is returned for a rate-limited retry, status untouched",
          "[unit]") {
    fixture f;
    f.cluster.put_stack(stack_json({{"web"}}));
    f.cluster.inject = [](std::string const& line) -> std::optional<error> {
        if (line.rfind("apply Service", 0) != 0) return std::nullopt;
        return kube::to_error({503, "ServiceUnavailable", "etcd is down", 0});
    };
    auto r = f.run();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::transient);
    CHECK(r.error().message.find("Service ns/web") != std::string::npos);
    CHECK(f.cluster.statuses.empty());
    CHECK(f.events.lines.size() == 1);
}

TEST_CASE("a conflict writing status is transient", "[unit]") {
    fixture f;
    f.cluster.put_stack(stack_json({{"web"}}));
    f.cluster.inject = [](std::string const& line) -> std::optional<error> {
        if (line.rfind("status", 0) != 0) return std::nullopt;
        return kube::to_error({409, "Conflict", "the object has been modified", 0});
    };
    auto r = f.run();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::transient);
}

TEST_CASE("a name taken by an object this stack does not control stalls, naming it", "[unit]") {
    fixture f;
    f.cluster.put_stack(stack_json({{"web"}}));
    f.cluster.put(child_kind::service,
                  R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"web",)"
                  R"("namespace":"ns"},"spec":{"clusterIP":"10.0.0.1"}})");
    std::vector<std::string> stalled;
    f.options.on_stalled = [&](std::string_view reason) { stalled.emplace_back(reason); };
    CHECK(f.step() == strings{"status ns/app as operator"});
    auto const& s = f.last_status();
    CHECK(cond(s, "Stalled") == "True/NameConflict");
    CHECK(s.message.rfind("Service ns/web already exists", 0) == 0);
    CHECK(f.step().empty());  // the same stall again: no write, but every pass is reported
    CHECK(stalled == std::vector<std::string>{"NameConflict", "NameConflict"});
}

TEST_CASE("children of a deleted stack of the same name are waited for", "[unit]") {
    fixture f;
    f.cluster.put_stack(stack_json({{"web"}}));
    f.cluster.put(child_kind::deployment,
                  R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web",)"
                  R"("namespace":"ns","ownerReferences":[{"apiVersion":)"
                  R"("compose.docker.com/v1beta2","kind":"Stack","name":"app","uid":"old",)"
                  R"("controller":true}]}})");
    auto r = f.run();
    REQUIRE(r);
    CHECK(*r == requeue::after(std::chrono::seconds(5)));
    CHECK(f.cluster.actions == strings{"status ns/app as operator"});
    CHECK(f.last_status().phase == "Progressing");
}

TEST_CASE("a missing or deleting stack is left alone", "[unit]") {
    fixture f;
    auto r = f.run();
    REQUIRE(r);
    CHECK(*r == requeue::done());
    auto text = stack_json({{"web"}});
    text.replace(text.find("\"generation\""), 0, R"("deletionTimestamp":"2026-01-01T00:00:00Z",)");
    f.cluster.put_stack(text);
    REQUIRE(f.run());
    CHECK(f.cluster.actions.empty());
    CHECK(f.owners.calls == 0);
}

TEST_CASE("an undecodable stack stalls with the field path", "[unit]") {
    fixture f;
    f.cluster.put_stack(
        R"({"apiVersion":"compose.docker.com/v1beta2","kind":"Stack","metadata":{"name":"app",)"
        R"("namespace":"ns","uid":"stack-uid","generation":3},"spec":{"services":[{"name":1}]}})");
    CHECK(f.step() == strings{"status ns/app as operator"});
    auto const& s = f.last_status();
    CHECK(cond(s, "Stalled") == "True/InvalidSpec");
    CHECK(s.message.find("spec.services[0].name") != std::string::npos);
    CHECK(s.observed_generation == 3);
}

TEST_CASE("a mapping error stalls with its field path and writes no child", "[unit]") {
    fixture f;
    f.map = [](api::stack const&) -> result<std::vector<mapping::k8s_object>> {
        return invalid("relative bind source", "spec.services[0].volumes[0].source");
    };
    f.cluster.put_stack(stack_json({{"web"}}));
    CHECK(f.step() == strings{"status ns/app as operator"});
    auto const& s = f.last_status();
    CHECK(cond(s, "Stalled") == "True/InvalidSpec");
    CHECK(s.message.find("spec.services[0].volumes[0].source: relative bind source") !=
          std::string::npos);
    CHECK(f.events.lines.size() == 1);
}

TEST_CASE("not-ready polling is off by default and available as an option", "[unit]") {
    fixture f;
    f.options.not_ready_poll = std::chrono::seconds(30);
    f.cluster.put_stack(stack_json({{"web"}}));
    auto r = f.run();
    REQUIRE(r);
    CHECK(*r == requeue::after(std::chrono::seconds(30)));
    f.cluster.set_ready(child_kind::deployment, "web");
    r = f.run();
    REQUIRE(r);
    CHECK(*r == requeue::done());
}

TEST_CASE("the real mapping's objects are applied and settle", "[unit]") {
    fixture f;
    f.map = make_mapper();
    f.cluster.put_stack(stack_json({{"web"}, {"db", 1, true}}));
    auto actions = f.step();
    REQUIRE(actions.size() >= 3);
    CHECK(std::find(actions.begin(), actions.end(), "apply Deployment ns/web as alice") !=
          actions.end());
    CHECK(std::find(actions.begin(), actions.end(), "apply StatefulSet ns/db as alice") !=
          actions.end());
    CHECK(actions.back() == "status ns/app as operator");
    CHECK(f.step().empty());
}

TEST_CASE("Secrets packed by the client beside the stack are adopted, others left alone", "[unit]") {
    fixture f;
    auto stack = stack_json({{"web"}});
    stack.insert(stack.size() - 2,
                 R"(,"secrets":{"db_password":{"name":"db-password","external":{"name":"db-password","external":true}},)"
                 R"("theirs":{"name":"theirs","external":{"name":"theirs","external":true}}})");
    f.cluster.put_stack(stack);
    f.cluster.put(child_kind::secret,
                  R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"db-password","namespace":"ns","uid":"s-1","generation":1,)"
                  R"("labels":{"com.docker.stack.namespace":"app"}},"data":{"file":"eA=="}})");
    f.cluster.put(child_kind::secret,
                  R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"theirs","namespace":"ns","uid":"s-2","generation":1},"data":{"file":"eA=="}})");
    auto const actions = f.step();
    INFO(fmt::format("{}", fmt::join(actions, "; ")));
    CHECK(std::count(actions.begin(), actions.end(), "apply Secret ns/db-password as alice") == 1);
    CHECK(std::count(actions.begin(), actions.end(), "apply Secret ns/theirs as alice") == 0);
    auto adopted = f.cluster.get(child_kind::secret, "db-password");
    REQUIRE(adopted);
    INFO(json::dump(*adopted));
    REQUIRE(adopted->HasMember("metadata"));
    REQUIRE((*adopted)["metadata"].HasMember("ownerReferences"));
    auto const& ref = (*adopted)["metadata"]["ownerReferences"][0];
    CHECK(std::string(ref["uid"].GetString()) == "stack-uid");
    CHECK_FALSE(ref.HasMember("controller"));  // never a controlled child: never pruned
    // Adopted once: the next pass does not write it again, and does not prune it.
    auto const again = f.step();
    CHECK(std::count_if(again.begin(), again.end(), [](auto const& a) { return a.find("Secret") != std::string::npos; }) == 0);
}

TEST_CASE("an Ingress from x-kubernetes expose is owned: applied, then pruned", "[unit]") {
    fixture f;
    f.map = make_mapper();
    auto with_expose = [](bool expose, int generation) {
        std::string const k8s = expose ? R"(,"kubernetes":{"expose":[{"host":"shop.example.com"}]})" : "";
        return fmt::format(
            R"({{"apiVersion":"compose.docker.com/v1beta2","kind":"Stack","metadata":{{"name":"app",)"
            R"("namespace":"ns","uid":"stack-uid","generation":{},"resourceVersion":"1"}},)"
            R"("spec":{{"services":[{{"name":"web","image":"nginx","ports":[{{"target":80,"published":8080}}]{}}}]}}}})",
            generation, k8s);
    };
    f.cluster.put_stack(with_expose(true, 1));
    auto actions = f.step();
    CHECK(std::find(actions.begin(), actions.end(), "apply Ingress ns/web as alice") != actions.end());
    CHECK(f.cluster.get(child_kind::ingress, "web"));
    CHECK(f.step().empty());
    f.cluster.put_stack(with_expose(false, 2));
    actions = f.step();
    CHECK(std::find(actions.begin(), actions.end(), "delete Ingress ns/web as alice") != actions.end());
    CHECK_FALSE(f.cluster.get(child_kind::ingress, "web"));
}

TEST_CASE("Ingress is a child kind of networking.k8s.io/v1", "[unit]") {
    CHECK(child_kind_of("networking.k8s.io/v1", "Ingress") == child_kind::ingress);
    CHECK_FALSE(child_kind_of("v1", "Ingress"));
    CHECK(resource_of(child_kind::ingress).group == "networking.k8s.io");
    CHECK(resource_of(child_kind::ingress).plural == "ingresses");
    CHECK(kind_name(child_kind::ingress) == "Ingress");
}

// The real verifier (identity::verify_owner with the HMAC key), as the controller wires it.
namespace {
std::string signed_for_alice(std::string const& stack, op::identity::hmac_key const& key) {
    auto doc = json::parse(stack);
    REQUIRE(doc);
    op::webhook::admission_request create;
    create.uid = "c";
    create.operation = "CREATE";
    create.name = "app";
    create.namespace_ = "ns";
    create.user = {"alice", "alice-uid", {"devs"}, {}};
    create.object.CopyFrom(*doc, create.object.GetAllocator());
    auto plan = op::webhook::plan_owner(create, key, 1);
    REQUIRE(plan);
    auto patch = json::parse(plan->patch);
    REQUIRE(patch);
    REQUIRE(patch->Size() == 1);  // one add of the annotations map
    auto& md = (*doc)["metadata"];
    md.RemoveMember("annotations");
    md.AddMember("annotations", rapidjson::Value((*patch)[0]["value"], doc->GetAllocator()), doc->GetAllocator());
    return json::dump(*doc);
}
}  // namespace

TEST_CASE("a spec that is not the signed one writes no child: Stalled and a Warning event", "[unit]") {
    auto key = *op::identity::hmac_key::from_bytes(std::string(32, 'r'));
    function_owner_verifier real([&key](rapidjson::Value const& o) -> result<reconcile::author> {
        OP_TRY(auto w, op::identity::verify_owner(o, key));
        return reconcile::author{w.username, w.uid, w.groups, w.extra};
    });
    fake_cluster cluster;
    fake_events events;
    util::manual_clock clock;
    auto run = [&] {
        stack_reconciler r(cluster, cluster, events, real, [](api::stack const& s) { return result<std::vector<mapping::k8s_object>>(fake_map(s)); },
                           clock, {});
        return r.reconcile({"ns", "app"}, {});
    };
    auto good = signed_for_alice(stack_json({{"web"}}), key);
    cluster.put_stack(good);
    REQUIRE(run());
    CHECK(cluster.actions.front() == "apply Deployment ns/web as alice");

    // The same signed annotations on another spec (written while the webhook was bypassed).
    auto tampered = json::parse(good);
    REQUIRE(tampered);
    auto other = json::parse(stack_json({{"web"}, {"miner", 3}}));
    REQUIRE(other);
    (*tampered)["spec"].CopyFrom((*other)["spec"], tampered->GetAllocator());
    cluster.put_stack(json::dump(*tampered));
    cluster.actions.clear();
    events.lines.clear();
    REQUIRE(run());
    CHECK(cluster.actions == strings{"status ns/app as operator"});
    auto const& s = cluster.statuses.back();
    CHECK(cond(s, "Stalled") == "True/OwnerNotVerified");
    CHECK(s.message.find("not the one its owner's signature covers") != std::string::npos);
    REQUIRE(events.lines.size() == 1);
    CHECK(events.lines[0].rfind("Warning OwnerNotVerified: ", 0) == 0);
}

TEST_CASE("the claim of a volume two services share: one, unowned, never pruned", "[unit]") {
    fixture f;
    f.map = make_mapper();
    auto stack = [](bool shared, int generation) {
        std::string const second = shared ? R"(,{"name":"backup","image":"busybox","volumes":[{"type":"volume","source":"db_data","target":"/b"}]})" : "";
        return fmt::format(
            R"({{"apiVersion":"compose.docker.com/v1beta2","kind":"Stack","metadata":{{"name":"app",)"
            R"("namespace":"ns","uid":"stack-uid","generation":{},"resourceVersion":"1"}},)"
            R"("spec":{{"services":[{{"name":"db","image":"postgres","volumes":[{{"type":"volume","source":"db_data","target":"/d"}}]}}{}]}}}})",
            generation, second);
    };
    f.cluster.put_stack(stack(true, 1));
    auto actions = f.step();
    INFO(fmt::format("{}", fmt::join(actions, "\n")));
    CHECK(std::count(actions.begin(), actions.end(), "apply PersistentVolumeClaim ns/app.db-data as alice") == 1);
    auto claim = f.cluster.get(child_kind::persistent_volume_claim, "app.db-data");
    REQUIRE(claim);
    // No ownerReference: the garbage collector never deletes its data with the stack.
    CHECK_FALSE((*claim)["metadata"].HasMember("ownerReferences"));
    // Recognised by its labels on the next pass: no NameConflict, no second apply.
    CHECK(f.step().empty());
    // Used by one service again: its StatefulSet's claim template; the standalone claim is kept.
    f.cluster.put_stack(stack(false, 2));
    actions = f.step();
    INFO(fmt::format("{}", fmt::join(actions, "\n")));
    CHECK(std::find(actions.begin(), actions.end(), "delete PersistentVolumeClaim ns/app.db-data as alice") == actions.end());
    CHECK(f.cluster.get(child_kind::persistent_volume_claim, "app.db-data"));
    CHECK(child_kind_of("v1", "PersistentVolumeClaim") == child_kind::persistent_volume_claim);
    CHECK(resource_of(child_kind::persistent_volume_claim).plural == "persistentvolumeclaims");
}
