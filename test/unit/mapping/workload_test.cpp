#include "op/mapping/mapping.hpp"

#include "mapping_support.hpp"
#include "op_catch.hpp"

#include <algorithm>

using namespace op;
using namespace op::mapping;
using namespace op::mapping::test;

TEST_CASE("workload kind choice (reference 4.1)", "[unit][workload]") {
    struct row {
        char const* name;
        std::string mode;
        std::vector<api::volume_config> volumes;
        workload_kind kind;
    };
    std::vector<row> const rows = {
        {"plain", "", {}, workload_kind::deployment},
        {"replicated", "replicated", {}, workload_kind::deployment},
        {"bind", "", {{"bind", "/srv", "/srv", false}}, workload_kind::deployment},
        {"tmpfs", "", {{"tmpfs", "", "/tmp", false}}, workload_kind::deployment},
        {"named", "", {{"volume", "data", "/data", false}}, workload_kind::stateful_set},
        {"anonymous", "", {{"volume", "", "/data", false}}, workload_kind::stateful_set},
        {"global", "global", {}, workload_kind::daemon_set},
        {"global-bind", "global", {{"bind", "/srv", "/srv", false}}, workload_kind::daemon_set},
    };
    for (auto const& r : rows) {
        INFO(r.name);
        auto svc = make_service("web");
        svc.deploy.mode = r.mode;
        svc.volumes = r.volumes;
        CHECK(workload_kind_for(svc) == r.kind);
        auto out = map_ok(make_stack({svc}));
        CHECK(at(workload(out, "web"), "/kind") == "\"" + std::string(to_string(r.kind)) + "\"");
    }
}

TEST_CASE("reference 8.4: Deployment for nginx:latest", "[unit][workload]") {
    auto r = map_ok(make_stack({make_service("nginx", "nginx:latest")}));
    auto const* d = find(r, "Deployment", "nginx");
    REQUIRE(d);
    CHECK(d->api_version == "apps/v1");
    CHECK(d->namespace_ == "ns");
    auto const labels = R"({"app.kubernetes.io/managed-by":"compose-operator",
        "com.docker.service.id":"demo-nginx","com.docker.service.name":"nginx",
        "com.docker.stack.namespace":"demo"})";
    CHECK(canon(d->json) == canon(std::string(R"({"apiVersion":"apps/v1","kind":"Deployment",
      "metadata":{"name":"nginx","namespace":"ns","labels":)") + labels + R"(,
        "ownerReferences":[{"apiVersion":"compose.docker.com/v1beta2","kind":"Stack",
          "name":"demo","uid":"uid-1","controller":true,"blockOwnerDeletion":true}]},
      "spec":{"replicas":1,"revisionHistoryLimit":3,
        "selector":{"matchLabels":{"com.docker.service.id":"demo-nginx",
          "com.docker.service.name":"nginx","com.docker.stack.namespace":"demo"}},
        "template":{"metadata":{"labels":)" + labels + R"(},
          "spec":{"containers":[{"name":"nginx","image":"nginx:latest"}]}}}})"));
}

TEST_CASE("replicas", "[unit][workload]") {
    auto svc = make_service("web");
    svc.deploy.replicas = 6;
    CHECK(at(workload(map_ok(make_stack({svc})), "web"), "/spec/replicas") == "6");
    svc.deploy.replicas = 0;
    CHECK(at(workload(map_ok(make_stack({svc})), "web"), "/spec/replicas") == "0");
    svc.deploy.replicas = 1ull << 40;
    CHECK(map_err(make_stack({svc})).field_path == "spec.services[0].deploy.replicas");
}

TEST_CASE("restart policy: never sent, on-failure/none warn (fixes DaemonSet defect)",
          "[unit][workload]") {
    for (std::string mode : {"replicated", "global"}) {
        for (std::string cond : {"any", "on-failure", "none"}) {
            INFO(mode << " " << cond);
            auto svc = make_service("web");
            svc.deploy.mode = mode;
            svc.deploy.restart = api::restart_policy{cond};
            auto r = map_ok(make_stack({svc}));
            CHECK(at(pod_spec(r, "web"), "/restartPolicy") == "<absent>");
            if (cond == "any") {
                CHECK(r.warnings.empty());
            } else {
                REQUIRE(r.warnings.size() == 1);
                CHECK(r.warnings[0].starts_with(
                    "spec.services[0].deploy.restart_policy.condition: restart condition \"" +
                    cond + "\" is not possible for a "));
            }
        }
    }
    auto svc = make_service("web");
    svc.deploy.restart = api::restart_policy{"sometimes"};
    auto e = map_err(make_stack({svc}));
    CHECK(e.code == errc::invalid);
    CHECK(e.what() == "spec.services[0].deploy.restart_policy.condition: unsupported restart "
                      "policy \"sometimes\" (any, on-failure, none)");
}

TEST_CASE("update_config parallelism (fixes StatefulSet partition defect)", "[unit][workload]") {
    auto svc = make_service("web");
    svc.deploy.update = api::update_config{2};
    auto r = map_ok(make_stack({svc}));
    CHECK(at(workload(r, "web"), "/spec/strategy") ==
          canon(R"({"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":2}})"));

    svc.deploy.update = api::update_config{0};  // swarm: all at once
    CHECK(at(workload(map_ok(make_stack({svc})), "web"), "/spec/strategy/rollingUpdate") ==
          canon(R"({"maxUnavailable":"100%"})"));

    svc.deploy.update = api::update_config{std::nullopt};
    CHECK(at(workload(map_ok(make_stack({svc})), "web"), "/spec/strategy") == "<absent>");

    auto db = make_service("db");
    db.volumes = {{"volume", "data", "/data", false}};
    db.deploy.update = api::update_config{2};
    auto rs = map_ok(make_stack({db}));
    auto const& sts = workload(rs, "db");
    CHECK(at(sts, "/spec/updateStrategy") == "<absent>");  // reference: partition 2
    CHECK(at(sts, "/spec/strategy") == "<absent>");
    REQUIRE(rs.warnings.size() == 1);
    CHECK(rs.warnings[0].starts_with("spec.services[0].deploy.update_config.paralellism:"));

    auto ds = make_service("agent");
    ds.deploy.mode = "global";
    ds.deploy.update = api::update_config{1};
    CHECK(at(workload(map_ok(make_stack({ds})), "agent"), "/spec/updateStrategy") ==
          canon(R"({"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":1}})"));
}

TEST_CASE("reference 8.4: DaemonSet for mode global has no replicas", "[unit][workload]") {
    auto svc = make_service("redis", "redis:alpine");
    svc.deploy.mode = "global";
    svc.deploy.replicas = 3;
    auto stack = make_stack({svc});
    stack.metadata.namespace_ = "test";
    auto r = map_ok(stack);
    auto const* ds = find(r, "DaemonSet", "redis");
    REQUIRE(ds);
    CHECK(ds->namespace_ == "test");
    CHECK(at(ds->json, "/spec/replicas") == "<absent>");
    CHECK(at(ds->json, "/spec/selector/matchLabels/com.docker.service.id") == "\"demo-redis\"");
    REQUIRE(r.warnings.size() == 1);
    CHECK(r.warnings[0].starts_with("spec.services[0].deploy.replicas:"));
}

TEST_CASE("global service with a persistent volume is an error", "[unit][workload]") {
    auto svc = make_service("redis");
    svc.deploy.mode = "global";
    svc.volumes = {{"bind", "/srv", "/srv", false}, {"volume", "data", "/data", false}};
    auto e = map_err(make_stack({svc}));
    CHECK(e.field_path == "spec.services[0].volumes[1]");
    CHECK(e.message.find("global") != std::string::npos);
}

TEST_CASE("StatefulSet: serviceName, claim templates from options", "[unit][workload]") {
    auto db = make_service("db", "postgres:16");
    db.volumes = {{"volume", "db_data", "/var/lib/postgresql/data", false},
                  {"volume", "", "/scratch", false},
                  {"volume", "db_data", "/backup", true}};
    auto r = map_ok(make_stack({db}));
    auto const* sts = find(r, "StatefulSet", "db");
    REQUIRE(sts);
    CHECK(at(sts->json, "/spec/serviceName") == "\"db\"");
    auto const claim_labels = R"({"app.kubernetes.io/managed-by":"compose-operator",
        "com.docker.service.id":"demo-db","com.docker.service.name":"db",
        "com.docker.stack.namespace":"demo"})";
    CHECK(at(sts->json, "/spec/volumeClaimTemplates") ==
          canon(std::string(R"([
            {"metadata":{"name":"db-data","labels":)") + claim_labels + R"(},
             "spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}},
            {"metadata":{"name":"mount-1","labels":)" + claim_labels + R"(},
             "spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}])"));
    CHECK(at(sts->json, "/spec/template/spec/containers/0/volumeMounts") ==
          canon(R"([{"name":"db-data","mountPath":"/var/lib/postgresql/data"},
                    {"name":"mount-1","mountPath":"/scratch"},
                    {"name":"db-data","mountPath":"/backup","readOnly":true}])"));
    CHECK(at(sts->json, "/spec/template/spec/volumes") == "<absent>");

    mapping_options opts;
    opts.volume_size = "20Gi";
    opts.storage_class = "fast";
    opts.access_mode = "ReadWriteOncePod";
    auto r2 = map_ok(make_stack({db}), opts);
    CHECK(at(workload(r2, "db"), "/spec/volumeClaimTemplates/0/spec") ==
          canon(R"({"accessModes":["ReadWriteOncePod"],"storageClassName":"fast",
                    "resources":{"requests":{"storage":"20Gi"}}})"));
}

TEST_CASE("reference 8.4: named volume dbdata gives a StatefulSet, no Deployment",
          "[unit][workload]") {
    auto svc = make_service("db");
    svc.volumes = {{"volume", "dbdata", "/var/lib/mysql", false}};
    auto r = map_ok(make_stack({svc}));
    CHECK(find(r, "Deployment", "db") == nullptr);
    REQUIRE(find(r, "StatefulSet", "db") != nullptr);
    CHECK(at(main_container(r, "db"), "/volumeMounts") ==
          canon(R"([{"name":"dbdata","mountPath":"/var/lib/mysql"}])"));
}

TEST_CASE("claim templates take spec.volumes settings per named volume", "[unit][workload]") {
    auto db = make_service("db", "postgres:16");
    db.volumes = {{"volume", "db_data", "/var/lib/postgresql/data", false},
                  {"volume", "logs", "/logs", false},
                  {"volume", "", "/scratch", false}};
    auto stack = make_stack({db});
    stack.spec.volumes["db_data"] = {"10Gi", "fast", {"ReadWriteMany", "ReadOnlyMany"}};
    stack.spec.volumes["unused"] = {"1Gi", std::nullopt, {}};
    mapping_options opts;
    opts.volume_size = "2Gi";
    opts.access_mode = "ReadWriteOncePod";
    auto r = map_ok(stack, opts);
    auto const& sts = workload(r, "db");
    CHECK(at(sts, "/spec/volumeClaimTemplates/0/metadata/name") == "\"db-data\"");
    CHECK(at(sts, "/spec/volumeClaimTemplates/0/spec") ==
          canon(R"({"accessModes":["ReadWriteMany","ReadOnlyMany"],"storageClassName":"fast",
                    "resources":{"requests":{"storage":"10Gi"}}})"));
    // Another named volume and an anonymous one: the options' defaults.
    CHECK(at(sts, "/spec/volumeClaimTemplates/1/spec") ==
          canon(R"({"accessModes":["ReadWriteOncePod"],"resources":{"requests":{"storage":"2Gi"}}})"));
    CHECK(at(sts, "/spec/volumeClaimTemplates/2/spec") ==
          canon(R"({"accessModes":["ReadWriteOncePod"],"resources":{"requests":{"storage":"2Gi"}}})"));
    CHECK(std::find(r.warnings.begin(), r.warnings.end(),
                    "spec.volumes.unused: no service mounts this volume; its settings are unused") !=
          r.warnings.end());
    CHECK(r.warnings.size() == 1);

    // Only the fields that are set replace the defaults; "" is an explicit empty class.
    stack.spec.volumes.erase("unused");
    stack.spec.volumes["db_data"] = {std::nullopt, "", {}};
    opts.storage_class = "standard";
    auto r2 = map_ok(stack, opts);
    CHECK(at(workload(r2, "db"), "/spec/volumeClaimTemplates/0/spec") ==
          canon(R"({"accessModes":["ReadWriteOncePod"],"storageClassName":"",
                    "resources":{"requests":{"storage":"2Gi"}}})"));
    CHECK(at(workload(r2, "db"), "/spec/volumeClaimTemplates/1/spec/storageClassName") ==
          "\"standard\"");
    CHECK(r2.warnings.empty());
}

TEST_CASE("bad spec.volumes settings fail with their field path", "[unit][workload]") {
    auto db = make_service("db", "postgres:16");
    db.volumes = {{"volume", "data", "/data", false}};
    struct row {
        api::volume_claim claim;
        std::string path;
    };
    std::vector<row> const rows = {
        {{"ten gigs", std::nullopt, {}}, "spec.volumes.data.size"},
        {{"", std::nullopt, {}}, "spec.volumes.data.size"},
        {{"0", std::nullopt, {}}, "spec.volumes.data.size"},
        {{"-1Gi", std::nullopt, {}}, "spec.volumes.data.size"},
        {{std::nullopt, std::nullopt, {"ReadWriteOnce", "RWX"}}, "spec.volumes.data.accessModes[1]"},
    };
    for (auto const& row : rows) {
        INFO(row.path << " " << row.claim.size.value_or("-"));
        auto stack = make_stack({db});
        stack.spec.volumes["data"] = row.claim;
        auto e = map_err(stack);
        CHECK(e.code == errc::invalid);
        CHECK(e.field_path == row.path);
    }
}

TEST_CASE("a named volume several services mount is one standalone claim they all mount", "[unit][workload]") {
    auto db = make_service("db", "postgres:16");
    db.volumes = {{"volume", "shared_data", "/var/lib/postgresql/data", false},
                  {"volume", "db_own", "/own", false}};
    auto backup = make_service("backup", "busybox");
    backup.volumes = {{"volume", "shared_data", "/backup", true}};
    backup.deploy.replicas = 2;
    auto stack = make_stack({db, backup});
    stack.spec.volumes["shared_data"] = {"5Gi", "fast", {}};
    auto r = map_ok(stack);
    // Exactly one claim, named with the stack, owned by it, with the volume's settings.
    std::size_t claims = 0;
    for (auto const& o : r.objects) claims += o.kind == "PersistentVolumeClaim";
    CHECK(claims == 1);
    auto const* pvc = find(r, "PersistentVolumeClaim", "demo.shared-data");
    REQUIRE(pvc);
    CHECK(at(pvc->json, "/apiVersion") == "\"v1\"");
    CHECK(at(pvc->json, "/metadata/namespace") == "\"ns\"");
    CHECK(at(pvc->json, "/metadata/labels/com.docker.stack.namespace") == "\"demo\"");
    // No owner: the claim, and its data, outlive the stack.
    CHECK(at(pvc->json, "/metadata/ownerReferences") == "<absent>");
    CHECK(at(pvc->json, "/metadata/labels/app.kubernetes.io~1managed-by") == "\"compose-operator\"");
    CHECK(at(pvc->json, "/spec") ==
          canon(R"({"accessModes":["ReadWriteOnce"],"storageClassName":"fast",
                    "resources":{"requests":{"storage":"5Gi"}}})"));
    // db keeps a StatefulSet for its own volume; the shared one is a pod volume, not a template.
    auto const& sts = workload(r, "db");
    CHECK(at(sts, "/kind") == "\"StatefulSet\"");
    CHECK(at(sts, "/spec/volumeClaimTemplates/0/metadata/name") == "\"db-own\"");
    CHECK(at(sts, "/spec/volumeClaimTemplates/1") == "<absent>");
    CHECK(at(pod_spec(r, "db"), "/volumes") ==
          canon(R"([{"name":"shared-data","persistentVolumeClaim":{"claimName":"demo.shared-data"}}])"));
    // backup mounts only the shared volume: a Deployment (no per-pod identity needed).
    CHECK(find(r, "StatefulSet", "backup") == nullptr);
    REQUIRE(find(r, "Deployment", "backup") != nullptr);
    CHECK(at(pod_spec(r, "backup"), "/volumes") ==
          canon(R"([{"name":"shared-data","persistentVolumeClaim":{"claimName":"demo.shared-data"}}])"));
    CHECK(at(main_container(r, "backup"), "/volumeMounts") ==
          canon(R"([{"name":"shared-data","mountPath":"/backup","readOnly":true}])"));
    // The warning names the services, the access mode and what ReadWriteOnce means.
    auto const w = std::find_if(r.warnings.begin(), r.warnings.end(), [](std::string const& s) {
        return s.starts_with("spec.volumes.shared_data: shared by services db, backup");
    });
    REQUIRE(w != r.warnings.end());
    CHECK(w->find("ReadWriteOnce") != std::string::npos);
    CHECK(w->find("replicas included") != std::string::npos);
    CHECK(w->find("ReadWriteMany") != std::string::npos);
    // Claims come before the workloads.
    auto pos = [&](std::string_view kind) {
        for (std::size_t i = 0; i < r.objects.size(); ++i) if (r.objects[i].kind == kind) return i;
        return r.objects.size();
    };
    CHECK(pos("PersistentVolumeClaim") < pos("StatefulSet"));
    CHECK(pos("PersistentVolumeClaim") < pos("Deployment"));

    // A volume one service mounts twice is not shared: still its claim template (the reference's).
    auto solo = make_service("db", "postgres:16");
    solo.volumes = {{"volume", "data", "/a", false}, {"volume", "data", "/b", true}};
    auto r1 = map_ok(make_stack({solo}));
    for (auto const& o : r1.objects) CHECK(o.kind != "PersistentVolumeClaim");
    CHECK(at(workload(r1, "db"), "/spec/volumeClaimTemplates/0/metadata/name") == "\"data\"");
    // ReadWriteMany: no one-node advice.
    stack.spec.volumes["shared_data"] = {"5Gi", "nfs", {"ReadWriteMany"}};
    auto rw = map_ok(stack);
    auto const w2 = std::find_if(rw.warnings.begin(), rw.warnings.end(), [](std::string const& s) {
        return s.starts_with("spec.volumes.shared_data:");
    });
    REQUIRE(w2 != rw.warnings.end());
    CHECK(w2->find("attaches to one node") == std::string::npos);
    CHECK(workload_kind_for(backup, {"shared_data"}) == workload_kind::deployment);
    CHECK(workload_kind_for(backup) == workload_kind::stateful_set);
}
