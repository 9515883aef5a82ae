#include "op/compose/load.hpp"

#include "op_catch.hpp"
#include "test_files.hpp"

using namespace op::compose;
using namespace std::chrono_literals;

TEST_CASE("override files merge following the Compose Specification", "[unit]") {
    auto r = load_files({{"base.yaml", test::read_text(test::testdata("base.yaml"))},
                         {"override.yaml", test::read_text(test::testdata("override.yaml"))}});
    REQUIRE(r);
    auto const& p = r->project;
    REQUIRE(p.services.size() == 3);
    auto const& web = *p.find_service("web");
    CHECK(web.image == "nginx:1.27");                                   // scalar overridden
    CHECK(web.command == std::vector<std::string>{"nginx"});            // command replaced
    CHECK(web.environment.at("A") == "1");                              // list+map merged
    CHECK(web.environment.at("B") == "20");
    CHECK(web.environment.at("C") == "3");
    CHECK(web.labels.at("tier") == "web");
    CHECK(web.labels.at("extra") == "yes");
    REQUIRE(web.ports.size() == 3);                                     // merged by identity
    CHECK(web.ports[0].published == port_range{80, 80});
    CHECK(web.ports[1].target == 443);
    CHECK(web.ports[2].published == port_range{8080, 8080});
    REQUIRE(web.volumes.size() == 2);                                   // merged by target
    CHECK(web.volumes[0].source == "./site");
    CHECK(web.volumes[0].read_only);
    CHECK(web.volumes[1].source == "logs");
    CHECK(web.cap_add == std::vector<std::string>{"NET_ADMIN", "SYS_TIME"});  // appended, unique
    REQUIRE(web.depends_on.size() == 2);
    CHECK(web.depends_on[0].service == "db");
    CHECK(web.depends_on[1].service == "cache");
    CHECK(web.depends_on[1].condition == "service_healthy");
    CHECK(web.healthcheck->test == std::vector<std::string>{"CMD", "false"});  // replaced
    CHECK(web.healthcheck->interval == 10s);                                  // kept
    CHECK(web.deploy->replicas == 3u);
    CHECK(web.deploy->resources.limits->memory == 64LL << 20);
    CHECK(web.deploy->resources.limits->cpus == "0.5");
    CHECK(p.find_service("db")->secrets.empty());                     // !reset
    CHECK(p.find_service("db")->image == "postgres:15");
    CHECK(p.find_service("cache")->image == "redis");
}

TEST_CASE("!override replaces a whole value", "[unit]") {
    auto r = load_files({{"a", "services:\n  w:\n    image: x\n    ports: [\"80:80\", \"81:81\"]\n"},
                         {"b", "services:\n  w:\n    ports: !override [\"90:90\"]\n"}});
    REQUIRE(r);
    REQUIRE(r->project.services[0].ports.size() == 1);
    CHECK(r->project.services[0].ports[0].target == 90);
}

TEST_CASE("anchors, aliases and merge keys across a file", "[unit]") {
    auto r = load(R"(
x-env: &env
  A: "1"
  B: "2"
x-base: &base
  image: app
  environment: *env
x-more: &more
  restart: always
  image: ignored
services:
  one:
    <<: [*base, *more]
    image: own
  two:
    <<: *base
  three:
    environment:
      <<: *env
      B: "3"
    image: three
)");
    REQUIRE(r);
    auto const& p = r->project;
    CHECK(p.find_service("one")->image == "own");       // local key wins
    CHECK(p.find_service("one")->restart == "always");  // from the second merged map
    CHECK(p.find_service("two")->image == "app");
    CHECK(p.find_service("two")->environment.at("A") == "1");
    CHECK(p.find_service("three")->environment.at("A") == "1");
    CHECK(p.find_service("three")->environment.at("B") == "3");
    auto bad = load("services:\n  a:\n    <<: 5\n    image: x\n");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message == "merge key \"<<\" needs a mapping or a list of mappings (line 3, column 9)");
    auto quoted = load("services:\n  a:\n    \"<<\": {image: x}\n    image: y\n");
    REQUIRE_FALSE(quoted);  // a quoted "<<" is a plain key, so an unknown service key
    CHECK(quoted.error().field_path == "services.a.<<");
}
