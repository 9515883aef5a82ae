// Issue 10: mapping of the Compose Specification keys beyond the reference's.
#include "op/mapping/mapping.hpp"

#include "mapping_support.hpp"
#include "op_catch.hpp"

#include <algorithm>

using namespace op;
using namespace op::mapping;
using namespace op::mapping::test;

namespace {

bool has_warning(mapping_result const& r, std::string const& part) {
    return std::any_of(r.warnings.begin(), r.warnings.end(),
                       [&](std::string const& w) { return w.find(part) != std::string::npos; });
}

}  // namespace

TEST_CASE("sysctls and group_add -> pod securityContext", "[unit][pod]") {
    auto svc = make_service("web");
    svc.sysctls = {{"net.ipv4.tcp_syncookies", "1"}, {"kernel.shm_rmid_forced", "0"}};
    svc.group_add = {1001, 5};
    auto r = map_ok(make_stack({svc}));
    CHECK(at(pod_spec(r, "web"), "/securityContext") == canon(R"({
        "supplementalGroups":[1001,5],
        "sysctls":[{"name":"kernel.shm_rmid_forced","value":"0"},
                   {"name":"net.ipv4.tcp_syncookies","value":"1"}]})"));
    auto plain = map_ok(make_stack({make_service("web")}));
    CHECK(at(pod_spec(plain, "web"), "/securityContext") == "<absent>");
}

TEST_CASE("shm_size -> memory emptyDir at /dev/shm with sizeLimit", "[unit][volumes]") {
    auto svc = make_service("db", "postgres");
    svc.shm_size = 256ll << 20;
    auto r = map_ok(make_stack({svc}));
    CHECK(at(pod_spec(r, "db"), "/volumes") ==
          canon(R"([{"name":"dshm","emptyDir":{"medium":"Memory","sizeLimit":"256Mi"}}])"));
    CHECK(at(main_container(r, "db"), "/volumeMounts") ==
          canon(R"([{"name":"dshm","mountPath":"/dev/shm"}])"));

    svc.tmpfs = {"/dev/shm"};
    auto taken = map_ok(make_stack({svc}));
    CHECK(has_warning(taken, "spec.services[0].shm_size: ignored"));
    svc.tmpfs.clear();
    svc.shm_size = 0;
    CHECK(map_err(make_stack({svc})).field_path == "spec.services[0].shm_size");
}

TEST_CASE("post_start / pre_stop -> container lifecycle exec handlers", "[unit][pod]") {
    auto svc = make_service("web");
    svc.post_start = api::lifecycle_hook{{"touch", "/tmp/up"}};
    svc.pre_stop = api::lifecycle_hook{{"nginx", "-s", "quit"}};
    auto r = map_ok(make_stack({svc}));
    CHECK(at(main_container(r, "web"), "/lifecycle") == canon(R"({
        "postStart":{"exec":{"command":["touch","/tmp/up"]}},
        "preStop":{"exec":{"command":["nginx","-s","quit"]}}})"));
}

TEST_CASE("resources from cpus/mem_limit land as requests and limits", "[unit][pod]") {
    auto svc = make_service("web");
    svc.deploy.resources_.limits = api::resource{"1.5", 512ll << 20};
    svc.deploy.resources_.reservations = api::resource{"0.098", 0};
    auto r = map_ok(make_stack({svc}));
    CHECK(at(main_container(r, "web"), "/resources") ==
          canon(R"({"limits":{"cpu":"1500m","memory":"512Mi"},"requests":{"cpu":"98m"}})"));
}

TEST_CASE("max_replicas_per_node: 1 is a required pod anti-affinity, more is a warning",
          "[unit][placement]") {
    auto svc = make_service("web");
    svc.deploy.replicas = 3;
    svc.deploy.placement_.max_replicas_per_node = 1;
    auto r = map_ok(make_stack({svc}));
    CHECK(at(pod_spec(r, "web"), "/affinity") == canon(R"({"podAntiAffinity":{
        "requiredDuringSchedulingIgnoredDuringExecution":[{
          "labelSelector":{"matchLabels":{"com.docker.service.id":"demo-web",
            "com.docker.service.name":"web","com.docker.stack.namespace":"demo"}},
          "topologyKey":"kubernetes.io/hostname"}]}})"));
    svc.deploy.placement_.max_replicas_per_node = 2;
    auto two = map_ok(make_stack({svc}));
    CHECK(at(pod_spec(two, "web"), "/affinity") == "<absent>");
    CHECK(has_warning(two, "max_replicas_per_node: Kubernetes cannot cap"));
}
