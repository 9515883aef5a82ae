// Issue 10: the Compose Specification keys beyond the reference's, compose -> hub -> versions.
#include "op/conversion/convert.hpp"

#include "op/compose/load.hpp"
#include "op/util/json.hpp"
#include "op_catch.hpp"

#include <algorithm>

using namespace op;
using namespace op::conversion;

namespace {

compose_spec spec_from(std::string const& text, compose::load_options const& o = {}) {
    auto loaded = compose::load(text, o);
    INFO((loaded ? std::string() : loaded.error().what()));
    REQUIRE(loaded);
    auto r = from_compose(loaded->project);
    INFO((r ? std::string() : r.error().what()));
    REQUIRE(r);
    return std::move(*r);
}

bool has_warning(std::vector<warning> const& ws, std::string const& path, std::string const& part = "") {
    return std::any_of(ws.begin(), ws.end(), [&](warning const& w) {
        return w.field_path == path && w.message.find(part) != std::string::npos;
    });
}

rapidjson::Document to(rapidjson::Value const& obj, api::version v) {
    auto r = convert(obj, v);
    INFO((r ? std::string() : r.error().what()));
    REQUIRE(r);
    return std::move(r->object);
}

api::stack_spec spec_of(rapidjson::Value const& b2) {
    auto s = api::decode_v1beta2(b2);
    REQUIRE(s);
    return s->spec.value_or(api::stack_spec{});
}

// v1beta2 object of `spec`; then v1beta1 text with our annotations dropped (as if a user wrote
// that text) and back: the spec must survive both hops.
void check_round_trips(api::stack_spec const& spec) {
    api::v1beta2::stack s;
    s.metadata.name = "demo";
    s.metadata.namespace_ = "ns";
    s.spec = spec;
    auto b2 = api::encode(s);
    CHECK(spec_of(b2) == spec);
    auto b1 = to(b2, api::version::v1beta1);
    INFO(b1["spec"]["composeFile"].GetString());
    CHECK(spec_of(to(b1, api::version::v1beta2)) == spec);  // with the annotation
    b1["metadata"].RemoveMember("annotations");
    CHECK(spec_of(to(b1, api::version::v1beta2)) == spec);  // from the text alone
}

}  // namespace

TEST_CASE("resource keys outside deploy become deploy.resources", "[unit][conversion]") {
    auto r = spec_from(R"(services:
  a: {image: x, cpus: 1.5, mem_limit: 512m, mem_reservation: 128m, cpu_shares: 512}
  b:
    image: x
    cpus: 2
    mem_limit: 1g
    deploy: {resources: {limits: {cpus: "0.5"}}}
  c: {image: x, cpu_shares: 100}
)");
    auto const& a = r.spec.services[0].deploy.resources_;
    REQUIRE(a.limits);
    CHECK(a.limits->cpus == "1.5");
    CHECK(a.limits->memory == 512ll << 20);
    REQUIRE(a.reservations);
    CHECK(a.reservations->cpus == "0.5");  // 512 shares = half a CPU
    CHECK(a.reservations->memory == 128ll << 20);
    auto const& b = r.spec.services[1].deploy.resources_;
    CHECK(b.limits->cpus == "0.5");  // deploy wins
    CHECK(b.limits->memory == 1ll << 30);
    CHECK(has_warning(r.warnings, "services.b.cpus", "deploy.resources"));
    CHECK(r.spec.services[2].deploy.resources_.reservations->cpus == "0.098");  // rounded up
    check_round_trips(r.spec);
}

TEST_CASE("sysctls, group_add, shm_size, hooks and max_replicas_per_node are carried",
          "[unit][conversion]") {
    auto r = spec_from(R"(services:
  a:
    image: x
    sysctls: [net.core.somaxconn=1024, net.ipv4.tcp_syncookies=1]
    group_add: ["1001", audio, "5"]
    shm_size: 256m
    cgroup_parent: /x
    stop_signal: SIGQUIT
    post_start: [{command: [touch, /tmp/up]}, {command: [echo, two]}]
    pre_stop: [{command: nginx -s quit, user: root}]
    deploy: {placement: {max_replicas_per_node: 1}}
)");
    auto const& a = r.spec.services[0];
    CHECK(a.sysctls == std::map<std::string, std::string>{{"net.core.somaxconn", "1024"},
                                                          {"net.ipv4.tcp_syncookies", "1"}});
    CHECK(has_warning(r.warnings, "services.a.sysctls.net.core.somaxconn", "safe set"));
    CHECK_FALSE(has_warning(r.warnings, "services.a.sysctls.net.ipv4.tcp_syncookies"));
    CHECK(a.group_add == std::vector<std::int64_t>{1001, 5});
    CHECK(has_warning(r.warnings, "services.a.group_add[1]", "not numeric"));
    CHECK(a.shm_size == 256ll << 20);
    REQUIRE(a.post_start);
    CHECK(a.post_start->command == std::vector<std::string>{"touch", "/tmp/up"});
    CHECK(has_warning(r.warnings, "services.a.post_start", "only the first"));
    REQUIRE(a.pre_stop);
    CHECK(a.pre_stop->command == std::vector<std::string>{"nginx", "-s", "quit"});
    CHECK(has_warning(r.warnings, "services.a.pre_stop[0]", "user"));
    CHECK(a.deploy.placement_.max_replicas_per_node == 1u);
    CHECK(has_warning(r.warnings, "services.a.cgroup_parent", "no Kubernetes equivalent"));
    CHECK(has_warning(r.warnings, "services.a.stop_signal", "STOPSIGNAL"));
    check_round_trips(r.spec);
}

TEST_CASE("new fields are absent from the JSON when empty", "[unit][conversion]") {
    auto r = spec_from("services:\n  a: {image: x}\n");
    rapidjson::Document d;
    auto v = api::encode_spec(r.spec, d.GetAllocator());
    CHECK(json::dump(v) == R"({"services":[{"name":"a","image":"x"}]})");
}

TEST_CASE("profiles: a v1beta1 stack deploys only services without profiles", "[unit][conversion]") {
    api::v1beta1::stack s;
    s.metadata.name = "demo";
    s.compose_file = "services:\n  web: {image: nginx}\n  debug: {image: busybox, profiles: [debug]}\n";
    auto hub = v1beta1::to_hub(s);
    REQUIRE(hub);
    REQUIRE(hub->stack.spec.services.size() == 1);
    CHECK(hub->stack.spec.services[0].name == "web");
    CHECK(std::any_of(hub->warnings.begin(), hub->warnings.end(),
                      [](warning const& w) { return w.field_path == "services.debug"; }));
    // and reads back byte-identical as v1beta1
    CHECK(v1beta1::from_hub(hub->stack).compose_file == s.compose_file);
}

TEST_CASE("depends_on long form is carried with condition, required and restart",
          "[unit][conversion]") {
    auto r = spec_from(R"(services:
  web:
    image: nginx
    depends_on:
      db: {condition: service_healthy, restart: true}
      cache: {condition: service_started, required: false}
      migrate: {condition: service_completed_successfully}
  db: {image: postgres}
  cache: {image: redis}
  migrate: {image: app, depends_on: [db]}
)");
    auto const* web = api::find_service(r.spec, "web");
    REQUIRE(web != nullptr);
    std::vector<api::dependency> const want{{"db", "service_healthy", true, true},
                                            {"cache", "service_started", false, false},
                                            {"migrate", "service_completed_successfully", true, false}};
    CHECK(web->depends_on == want);
    CHECK(api::find_service(r.spec, "migrate")->depends_on ==
          std::vector<api::dependency>{{"db", "service_started", true, false}});
    CHECK(has_warning(r.warnings, "services.web.depends_on.db.restart", "does not restart"));
    CHECK_FALSE(has_warning(r.warnings, "services.web.depends_on"));
    rapidjson::Document d;
    auto v = api::encode_spec(r.spec, d.GetAllocator());
    CHECK(json::dump(v["services"][3]["depends_on"]) ==
          R"([{"service":"db","condition":"service_healthy","restart":true},)"
          R"({"service":"cache","condition":"service_started","required":false},)"
          R"({"service":"migrate","condition":"service_completed_successfully"}])");
    check_round_trips(r.spec);
}

TEST_CASE("service x-kubernetes is carried as spec.services[].kubernetes", "[unit][conversion]") {
    auto r = spec_from(R"(services:
  web:
    image: nginx
    ports: ["8080:80"]
    x-kubernetes:
      serviceType: NodePort
      expose: [{host: shop.example.com, tlsSecret: shop-tls, ingressClassName: nginx}, {path: /x, port: 80}]
)");
    auto const& web = r.spec.services[0];
    REQUIRE(web.kubernetes);
    CHECK(web.kubernetes->service_type == "NodePort");
    REQUIRE(web.kubernetes->expose.size() == 2);
    CHECK(web.kubernetes->expose[0] ==
          api::ingress_expose{"shop.example.com", "", "", std::nullopt, "shop-tls", "nginx"});
    CHECK(web.kubernetes->expose[1].port == 80u);
    rapidjson::Document d;
    auto v = api::encode_spec(r.spec, d.GetAllocator());
    CHECK(json::dump(v["services"][0]["kubernetes"]) ==
          R"({"serviceType":"NodePort","expose":[{"host":"shop.example.com","tlsSecret":"shop-tls",)"
          R"("ingressClassName":"nginx"},{"path":"/x","port":80}]})");
    check_round_trips(r.spec);
}
