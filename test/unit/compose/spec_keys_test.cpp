// Issue 10: profiles and the service keys of the Compose Specification beyond the reference's.
#include "op/compose/load.hpp"

#include "op/compose/emit.hpp"
#include "op_catch.hpp"

#include <algorithm>

using namespace op::compose;

namespace {

bool has_warning(load_result const& r, std::string const& path, std::string const& part) {
    return std::any_of(r.warnings.begin(), r.warnings.end(), [&](load_warning const& w) {
        return w.field_path == path && w.message.find(part) != std::string::npos;
    });
}

std::vector<std::string> names(project const& p) {
    std::vector<std::string> out;
    for (auto const& s : p.services) out.push_back(s.name);
    return out;
}

constexpr char const* profiled = R"(services:
  web: {image: nginx}
  debug: {image: busybox, profiles: [debug]}
  tools: {image: busybox, profiles: [tools, debug]}
)";

}  // namespace

TEST_CASE("profiles: without active profiles only services without profiles load", "[unit]") {
    auto r = load(profiled);
    REQUIRE(r);
    CHECK(names(r->project) == std::vector<std::string>{"web"});
    CHECK(has_warning(*r, "services.debug", "not deployed: none of its profiles (debug) is active"));
    CHECK(has_warning(*r, "services.tools", "--profile tools"));
}

TEST_CASE("profiles: an active profile enables its services; * enables all", "[unit]") {
    load_options o;
    o.profiles = {"debug"};
    auto r = load(profiled, o);
    REQUIRE(r);
    CHECK(names(r->project) == std::vector<std::string>{"debug", "tools", "web"});
    CHECK(r->warnings.empty());
    o.profiles = {"tools"};
    CHECK(names(load(profiled, o)->project) == std::vector<std::string>{"tools", "web"});
    o.profiles = {"*"};
    CHECK(names(load(profiled, o)->project).size() == 3);
}

TEST_CASE("profiles: a required dependency on an inactive service is an error", "[unit]") {
    std::string const text = R"(services:
  web: {image: nginx, depends_on: [db]}
  db: {image: postgres, profiles: [db]}
)";
    auto r = load(text);
    REQUIRE_FALSE(r);
    CHECK(r.error().field_path == "services.web.depends_on.db");
    CHECK(r.error().message.find("--profile db") != std::string::npos);
    load_options o;
    o.profiles = {"db"};
    CHECK(load(text, o));

    auto optional = load(R"(services:
  web:
    image: nginx
    depends_on: {db: {condition: service_started, required: false}}
  db: {image: postgres, profiles: [db]}
)");
    REQUIRE(optional);
    CHECK(optional->project.services.size() == 1);
    CHECK(optional->project.services[0].depends_on.empty());
    CHECK(has_warning(*optional, "services.web.depends_on.db", "not waited for"));
}

TEST_CASE("resource keys outside deploy are typed, not unknown", "[unit]") {
    auto r = load(R"(services:
  a:
    image: x
    cpus: 0.5
    cpu_shares: 512
    mem_limit: 1g
    mem_reservation: 256m
    cgroup_parent: /custom
    shm_size: 128m
    sysctls: {net.core.somaxconn: 1024}
    group_add: ["1001", audio]
)");
    REQUIRE(r);
    auto const& a = r->project.services[0];
    CHECK(a.cpus == "0.5");
    CHECK(a.cpu_shares == 512);
    CHECK(a.mem_limit == 1024ll * 1024 * 1024);
    CHECK(a.mem_reservation == 256ll * 1024 * 1024);
    CHECK(a.cgroup_parent == "/custom");
    CHECK(a.shm_size == 128ll * 1024 * 1024);
    CHECK(a.sysctls.at("net.core.somaxconn") == "1024");
    CHECK(has_warning(*r, "services.a.cgroup_parent", "no effect"));
    CHECK_FALSE(has_warning(*r, "services.a.cpus", ""));
    CHECK_FALSE(has_warning(*r, "services.a.mem_limit", ""));
    CHECK_FALSE(has_warning(*r, "services.a.sysctls", ""));

    auto bad = load("services:\n  a: {image: x, mem_limit: lots}\n");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().field_path == "services.a.mem_limit");
    auto neg = load("services:\n  a: {image: x, cpus: \"-1\"}\n");
    REQUIRE_FALSE(neg);
    CHECK(neg.error().field_path == "services.a.cpus");
}

TEST_CASE("lifecycle hooks decode and emit back", "[unit]") {
    auto r = load(R"(services:
  a:
    image: x
    post_start:
      - command: ["sh", "-c", "echo up"]
        user: root
    pre_stop:
      - command: nginx -s quit
)");
    REQUIRE(r);
    auto const& a = r->project.services[0];
    REQUIRE(a.post_start.size() == 1);
    CHECK(a.post_start[0].command == std::vector<std::string>{"sh", "-c", "echo up"});
    CHECK(a.post_start[0].user == "root");
    REQUIRE(a.pre_stop.size() == 1);
    CHECK(a.pre_stop[0].command == std::vector<std::string>{"nginx", "-s", "quit"});
    auto again = load(emit(r->project));
    REQUIRE(again);
    CHECK(again->project == r->project);

    auto bad = load("services:\n  a: {image: x, pre_stop: [{user: root}]}\n");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().field_path == "services.a.pre_stop[0]");
    auto typo = load("services:\n  a: {image: x, pre_stop: [{comand: x}]}\n");
    REQUIRE_FALSE(typo);
    CHECK(typo.error().field_path == "services.a.pre_stop[0].comand");
}

TEST_CASE("service x-kubernetes: serviceType and expose are typed and validated", "[unit]") {
    auto r = load(R"(services:
  web:
    image: nginx
    ports: ["8080:80"]
    x-kubernetes:
      serviceType: ClusterIP
      expose:
        host: shop.example.com
        path: /api
        pathType: Exact
        port: 8080
        tlsSecret: shop-tls
        ingressClassName: nginx
  admin:
    image: x
    x-kubernetes:
      expose: [{host: "*.example.com"}, {}]
)");
    REQUIRE(r);
    auto const& web = *r->project.find_service("web");
    REQUIRE(web.kubernetes);
    CHECK(web.extensions.empty());
    CHECK(web.kubernetes->service_type == "ClusterIP");
    REQUIRE(web.kubernetes->expose.size() == 1);
    CHECK(web.kubernetes->expose[0] ==
          ingress_expose{"shop.example.com", "/api", "Exact", 8080u, "shop-tls", "nginx"});
    CHECK(r->project.find_service("admin")->kubernetes->expose.size() == 2);
    auto again = load(emit(r->project));
    REQUIRE(again);
    CHECK(again->project == r->project);

    struct bad_case {
        char const* yaml;
        char const* path;
    };
    for (auto const& b : {bad_case{"serviceType: Headless", "services.a.x-kubernetes.serviceType"},
                          bad_case{"expose: {host: Shop.Example}", "services.a.x-kubernetes.expose.host"},
                          bad_case{"expose: [{path: api}]", "services.a.x-kubernetes.expose[0].path"},
                          bad_case{"expose: {pathType: Regex}", "services.a.x-kubernetes.expose.pathType"},
                          bad_case{"expose: {port: 0}", "services.a.x-kubernetes.expose.port"},
                          bad_case{"expose: {hots: x}", "services.a.x-kubernetes.expose.hots"},
                          bad_case{"exposed: {}", "services.a.x-kubernetes.exposed"}}) {
        INFO(b.yaml);
        auto e = load(std::string("services:\n  a:\n    image: x\n    x-kubernetes: {") + b.yaml + "}\n");
        REQUIRE_FALSE(e);
        CHECK(e.error().field_path == b.path);
    }
}
