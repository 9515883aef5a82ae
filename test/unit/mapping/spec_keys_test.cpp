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

TEST_CASE("depends_on -> init containers that wait for each dependency", "[unit][pod]") {
    auto db = make_service("db", "postgres");
    db.ports = {{"", 5432, 0, "tcp"}};
    db.healthcheck = api::health_check{{"CMD", "pg_isready"}, {}, {}, {}, {}};
    auto cache = make_service("cache", "redis");  // no port, no healthcheck
    auto job = make_service("migrate", "app");
    auto web = make_service("web");
    web.depends_on = {{"db", "service_started", true, false},
                      {"db", "service_healthy", true, false},
                      {"cache", "service_healthy", false, false},
                      {"migrate", "service_completed_successfully", true, false}};
    auto r = map_ok(make_stack({db, cache, job, web}));
    auto const& init = pod_spec(r, "web")["initContainers"];
    REQUIRE(init.Size() == 4);
    auto args = [&](rapidjson::SizeType i) {
        std::string out;
        auto const& cmd = init[i]["command"];
        for (rapidjson::SizeType k = 3; k < cmd.Size(); ++k) out += std::string(cmd[k].GetString()) + "|";
        return out;
    };
    CHECK(std::string(init[0]["name"].GetString()) == "wait-for-db");
    CHECK(std::string(init[0]["image"].GetString()) == "busybox:1.36");
    CHECK(std::string(init[0]["command"][0].GetString()) == "sh");
    CHECK(args(0) == "wait|db|5432|0|");  // started: TCP to its first port
    CHECK(args(1) == "wait|db||0|");      // healthy: its headless name resolves (ready pods only)
    CHECK(args(2) == "wait|cache||60|");  // no port: DNS; required: false: bounded
    CHECK(args(3) == "wait|migrate||0|");
    CHECK(has_warning(r, "spec.services[3].depends_on[2]: service \"cache\" has no healthcheck"));
    CHECK(has_warning(r, "spec.services[3].depends_on[3]: Kubernetes restarts"));
    CHECK(at(pod_spec(r, "db"), "/initContainers") == "<absent>");

    mapping_options o;
    o.wait_image = "registry.example/tools/wait:1";
    auto custom = map_ok(make_stack({db, cache, job, web}), o);
    CHECK(std::string(pod_spec(custom, "web")["initContainers"][0]["image"].GetString()) ==
          "registry.example/tools/wait:1");
}

TEST_CASE("depends_on: ClusterIP dependencies are checked by TCP; errors have paths",
          "[unit][pod]") {
    auto api_svc = make_service("api");
    api_svc.internal_ports = {{8080, "TCP"}};
    api_svc.healthcheck = api::health_check{{"CMD", "true"}, {}, {}, {}, {}};
    auto web = make_service("web");
    web.depends_on = {{"api", "service_healthy", true, false}};
    auto r = map_ok(make_stack({api_svc, web}));
    auto const& cmd = pod_spec(r, "web")["initContainers"][0]["command"];
    CHECK(std::string(cmd[5].GetString()) == "8080");

    web.depends_on = {{"nope", "service_started", true, false}};
    CHECK(map_err(make_stack({web})).field_path == "spec.services[0].depends_on[0].service");
    web.depends_on = {{"api", "service_done", true, false}};
    CHECK(map_err(make_stack({api_svc, web})).field_path == "spec.services[1].depends_on[0].condition");

    auto a = make_service("a");
    auto b = make_service("b");
    a.depends_on = {{"b", "service_started", true, false}};
    b.depends_on = {{"a", "service_started", true, false}};
    auto cyc = map_err(make_stack({a, b}));
    CHECK(cyc.message.find("dependency cycle: a -> b -> a") != std::string::npos);
}

TEST_CASE("x-kubernetes serviceType sets the type of <svc>-published", "[unit][services]") {
    auto svc = make_service("web");
    svc.ports = {{"", 80, 8080, "tcp"}};
    svc.kubernetes = api::service_kubernetes{"ClusterIP", {}};
    auto r = map_ok(make_stack({svc}));
    auto const* pub = find(r, "Service", "web-published");
    REQUIRE(pub != nullptr);
    CHECK(at(pub->json, "/spec/type") == "\"ClusterIP\"");
    CHECK(at(pub->json, "/spec/ports/0/nodePort") == "<absent>");
    svc.kubernetes->service_type = "LoadBalancer";
    mapping_options np;
    np.published_type = published_service_type::node_port;
    CHECK(at(find(map_ok(make_stack({svc}), np), "Service", "web-published")->json, "/spec/type") ==
          "\"LoadBalancer\"");  // the service's own choice beats the operator default
    svc.kubernetes->service_type = "ExternalName";
    CHECK(map_err(make_stack({svc})).field_path == "spec.services[0].kubernetes.serviceType");
}

TEST_CASE("x-kubernetes expose -> an Ingress owned by the stack", "[unit][services]") {
    auto svc = make_service("web");
    svc.ports = {{"", 80, 8080, "tcp"}, {"", 9000, 0, "tcp"}};
    svc.kubernetes = api::service_kubernetes{
        "", {{"shop.example.com", "", "", std::nullopt, "shop-tls", "nginx"},
             {"", "/metrics", "Exact", 9000u, "", ""}}};
    auto r = map_ok(make_stack({svc}));
    auto const* ing = find(r, "Ingress", "web");
    REQUIRE(ing != nullptr);
    CHECK(ing->api_version == "networking.k8s.io/v1");
    CHECK(at(ing->json, "/spec") == canon(R"({"ingressClassName":"nginx",
        "tls":[{"hosts":["shop.example.com"],"secretName":"shop-tls"}],
        "rules":[{"host":"shop.example.com","http":{"paths":[{"path":"/","pathType":"Prefix",
          "backend":{"service":{"name":"web-published","port":{"number":8080}}}}]}}]})"));
    CHECK(at(ing->json, "/metadata/ownerReferences/0/kind") == "\"Stack\"");
    CHECK(at(ing->json, "/metadata/labels/com.docker.service.name") == "\"web\"");
    auto const* second = find(r, "Ingress", "web-1");
    REQUIRE(second != nullptr);
    CHECK(at(second->json, "/spec/rules/0") == canon(R"({"http":{"paths":[{"path":"/metrics",
        "pathType":"Exact","backend":{"service":{"name":"web-random-ports","port":{"number":9000}}}}]}})"));
    CHECK(r.objects.back().kind == "Ingress");  // after the Services

    auto none = make_service("worker");
    none.kubernetes = api::service_kubernetes{"", {{"a.example.com", "", "", std::nullopt, "", ""}}};
    auto e = map_err(make_stack({none}));
    CHECK(e.field_path == "spec.services[0].kubernetes.expose[0]");
    CHECK(e.message.find("no TCP port") != std::string::npos);
    svc.kubernetes->expose = {{"", "", "", 1234u, "", ""}};
    CHECK(map_err(make_stack({svc})).field_path == "spec.services[0].kubernetes.expose[0].port");
    svc.kubernetes->expose = {{"Bad_Host", "", "", std::nullopt, "", ""}};
    CHECK(map_err(make_stack({svc})).field_path == "spec.services[0].kubernetes.expose[0].host");
}
