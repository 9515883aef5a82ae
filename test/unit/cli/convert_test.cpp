#include "op/cli/convert.hpp"

#include "op/api/versions.hpp"
#include "op/util/json.hpp"
#include "op_catch.hpp"

#include <algorithm>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

using namespace op;
using namespace op::cli;

namespace {

namespace fs = std::filesystem;

// A fresh folder under the temp directory holding `files` (relative path -> content).
fs::path folder(std::string const& name, std::map<std::string, std::string> const& files = {}) {
    auto dir = fs::temp_directory_path() / ("op-cli-test-" + std::to_string(::getpid())) / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (auto const& [rel, text] : files) {
        fs::create_directories((dir / rel).parent_path());
        std::ofstream(dir / rel, std::ios::binary) << text;
    }
    return dir;
}

fs::path const no_files = folder("empty");

}  // namespace

TEST_CASE("parse_env_file", "[unit][cli]") {
    auto r = parse_env_file("# c\nA=1\nexport B = two \nC=\"x y\"\nD='q'\nE=v # note\n\n", ".env");
    REQUIRE(r);
    CHECK(r->at("A") == "1");
    CHECK(r->at("B") == "two");
    CHECK(r->at("C") == "x y");
    CHECK(r->at("D") == "q");
    CHECK(r->at("E") == "v");
    auto bad = parse_env_file("A=1\nnonsense\n", ".env");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().field_path == ".env:2");
}

TEST_CASE("render_stack interpolates from the given environment and renders JSON", "[unit][cli]") {
    convert_options o;
    o.name = "demo";
    o.namespace_ = "ns";
    o.output = "json";
    std::vector<compose::source_file> files = {
        {"compose.yaml", "services:\n  web:\n    image: nginx:${TAG}\n    env_file: web.env\n"},
        {"override.yaml", "services:\n  web:\n    ports: [\"8080:80\"]\n"}};
    auto r = render_stack(files, o, {{"TAG", "1.25"}}, folder("env", {{"web.env", "FROM_FILE=1\n"}}));
    REQUIRE(r);
    auto doc = json::parse(r->manifest);
    REQUIRE(doc);
    auto s = api::decode_v1beta2(*doc);
    REQUIRE(s);
    CHECK(s->metadata.name == "demo");
    CHECK(s->metadata.namespace_ == "ns");
    auto const& web = s->spec->services.at(0);
    CHECK(web.image == "nginx:1.25");
    CHECK(web.environment.at("FROM_FILE") == std::optional<std::string>("1"));
    CHECK(web.ports.at(0).published == 8080u);
}

TEST_CASE("render_stack reports errors with their path", "[unit][cli]") {
    convert_options o;
    o.name = "demo";
    auto r = render_stack({{"c.yaml", "services:\n  app:\n    build: .\n"}}, o, {}, no_files);
    REQUIRE_FALSE(r);
    CHECK(r.error().field_path == "services.app");
    o.api_version = "v9";
    CHECK_FALSE(render_stack({{"c.yaml", "services:\n  a:\n    image: x\n"}}, o, {}, no_files));
}

TEST_CASE("render_stack v1beta1 and yaml output", "[unit][cli]") {
    convert_options o;
    o.name = "demo";
    o.api_version = "v1beta1";
    auto r = render_stack({{"c.yaml", "services:\n  a:\n    image: x\n    command: echo $$HOME\n"}}, o,
                          {}, no_files);
    REQUIRE(r);
    CHECK(r->manifest.starts_with("apiVersion: compose.docker.com/v1beta1\nkind: Stack\n"));
    CHECK(r->manifest.find("composeFile: |") != std::string::npos);
}

TEST_CASE("render_stack warns about unset variables", "[unit][cli]") {
    convert_options o;
    o.name = "demo";
    auto r = render_stack({{"c.yaml", "services:\n  a:\n    image: x:${NOPE}\n"}}, o, {}, no_files);
    REQUIRE(r);
    REQUIRE_FALSE(r->warnings.empty());
    CHECK(r->warnings[0].find("NOPE") != std::string::npos);
}

TEST_CASE("render_stack -o manifests prints the objects the operator would create", "[unit][cli]") {
    convert_options o;
    o.name = "demo";
    o.namespace_ = "ns";
    o.output = "manifests";
    std::vector<compose::source_file> files = {
        {"compose.yaml",
         "services:\n"
         "  web:\n    image: nginx\n    ports: [\"8080:80\"]\n    secrets: [token]\n"
         "  db:\n    image: postgres\n    volumes: [data:/var/lib/postgresql/data]\n"
         "volumes:\n  data: {}\n"
         "secrets:\n  token:\n    file: ./token.txt\n"}};
    auto const read = folder("manifests", {{"token.txt", "s3cret"}});
    auto r = render_stack(files, o, {}, read);
    REQUIRE(r);
    auto const& m = r->manifest;
    // Documents start with ---; one per object: Secret, StatefulSet db, Deployment web, Services.
    CHECK(m.rfind("---\n", 0) == 0);
    CHECK(m.find("kind: Secret") != std::string::npos);
    CHECK(m.find("czNjcmV0") != std::string::npos);  // base64("s3cret")
    CHECK(m.find("kind: StatefulSet") != std::string::npos);
    CHECK(m.find("kind: Deployment") != std::string::npos);
    CHECK(m.find("name: web-published") != std::string::npos);
    CHECK(m.find("type: LoadBalancer") != std::string::npos);
    CHECK(m.find("namespace: ns") != std::string::npos);
    CHECK(m.find("ownerReferences") == std::string::npos);  // no Stack to own them
    CHECK(m.find("compose.docker.com/v1beta2") == std::string::npos);

    o.service_type = "NodePort";
    auto np = render_stack(files, o, {}, read);
    REQUIRE(np);
    CHECK(np->manifest.find("type: NodePort") != std::string::npos);

    // Without the secret's file: an error naming the path.
    auto missing = render_stack(files, o, {}, no_files);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().field_path == "secrets.token.file");
    CHECK(missing.error().message.find("token.txt") != std::string::npos);

    o.service_type = "ClusterIP";
    auto bad = render_stack(files, o, {}, read);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().field_path == "--default-service-type");
}

TEST_CASE("render_stack prints one warning per field path", "[unit][cli]") {
    convert_options o;
    o.name = "demo";
    auto r = render_stack({{"c.yaml", "services:\n  web:\n    image: x\n    container_name: w\n"
                                      "  db:\n    image: y\n"}},
                          o, {}, no_files);
    REQUIRE(r);
    int n = 0;
    for (auto const& w : r->warnings) n += w.rfind("services.web.container_name:", 0) == 0 ? 1 : 0;
    CHECK(n == 1);
}

TEST_CASE("render_stack --profile activates services with profiles", "[unit][cli]") {
    convert_options o;
    o.name = "demo";
    o.output = "json";
    std::vector<compose::source_file> files = {
        {"compose.yaml", "services:\n  web: {image: nginx}\n  debug: {image: busybox, profiles: [debug]}\n"}};
    auto plain = render_stack(files, o, {}, no_files);
    REQUIRE(plain);
    CHECK(plain->manifest.find("busybox") == std::string::npos);
    CHECK(std::find_if(plain->warnings.begin(), plain->warnings.end(), [](std::string const& w) {
              return w.starts_with("services.debug: not deployed");
          }) != plain->warnings.end());
    o.profiles = {"debug"};
    auto active = render_stack(files, o, {}, no_files);
    REQUIRE(active);
    CHECK(active->manifest.find("busybox") != std::string::npos);
    CHECK(active->warnings.empty());
}

TEST_CASE("render_stack reads the files extends and include name, bounded", "[unit][cli]") {
    auto dir = folder("extends", {{"common.yaml", "services:\n  app: {image: app:1, environment: [X=1]}\n"},
                                  {"db/compose.yaml", "services:\n  db: {image: postgres:16}\n"}});
    convert_options o;
    o.name = "demo";
    o.output = "json";
    std::vector<compose::source_file> files = {
        {"compose.yaml", "include: [db/compose.yaml]\nservices:\n  web:\n    extends: {file: common.yaml, service: app}\n"}};
    auto r = render_stack(files, o, {}, dir);
    REQUIRE(r);
    CHECK(r->manifest.find("app:1") != std::string::npos);
    CHECK(r->manifest.find("postgres:16") != std::string::npos);

    // Only regular files are read, and no more than the loader's limit.
    auto read = compose_file_reader(dir);
    CHECK_FALSE(read("/dev/zero", 100));
    CHECK_FALSE(read("db", 100));  // a folder
    CHECK_FALSE(read("missing.yaml", 100));
    auto part = read("common.yaml", 9);
    REQUIRE(part);
    CHECK(part->size() == 10);
    auto missing = render_stack({{"compose.yaml", "services:\n  web: {extends: {file: nope.yaml, service: a}}\n"}},
                                o, {}, dir);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().field_path == "services.web.extends.file");
    CHECK(missing.error().message.find("cannot read \"nope.yaml\"") != std::string::npos);
}
