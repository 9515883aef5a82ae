#include "op/conversion/compose_spec.hpp"

#include "op/api/versions.hpp"
#include "op/compose/emit.hpp"
#include "op/compose/load.hpp"
#include "op_catch.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace op;
using namespace op::conversion;

namespace {

std::string slurp(std::string const& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

compose::project load(std::string const& text) {
    auto r = compose::load(text);
    INFO((r ? std::string() : r.error().what()));
    REQUIRE(r);
    return std::move(r->project);
}

bool has_warning(std::vector<warning> const& ws, std::string const& path) {
    return std::any_of(ws.begin(), ws.end(), [&](auto const& w) { return w.field_path == path; });
}

}  // namespace

TEST_CASE("from_compose carries what the reference dropped", "[unit][conversion]") {
    auto project = load(slurp(std::string(OP_SOURCE_DIR) + "/test/testdata/conversion/words.yaml"));
    auto r = from_compose(project);
    REQUIRE(r);
    auto const& spec = r->spec;
    auto const* web = api::find_service(spec, "web");
    REQUIRE(web != nullptr);
    auto const& c = web->deploy.placement_.constraints_;
    REQUIRE(c);
    CHECK(c->hostname == api::constraint{"node-1", "=="});  // the reference truncated to "node"
    CHECK(c->match_labels.at("disk-type") == api::constraint{"hdd", "!="});
    CHECK(has_warning(r->warnings, "services.web.deploy.placement.constraints[2]"));  // node.role
    REQUIRE(web->ports.size() == 1);
    CHECK(web->ports[0].published == 33000u);
    CHECK(web->ports[0].target == 80u);

    auto const* words = api::find_service(spec, "words");
    REQUIRE(words != nullptr);
    CHECK(words->user == 1000);
    CHECK(words->group == 1000);
    CHECK(words->deploy.replicas == 5u);
    CHECK(words->deploy.update->parallelism == 2u);
    CHECK(words->healthcheck->start_period == std::chrono::seconds(30));
    CHECK(words->healthcheck->interval == std::chrono::seconds(10));
    REQUIRE(words->secrets.size() == 1);
    CHECK(words->secrets[0].gid == "1000");
    CHECK(words->secrets[0].mode == 0400u);

    auto const* db = api::find_service(spec, "db");
    REQUIRE(db != nullptr);
    CHECK(db->image == "postgres:16");
    CHECK(db->environment.at("UNSET_KEY") == std::nullopt);
    CHECK(db->stop_grace_period == std::chrono::seconds(90));
    CHECK(db->volumes.at(0).type == "volume");
    CHECK(spec.secrets.count("token") == 1);
}

TEST_CASE("from_compose rejects what cannot run, with an actionable message", "[unit][conversion]") {
    struct row {
        std::string yaml;
        std::string path;
        std::string needle;
    };
    std::vector<row> rows = {
        {"services:\n  app:\n    build: .\n", "services.app", "pass --image-prefix REGISTRY/PATH"},
        {"services:\n  app:\n    image: a\n    deploy:\n      mode: replicated-job\n",
         "services.app.deploy.mode", "not supported"},
        {"services:\n  app:\n    image: a\n    ports: [\"8000-8001:80\"]\n", "services.app.ports[0].published",
         "range"},
        {"services:\n  app:\n    image: a\n    deploy:\n      placement:\n        constraints: [\"node.role\"]\n",
         "services.app.deploy.placement.constraints[0]", "<key> == <value>"},
        {"services:\n  app:\n    image: a\n    pull_policy: sometimes\n", "", ""},
    };
    for (auto const& r : rows) {
        INFO(r.yaml);
        auto loaded = compose::load(r.yaml);
        if (!loaded) {
            CHECK(r.path.empty());  // rejected by the loader already
            continue;
        }
        auto out = from_compose(loaded->project);
        REQUIRE_FALSE(out);
        if (r.path.empty()) continue;
        CHECK(out.error().field_path == r.path);
        CHECK(out.error().message.find(r.needle) != std::string::npos);
    }
}

TEST_CASE("non-numeric user is a warning, not a silent drop", "[unit][conversion]") {
    auto r = from_compose(load("services:\n  app:\n    image: a\n    user: nginx\n"));
    REQUIRE(r);
    CHECK_FALSE(r->spec.services[0].user);
    CHECK(has_warning(r->warnings, "services.app.user"));
}

TEST_CASE("pull policy and x- extensions fill the v1alpha3 fields", "[unit][conversion]") {
    auto r = from_compose(load("services:\n  app:\n    image: a\n    pull_policy: missing\n"
                               "    x-pull-secret: regcred\n    x-internal-service-type: ClusterIP\n"
                               "    x-internal-ports:\n      - port: 8080\n        protocol: TCP\n"));
    REQUIRE(r);
    auto const& s = r->spec.services[0];
    CHECK(s.pull_policy == "IfNotPresent");
    CHECK(s.pull_secret == "regcred");
    CHECK(s.internal_service_type == "ClusterIP");
    REQUIRE(s.internal_ports.size() == 1);
    CHECK(s.internal_ports[0].port == 8080);
}

TEST_CASE("to_compose then from_compose is the identity on loaded specs", "[unit][conversion]") {
    auto r = from_compose(load(slurp(std::string(OP_SOURCE_DIR) + "/test/testdata/conversion/words.yaml")));
    REQUIRE(r);
    auto text = compose::emit(to_compose(r->spec));
    auto again = from_compose(load(text));
    REQUIRE(again);
    CHECK(again->spec == r->spec);
}

// Every awesome-compose file converts, or is rejected with a specific message naming the service.
TEST_CASE("awesome-compose corpus: convert or reject precisely", "[unit][conversion]") {
    namespace fs = std::filesystem;
    fs::path const dir = OP_SOURCE_DIR "/../shared/corpus/awesome-compose";
    if (!fs::exists(dir)) {
        WARN("corpus not found: " << dir);
        return;
    }
    std::size_t converted = 0, rejected = 0;
    for (auto const& entry : fs::directory_iterator(dir)) {
        if (entry.path().extension() != ".yaml") continue;
        INFO(entry.path().filename().string());
        auto loaded = compose::load(slurp(entry.path().string()));
        if (!loaded) {
            INFO(loaded.error().what());
            CHECK_FALSE(loaded.error().message.empty());
            ++rejected;
            continue;
        }
        auto out = from_compose(loaded->project);
        if (!out) {
            INFO(out.error().what());
            CHECK(out.error().field_path.starts_with("services."));
            CHECK(out.error().message.size() > 20);
            ++rejected;
            continue;
        }
        // No silently dropped service.
        CHECK(out->spec.services.size() == loaded->project.services.size());
        for (auto const& s : out->spec.services) CHECK_FALSE(s.image.empty());
        ++converted;
    }
    CHECK(converted + rejected >= 30);
    CHECK(converted > 0);
}

TEST_CASE("x-kubernetes volume settings: compose -> hub -> v1beta2 JSON -> hub -> compose",
          "[unit][conversion]") {
    auto project = load(
        "services:\n  db:\n    image: postgres\n    volumes: [data:/var/lib/data, cache:/cache]\n"
        "volumes:\n  data:\n    x-kubernetes:\n      size: 10Gi\n      storageClassName: fast\n"
        "      accessModes: [ReadWriteMany]\n  cache:\n  empty:\n    x-kubernetes:\n"
        "      storageClassName: \"\"\n");
    auto r = from_compose(project);
    REQUIRE(r);
    REQUIRE(r->spec.volumes.size() == 2);  // only volumes with x-kubernetes
    CHECK(r->spec.volumes.at("data") == api::volume_claim{"10Gi", "fast", {"ReadWriteMany"}});
    CHECK(r->spec.volumes.at("empty") == api::volume_claim{std::nullopt, "", {}});

    api::v1beta2::stack b2;
    b2.metadata.name = "db";
    b2.spec = r->spec;
    auto doc = api::encode(b2);
    auto decoded = api::decode_v1beta2(doc);
    REQUIRE(decoded);
    REQUIRE(decoded->spec);
    CHECK(*decoded->spec == r->spec);

    auto back = to_compose(*decoded->spec);
    REQUIRE(back.volumes.at("data").kubernetes);
    CHECK(back.volumes.at("data").kubernetes->size == "10Gi");
    CHECK(back.volumes.at("data").kubernetes->storage_class_name == "fast");
    CHECK(back.volumes.at("data").kubernetes->access_modes == std::vector<std::string>{"ReadWriteMany"});
    CHECK_FALSE(back.volumes.at("cache").kubernetes);
    std::string const text = compose::emit(back);
    INFO(text);
    CHECK(text.find("x-kubernetes") != std::string::npos);
    auto again = from_compose(load(text));
    REQUIRE(again);
    CHECK(again->spec == r->spec);
    CHECK(load(text).volumes == project.volumes);
}
