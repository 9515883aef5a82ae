#include "op/cli/convert.hpp"

#include "op/api/versions.hpp"
#include "op/util/json.hpp"
#include "op_catch.hpp"

using namespace op;
using namespace op::cli;

namespace {
std::optional<std::string> no_files(std::string const&) { return std::nullopt; }
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
    auto read = [](std::string const& p) -> std::optional<std::string> {
        if (p == "web.env") return std::string("FROM_FILE=1\n");
        return std::nullopt;
    };
    auto r = render_stack(files, o, {{"TAG", "1.25"}}, read);
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
