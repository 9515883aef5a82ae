// Golden tests: whole stacks built in code, compared with test/testdata/mapping/<case>/expected.
// Set OP_UPDATE_GOLDEN=1 to rewrite the expected files (then review the diff in git).
#include "op/mapping/mapping.hpp"

#include "mapping_support.hpp"
#include "op/util/json.hpp"
#include "op_catch.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

using namespace op;
using namespace op::mapping;
using namespace op::mapping::test;
namespace fs = std::filesystem;

namespace {

api::stack wordpress() {
    auto db = make_service("db", "mariadb:11");
    db.environment = {{"MYSQL_DATABASE", "wordpress"},
                      {"MYSQL_PASSWORD_FILE", "/run/secrets/db_password"}};
    db.volumes = {{"volume", "db_data", "/var/lib/mysql", false}};
    db.secrets = {{"db_password", "", "", "", std::nullopt}};
    db.ports = {{"", 3306, 0, "tcp"}};
    db.healthcheck = api::health_check{{"CMD-SHELL", "mysqladmin ping -h 127.0.0.1"}, 5s, 10s, 5,
                                       30s};
    db.deploy.resources_.limits = api::resource{"1.5", 1024ll * 1024 * 1024};
    db.deploy.resources_.reservations = api::resource{"0.25", 256ll * 1024 * 1024};
    db.stop_grace_period = 45s;

    auto wp = make_service("wordpress", "wordpress:6");
    wp.environment = {{"WORDPRESS_DB_HOST", "db"}, {"WORDPRESS_DB_NAME", "wordpress"}};
    wp.ports = {{"", 80, 8080, "tcp"}, {"", 443, 8443, "tcp"}};
    wp.deploy.replicas = 2;
    wp.deploy.labels = {{"tier", "frontend"}};
    wp.deploy.update = api::update_config{1};
    wp.deploy.restart = api::restart_policy{"on-failure"};
    api::constraints c;
    c.operating_system = api::constraint{"linux", "=="};
    c.match_labels = {{"zone", {"eu-1", "=="}}, {"disk", {"ssd", "=="}}};
    wp.deploy.placement_.constraints_ = c;
    wp.configs = {{"php_ini", "/usr/local/etc/php/conf.d/custom.ini", "", "", 0444}};
    wp.labels = {{"com.example.description", "blog"}};

    auto stack = make_stack({wp, db});
    stack.metadata.name = "blog";
    stack.spec.secrets["db_password"] = {"db_password", "./secrets/db_password.txt", {}, {}};
    stack.spec.configs["php_ini"] = {"php_ini", "./php.ini", {}, {}};
    return stack;
}

api::stack agent() {
    auto a = make_service("agent", "portainer/agent:2.19");
    a.deploy.mode = "global";
    a.volumes = {{"bind", "/var/run/docker.sock", "/var/run/docker.sock", false},
                 {"bind", "/var/lib/docker/volumes", "/var/lib/docker/volumes", true}};
    a.tmpfs = {"/tmp"};
    a.pid = "host";
    a.extra_hosts = {"registry:10.0.0.5", "mirror:10.0.0.5", "proxy:10.0.0.1"};
    a.cap_add = {"SYS_ADMIN"};
    a.user = 0;
    a.deploy.update = api::update_config{2};
    a.internal_ports = {{9001, "TCP"}};
    a.pull_policy = "Always";
    a.pull_secret = "regcred";
    return make_stack({a});
}

api::stack basic() {
    auto web = make_service("web", "nginx:1.25");
    web.ports = {{"", 80, 80, "tcp"}, {"", 9113, 0, "tcp"}};
    return make_stack({web});
}

mapping_options wordpress_options() {
    mapping_options o;
    o.secret_contents = {{"db_password", "correct horse battery staple"}};
    o.config_contents = {{"php_ini", "upload_max_filesize = 64M\n"}};
    o.volume_size = "5Gi";
    return o;
}

std::string file_name(std::size_t i, k8s_object const& o) {
    std::ostringstream s;
    s << (i < 10 ? "0" : "") << i << "-" << o.kind << "-" << o.name << ".json";
    return s.str();
}

std::string read_file(fs::path const& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void check_golden(std::string const& name, api::stack const& stack, mapping_options const& opts) {
    auto r = map_ok(stack, opts);
    auto const dir = fs::path(OP_SOURCE_DIR) / "test/testdata/mapping" / name / "expected";
    rapidjson::Document warnings;
    warnings.SetArray();
    for (auto const& w : r.warnings) {
        warnings.PushBack(json::string_value(w, warnings.GetAllocator()), warnings.GetAllocator());
    }
    if (char const* u = std::getenv("OP_UPDATE_GOLDEN"); u && std::string(u) == "1") {
        fs::remove_all(dir);
        fs::create_directories(dir);
        for (std::size_t i = 0; i < r.objects.size(); ++i) {
            std::ofstream(dir / file_name(i, r.objects[i])) << json::dump_pretty(r.objects[i].json)
                                                            << "\n";
        }
        std::ofstream(dir / "warnings.json") << json::dump_pretty(warnings) << "\n";
    }
    REQUIRE(fs::is_directory(dir));
    std::vector<std::string> files;
    for (auto const& e : fs::directory_iterator(dir)) {
        if (e.path().filename() != "warnings.json") files.push_back(e.path().filename().string());
    }
    std::sort(files.begin(), files.end());
    std::vector<std::string> actual_files;
    for (std::size_t i = 0; i < r.objects.size(); ++i) actual_files.push_back(file_name(i, r.objects[i]));
    CHECK(files == actual_files);  // same objects, same order
    for (std::size_t i = 0; i < r.objects.size() && i < files.size(); ++i) {
        auto expected = json::parse(read_file(dir / files[i]));
        REQUIRE(expected.has_value());
        auto const diff = json_diff(*expected, r.objects[i].json);
        INFO(name << "/" << files[i] << " differs (- expected, + actual):\n" << diff);
        CHECK(diff.empty());
    }
    auto expected_warnings = json::parse(read_file(dir / "warnings.json"));
    REQUIRE(expected_warnings.has_value());
    INFO("warnings differ:\n" << json_diff(*expected_warnings, warnings));
    CHECK(*expected_warnings == warnings);
}

}  // namespace

TEST_CASE("golden: basic", "[unit][golden]") { check_golden("basic", basic(), {}); }
TEST_CASE("golden: wordpress", "[unit][golden]") {
    check_golden("wordpress", wordpress(), wordpress_options());
}
TEST_CASE("golden: agent", "[unit][golden]") { check_golden("agent", agent(), {}); }

TEST_CASE("deterministic: same stack twice, shuffled inputs, byte-identical", "[unit][golden]") {
    auto const stack = wordpress();
    auto const opts = wordpress_options();
    auto const first = to_json_list(map_ok(stack, opts).objects);
    CHECK(first == to_json_list(map_ok(stack, opts).objects));
    std::mt19937 rng(42);
    for (int round = 0; round < 10; ++round) {
        auto shuffled = stack;
        std::shuffle(shuffled.spec.services.begin(), shuffled.spec.services.end(), rng);
        // Rebuild every map from a shuffled list of its entries (insertion order must not matter).
        for (auto& svc : shuffled.spec.services) {
            std::vector<std::pair<std::string, std::optional<std::string>>> env(
                svc.environment.begin(), svc.environment.end());
            std::shuffle(env.begin(), env.end(), rng);
            svc.environment.clear();
            for (auto& e : env) svc.environment.insert(e);
            if (svc.deploy.placement_.constraints_) {
                auto& ml = svc.deploy.placement_.constraints_->match_labels;
                std::vector<std::pair<std::string, api::constraint>> l(ml.begin(), ml.end());
                std::shuffle(l.begin(), l.end(), rng);
                ml.clear();
                for (auto& e : l) ml.insert(e);
            }
        }
        auto const again = to_json_list(map_ok(shuffled, opts).objects);
        CHECK(again == first);
    }
}

TEST_CASE("output order: Secrets, ConfigMaps, workloads, Services, by name", "[unit][golden]") {
    auto r = map_ok(wordpress(), wordpress_options());
    std::vector<std::string> order;
    for (auto const& o : r.objects) order.push_back(o.kind + "/" + o.name);
    CHECK(order == std::vector<std::string>{
                       "Secret/blog.db-password", "ConfigMap/blog.php-ini", "StatefulSet/db",
                       "Deployment/wordpress", "Service/db", "Service/db-random-ports",
                       "Service/wordpress", "Service/wordpress-published"});
    auto list = json::parse(to_json_list(r.objects));
    REQUIRE(list.has_value());
    CHECK(list->Size() == r.objects.size());
}

TEST_CASE("stack-level errors", "[unit][errors]") {
    struct row {
        char const* name;
        void (*edit)(api::stack&);
        char const* what;
    };
    std::vector<row> const rows = {
        {"no name", [](api::stack& s) { s.metadata.name.clear(); },
         "metadata.name: stack name is required"},
        {"duplicate", [](api::stack& s) { s.spec.services.push_back(s.spec.services[0]); },
         "spec.services[1].name: duplicate service name \"web\""},
        {"bad name", [](api::stack& s) { s.spec.services[0].name = "Web_1"; },
         "spec.services[0].name: service name \"Web_1\" must be a DNS-1035 label (lowercase "
         "letters, digits and '-', starting with a letter, at most 63 characters)"},
        {"no image", [](api::stack& s) { s.spec.services[0].image.clear(); },
         "spec.services[0].image: image is required"},
        {"mode", [](api::stack& s) { s.spec.services[0].deploy.mode = "swarm"; },
         "spec.services[0].deploy.mode: deploy mode \"swarm\" is not supported (replicated, "
         "global)"},
        {"long id", [](api::stack& s) { s.metadata.name = std::string(60, 's'); },
         "spec.services[0].name: label value \"ssssssssssssssssssssssssssssssssssssssssssssssssss"
         "ssssssssss-web\" (com.docker.service.id) is longer than 63 characters"},
    };
    for (auto const& r : rows) {
        INFO(r.name);
        auto stack = make_stack({make_service("web")});
        r.edit(stack);
        auto e = map_err(stack);
        CHECK(e.code == errc::invalid);
        CHECK(e.what() == r.what);
    }
    CHECK(map_ok(make_stack({})).objects.empty());  // an empty stack has no children
}

TEST_CASE("ignored compose keys are listed, sorted", "[unit]") {
    auto const& keys = ignored_compose_keys();
    REQUIRE(keys.size() > 20);
    CHECK(std::is_sorted(keys.begin(), keys.end(),
                         [](auto const& l, auto const& r) { return l.key < r.key; }));
}
