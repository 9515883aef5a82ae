#include "children.hpp"

#include "fakes.hpp"
#include "op/util/json.hpp"
#include "op_catch.hpp"

using namespace op;
using namespace op::reconcile;
using namespace op::reconcile::detail;
using op::reconcile::testing::parse;

namespace {

api::stack hub() {
    auto s = decode_hub(*parse(testing::stack_json({{"web"}})));
    REQUIRE(s);
    return *s;
}

}  // namespace

TEST_CASE("decode_hub reads v1beta2 and refuses v1beta1", "[unit]") {
    auto s = hub();
    CHECK(s.metadata.uid == "stack-uid");
    REQUIRE(s.spec.services.size() == 1);
    CHECK(s.spec.services[0].name == "web");
    auto v1 = decode_hub(*parse(R"({"apiVersion":"compose.docker.com/v1beta1","kind":"Stack",)"
                                R"("metadata":{"name":"a"},"spec":{"composeFile":""}})"));
    REQUIRE_FALSE(v1);
    CHECK(v1.error().field_path == "apiVersion");
}

TEST_CASE("prepare adds namespace, stack label, controller reference and hash", "[unit]") {
    auto s = hub();
    auto objs = testing::fake_map(s);
    auto d = prepare(std::move(objs), s);
    REQUIRE(d);
    REQUIRE(d->size() == 2);
    auto const& dep = (*d)[0];
    CHECK(dep.kind == child_kind::deployment);
    CHECK(dep.key == kube::object_key{"ns", "web"});
    CHECK(dep.service == "web");
    CHECK(kube::controller_uid(dep.body) == "stack-uid");
    CHECK(dep.hash.rfind("fnv1a64:", 0) == 0);
    CHECK(std::string(dep.body["metadata"]["annotations"][desired_hash_annotation].GetString()) ==
          dep.hash);
    CHECK((*d)[1].kind == child_kind::service);

    std::vector<mapping::k8s_object> bad(1);
    bad[0].api_version = "policy/v1";  // not a kind a Stack owns
    bad[0].kind = "PodDisruptionBudget";
    bad[0].name = "data";
    bad[0].json = std::move(*json::parse("{}"));
    auto r = prepare(std::move(bad), s);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::internal);
}

TEST_CASE("json_subset ignores extra fields and compares numbers numerically", "[unit]") {
    auto a = parse(R"({"spec":{"replicas":2,"ports":[{"port":80}],"x":null}})");
    CHECK(json_subset(*a, *parse(R"({"spec":{"replicas":2.0,"ports":[{"port":80,"p":"TCP"}]},)"
                                 R"("status":{}})")));
    CHECK_FALSE(json_subset(*a, *parse(R"({"spec":{"replicas":3,"ports":[{"port":80}]}})")));
    CHECK_FALSE(json_subset(*a, *parse(R"({"spec":{"replicas":2,"ports":[]}})")));
    CHECK_FALSE(json_subset(*a, *parse(R"({"spec":{"replicas":"2","ports":[{"port":80}]}})")));
}

TEST_CASE("up_to_date: a listed object (no apiVersion/kind) is up to date, a changed one not",
          "[unit]") {
    auto s = hub();
    auto d = prepare(testing::fake_map(s), s);
    REQUIRE(d);
    auto const& dep = (*d)[0];
    rapidjson::Document live;
    live.CopyFrom(dep.body, live.GetAllocator());
    CHECK(up_to_date(live, dep));  // as a watch event delivers it
    live.RemoveMember("apiVersion");
    live.RemoveMember("kind");
    CHECK(up_to_date(live, dep));  // as a list item delivers it
    live["metadata"]["annotations"][desired_hash_annotation].SetString("fnv1a64:0");
    CHECK_FALSE(up_to_date(live, dep));  // an older desired state
    live.CopyFrom(dep.body, live.GetAllocator());
    live["metadata"]["labels"].RemoveAllMembers();
    CHECK_FALSE(up_to_date(live, dep));  // drift in a field we own
}

TEST_CASE("a Service switching headless <-> cluster IP must be replaced", "[unit]") {
    auto s = hub();
    auto d = prepare(testing::fake_map(s), s);
    REQUIRE(d);
    auto const& svc = (*d)[1];
    CHECK(needs_replace(*parse(R"({"spec":{"clusterIP":"10.0.0.3"}})"), svc));
    CHECK_FALSE(needs_replace(*parse(R"({"spec":{"clusterIP":"None"}})"), svc));
    CHECK_FALSE(needs_replace(*parse(R"({"spec":{"clusterIP":"10.0.0.3"}})"), (*d)[0]));
}

TEST_CASE("kept_claim_of: stack and managed-by labels, and no controller", "[unit]") {
    auto claim = [](std::string const& extra) {
        return std::move(*json::parse(
            R"({"metadata":{"name":"app.data","labels":{"com.docker.stack.namespace":"app",)"
            R"("app.kubernetes.io/managed-by":"compose-operator"})" + extra + "}}"));
    };
    CHECK(kept_claim_of(claim(""), "app"));
    CHECK_FALSE(kept_claim_of(claim(""), "other"));
    CHECK_FALSE(kept_claim_of(
        claim(R"(,"ownerReferences":[{"apiVersion":"v1","kind":"X","name":"x","uid":"u","controller":true}])"),
        "app"));
    CHECK_FALSE(kept_claim_of(*json::parse(R"({"metadata":{"labels":{"com.docker.stack.namespace":"app"}}})"), "app"));
    CHECK_FALSE(kept_claim_of(*json::parse(R"({"metadata":{}})"), "app"));
}

TEST_CASE("prepare gives a standalone claim no ownerReference", "[unit]") {
    auto s = hub();
    std::vector<mapping::k8s_object> objs(1);
    objs[0].api_version = "v1";
    objs[0].kind = "PersistentVolumeClaim";
    objs[0].name = "app.data";
    objs[0].json = std::move(*json::parse(R"({"apiVersion":"v1","kind":"PersistentVolumeClaim","spec":{}})"));
    auto d = prepare(std::move(objs), s);
    REQUIRE(d);
    REQUIRE(d->size() == 1);
    CHECK_FALSE((*d)[0].body["metadata"].HasMember("ownerReferences"));
    CHECK((*d)[0].kind == child_kind::persistent_volume_claim);
}
