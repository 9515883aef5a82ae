#include "op/compose/load.hpp"

#include "op_catch.hpp"

#include <chrono>

using namespace op::compose;

TEST_CASE("errors carry the field path, the value and the position", "[unit]") {
    struct row { char const* yaml; char const* what; };
    auto const r = GENERATE(values<row>({
        {"services:\n  web:\n    image: x\n    ports: [\"80:80\", \"80:abc\"]\n",
         "services.web.ports[1]: invalid port \"80:abc\": container port \"abc\" is not a number (line 4, column 22)"},
        {"services:\n  web:\n    image: x\n    stop_grace_period: 5\n",
         "services.web.stop_grace_period: invalid duration \"5\": missing unit (use ns, us, ms, s, m or h) (line 4, column 24)"},
        {"services:\n  web:\n    image: x\n    deploy:\n      resources:\n        limits:\n          memory: 5X\n",
         "services.web.deploy.resources.limits.memory: invalid byte size \"5X\": unknown unit (use b, k, m, g, t or p) (line 7, column 19)"},
        {"services:\n  web:\n    image: x\n    command: \"echo 'x\"\n",
         "services.web.command: invalid command \"echo 'x\": unterminated quote (line 4, column 14)"},
        {"services:\n  web:\n    image: x\n    privileged: maybe\n",
         "services.web.privileged: invalid boolean \"maybe\" (line 4, column 17)"},
        {"services:\n  web:\n    image: x\n    deploy: {replicas: -1}\n",
         "services.web.deploy.replicas: invalid non-negative integer \"-1\" (line 4, column 24)"},
        {"services:\n  web:\n    image: x\n    deploy: {mode: everywhere}\n",
         "services.web.deploy.mode: invalid value \"everywhere\" (expected one of replicated, global, replicated-job, global-job) (line 4, column 20)"},
        {"services:\n  web:\n    image: x\n    deploy: {mode: global, replicas: 2}\n",
         "services.web.deploy: replicas cannot be set with mode \"global\" (line 4, column 13)"},
        {"services:\n  web:\n    image: x\n    cap_add: NET_ADMIN\n",
         "services.web.cap_add: expected a list, got string (line 4, column 14)"},
        {"services:\n  web:\n    image: x\n    depends_on: [db]\n",
         "services.web.depends_on: service \"web\" refers to undefined service \"db\" (line 4, column 17)"},
        // Found by fuzz_compose_load: the second entry was kept, and emit() then wrote a mapping
        // with a duplicate key that did not load again (test/fuzz/regressions/fuzz_compose_load/).
        {"services:\n  db: {image: y}\n  web:\n    image: x\n    depends_on: [db, db]\n",
         "services.web.depends_on[1]: service \"db\" is listed twice (line 5, column 22)"},
        // Found by fuzz_compose_load: the mapping form took an empty host name or address that
        // the list form (what emit() writes) refuses, so load(emit(p)) failed.
        {"services:\n  web:\n    image: x\n    extra_hosts:\n      \"\": 10.0.0.1\n",
         "services.web.extra_hosts.: invalid extra host: empty host name (expected \"host: ip\") (line 5, column 11)"},
        {"services:\n  web:\n    image: x\n    extra_hosts: {\"a=b\": 10.0.0.1}\n",
         "services.web.extra_hosts.a=b: invalid extra host: host name \"a=b\" contains ':' or '=' (expected \"host: ip\") (line 4, column 26)"},
        {"services:\n  web:\n    image: x\n    extra_hosts: {db: \"\"}\n",
         "services.web.extra_hosts.db: invalid extra host: empty address for host \"db\" (expected \"host: ip\") (line 4, column 23)"},
        {"services:\n  web:\n    image: x\n    extra_hosts: {db: [10.0.0.1, \"\"]}\n",
         "services.web.extra_hosts.db[1]: invalid extra host: empty address for host \"db\" (expected \"host: ip\") (line 4, column 34)"},
        {"services:\n  web:\n    image: x\n    extra_hosts: [\":1.2.3.4\", \"h:\", \"nohost\"]\n",
         "services.web.extra_hosts[0]: invalid extra host \":1.2.3.4\" (expected \"host:ip\") (line 4, column 19)"},
        {"services:\n  web:\n    image: x\n    secrets: [pw]\n",
         "services.web.secrets: service \"web\" refers to undefined secret \"pw\" (line 4, column 14)"},
        {"services:\n  web:\n    image: x\n    networks: [n]\n",
         "services.web.networks: service \"web\" refers to undefined network \"n\" (line 4, column 15)"},
        {"services:\n  web:\n    restart: always\n",
         "services.web: service \"web\" has neither an image nor a build context (line 3, column 5)"},
        {"services:\n  web:\n", "services.web: service \"web\" is empty (line 3, column 1)"},
        {"services:\n  \"bad name\": {image: x}\n",
         "services.bad name: invalid service name \"bad name\" (line 2, column 15)"},
        {"name: My_App\nservices: {}\n",
         "name: invalid project name \"My_App\" (lowercase letters, digits, '-' and '_'; starting with a letter or digit) (line 1, column 7)"},
        {"services:\n  web:\n    image: ${IMG:?set IMG to the image}\n",
         "services.web.image: required variable IMG is missing a value: set IMG to the image (line 3, column 12)"},
        {"services:\n  web:\n    image: x\n    environment: [\"=v\"]\n",
         "services.web.environment[0]: invalid environment entry \"=v\" (line 4, column 19)"},
        {"secrets:\n  s: {}\nservices: {}\n",
         "secrets.s: secret needs exactly one of file, environment, content or external (line 2, column 6)"},
        {"services:\n  web:\n    image: x\n    healthcheck: {test: [curl]}\n",
         "services.web.healthcheck.test: healthcheck test must start with \"CMD\", \"CMD-SHELL\" or \"NONE\" (line 4, column 25)"},
        {"services:\n  web:\n    image: x\n    ports: [{published: 80}]\n",
         "services.web.ports[0]: port needs a target (line 4, column 13)"},
        {"services:\n  web:\n    image: x\n    volumes: [{type: bind, target: /x}]\n",
         "services.web.volumes[0]: bind mount needs a source (line 4, column 15)"},
        {"- a\n- b\n", "top-level object must be a mapping (line 1, column 1)"},
        {"", "empty Compose file"},
        {"services:\n  a: {image: x}\n  a: {image: y}\n", "services.a: duplicate key \"a\" (line 3, column 3)"},
        {"services: [\n", "invalid YAML: end of sequence flow not found (line 2, column 1)"},
        {"include: [other.yaml]\nservices: {}\n",
         "include: include needs the files it names; the cluster cannot read other files: run `compose-operator stack deploy` or `compose-operator convert`, which read them on your machine (line 1, column 10)"},
        {"services: {a: {image: x}}\n---\nservices: {}\n",
         "Compose file has more than one YAML document (line 3, column 1)"},
        {"services:\n  a:\n    image: x\n    x: *nope\n", "invalid YAML: the referenced anchor is not defined (line 4, column 8)"}}));
    auto res = load(r.yaml);
    INFO(r.yaml);
    REQUIRE_FALSE(res);
    CHECK(res.error().what() == r.what);
    CHECK(res.error().code == op::errc::invalid);
}

TEST_CASE("billion laughs is rejected quickly without expanding", "[unit]") {
    std::string text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
    for (int i = 1; i <= 9; ++i) {
        text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
        for (int j = 0; j < 9; ++j) text += (j ? ", *a" : "*a") + std::to_string(i - 1);
        text += "]\n";
    }
    text += "services: {}\n";
    auto const start = std::chrono::steady_clock::now();
    auto r = load(text);
    auto const took = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(r);
    CHECK(r.error().what() ==
          "a4: the Compose document has more than 100000 nodes (limit max_nodes) (line 5, column 5)");
    CHECK(took < std::chrono::seconds(2));
}

TEST_CASE("limits: depth, size, services, files", "[unit]") {
    std::string deep = "services:\n  a:\n    image: x\n    x-deep: ";
    for (int i = 0; i < 100; ++i) deep += "[";
    for (int i = 0; i < 100; ++i) deep += "]";
    auto d = load(deep);
    REQUIRE_FALSE(d);
    CHECK(d.error().message == "nesting deeper than 64 levels (line 4, column 77)");
    std::string compact = "x:\n";
    for (int i = 0; i < 100000; ++i) compact += "- ";
    compact += "x\n";
    auto c = load(compact);
    REQUIRE_FALSE(c);
    CHECK(c.error().message.starts_with("nesting deeper than 64 levels"));

    load_options o;
    o.limits.max_bytes = 64;
    auto big = load(std::string(65, '#'), o);
    REQUIRE_FALSE(big);
    CHECK(big.error().message == "Compose file is 65 bytes, more than the 64-byte limit");
    CHECK_FALSE(load(std::string((1u << 20) + 1, '#')));

    o = {};
    o.limits.max_services = 2;
    auto many = load("services:\n  a: {image: x}\n  b: {image: x}\n  c: {image: x}\n", o);
    REQUIRE_FALSE(many);
    CHECK(many.error().what() == "services: more than 2 services (line 2, column 3)");

    o = {};
    o.limits.max_files = 1;
    auto files = load_files({{"a", "services: {}"}, {"b", "services: {}"}}, o);
    REQUIRE_FALSE(files);
    CHECK(files.error().message == "2 Compose files, more than the limit of 1");
    CHECK_FALSE(load_files({}));
}

TEST_CASE("invalid UTF-8 and NUL bytes are rejected with a position", "[unit]") {
    auto r = load("services:\n  a:\n    image: \xC3\x28\n");
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "Compose file is not valid UTF-8 at byte 26 (line 3, column 12)");
    auto n = load(std::string("services: {}\n\0", 14));
    REQUIRE_FALSE(n);
    CHECK(n.error().message == "Compose file contains a NUL byte (line 2, column 1)");
    CHECK(load("services:\n  a:\n    image: caf\xC3\xA9\n"));
}

TEST_CASE("file names appear in positions when loading several files", "[unit]") {
    auto r = load_files({{"compose.yaml", "services:\n  a: {image: x}\n"},
                         {"override.yaml", "services:\n  a:\n    ports: [\"x\"]\n"}});
    REQUIRE_FALSE(r);
    CHECK(r.error().what() ==
          "services.a.ports[0]: invalid port \"x\": container port \"x\" is not a number (override.yaml: line 3, column 13)");
}
