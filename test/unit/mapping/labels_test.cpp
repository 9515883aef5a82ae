#include "op/mapping/labels.hpp"

#include "mapping_support.hpp"
#include "op_catch.hpp"

using namespace op::mapping;
using namespace op::mapping::test;

TEST_CASE("standard and selector labels", "[unit][labels]") {
    auto sel = selector_labels("demo", "web");
    CHECK(sel == label_map{{"com.docker.stack.namespace", "demo"},
                           {"com.docker.service.name", "web"},
                           {"com.docker.service.id", "demo-web"}});
    auto std_labels = standard_labels("demo", "web");
    CHECK(std_labels.size() == 4);
    CHECK(std_labels.at("app.kubernetes.io/managed-by") == "compose-operator");
    CHECK(stack_labels("demo") == label_map{{"com.docker.stack.namespace", "demo"},
                                            {"app.kubernetes.io/managed-by", "compose-operator"}});
}

TEST_CASE("selector strings for the reconciler", "[unit][labels]") {
    CHECK(stack_selector("demo") ==
          "com.docker.stack.namespace=demo,app.kubernetes.io/managed-by=compose-operator");
    CHECK(service_selector("demo", "web") ==
          "com.docker.service.id=demo-web,com.docker.service.name=web,"
          "com.docker.stack.namespace=demo");
    CHECK(to_selector({}) == "");
}

TEST_CASE("deploy.labels are added but never override standard keys", "[unit][labels]") {
    auto svc = make_service("web");
    svc.deploy.labels = {{"bar", "baz"},
                         {"com.docker.service.name", "evil"},
                         {"com.docker.stack.namespace", "other"},
                         {"app.kubernetes.io/managed-by", "helm"}};
    auto labels = object_labels("demo", svc);
    CHECK(labels.at("bar") == "baz");
    CHECK(labels.at("com.docker.service.name") == "web");
    CHECK(labels.at("com.docker.stack.namespace") == "demo");
    CHECK(labels.at("app.kubernetes.io/managed-by") == "compose-operator");
    CHECK(is_reserved_label("com.docker.service.id"));
    CHECK_FALSE(is_reserved_label("bar"));

    // Through map_stack: workload, template and Services get the labels, selectors do not, and a
    // warning names each skipped key.
    auto r = map_ok(make_stack({svc}));
    auto const& w = workload(r, "web");
    CHECK(at(w, "/metadata/labels") ==
          canon(R"({"app.kubernetes.io/managed-by":"compose-operator","bar":"baz",
                    "com.docker.service.id":"demo-web","com.docker.service.name":"web",
                    "com.docker.stack.namespace":"demo"})"));
    CHECK(at(w, "/spec/template/metadata/labels") == at(w, "/metadata/labels"));
    CHECK(at(w, "/spec/selector/matchLabels") ==
          canon(R"({"com.docker.service.id":"demo-web","com.docker.service.name":"web",
                    "com.docker.stack.namespace":"demo"})"));
    auto const* headless = find(r, "Service", "web");
    REQUIRE(headless);
    CHECK(at(headless->json, "/metadata/labels") == at(w, "/metadata/labels"));
    CHECK(at(headless->json, "/spec/selector") == at(w, "/spec/selector/matchLabels"));
    CHECK(r.warnings.size() == 3);
    CHECK(r.warnings[0] ==
          "spec.services[0].deploy.labels.app.kubernetes.io/managed-by: label is reserved for the "
          "operator and was not applied");
}

TEST_CASE("reference 8.4: deploy labels on Services, service labels on the pod only",
          "[unit][labels]") {
    auto svc = make_service("nginx");
    svc.deploy.labels = {{"bar", "baz"}};
    svc.labels = {{"foo", "bar"}, {"empty", ""}};
    svc.ports = {{"", 8080, 80, "tcp"}};
    auto r = map_ok(make_stack({svc}));
    auto const* pub = find(r, "Service", "nginx-published");
    REQUIRE(pub);
    CHECK(at(pub->json, "/metadata/labels/bar") == "\"baz\"");
    CHECK(at(pub->json, "/metadata/labels/foo") == "<absent>");
    auto const& w = workload(r, "nginx");
    CHECK(at(w, "/spec/template/metadata/annotations") == canon(R"({"empty":"","foo":"bar"})"));
    CHECK(at(w, "/metadata/annotations") == "<absent>");
    CHECK(at(w, "/metadata/labels/foo") == "<absent>");
}

TEST_CASE("controller ownerReference on every object", "[unit][labels]") {
    auto db = make_service("db", "postgres:16");
    db.volumes = {{"volume", "data", "/var/lib/postgresql/data", false}};
    db.ports = {{"", 5432, 0, "tcp"}};
    auto web = make_service("web");
    web.ports = {{"", 80, 8080, "tcp"}};
    auto stack = make_stack({web, db});
    stack.spec.secrets["token"] = {"token", "./token.txt", {}, {}};
    mapping_options opts;
    opts.secret_contents["token"] = "s3cret";
    auto r = map_ok(stack, opts);
    auto const expected = canon(R"([{"apiVersion":"compose.docker.com/v1beta2","kind":"Stack",
        "name":"demo","uid":"uid-1","controller":true,"blockOwnerDeletion":true}])");
    REQUIRE(r.objects.size() == 7);
    for (auto const& o : r.objects) {
        INFO(o.kind << " " << o.name);
        CHECK(at(o.json, "/metadata/ownerReferences") == expected);
        CHECK(at(o.json, "/metadata/namespace") == "\"ns\"");
        CHECK(at(o.json, "/metadata/resourceVersion") == "<absent>");
        CHECK(at(o.json, "/status") == "<absent>");
    }
    // Claim templates (the PVCs they create) are not owned: PVCs outlive the stack.
    auto const& sts = workload(r, "db");
    CHECK(at(sts, "/spec/volumeClaimTemplates/0/metadata/ownerReferences") == "<absent>");
}

TEST_CASE("no ownerReference without a uid (cli convert)", "[unit][labels]") {
    auto stack = make_stack({make_service("web")});
    stack.metadata.uid.clear();
    stack.metadata.namespace_.clear();
    auto r = map_ok(stack);
    for (auto const& o : r.objects) {
        CHECK(at(o.json, "/metadata/ownerReferences") == "<absent>");
        CHECK(at(o.json, "/metadata/namespace") == "<absent>");
        CHECK(o.namespace_.empty());
    }
}
