#include "op/compose/load.hpp"
#include "op/util/text.hpp"

#include "op_catch.hpp"
#include "test_files.hpp"

#include <algorithm>

using namespace op::compose;
using namespace std::chrono_literals;

namespace {

load_result must_load(std::string const& text, load_options const& o = {}) {
    auto r = load(text, o);
    if (!r) FAIL("load failed: " << r.error().what());
    return std::move(*r);
}

project const& full() {
    static load_result const r = [] {
        load_options o;
        o.environment = {{"TAG", "1.27"}};
        o.profiles = {"*"};  // web has profiles
        return must_load(test::read_text(test::testdata("full.yaml")), o);
    }();
    return r.project;
}

service const& svc(std::string const& name) {
    auto const* s = full().find_service(name);
    REQUIRE(s != nullptr);
    return *s;
}

}  // namespace

TEST_CASE("top level: name, order, extensions, anchors", "[unit]") {
    auto const& p = full();
    CHECK(p.name == "fullapp");
    REQUIRE(p.services.size() == 3);
    CHECK(p.services[0].name == "api");  // sorted by name, not file order
    CHECK(p.services[1].name == "db");
    CHECK(p.services[2].name == "web");
    CHECK(p.extensions.contains("x-common"));
    CHECK(p.extensions.contains("x-top"));
    auto const& web = svc("web");
    CHECK(web.restart == "unless-stopped");  // from the << merge key
    CHECK_FALSE(web.labels.contains("tier"));  // a key set locally wins over <<, no deep merge
    CHECK(web.labels.at("com.example.role") == "web");
    REQUIRE(web.logging);
    CHECK(web.logging->driver == "json-file");
    CHECK(web.logging->options.at("max-size") == "10m");
    CHECK(web.extensions.at("x-web").find("any")->items.size() == 2);
}

TEST_CASE("service scalars and lists", "[unit]") {
    auto const& web = svc("web");
    CHECK(web.image == "nginx:1.27");
    CHECK(web.command == std::vector<std::string>{"nginx", "-g", "daemon off;"});
    CHECK(web.entrypoint == std::vector<std::string>{"/docker-entrypoint.sh"});
    CHECK(web.cap_add == std::vector<std::string>{"NET_ADMIN"});
    CHECK(web.cap_drop == std::vector<std::string>{"ALL"});
    CHECK(web.hostname == "web1");
    CHECK(web.domainname == "example.com");
    CHECK(web.ipc == "host");
    CHECK(web.pid == "host");
    CHECK(web.privileged);
    CHECK(web.read_only);
    CHECK(web.stdin_open);
    CHECK(web.tty);
    CHECK(web.user == "1000:1000");
    CHECK(web.working_dir == "/srv");
    CHECK(web.stop_grace_period == 1min);
    CHECK(web.stop_signal == "SIGQUIT");
    CHECK(web.tmpfs == std::vector<std::string>{"/run"});
    CHECK(web.shm_size == (1LL << 30));
    CHECK(web.ulimits.at("nproc") == ulimit{65535, 65535});
    CHECK(web.ulimits.at("nofile") == ulimit{20000, 40000});
    CHECK(web.sysctls.at("net.core.somaxconn") == "1024");
    CHECK(web.dns == std::vector<std::string>{"8.8.8.8"});
    CHECK(web.dns_search == std::vector<std::string>{"example.com"});
    CHECK(web.init == true);
    CHECK(web.container_name == "the-web");
    CHECK(web.expose == std::vector<std::string>{"3000", "8000-8010/tcp"});
    CHECK(web.security_opt == std::vector<std::string>{"no-new-privileges:true"});
    CHECK(web.platform == "linux/amd64");
    CHECK(web.pull_policy == "always");
    CHECK(web.profiles == std::vector<std::string>{"frontend", "debug"});
    REQUIRE(web.env_file.size() == 2);
    CHECK(web.env_file[0].path == ".env");
    CHECK_FALSE(web.env_file[1].required);
    CHECK(web.extra_hosts ==
          std::vector<std::string>{"somehost:162.242.195.82", "otherhost:50.31.209.229"});
    auto const& api = svc("api");
    REQUIRE(api.build);
    CHECK(api.build->find("context")->scalar == "./api");
    CHECK(api.image.empty());
    CHECK(api.network_mode == "service:web");
    CHECK(api.devices == std::vector<std::string>{"/dev/ttyUSB0:/dev/ttyUSB0"});
    CHECK(api.links == std::vector<std::string>{"db"});
    CHECK_FALSE(api.other.contains("extends"));  // resolved by the loader (spec_keys_test.cpp)
}

TEST_CASE("environment: list, map, missing and null values", "[unit]") {
    auto const& web = svc("web");
    CHECK(web.environment.at("PLAIN") == "value");
    CHECK(web.environment.at("WITH_EQUALS") == "a=b");
    CHECK(web.environment.at("NO_VALUE") == std::nullopt);
    CHECK(web.environment.at("FROM_VAR") == "");
    auto const& api = svc("api");
    CHECK(api.environment.at("DEBUG") == "true");
    CHECK(api.environment.at("EMPTY") == "");
    CHECK(api.environment.at("NULLED") == std::nullopt);
    CHECK(api.environment.at("NUM") == "5");
}

TEST_CASE("ports: short, ranges, host ip, protocol, long", "[unit]") {
    auto const& ports = svc("web").ports;
    REQUIRE(ports.size() == 8);
    CHECK(ports[0].target == 80);
    CHECK(ports[0].published == port_range{80, 80});
    CHECK(ports[1].host_ip == "127.0.0.1");
    CHECK(ports[1].target == 443);
    CHECK(ports[2].target == 9000);
    CHECK(ports[4].target == 9002);
    CHECK(ports[4].published == port_range{8002, 8002});
    CHECK(ports[5].protocol == "udp");
    service_port const& l = ports[6];
    CHECK(l.target == 9090);
    CHECK(l.published == port_range{9090, 9091});
    CHECK(l.mode == "host");
    CHECK(l.name == "metrics");
    CHECK(l.app_protocol == "http");
    CHECK(l.extensions.contains("x-note"));
    CHECK(ports[7].target == 3000);
    CHECK_FALSE(ports[7].published);
}

TEST_CASE("volumes: short and long, bind, volume, tmpfs", "[unit]") {
    auto const& v = svc("web").volumes;
    REQUIRE(v.size() == 7);
    CHECK(v[0].type == "bind");
    CHECK(v[0].source == "./html");  // kept as written without a working_dir
    CHECK(v[0].read_only);
    CHECK(v[1].type == "volume");
    CHECK(v[1].source == "cache");
    CHECK(v[2].source.empty());
    CHECK(v[3].source == "~/certs");
    CHECK(v[4].type == "tmpfs");
    CHECK(v[4].tmpfs_size == 64LL << 20);
    CHECK(v[4].tmpfs_mode == 01777u);
    CHECK(v[5].bind_propagation == "rshared");
    CHECK(v[5].bind_create_host_path == true);
    CHECK(v[5].read_only);
    CHECK(v[6].volume_nocopy);
    CHECK(v[6].volume_subpath == "sub");
}

TEST_CASE("relative and home paths resolve only when the caller says so", "[unit]") {
    load_options o;
    o.working_dir = "/srv/app";
    o.home = "/home/u";
    auto r = must_load("services:\n  a:\n    image: x\n    volumes: [./d:/d, ~/c:/c, ../up:/u, /abs:/abs]\n"
                       "    secrets: [s]\nsecrets:\n  s:\n    file: ./s.txt\n", o);
    auto const& v = r.project.services[0].volumes;
    CHECK(v[0].source == "/srv/app/d");
    CHECK(v[1].source == "/home/u/c");
    CHECK(v[2].source == "/srv/app/../up");
    CHECK(v[3].source == "/abs");
    CHECK(r.project.secrets.at("s").file == "/srv/app/s.txt");
}

TEST_CASE("secrets, configs and depends_on", "[unit]") {
    auto const& web = svc("web");
    REQUIRE(web.secrets.size() == 2);
    CHECK(web.secrets[0].source == "site-cert");
    CHECK(web.secrets[0].target == "/run/secrets/site-cert");
    CHECK(web.secrets[1].target == "/run/secrets/key.pem");
    CHECK(web.secrets[1].uid == "101");
    CHECK(web.secrets[1].mode == 0440u);
    REQUIRE(web.configs.size() == 2);
    CHECK(web.configs[0].target == "/nginx-conf");
    CHECK(web.configs[1].target == "/etc/inline.conf");
    REQUIRE(web.depends_on.size() == 2);
    CHECK(web.depends_on[0].service == "api");
    CHECK(web.depends_on[0].condition == "service_healthy");
    CHECK(web.depends_on[0].restart);
    CHECK_FALSE(web.depends_on[1].required);
    auto const& p = full();
    CHECK(p.secrets.at("site-cert").file == "./cert.pem");
    CHECK(p.secrets.at("site-key").environment == "KEY_VAR");
    CHECK(p.secrets.at("db-pass").external);
    CHECK(p.secrets.at("db-pass").name == "prod-db-pass");
    CHECK(p.configs.at("inline-conf").content == "key=value\n");
    auto list = must_load("services:\n  a: {image: x, depends_on: [b]}\n  b: {image: y}\n");
    CHECK(list.project.services[0].depends_on[0].condition == "service_started");
}

TEST_CASE("healthcheck forms", "[unit]") {
    auto const& h = *svc("web").healthcheck;
    CHECK(h.test == std::vector<std::string>{"CMD-SHELL", "curl -f http://localhost/ || exit 1"});
    CHECK(h.interval == 90s);
    CHECK(h.timeout == 10s);
    CHECK(h.retries == 3u);
    CHECK(h.start_period == 40s);
    CHECK(h.start_interval == 5s);
    CHECK(svc("api").healthcheck->test == std::vector<std::string>{"CMD", "curl", "-f", "http://localhost"});
    CHECK(svc("db").healthcheck->disable);
    CHECK(svc("db").healthcheck->test == std::vector<std::string>{"NONE"});
    auto none = must_load("services:\n  a:\n    image: x\n    healthcheck:\n      test: [\"NONE\"]\n");
    CHECK(none.project.services[0].healthcheck->disable);
}

TEST_CASE("deploy", "[unit]") {
    auto const& d = *svc("web").deploy;
    CHECK(d.mode == "replicated");
    CHECK(d.replicas == 3u);
    CHECK(d.endpoint_mode == "vip");
    CHECK(d.labels.at("com.example.deploy") == "yes");
    CHECK(d.resources.limits->cpus == "0.50");
    CHECK(d.resources.limits->memory == 50LL << 20);
    CHECK(d.resources.limits->pids == 100);
    CHECK(d.resources.reservations->cpus == "0.25");
    CHECK(d.resources.reservations->memory == 20LL << 20);
    CHECK(d.restart_policy->condition == "on-failure");
    CHECK(d.restart_policy->delay == 5s);
    CHECK(d.restart_policy->max_attempts == 3u);
    CHECK(d.restart_policy->window == 2min);
    CHECK(d.update_config->parallelism == 2u);
    CHECK(d.update_config->delay == 10s);
    CHECK(d.update_config->failure_action == "rollback");
    CHECK(d.update_config->monitor == 500ms);
    CHECK(d.update_config->max_failure_ratio == Approx(0.3));
    CHECK(d.update_config->order == "start-first");
    CHECK(d.rollback_config->parallelism == 1u);
    CHECK(d.placement.constraints.size() == 2);
    CHECK(d.placement.preferences[0].spread == "node.labels.zone");
    CHECK(d.placement.max_replicas_per_node == 2u);
    CHECK(d.extensions.contains("x-deploy-ext"));
    CHECK(svc("db").deploy->mode == "global");
}

TEST_CASE("networks and volumes", "[unit]") {
    auto const& p = full();
    auto const& nets = svc("web").networks;
    CHECK(nets.at("front")->aliases == std::vector<std::string>{"www"});
    CHECK(nets.at("front")->ipv4_address == "172.16.238.10");
    CHECK(nets.at("back") == std::nullopt);
    CHECK(p.networks.at("front").driver == "bridge");
    CHECK(p.networks.at("front").ipam.has_value());
    CHECK(p.networks.at("back").internal);
    CHECK(p.networks.at("outside").external);
    CHECK(p.networks.at("outside").name == "host-net");
    CHECK(p.networks.at("legacy").external);
    CHECK(p.networks.at("legacy").name == "old-net");
    CHECK(p.volumes.at("data").driver_opts.at("type") == "none");
    CHECK(p.volumes.at("data").labels.at("com.example.v") == "1");
    CHECK(p.volumes.at("ext").external);
}

TEST_CASE("warnings for unsupported keys and unresolved variables", "[unit]") {
    load_options o;
    o.profiles = {"debug"};
    auto r = load(test::read_text(test::testdata("full.yaml")), o);
    REQUIRE(r);
    auto has = [&](std::string const& path, std::string const& msg) {
        return std::find(r->warnings.begin(), r->warnings.end(), load_warning{path, msg}) !=
               r->warnings.end();
    };
    CHECK(has("services.api.devices", "has no effect on Kubernetes; ignored"));
    CHECK(has("services.web.logging", "has no effect on Kubernetes; ignored"));
    CHECK_FALSE(has("services.web.sysctls", "has no effect on Kubernetes; ignored"));  // mapped
    std::vector<unresolved_variable> const want{{"HOST_VAR", "services.web.environment[3]"}};
    CHECK(r->unresolved == want);
    CHECK(r->project.find_service("web")->image == "nginx:1.25");
}

TEST_CASE("an undeclared named volume is declared with the defaults and a warning", "[unit]") {
    // The reference system accepted this (its own sample uses it); Docker Compose does too.
    auto r = load("services:\n  web:\n    image: x\n    volumes: [\"db:/data\"]\n  api:\n    image: y\n"
                  "    volumes: [\"db:/srv\", \"/tmp:/tmp\"]\n");
    REQUIRE(r);
    REQUIRE(r->project.volumes.contains("db"));
    CHECK_FALSE(r->project.volumes.at("db").external);
    CHECK(r->project.volumes.size() == 1);
    std::vector<std::string> warned;
    for (auto const& w : r->warnings) {
        if (w.message.find("named volume \"db\" is not declared") != std::string::npos) warned.push_back(w.field_path);
    }
    CHECK(warned == std::vector<std::string>{"services.api.volumes"});  // once, at its first user
    auto declared = load("services:\n  web:\n    image: x\n    volumes: [\"db:/data\"]\nvolumes:\n  db: {}\n");
    REQUIRE(declared);
    CHECK(declared->warnings.empty());
}

TEST_CASE("versions: 3.x, 2.x and versionless accepted; others rejected", "[unit]") {
    for (char const* v : {"\"3\"", "\"3.8\"", "3.9", "\"2.4\""}) {
        INFO(v);
        auto r = load(std::string("version: ") + v + "\nservices:\n  a: {image: x}\n");
        CHECK(r);
    }
    auto r = load("version: \"1\"\nservices: {}\n");
    REQUIRE_FALSE(r);
    CHECK(r.error().what() == "version: unsupported Compose file version: 1 (line 1, column 10)");
    CHECK(must_load("services:\n  a: {image: x}\n").project.version.empty());
}

TEST_CASE("strict keys: unknown keys are errors, or warnings when asked", "[unit]") {
    std::string const text = "services:\n  a:\n    image: x\n    imagee: y\n";
    auto r = load(text);
    REQUIRE_FALSE(r);
    CHECK(r.error().what() == "services.a.imagee: unknown key \"imagee\" (line 4, column 13)");
    load_options o;
    o.strict_keys = false;
    auto w = load(text, o);
    REQUIRE(w);
    CHECK(w->warnings == std::vector<load_warning>{{"services.a.imagee", "unknown key ignored"}});
}

// Found by fuzz_conversion_review: yaml-cpp decodes "\N" and "\_" to the single Latin-1 bytes
// 0x85 and 0xA0, so a v1beta1 stack's converted answer held bytes that are not UTF-8 and the
// API server could not read it.
TEST_CASE("double-quoted escapes \\N and \\_ load as UTF-8 (U+0085, U+00A0)", "[unit]") {
    auto const r = must_load("services:\n  web:\n    image: x\n    environment:\n      A: \"a\\Nb\\_c\\u00e9\"\n"
                             "      \"K\\_EY\": v\n");
    auto const* web = r.project.find_service("web");
    REQUIRE(web != nullptr);
    CHECK(web->environment.at("A") == "a\xC2\x85" "b\xC2\xA0" "c\xC3\xA9");
    CHECK(web->environment.contains("K\xC2\xA0" "EY"));
}

TEST_CASE("a YAML error quoting a non-ASCII character is UTF-8", "[unit]") {
    auto const r = load("services:\n  web:\n    image: \"x\\\xC3\xA9\"\n", {});
    REQUIRE_FALSE(r);
    std::string const what = r.error().what();
    CHECK(what.find("invalid YAML") != std::string::npos);
    CHECK(op::invalid_utf8_at(what) == std::string_view::npos);
}
