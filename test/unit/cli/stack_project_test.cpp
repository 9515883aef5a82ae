#include "op/cli/stack.hpp"

#include "op_catch.hpp"

#include <map>

using namespace op;
using namespace op::cli;

namespace {

// An in-memory file system: path -> content.
struct fake_fs {
    std::map<std::string, std::string> files;
    file_access access() const {
        return {[this](std::string const& p) { return files.count(p) > 0; },
                [this](std::string const& p) -> std::optional<std::string> {
                    auto it = files.find(p);
                    if (it == files.end()) return std::nullopt;
                    return it->second;
                }};
    }
};

std::string const svc = "services:\n  web:\n    image: nginx\n";

}  // namespace

TEST_CASE("resolve_project: -c files are taken in order, relative to the current folder", "[unit][cli]") {
    fake_fs fs{{{"/p/app/compose.yaml", svc}, {"/p/app/extra.yaml", svc}}};
    deploy_options o;
    o.files = {"app/compose.yaml", "/p/app/extra.yaml"};
    auto r = resolve_project(o, "/p", {}, fs.access());
    REQUIRE(r);
    CHECK(r->files == std::vector<std::string>{"/p/app/compose.yaml", "/p/app/extra.yaml"});
    CHECK(r->working_dir == "/p/app");

    o.files = {"missing.yaml"};
    auto bad = resolve_project(o, "/p", {}, fs.access());
    REQUIRE_FALSE(bad);
    CHECK(bad.error().field_path == "--compose-file");
    CHECK(bad.error().message.find("missing.yaml") != std::string::npos);
}

TEST_CASE("resolve_project: default lookup follows docker compose's order and override rule", "[unit][cli]") {
    fake_fs fs{{{"/p/docker-compose.yaml", svc},
                {"/p/docker-compose.yml", svc},
                {"/p/docker-compose.override.yml", svc}}};
    deploy_options o;
    auto r = resolve_project(o, "/p", {}, fs.access());
    REQUIRE(r);
    // docker-compose.yml is preferred over docker-compose.yaml; a warning names both.
    CHECK(r->files == std::vector<std::string>{"/p/docker-compose.yml", "/p/docker-compose.override.yml"});
    REQUIRE(r->warnings.size() == 1);
    CHECK(r->warnings[0].find("/p/docker-compose.yaml") != std::string::npos);

    fs.files["/p/compose.yaml"] = svc;
    r = resolve_project(o, "/p", {}, fs.access());
    REQUIRE(r);
    CHECK(r->files.front() == "/p/compose.yaml");
    // The override is looked up on its own list, whatever the main file's spelling.
    CHECK(r->files.back() == "/p/docker-compose.override.yml");
}

TEST_CASE("resolve_project: the nearest parent folder with a Compose file is the project", "[unit][cli]") {
    fake_fs fs{{{"/p/compose.yml", svc}, {"/p/.env", "TAG=1\n"}}};
    deploy_options o;
    auto r = resolve_project(o, "/p/src/deep", {}, fs.access());
    REQUIRE(r);
    CHECK(r->files == std::vector<std::string>{"/p/compose.yml"});
    CHECK(r->working_dir == "/p");
    CHECK(r->environment.at("TAG") == "1");  // that folder's .env

    auto none = resolve_project(o, "/elsewhere", {}, fs.access());
    REQUIRE_FALSE(none);
    CHECK(none.error().field_path == "--compose-file");
    CHECK(none.error().message.find("compose.yaml") != std::string::npos);
}

TEST_CASE("resolve_project: COMPOSE_FILE with the path separator rule", "[unit][cli]") {
    fake_fs fs{{{"/p/a.yaml", svc}, {"/p/b.yaml", svc}, {"/p/compose.yaml", svc}}};
    deploy_options o;
    auto r = resolve_project(o, "/p", {{"COMPOSE_FILE", "a.yaml:b.yaml"}}, fs.access());
    REQUIRE(r);
    CHECK(r->files == std::vector<std::string>{"/p/a.yaml", "/p/b.yaml"});

    r = resolve_project(o, "/p", {{"COMPOSE_FILE", "a.yaml;b.yaml"}, {"COMPOSE_PATH_SEPARATOR", ";"}},
                        fs.access());
    REQUIRE(r);
    CHECK(r->files == std::vector<std::string>{"/p/a.yaml", "/p/b.yaml"});

    // From the current folder's .env too.
    fs.files["/p/.env"] = "COMPOSE_FILE=b.yaml\n";
    r = resolve_project(o, "/p", {}, fs.access());
    REQUIRE(r);
    CHECK(r->files == std::vector<std::string>{"/p/b.yaml"});

    // -c wins over COMPOSE_FILE.
    o.files = {"compose.yaml"};
    r = resolve_project(o, "/p", {{"COMPOSE_FILE", "a.yaml"}}, fs.access());
    REQUIRE(r);
    CHECK(r->files == std::vector<std::string>{"/p/compose.yaml"});

    o.files.clear();
    auto bad = resolve_project(o, "/p", {{"COMPOSE_FILE", "nope.yaml"}}, fs.access());
    REQUIRE_FALSE(bad);
    CHECK(bad.error().field_path == "COMPOSE_FILE");
}

TEST_CASE("resolve_project: environment precedence", "[unit][cli]") {
    fake_fs fs{{{"/p/compose.yaml", svc},
                {"/p/.env", "A=dotenv\nB=dotenv\nC=dotenv\n"},
                {"/p/one.env", "A=one\nB=one\n"},
                {"/p/two.env", "B=two\n"}}};
    deploy_options o;
    o.files = {"compose.yaml"};
    // The project folder's .env under the process environment.
    auto r = resolve_project(o, "/p", {{"C", "process"}}, fs.access());
    REQUIRE(r);
    CHECK(r->environment.at("A") == "dotenv");
    CHECK(r->environment.at("C") == "process");

    // --env-file replaces .env; later files win; the process environment wins over all.
    o.env_files = {"one.env", "two.env"};
    r = resolve_project(o, "/p", {{"A", "process"}}, fs.access());
    REQUIRE(r);
    CHECK(r->environment.at("A") == "process");
    CHECK(r->environment.at("B") == "two");
    CHECK(r->environment.count("C") == 0);

    o.env_files = {"missing.env"};
    auto bad = resolve_project(o, "/p", {}, fs.access());
    REQUIRE_FALSE(bad);
    CHECK(bad.error().field_path == "--env-file");

    fs.files["/p/.env"] = "oops\n";
    o.env_files.clear();
    bad = resolve_project(o, "/p", {}, fs.access());
    REQUIRE_FALSE(bad);
    CHECK(bad.error().field_path == "/p/.env:1");
}

TEST_CASE("resolve_project: profiles and project name from the environment", "[unit][cli]") {
    fake_fs fs{{{"/p/compose.yaml", svc}, {"/p/.env", "COMPOSE_PROFILES=debug, tools\nCOMPOSE_PROJECT_NAME=shop\n"}}};
    deploy_options o;
    auto r = resolve_project(o, "/p", {}, fs.access());
    REQUIRE(r);
    CHECK(r->profiles == std::vector<std::string>{"debug", "tools"});
    CHECK(r->project_name == "shop");

    o.profiles = {"web"};  // --profile wins
    r = resolve_project(o, "/p", {{"COMPOSE_PROJECT_NAME", "other"}}, fs.access());
    REQUIRE(r);
    CHECK(r->profiles == std::vector<std::string>{"web"});
    CHECK(r->project_name == "other");
}

TEST_CASE("stack names", "[unit][cli]") {
    CHECK(stack_name_from("My_App") == "my-app");
    CHECK(stack_name_from("__x__") == "x");
    CHECK(stack_name_from("") == "");
    CHECK(stack_name_from(std::string(70, 'a')).size() == 63);
    CHECK(invalid_stack_name("shop-1").empty());
    CHECK(invalid_stack_name("Shop").find("\"shop\"") != std::string::npos);
    CHECK_FALSE(invalid_stack_name("-a").empty());
    CHECK_FALSE(invalid_stack_name("").empty());
    CHECK_FALSE(invalid_stack_name(std::string(64, 'a')).empty());
}

TEST_CASE("parse_timeout", "[unit][cli]") {
    using std::chrono::milliseconds;
    CHECK(parse_timeout("90", "--timeout").value() == milliseconds(90'000));
    CHECK(parse_timeout("90s", "--timeout").value() == milliseconds(90'000));
    CHECK(parse_timeout("5m", "--timeout").value() == milliseconds(300'000));
    CHECK(parse_timeout("1m30s", "--timeout").value() == milliseconds(90'000));
    CHECK(parse_timeout("1h", "--timeout").value() == milliseconds(3'600'000));
    CHECK(parse_timeout("500ms", "--timeout").value() == milliseconds(500));
    CHECK(parse_timeout("1.5s", "--timeout").value() == milliseconds(1500));
    for (auto bad : {"", "s", "5x", "-1s", "0", "1000h", "abc", "99999999999"}) {
        auto r = parse_timeout(bad, "--timeout");
        INFO(bad);
        REQUIRE_FALSE(r);
        CHECK(r.error().field_path == "--timeout");
    }
}

TEST_CASE("wait_timeout: --timeout implies --wait", "[unit][cli]") {
    CHECK_FALSE(wait_timeout(false, false, "5m").value().has_value());
    CHECK(wait_timeout(true, false, "5m").value() == std::chrono::minutes(5));
    CHECK(wait_timeout(false, true, "10s").value() == std::chrono::seconds(10));
    auto bad = wait_timeout(true, false, "soon");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().field_path == "--timeout");
}
