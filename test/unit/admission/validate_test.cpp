#include "op/admission/validate.hpp"

#include "op/util/json.hpp"
#include "op_catch.hpp"

#include <algorithm>
#include <atomic>

namespace {

rapidjson::Document parse(std::string const& text) {
    auto doc = op::json::parse(text);
    REQUIRE(doc.has_value());
    return std::move(*doc);
}

std::string v1beta2(std::string const& name, std::string const& services) {
    return R"({"apiVersion":"compose.docker.com/v1beta2","kind":"Stack","metadata":{"name":")" + name +
           R"(","namespace":"demo","uid":"u-1"},"spec":{"services":)" + services + "}}";
}

std::string v1beta1(std::string const& compose) {
    rapidjson::Document d;
    d.SetObject();
    auto& a = d.GetAllocator();
    auto doc = parse(R"({"apiVersion":"compose.docker.com/v1beta1","kind":"Stack","metadata":{"name":"web","namespace":"demo"},"spec":{}})");
    op::json::set(doc["spec"], "composeFile", op::json::string_value(compose, doc.GetAllocator()),
                  doc.GetAllocator());
    (void)a;
    return op::json::dump(doc);
}

bool has(std::vector<std::string> const& v, std::string const& part) {
    return std::any_of(v.begin(), v.end(), [&](auto const& s) { return s.find(part) != std::string::npos; });
}

}  // namespace

TEST_CASE("a good v1beta2 stack is allowed", "[unit][admission]") {
    auto doc = parse(v1beta2("shop", R"([{"name":"web","image":"nginx:1.27","ports":[{"target":80,"published":8080}]}])"));
    auto v = op::admission::validate(doc);
    INFO(v.message());
    CHECK(v.allowed);
    CHECK(v.errors.empty());
}

TEST_CASE("names Kubernetes cannot take are rejected with their field path", "[unit][admission]") {
    auto doc = parse(v1beta2("shop", R"([{"name":"front_invalid","image":"nginx"},
        {"name":"db","image":"postgres","volumes":[{"type":"volume","source":"Data_Dir","target":"/var/lib"}]}])"));
    auto v = op::admission::validate(doc);
    CHECK_FALSE(v.allowed);
    CHECK(has(v.errors, R"(spec.services[0].name: service name "front_invalid")"));
    CHECK(std::count_if(v.errors.begin(), v.errors.end(),
                        [](auto const& e) { return e.rfind("spec.services[0].name:", 0) == 0; }) == 1);
    CHECK_FALSE(has(v.errors, "Data_Dir"));  // normalised to data-dir, as the mapping names it
}

TEST_CASE("Compose names are normalised by the mapping's rule, collisions name both", "[unit][admission]") {
    // db_data -> claim db-data, db_password -> Secret db-password: allowed, as `convert` allows it.
    auto ok = parse(R"({"apiVersion":"compose.docker.com/v1beta2","kind":"Stack","metadata":{"name":"s"},
        "spec":{"services":[{"name":"db","image":"postgres","volumes":[{"type":"volume","source":"db_data","target":"/d"}],
        "secrets":[{"source":"db_password"}]}],"secrets":{"db_password":{"file":"p.txt"}}}})");
    auto v = op::admission::validate(ok);
    INFO(v.message());
    CHECK(v.allowed);
    // Still invalid after normalisation: the message shows the normalised name.
    auto bad = parse(v1beta2("s", R"([{"name":"db","image":"postgres","volumes":[{"type":"volume","source":"-data","target":"/d"}]}])"));
    v = op::admission::validate(bad);
    CHECK_FALSE(v.allowed);
    CHECK(has(v.errors, R"(spec.services[0].volumes[0].source: volume name "-data")"));
    // Two secrets that normalise to one name.
    auto clash = parse(R"({"apiVersion":"compose.docker.com/v1beta2","kind":"Stack","metadata":{"name":"s"},
        "spec":{"services":[{"name":"db","image":"postgres"}],"secrets":{"db_password":{"file":"a"},"db-password":{"file":"b"}}}})");
    v = op::admission::validate(clash);
    CHECK_FALSE(v.allowed);
    CHECK(has(v.errors, R"(secret "db_password" and secret "db-password" both become the Kubernetes name "db-password")"));
}

TEST_CASE("service names that overflow with the Service suffixes are rejected", "[unit][admission]") {
    std::string name(55, 'a');
    auto doc = parse(v1beta2("s", R"([{"name":")" + name + R"(","image":"nginx","ports":[{"target":80}]}])"));
    auto v = op::admission::validate(doc);
    CHECK_FALSE(v.allowed);
    CHECK(has(v.errors, "-random-ports\" would exceed 63 characters"));
}

TEST_CASE("a stack name too long for a label value is rejected", "[unit][admission]") {
    auto doc = parse(v1beta2(std::string(70, 'x'), R"([{"name":"web","image":"nginx"}])"));
    auto v = op::admission::validate(doc);
    CHECK_FALSE(v.allowed);
    CHECK(has(v.errors, "metadata.name: stack name"));
}

TEST_CASE("a service without an image is rejected with advice", "[unit][admission]") {
    auto doc = parse(v1beta2("s", R"([{"name":"web"}])"));
    auto v = op::admission::validate(doc);
    CHECK_FALSE(v.allowed);
    CHECK(has(v.errors, "spec.services[0].image: service \"web\" has no image"));
}

TEST_CASE("mapping errors surface as validation errors", "[unit][admission]") {
    auto doc = parse(v1beta2("s", R"([{"name":"web","image":"nginx","deploy":{"mode":"global"},
        "volumes":[{"type":"volume","source":"data","target":"/data"}]}])"));
    auto v = op::admission::validate(doc);
    CHECK_FALSE(v.allowed);
    CHECK(has(v.errors, "spec.services[0]"));
}

TEST_CASE("v1beta1 errors name the Compose file's keys", "[unit][admission]") {
    auto doc = parse(v1beta1("services:\n  web:\n    image: nginx\n    volumes:\n      - ./data:/data\n"));
    auto v = op::admission::validate(doc);
    CHECK_FALSE(v.allowed);
    INFO(v.message());
    CHECK(has(v.errors, "spec.composeFile: services.web.volumes[0]"));
}

TEST_CASE("a Compose parse error is a validation error under spec.composeFile", "[unit][admission]") {
    auto doc = parse(v1beta1("services:\n  web:\n    image: [unclosed\n"));
    auto v = op::admission::validate(doc);
    CHECK_FALSE(v.allowed);
    REQUIRE(v.errors.size() == 1);
    CHECK(v.errors[0].find("spec.composeFile") == 0);
}

TEST_CASE("unset variables and ignored keys become warnings", "[unit][admission]") {
    auto doc = parse(v1beta1("services:\n  web:\n    image: nginx:${TAG}\n    logging:\n      driver: syslog\n"));
    auto v = op::admission::validate(doc);
    INFO(v.message());
    CHECK(v.allowed);
    CHECK(has(v.warnings, "variable TAG is not set"));
    CHECK(has(v.warnings, "logging"));
    CHECK(std::count_if(v.warnings.begin(), v.warnings.end(),
                        [](auto const& w) { return w.find("services.web.logging") != std::string::npos; }) == 1);
}

TEST_CASE("collisions with objects of other owners are reported, own objects are fine", "[unit][admission]") {
    auto doc = parse(v1beta2("shop", R"([{"name":"web","image":"nginx","ports":[{"target":80,"published":80}]},
        {"name":"api","image":"api"}])"));
    std::atomic<int> calls{0}, wrong_ns{0};  // lookups run concurrently: no CHECK in here
    auto lookup = [&](std::string_view kind, std::string_view ns, std::string_view name)
        -> std::optional<op::admission::existing_object> {
        ++calls;
        if (ns != "demo") ++wrong_ns;
        if (kind == "Service" && name == "web") return op::admission::existing_object{};
        if (kind == "Deployment" && name == "api") {
            return op::admission::existing_object{{{"com.docker.stack.namespace", "other"}}, "x"};
        }
        if (kind == "Deployment" && name == "web") {
            return op::admission::existing_object{{{"com.docker.stack.namespace", "shop"}}, "u-1"};
        }
        return std::nullopt;
    };
    auto v = op::admission::validate(doc, {}, lookup);
    CHECK_FALSE(v.allowed);
    CHECK(v.errors.size() == 2);
    CHECK(has(v.errors, R"(Service "web" already exists and does not belong to a stack)"));
    CHECK(has(v.errors, R"(Deployment "api" already exists in stack "other")"));
    CHECK(wrong_ns == 0);
    CHECK(calls == 5);  // Deployments web, api; Services web, api (headless), web-published
}

// Issue 10: ConfigMaps, Secrets and claims are named "<stack>.<key>", so stack "a" with config
// "b.c" and stack "a.b" with config "c" both write ConfigMap "a.b.c"; the second is denied at
// admission instead of stalling on a NameConflict.
TEST_CASE("ConfigMaps and shared claims of another stack with the same dotted name are collisions", "[unit][admission]") {
    auto doc = parse(R"({"apiVersion":"compose.docker.com/v1beta1","kind":"Stack","metadata":{"name":"a","namespace":"demo","uid":"u-a"},)"
                     R"("spec":{"composeFile":"services:\n  web:\n    image: nginx\n    configs: [b.c]\n    volumes: [\"b.d:/data\"]\n  worker:\n    image: busybox\n    volumes: [\"b.d:/data\"]\n)"
                     R"(configs:\n  b.c:\n    content: hello\nvolumes:\n  b.d: {}\n"}})");
    std::vector<std::string> asked;
    auto lookup = [&](std::string_view kind, std::string_view, std::string_view name)
        -> std::optional<op::admission::existing_object> {
        asked.push_back(std::string(kind) + "/" + std::string(name));
        if ((kind == "ConfigMap" && name == "a.b.c") || (kind == "PersistentVolumeClaim" && name == "a.b.d")) {
            return op::admission::existing_object{{{"com.docker.stack.namespace", "a.b"}}, "u-ab"};
        }
        return std::nullopt;
    };
    auto v = op::admission::validate(doc, {}, lookup);
    INFO(v.message());
    CHECK(std::count(asked.begin(), asked.end(), "ConfigMap/a.b.c") == 1);
    CHECK(std::count(asked.begin(), asked.end(), "PersistentVolumeClaim/a.b.d") == 1);
    CHECK_FALSE(v.allowed);
    CHECK(has(v.errors, R"(ConfigMap "a.b.c" already exists in stack "a.b")"));
    CHECK(has(v.errors, R"(PersistentVolumeClaim "a.b.d" already exists in stack "a.b")"));
    // The same objects written by this stack (a shared claim outlives its stack: no owner) are fine.
    auto own = [&](std::string_view kind, std::string_view, std::string_view)
        -> std::optional<op::admission::existing_object> {
        if (kind == "ConfigMap") return op::admission::existing_object{{{"com.docker.stack.namespace", "a"}}, "u-a"};
        if (kind == "PersistentVolumeClaim") return op::admission::existing_object{{{"com.docker.stack.namespace", "a"}}, ""};
        return std::nullopt;
    };
    auto mine = op::admission::validate(doc, {}, own);
    INFO(mine.message());
    CHECK(mine.allowed);
}

TEST_CASE("wrong apiVersion is rejected", "[unit][admission]") {
    auto doc = parse(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}})");
    auto v = op::admission::validate(doc);
    CHECK_FALSE(v.allowed);
    CHECK(v.errors.size() == 1);
}

TEST_CASE("name checks", "[unit][admission]") {
    CHECK(op::admission::check_dns1035_label("web-1").empty());
    CHECK_FALSE(op::admission::check_dns1035_label("1web").empty());
    CHECK_FALSE(op::admission::check_dns1035_label("we.b").empty());
    CHECK(op::admission::check_dns1123_label("1web").empty());
    CHECK(op::admission::check_dns1123_subdomain("my.secret-1").empty());
    CHECK_FALSE(op::admission::check_dns1123_subdomain("my..secret").empty());
    CHECK_FALSE(op::admission::check_dns1123_subdomain("My").empty());
    CHECK(op::admission::check_label_value("Stack_1.a").empty());
    CHECK_FALSE(op::admission::check_label_value("-x").empty());
    CHECK(op::admission::check_label_value("").empty());
}

TEST_CASE("v1beta1: include and extends.file are denied naming the client, same-file extends works", "[unit][admission]") {
    auto inc = parse(v1beta1("include: [db.yaml]\nservices:\n  web: {image: nginx}\n"));
    auto vi = op::admission::validate(inc);
    CHECK_FALSE(vi.allowed);
    INFO(vi.message());
    CHECK(has(vi.errors, "spec.composeFile.include: include needs the files"));
    CHECK(has(vi.errors, "compose-operator stack deploy"));
    auto ext = parse(v1beta1("services:\n  web:\n    extends: {file: common.yaml, service: app}\n"));
    auto ve = op::admission::validate(ext);
    CHECK_FALSE(ve.allowed);
    CHECK(has(ve.errors, "spec.composeFile.services.web.extends.file"));
    CHECK(has(ve.errors, "compose-operator convert"));
    auto same = parse(v1beta1("services:\n  base: {image: nginx:1.27}\n  web: {extends: base}\n"));
    auto vs = op::admission::validate(same);
    INFO(vs.message());
    CHECK(vs.allowed);
}
