#include "op/cli/pack.hpp"

#include "op/admission/validate.hpp"
#include "op/api/versions.hpp"
#include "op/cli/convert.hpp"
#include "op/conversion/convert.hpp"
#include "op/mapping/mapping.hpp"
#include "op/compose/load.hpp"
#include "op/util/json.hpp"
#include "op_catch.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

using namespace op;
using namespace op::cli;
namespace fs = std::filesystem;

namespace {

fs::path folder(std::string const& name, std::map<std::string, std::string> const& files = {}) {
    auto dir = fs::temp_directory_path() / ("op-pack-test-" + std::to_string(::getpid())) / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (auto const& [rel, text] : files) {
        fs::create_directories((dir / rel).parent_path());
        std::ofstream(dir / rel, std::ios::binary) << text;
    }
    return dir;
}

result<packed_stack> pack_text(std::string const& compose, fs::path const& dir,
                               std::string const& prefix = {}) {
    auto loaded = compose::load(compose);
    if (!loaded) return std::move(loaded).error();
    pack_options o;
    o.stack_name = "demo";
    o.namespace_ = "ns";
    o.image_prefix = prefix;
    o.project_name = project_name("", "", dir.filename().string());
    return pack(std::move(*loaded), dir, o);
}

bool has(std::vector<std::string> const& v, std::string const& part) {
    for (auto const& s : v) {
        if (s.find(part) != std::string::npos) return true;
    }
    return false;
}

std::string read(fs::path const& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

TEST_CASE("project_name normalises as docker compose does", "[unit][cli]") {
    CHECK(project_name("", "", "My_App.v2") == "my_appv2");
    CHECK(project_name("", "Env-Name", "folder") == "env-name");
    CHECK(project_name("Top", "env", "folder") == "top");
    CHECK(project_name("", "", "__-x") == "x");
    CHECK(project_name("", "", "...") == "");
}

TEST_CASE("build-only services are named <prefix>/<project>-<service> with --image-prefix", "[unit][cli]") {
    auto dir = folder("shop_App");
    std::string const text = "services:\n  web:\n    build: .\n  db:\n    image: postgres\n";
    auto r = pack_text(text, dir, "registry.example/demo/");
    REQUIRE(r);
    auto s = api::decode_v1beta2(r->stack);
    REQUIRE(s);
    CHECK(api::find_service(*s->spec, "web")->image == "registry.example/demo/shop_app-web");
    CHECK(api::find_service(*s->spec, "db")->image == "postgres");
    auto no = pack_text(text, dir);
    REQUIRE_FALSE(no);
    CHECK(no.error().field_path == "services.web");
    CHECK(no.error().message.find("--image-prefix") != std::string::npos);
}

TEST_CASE("file configs become inline content, file secrets Secret objects beside the stack", "[unit][cli]") {
    auto dir = folder("files", {{"conf/app.ini", "a=1\n"}, {"db/password.txt", "s3cret"}});
    auto r = pack_text("services:\n  web:\n    image: nginx\n    configs: [app]\n    secrets: [db_password]\n"
                       "configs:\n  app:\n    file: ./conf/app.ini\n"
                       "secrets:\n  db_password:\n    file: db/password.txt\n",
                       dir);
    REQUIRE(r);
    auto const stack = json::dump(r->stack);
    CHECK(stack.find("s3cret") == std::string::npos);
    CHECK(stack.find("czNjcmV0") == std::string::npos);  // base64: not inline either
    auto s = api::decode_v1beta2(r->stack);
    REQUIRE(s);
    CHECK(s->spec->configs.at("app").content == "a=1\n");
    CHECK(s->spec->configs.at("app").file.empty());
    // The key becomes the packed Secret's name; the mount path stays /run/secrets/db_password.
    REQUIRE(s->spec->secrets.contains("demo.db-password"));
    auto const& sec = s->spec->secrets.at("demo.db-password");
    REQUIRE(s->spec->services.size() == 1);
    REQUIRE(s->spec->services[0].secrets.size() == 1);
    CHECK(s->spec->services[0].secrets[0].source == "demo.db-password");
    CHECK(s->spec->services[0].secrets[0].target == "/run/secrets/db_password");
    CHECK(sec.external.external);
    CHECK(sec.external.name == "demo.db-password");
    REQUIRE(r->secrets.size() == 1);
    auto const secret = json::dump(r->secrets[0]);
    CHECK(secret.find(R"("name":"demo.db-password","namespace":"ns")") != std::string::npos);
    CHECK(secret.find(R"("com.docker.stack.namespace":"demo")") != std::string::npos);
    CHECK(secret.find(R"("data":{"file":"czNjcmV0"})") != std::string::npos);
    // A missing file is an error naming its path.
    auto missing = pack_text("services:\n  web:\n    image: nginx\nconfigs:\n  app:\n    file: ./nope.ini\n", dir);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().field_path == "configs.app.file");
    CHECK(missing.error().message.find("nope.ini") != std::string::npos);
}

TEST_CASE("relative bind mounts: files and small directories become read-only config mounts", "[unit][cli]") {
    auto dir = folder("binds", {{"nginx.conf", "events {}\n"}, {"site/index.html", "<p>hi</p>\n"},
                                {"site/css/a.css", "p{}\n"}});
    auto r = pack_text("services:\n  web:\n    image: nginx\n    volumes:\n"
                       "      - ./nginx.conf:/etc/nginx/nginx.conf\n"
                       "      - ./site:/usr/share/nginx/html\n"
                       "      - ./cache:/var/cache\n"
                       "      - /var/log:/logs\n",
                       dir);
    REQUIRE(r);
    CHECK(has(r->warnings, "services.web.volumes[0]: \"./nginx.conf\" is packed into the stack and mounted read-only"));
    CHECK(has(r->warnings, "writes are not kept"));
    CHECK(has(r->warnings, "services.web.volumes[2]: \"./cache\" does not exist"));
    auto s = api::decode_v1beta2(r->stack);
    REQUIRE(s);
    auto const& web = s->spec->services.at(0);
    REQUIRE(web.configs.size() == 3);
    CHECK(web.configs[0].target == "/etc/nginx/nginx.conf");
    CHECK(web.configs[1].target == "/usr/share/nginx/html/css/a.css");
    CHECK(web.configs[2].target == "/usr/share/nginx/html/index.html");
    CHECK(s->spec->configs.at(web.configs[0].source).content == "events {}\n");
    REQUIRE(web.volumes.size() == 2);  // the missing source (emptyDir) and the absolute hostPath
    CHECK(web.volumes[0].type == "tmpfs");
    CHECK(web.volumes[0].target == "/var/cache");
    CHECK(web.volumes[1].source == "/var/log");
}

TEST_CASE("bind mounts that cannot be packed say what to do", "[unit][cli]") {
    std::map<std::string, std::string> many;
    for (int i = 0; i < 70; ++i) many["big/f" + std::to_string(i)] = "x";
    auto dir = folder("unpackable", many);
    auto r = pack_text("services:\n  web:\n    image: nginx\n    volumes: [\"./big:/data\"]\n", dir);
    REQUIRE_FALSE(r);
    CHECK(r.error().field_path == "services.web.volumes[0].source");
    CHECK(r.error().message.find("named volume") != std::string::npos);
    REQUIRE(::mkfifo((dir / "pipe").c_str(), 0600) == 0);
    r = pack_text("services:\n  web:\n    image: nginx\n    volumes: [\"./pipe:/p\"]\n", dir);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("socket or device") != std::string::npos);
    r = pack_text("services:\n  web:\n    image: nginx\n    volumes:\n      - type: bind\n        source: ./absent\n"
                  "        target: /a\n        bind:\n          create_host_path: false\n",
                  dir);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("create_host_path is false") != std::string::npos);
    std::ofstream(dir / "blob.bin", std::ios::binary) << std::string("\0\xff\x01", 3);
    r = pack_text("services:\n  web:\n    image: nginx\n    volumes: [\"./blob.bin:/b\"]\n", dir);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("binary") != std::string::npos);
}

TEST_CASE("golden: convert -o yaml of a packed application (Secrets, then the Stack)", "[unit][cli]") {
    auto const base = fs::path(OP_SOURCE_DIR) / "test" / "testdata" / "cli" / "pack";
    for (std::string const version : {"v1beta2", "v1beta1"}) {
        INFO(version);
        convert_options o;
        o.namespace_ = "shop";
        o.image_prefix = "registry.example/demo";
        o.api_version = version;
        auto const dir = base / "app";
        auto r = render_stack({{"compose.yaml", read(dir / "compose.yaml")}}, o, {}, dir);
        REQUIRE(r);
        auto const golden = base / ("expected-" + version + ".yaml");
        if (std::getenv("OP_UPDATE_GOLDEN") != nullptr) std::ofstream(golden) << r->manifest;
        CHECK(r->manifest == read(golden));
    }
}

TEST_CASE("packed Secrets are named with the stack: two stacks in one namespace do not collide", "[unit][cli]") {
    auto dir = folder("two-stacks", {{"password.txt", "pw"}});
    std::string const compose =
        "services:\n  db:\n    image: postgres:16\n    secrets: [db_password]\n"
        "secrets:\n  db_password:\n    file: ./password.txt\n";
    std::map<std::string, std::string> manifests;
    for (std::string const stack : {"shop", "blog", "shop-db", "shop-db-password"}) {
        convert_options o;
        o.name = stack;
        o.namespace_ = "ns";
        o.output = "manifests";
        auto r = render_stack({{"compose.yaml", compose}}, o, {}, dir);
        REQUIRE(r);
        manifests[stack] = r->manifest;
    }
    std::set<std::string> names;
    for (auto const& [stack, text] : manifests) {
        INFO(text);
        std::string const want = stack + ".db-password";
        // The Secret written beside the stack, and the secret volume of its workload, use one name.
        CHECK(text.find("kind: Secret\nmetadata:\n  name: " + want + "\n") != std::string::npos);
        CHECK(text.find("secretName: " + want + "\n") != std::string::npos);
        CHECK(text.find("mountPath: /run/secrets/db_password\n") != std::string::npos);
        names.insert(want);
    }
    CHECK(names.size() == 4);
    // A stack name that is not a DNS-1123 label (a '.' would make names ambiguous) is refused.
    convert_options bad;
    bad.name = "my.shop";
    bad.output = "yaml";
    auto r = render_stack({{"compose.yaml", compose}}, bad, {}, dir);
    REQUIRE_FALSE(r);
    CHECK(r.error().field_path == "--name");
}

namespace {

// render_stack of test/testdata/cli/<fixture>/compose.yaml as stack "app" in namespace "shop".
result<rendered> render_fixture(std::string const& fixture, std::string const& output,
                                std::string const& version = "v1beta2") {
    auto const dir = fs::path(OP_SOURCE_DIR) / "test" / "testdata" / "cli" / fixture;
    convert_options o;
    o.name = "app";
    o.namespace_ = "shop";
    o.image_prefix = "registry.example/demo";
    o.output = output;
    o.api_version = version;
    return render_stack({{"compose.yaml", read(dir / "compose.yaml")}}, o, {}, dir);
}

// The Stack of a `-o json` manifest (a v1 List holds the Secrets first, the Stack last).
rapidjson::Document stack_of(std::string const& manifest) {
    auto doc = json::parse(manifest);
    REQUIRE(doc);
    rapidjson::Document out;
    if (doc->HasMember("items")) {
        out.CopyFrom((*doc)["items"][(*doc)["items"].Size() - 1], out.GetAllocator());
    } else {
        out.CopyFrom(*doc, out.GetAllocator());
    }
    return out;
}

}  // namespace

TEST_CASE("paths inside included and extended files are relative to their folder", "[unit][cli]") {
    auto r = render_fixture("include", "json");
    REQUIRE(r);
    INFO(r->manifest);
    auto const& m = r->manifest;
    CHECK(m.find("DECOY") == std::string::npos);  // nothing from the top folder's look-alikes
    for (std::string const want :
         {"# nginx.conf of common/", "CREATE TABLE t (id int); -- db/init",
          "shared_buffers = 1MB # db/postgresql.conf", "-----BEGIN CA shared/-----", "<h1>site/</h1>",
          "\"FROM_BASE_ENV\"", "\"from-db-folder\"", "\"ZGItZm9sZGVyLXBhc3N3b3Jk\""}) {
        INFO(want);
        CHECK(m.find(want) != std::string::npos);
    }
    for (auto const& w : r->warnings) {
        INFO(w);
        CHECK(w.find("does not exist") == std::string::npos);
    }
    // v1beta1 keeps the build context as the extended file's folder names it.
    auto v1 = render_fixture("include", "yaml", "v1beta1");
    REQUIRE(v1);
    CHECK(v1->manifest.find("build: ./common/app\n") != std::string::npos);
}

// Issue 10: a packed stack emitted as v1beta1 (the Compose text the server parses, with the
// packed content inline) must be the same stack as the structured one: same hub spec, same
// objects from the mapping, admitted by the webhook's validation.
TEST_CASE("v1beta1 emission of a packed stack round-trips to the same stack", "[unit][cli]") {
    for (std::string const fixture : {"pack/app", "include", "roundtrip"}) {
        INFO(fixture);
        auto v2 = render_fixture(fixture, "json", "v1beta2");
        auto v1 = render_fixture(fixture, "json", "v1beta1");
        REQUIRE(v2);
        REQUIRE(v1);
        auto const s2 = stack_of(v2->manifest);
        auto const s1 = stack_of(v1->manifest);
        CHECK(std::string(s1["apiVersion"].GetString()) == "compose.docker.com/v1beta1");
        auto const verdict = admission::validate(s1);
        INFO(verdict.message());
        CHECK(verdict.allowed);
        auto h2 = conversion::decode_to_hub(s2);
        auto h1 = conversion::decode_to_hub(s1);
        REQUIRE(h2);
        REQUIRE(h1);
        CHECK(h1->unresolved.empty());
        CHECK(api::canonical_json(h1->stack.spec) == api::canonical_json(h2->stack.spec));
        auto m2 = mapping::map_stack(h2->stack);
        auto m1 = mapping::map_stack(h1->stack);
        REQUIRE(m2);
        REQUIRE(m1);
        CHECK(mapping::to_json_list(m1->objects) == mapping::to_json_list(m2->objects));
        // The Secrets written beside the stack are the same too.
        auto const secrets = [](std::string const& manifest) {
            auto doc = json::parse(manifest);
            std::string out;
            if (doc && doc->HasMember("items")) {
                for (auto const& i : (*doc)["items"].GetArray()) {
                    if (std::string(i["kind"].GetString()) == "Secret") out += json::dump(i);
                }
            }
            return out;
        };
        CHECK(secrets(v1->manifest) == secrets(v2->manifest));
    }
}
