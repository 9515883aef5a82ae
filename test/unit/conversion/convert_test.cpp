#include "op/conversion/convert.hpp"

#include "op/util/json.hpp"
#include "op_catch.hpp"

#include <fstream>
#include <sstream>

using namespace op;
using namespace op::conversion;
using api::version;

namespace {

std::string slurp(std::string const& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string testdata(std::string const& rel) {
    return slurp(std::string(OP_SOURCE_DIR) + "/test/testdata/" + rel);
}

rapidjson::Document parse(std::string const& text) {
    auto doc = json::parse(text);
    REQUIRE(doc);
    return std::move(*doc);
}

rapidjson::Document v1beta1_object(std::string const& compose) {
    api::v1beta1::stack s;
    s.metadata.name = "words";
    s.metadata.namespace_ = "demo";
    s.metadata.uid = "u-1";
    s.metadata.generation = 2;
    s.metadata.annotations["example.com/keep"] = "yes";
    s.compose_file = compose;
    return api::encode(s);
}

rapidjson::Document to(rapidjson::Value const& obj, version v) {
    auto r = convert(obj, v);
    REQUIRE(r);
    REQUIRE(std::string(r->object["apiVersion"].GetString()) == api::api_version(v));
    return std::move(r->object);
}

api::stack_spec spec_of(rapidjson::Value const& obj) {
    auto s = api::decode_v1alpha3(obj);
    if (obj["apiVersion"] != "compose.docker.com/v1alpha3") {
        auto b2 = api::decode_v1beta2(obj);
        REQUIRE(b2);
        return b2->spec.value_or(api::stack_spec{});
    }
    REQUIRE(s);
    return s->spec.value_or(api::stack_spec{});
}

}  // namespace

TEST_CASE("v1beta1 -> v1beta2 -> v1beta1 returns byte-identical Compose text", "[unit][conversion]") {
    std::string const text = testdata("conversion/words.yaml");
    auto b1 = v1beta1_object(text);
    auto conv = convert(b1, version::v1beta2);
    REQUIRE(conv);
    auto const& b2 = conv->object;
    // Server side: empty environment; the unset variable is reported, the default applies.
    REQUIRE(conv->unresolved.size() == 1);
    CHECK(conv->unresolved[0].name == "DB_PASSWORD");
    auto const& ann = b2["metadata"]["annotations"];
    CHECK(std::string(ann[compose_file_annotation].GetString()) == text);
    CHECK(std::string(ann["example.com/keep"].GetString()) == "yes");
    CHECK(b2["metadata"]["uid"] == "u-1");
    auto spec = spec_of(b2);
    REQUIRE(spec.services.size() == 3);
    auto back = to(b2, version::v1beta1);
    CHECK(std::string(back["spec"]["composeFile"].GetString()) == text);
    CHECK_FALSE(back["metadata"]["annotations"].HasMember(compose_file_annotation));
    CHECK(back["metadata"] == b1["metadata"]);
}

TEST_CASE("an edited structured spec drops the stale Compose annotation", "[unit][conversion]") {
    auto b2 = to(v1beta1_object(testdata("conversion/words.yaml")), version::v1beta2);
    auto& services = b2["spec"]["services"];
    services[0]["image"].SetString("nginx:edited", b2.GetAllocator());
    auto b1 = to(b2, version::v1beta1);
    std::string compose = b1["spec"]["composeFile"].GetString();
    CHECK(compose.find("nginx:edited") != std::string::npos);
    CHECK(compose.find("# The reference's e2e sample") == std::string::npos);
    // And back: the rendered text re-creates the edited spec exactly.
    auto again = to(b1, version::v1beta2);
    CHECK(spec_of(again) == spec_of(b2));
    CHECK_FALSE(again["metadata"]["annotations"].HasMember(compose_file_annotation));
}

TEST_CASE("v1beta2 -> v1beta1 -> v1beta2 keeps the spec", "[unit][conversion]") {
    auto b2 = parse(testdata("api/v1alpha3_all_fields.json"));
    json::set(b2, "apiVersion", json::string_value("compose.docker.com/v1beta2", b2.GetAllocator()),
              b2.GetAllocator());
    auto b1 = to(b2, version::v1beta1);
    std::string compose = b1["spec"]["composeFile"].GetString();
    CHECK(compose.find("nginx:1.25") != std::string::npos);
    auto back = to(b1, version::v1beta2);
    CHECK(spec_of(back) == spec_of(b2));
    CHECK(back["status"] == b2["status"]);
    CHECK(back["metadata"] == b2["metadata"]);
}

TEST_CASE("editing the rendered composeFile re-parses it", "[unit][conversion]") {
    auto b2 = parse(testdata("api/reference_docs_v1alpha3.json"));
    auto b1 = to(b2, version::v1beta1);
    std::string compose = b1["spec"]["composeFile"].GetString();
    auto pos = compose.find("k8s-wordsmith-db");
    REQUIRE(pos != std::string::npos);
    compose.replace(pos, 16, "k8s-wordsmith-dX");
    b1["spec"]["composeFile"].SetString(compose.c_str(), static_cast<rapidjson::SizeType>(compose.size()),
                                        b1.GetAllocator());
    auto back = to(b1, version::v1beta2);
    auto spec = spec_of(back);
    CHECK(api::find_service(spec, "db")->image == "dockersamples/k8s-wordsmith-dX");
    CHECK(std::string(back["metadata"]["annotations"][compose_file_annotation].GetString()) == compose);
}

TEST_CASE("round trips for every version pair", "[unit][conversion]") {
    std::vector<rapidjson::Document> starts;
    starts.push_back(v1beta1_object(testdata("conversion/words.yaml")));
    starts.push_back(parse(testdata("api/v1alpha3_all_fields.json")));
    starts.push_back(parse(testdata("api/reference_docs_v1alpha3.json")));
    for (auto& start : starts) {
        auto from = api::version_of(start);
        REQUIRE(from);
        for (auto mid : {version::v1beta1, version::v1beta2, version::v1alpha3}) {
            INFO(api::to_string(*from) << " -> " << api::to_string(mid));
            auto there = to(start, mid);
            auto back = to(there, *from);
            if (*from == version::v1beta1) {
                CHECK(back["spec"]["composeFile"] == start["spec"]["composeFile"]);
            } else {
                CHECK(spec_of(back) == spec_of(start));
            }
            CHECK(back["metadata"] == start["metadata"]);
        }
    }
}

TEST_CASE("v1alpha3 fields survive v1beta2 storage", "[unit][conversion]") {
    auto a3 = parse(testdata("api/v1alpha3_all_fields.json"));
    auto b2 = to(a3, version::v1beta2);
    CHECK(std::string(b2["spec"]["services"][0]["pull_secret"].GetString()) == "regcred");
    auto back = to(b2, version::v1alpha3);
    CHECK(back == a3);
}

TEST_CASE("conversion errors carry the path under spec.composeFile", "[unit][conversion]") {
    auto bad = v1beta1_object("services:\n  web:\n    build: .\n");
    auto r = convert(bad, version::v1beta2);
    REQUIRE_FALSE(r);
    CHECK(r.error().field_path == "spec.composeFile.services.web");
    CHECK(r.error().message.find("no `image:`") != std::string::npos);
    auto yaml = v1beta1_object("services: [\n");
    CHECK_FALSE(convert(yaml, version::v1beta2));
    auto wrong = parse(R"({"apiVersion":"compose.docker.com/v1beta2","kind":"Stack","spec":{"services":[{"user":"x"}]}})");
    auto w = convert(wrong, version::v1beta1);
    REQUIRE_FALSE(w);
    CHECK(w.error().what() == "spec.services[0].user: expected integer, got string");
}

TEST_CASE("same-version conversion returns the object unchanged", "[unit][conversion]") {
    auto a3 = parse(testdata("api/v1alpha3_all_fields.json"));
    CHECK(to(a3, version::v1alpha3) == a3);
    auto text = convert(json::dump(a3), version::v1beta2);
    REQUIRE(text);
    CHECK(parse(*text)["apiVersion"] == "compose.docker.com/v1beta2");
}

TEST_CASE("content_hash", "[unit][conversion]") {
    CHECK(content_hash("") == "fnv1a64:cbf29ce484222325");
    CHECK(content_hash("a") != content_hash("b"));
}

TEST_CASE("spec.volumes survives v1beta1 text both ways", "[unit][conversion]") {
    auto b1 = v1beta1_object(
        "services:\n  db:\n    image: postgres\n    volumes: [data:/var/lib/data]\n"
        "volumes:\n  data:\n    x-kubernetes:\n      size: 5Gi\n      accessModes: [ReadWriteOncePod]\n");
    auto b2 = to(b1, version::v1beta2);
    REQUIRE(b2["spec"].HasMember("volumes"));
    CHECK(json::dump(b2["spec"]["volumes"]) == R"({"data":{"size":"5Gi","accessModes":["ReadWriteOncePod"]}})");

    // Written as v1beta2 (no Compose annotation): the rendered text carries x-kubernetes, and
    // parsing that text again (annotations dropped) gives the same spec.
    auto written = parse(R"({"apiVersion":"compose.docker.com/v1beta2","kind":"Stack",)"
                         R"("metadata":{"name":"db","namespace":"demo"},"spec":{"services":[)"
                         R"({"name":"db","image":"postgres","volumes":[{"type":"volume","source":"data","target":"/d"}]}],)"
                         R"("volumes":{"data":{"size":"10Gi","storageClassName":"fast","accessModes":["ReadWriteMany"]}}}})");
    auto text_form = to(written, version::v1beta1);
    std::string const compose = text_form["spec"]["composeFile"].GetString();
    INFO(compose);
    CHECK(compose.find("x-kubernetes:") != std::string::npos);
    text_form["metadata"].RemoveMember("annotations");
    auto reparsed = to(text_form, version::v1beta2);
    CHECK(spec_of(reparsed) == spec_of(written));
}
