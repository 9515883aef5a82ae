#include "op/api/versions.hpp"

#include "op/util/json.hpp"
#include "op_catch.hpp"

#include <fstream>
#include <sstream>

using namespace op;
using namespace op::api;

namespace {

std::string read_testdata(std::string const& name) {
    std::ifstream in(std::string(OP_SOURCE_DIR) + "/test/testdata/api/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

rapidjson::Document parse(std::string const& text) {
    auto doc = json::parse(text);
    REQUIRE(doc);
    return std::move(*doc);
}

// Decodes `text` as v1beta2 and returns the error (it must fail).
error v1beta2_error(std::string const& spec_json) {
    auto doc = parse(R"({"apiVersion":"compose.docker.com/v1beta2","kind":"Stack","metadata":{"name":"x"},"spec":)" +
                     spec_json + "}");
    auto r = decode_v1beta2(doc);
    REQUIRE_FALSE(r);
    return r.error();
}

// A spec that fails to decode as v1beta2, and the error it must give.
struct error_row {
    std::string spec;
    std::string path;
    std::string message;
};

void check_errors(std::vector<error_row> const& rows) {
    for (auto const& r : rows) {
        INFO(r.spec);
        auto e = v1beta2_error(r.spec);
        CHECK(e.code == errc::invalid);
        CHECK(e.field_path == r.path);
        CHECK(e.message == r.message);
    }
}

}  // namespace

TEST_CASE("parse_version accepts short and group forms", "[unit][api]") {
    CHECK(parse_version("v1beta1").value() == version::v1beta1);
    CHECK(parse_version("compose.docker.com/v1beta2").value() == version::v1beta2);
    CHECK(parse_version("v1alpha3").value() == version::v1alpha3);
    CHECK_FALSE(parse_version("apps/v1"));
    CHECK_FALSE(parse_version("v2"));
    CHECK(api_version(version::v1alpha3) == "compose.docker.com/v1alpha3");
}

TEST_CASE("every v1alpha3 field decodes and encodes back unchanged", "[unit][api]") {
    auto doc = parse(read_testdata("v1alpha3_all_fields.json"));
    auto s = decode_v1alpha3(doc);
    REQUIRE(s);
    REQUIRE(s->spec);
    auto const& web = s->spec->services.at(0);
    CHECK(web.name == "web");
    CHECK(web.deploy.update->parallelism == 2u);
    CHECK(web.deploy.placement_.constraints_->hostname->op == "!=");
    CHECK(web.deploy.placement_.constraints_->match_labels.at("disk").value == "ssd");
    CHECK(web.healthcheck->interval == std::chrono::seconds(30));
    CHECK(web.healthcheck->start_period == std::chrono::seconds(10));
    CHECK(web.stop_grace_period == std::chrono::seconds(20));
    CHECK(web.environment.at("UNSET") == std::nullopt);
    CHECK(web.environment.at("EMPTY") == std::optional<std::string>(""));
    CHECK(web.ports.at(1).published == 0u);
    CHECK(web.configs.at(0).mode == 292u);
    CHECK(web.user == 1000);
    CHECK(web.pull_policy == "IfNotPresent");
    CHECK(web.internal_ports.at(0).port == 8080);
    CHECK(s->spec->secrets.at("ext").external.external);
    CHECK(s->metadata.generation == 3);
    CHECK(s->metadata.annotations.at("example.com/note") == "kept");
    REQUIRE(s->status);
    CHECK(s->status->conditions.size() == 2);
    CHECK(s->status->services.at("web").ready == 1);
    CHECK(s->status->service_count == 2);

    auto out = encode(*s);
    INFO(json::dump(out));
    CHECK(out == doc);  // RapidJSON compares objects independently of member order
}

TEST_CASE("v1beta2 decodes the same document (storage carries v1alpha3 fields)", "[unit][api]") {
    auto doc = parse(read_testdata("v1alpha3_all_fields.json"));
    auto a3 = decode_v1alpha3(doc);
    REQUIRE(a3);
    json::set(doc, "apiVersion", json::string_value("compose.docker.com/v1beta2", doc.GetAllocator()),
              doc.GetAllocator());
    auto b2 = decode_v1beta2(doc);
    REQUIRE(b2);
    CHECK(b2->spec == a3->spec);
    CHECK(encode(*b2) == doc);
}

TEST_CASE("a Stack manifest in the reference's wire format loads", "[unit][api]") {
    auto doc = parse(read_testdata("reference_docs_v1alpha3.json"));
    auto s = decode_v1alpha3(doc);
    REQUIRE(s);
    REQUIRE(s->spec->services.size() == 3);
    CHECK(s->spec->services[1].deploy.replicas == 5u);
    CHECK(s->spec->services[1].healthcheck->test.at(0) == "CMD-SHELL");
    CHECK(s->status->phase == "Available");
    // Empty deploy sub-objects are dropped on encode; meaning is unchanged.
    auto again = decode_v1alpha3(encode(*s));
    REQUIRE(again);
    CHECK(*again == *s);
}

TEST_CASE("v1beta1 decodes and encodes", "[unit][api]") {
    auto doc = parse(read_testdata("v1beta1_stack.json"));
    auto s = decode_v1beta1(doc);
    REQUIRE(s);
    CHECK(s->compose_file.starts_with("version: '3.3'\n"));
    CHECK(s->status->phase == "Available");
    CHECK(encode(*s) == doc);
}

TEST_CASE("metadata is kept whole, labels and annotations follow the maps", "[unit][api]") {
    auto doc = parse(read_testdata("v1alpha3_all_fields.json"));
    auto s = decode_v1alpha3(doc);
    REQUIRE(s);
    s->metadata.annotations["compose.docker.com/x"] = "y";
    s->metadata.labels.clear();
    auto out = encode(*s);
    auto const& meta = out["metadata"];
    CHECK(meta["creationTimestamp"] == doc["metadata"]["creationTimestamp"]);
    CHECK(meta["ownerReferences"] == doc["metadata"]["ownerReferences"]);
    CHECK(std::string(meta["annotations"]["compose.docker.com/x"].GetString()) == "y");
    CHECK_FALSE(meta.HasMember("labels"));
}

TEST_CASE("wrong types are reported with their field path", "[unit][api]") {
    std::vector<error_row> rows = {
        {R"({"services":[{"name":"a"},{"name":"b"},{"name":"c","ports":[{"published":"80"}]}]})",
         "spec.services[2].ports[0].published", "expected integer, got string"},
        {R"({"services":{}})", "spec.services", "expected array, got object"},
        {R"({"services":["web"]})", "spec.services[0]", "expected object, got string"},
        {R"({"services":[{"name":7}]})", "spec.services[0].name", "expected string, got number"},
        {R"({"services":[{"tty":"yes"}]})", "spec.services[0].tty", "expected boolean, got string"},
        {R"({"services":[{"command":"ls"}]})", "spec.services[0].command", "expected array, got string"},
        {R"({"services":[{"command":["ls",1]}]})", "spec.services[0].command[1]", "expected string, got number"},
        {R"({"services":[{"environment":{"A":1}}]})", "spec.services[0].environment.A",
         "expected string or null, got number"},
        {R"({"services":[{"labels":{"A":null}}]})", "spec.services[0].labels.A", "expected string, got null"},
        {R"({"services":[{"ports":[{"target":4294967296}]}]})", "spec.services[0].ports[0].target",
         "expected integer between 0 and 4294967295, got 4294967296"},
        {R"({"services":[{"ports":[{"target":-1}]}]})", "spec.services[0].ports[0].target",
         "expected integer between 0 and 4294967295, got -1"},
        {R"({"services":[{"health_check":{"interval":"30s"}}]})", "spec.services[0].health_check.interval",
         "expected integer, got string"},
        {R"({"services":[{"deploy":{"update_config":{"paralellism":1.5}}}]})",
         "spec.services[0].deploy.update_config.paralellism", "expected integer, got number"},
        {R"({"services":[{"deploy":{"placement":{"constraints":{"MatchLabels":{"k":{"Value":1}}}}}}]})",
         "spec.services[0].deploy.placement.constraints.MatchLabels.k.Value", "expected string, got number"},
        {R"({"services":[{"deploy":{"resources":{"limits":{"memory":"1G"}}}}]})",
         "spec.services[0].deploy.resources.limits.memory", "expected integer, got string"},
        {R"({"services":[{"internal_ports":[{"port":"80"}]}]})", "spec.services[0].internal_ports[0].port",
         "expected integer, got string"},
        {R"({"secrets":{"s":{"external":true}}})", "spec.secrets.s.external", "expected object, got boolean"},
        {R"({"configs":{"c":"x"}})", "spec.configs.c", "expected object, got string"},
        {R"([])", "spec", "expected object, got array"},
    };
    check_errors(rows);
}

TEST_CASE("envelope errors", "[unit][api]") {
    auto check = [](std::string const& text, std::string const& path) {
        auto doc = parse(text);
        auto r = decode_v1beta2(doc);
        REQUIRE_FALSE(r);
        CHECK(r.error().field_path == path);
    };
    check(R"({"kind":"Stack"})", "apiVersion");
    check(R"({"apiVersion":"compose.docker.com/v1beta1","kind":"Stack"})", "apiVersion");
    check(R"({"apiVersion":"compose.docker.com/v1beta2","kind":"Deployment"})", "kind");
    check(R"({"apiVersion":"compose.docker.com/v1beta2","metadata":[]})", "metadata");
    check(R"({"apiVersion":"compose.docker.com/v1beta2","metadata":{"generation":"1"}})",
          "metadata.generation");
    check(R"({"apiVersion":"compose.docker.com/v1beta2","status":{"conditions":[{"type":1}]}})",
          "status.conditions[0].type");
    check(R"({"apiVersion":"compose.docker.com/v1beta2","status":{"services":{"web":{"ready":"1"}}}})",
          "status.services.web.ready");
    auto doc = parse(R"({"apiVersion":"compose.docker.com/v1beta1","spec":{"composeFile":1}})");
    auto r = decode_v1beta1(doc);
    REQUIRE_FALSE(r);
    CHECK(r.error().what() == "spec.composeFile: expected string, got number");
}

TEST_CASE("absent spec and status stay absent", "[unit][api]") {
    auto doc = parse(R"({"apiVersion":"compose.docker.com/v1beta2","kind":"Stack","metadata":{"name":"x"}})");
    auto s = decode_v1beta2(doc);
    REQUIRE(s);
    CHECK_FALSE(s->spec);
    CHECK_FALSE(s->status);
    CHECK(encode(*s) == doc);
}

TEST_CASE("canonical_json is stable and omits zero values", "[unit][api]") {
    stack_spec spec;
    service_config svc;
    svc.name = "web";
    svc.image = "nginx";
    svc.environment["B"] = "2";
    svc.environment["A"] = std::nullopt;
    spec.services.push_back(svc);
    CHECK(canonical_json(spec) ==
          R"({"services":[{"name":"web","environment":{"A":null,"B":"2"},"image":"nginx"}]})");
}

TEST_CASE("spec.volumes: claim settings per named volume", "[unit][api]") {
    std::string const text =
        R"({"apiVersion":"compose.docker.com/v1beta2","kind":"Stack","metadata":{"name":"x"},)"
        R"("spec":{"services":[{"name":"db","image":"postgres"}],"volumes":{)"
        R"("data":{"size":"10Gi","storageClassName":"fast","accessModes":["ReadWriteMany"]},)"
        R"("logs":{"storageClassName":""},"plain":{}}}})";
    auto doc = parse(text);
    auto s = decode_v1beta2(doc);
    REQUIRE(s);
    REQUIRE(s->spec);
    auto const& v = s->spec->volumes;
    REQUIRE(v.size() == 3);
    CHECK(v.at("data") == volume_claim{"10Gi", "fast", {"ReadWriteMany"}});
    CHECK(v.at("logs").storage_class_name == std::optional<std::string>(""));  // "" is kept
    CHECK_FALSE(v.at("logs").size);
    CHECK(v.at("plain") == volume_claim{});
    CHECK(encode(*s) == doc);

    // v1alpha3 carries the same field; the hub codec (canonical_json) too.
    json::set(doc, "apiVersion", json::string_value("compose.docker.com/v1alpha3", doc.GetAllocator()),
              doc.GetAllocator());
    auto a3 = decode_v1alpha3(doc);
    REQUIRE(a3);
    CHECK(a3->spec == s->spec);
    CHECK(encode(*a3) == doc);
    auto canonical = parse(canonical_json(*s->spec));
    auto back = decode_spec(canonical, "spec");
    REQUIRE(back);
    CHECK(*back == *s->spec);
    CHECK(canonical_json(*s->spec).find(
              R"("volumes":{"data":{"size":"10Gi","storageClassName":"fast","accessModes":["ReadWriteMany"]},)"
              R"("logs":{"storageClassName":""},"plain":{}})") != std::string::npos);
}

TEST_CASE("spec.volumes is absent when empty", "[unit][api]") {
    stack_spec spec;
    service_config svc;
    svc.name = "db";
    svc.image = "postgres";
    svc.volumes.push_back({"volume", "data", "/data", false});
    spec.services.push_back(svc);
    CHECK(canonical_json(spec).find("\"volumes\":{") == std::string::npos);
    v1beta2::stack s;
    s.metadata.name = "x";
    s.spec = spec;
    auto const encoded = encode(s);  // keep the document alive while we look inside it
    auto const* enc_spec = json::find(encoded, "spec");
    REQUIRE(enc_spec != nullptr);
    CHECK(json::find(*enc_spec, "volumes") == nullptr);
}

TEST_CASE("spec.volumes wrong types are reported with their field path", "[unit][api]") {
    std::vector<error_row> rows = {
        {R"({"volumes":[]})", "spec.volumes", "expected object, got array"},
        {R"({"volumes":{"data":"10Gi"}})", "spec.volumes.data", "expected object, got string"},
        {R"({"volumes":{"data":{"size":10}}})", "spec.volumes.data.size", "expected string, got number"},
        {R"({"volumes":{"data":{"storageClassName":true}}})", "spec.volumes.data.storageClassName",
         "expected string, got boolean"},
        {R"({"volumes":{"data":{"accessModes":"ReadWriteOnce"}}})", "spec.volumes.data.accessModes",
         "expected array, got string"},
        {R"({"volumes":{"data":{"accessModes":[1]}}})", "spec.volumes.data.accessModes[0]",
         "expected string, got number"},
    };
    check_errors(rows);
}

TEST_CASE("deep wrong types keep their exact field path", "[unit][api]") {
    std::vector<error_row> rows = {
        {R"({"services":[{"name":"a"},{"name":"b","depends_on":[{"service":"a"},{"service":""}]}]})",
         "spec.services[1].depends_on[1].service", "required"},
        {R"({"services":[{"name":"a","depends_on":[{"service":"b","required":"yes"}]}]})",
         "spec.services[0].depends_on[0].required", "expected boolean, got string"},
        {R"({"services":[{"kubernetes":{"expose":[{"host":"h"},{"port":-1}]}}]})",
         "spec.services[0].kubernetes.expose[1].port", "expected integer between 0 and 4294967295, got -1"},
        {R"({"services":[{"kubernetes":{"expose":[7]}}]})", "spec.services[0].kubernetes.expose[0]",
         "expected object, got number"},
        {R"({"services":[{},{"deploy":{"placement":{"constraints":{"Hostname":{"Operator":[]}}}}}]})",
         "spec.services[1].deploy.placement.constraints.Hostname.Operator", "expected string, got array"},
        {R"({"services":[{"deploy":{"placement":{"max_replicas_per_node":"2"}}}]})",
         "spec.services[0].deploy.placement.max_replicas_per_node", "expected integer, got string"},
        {R"({"services":[{"deploy":{"restart_policy":{"condition":1}}}]})",
         "spec.services[0].deploy.restart_policy.condition", "expected string, got number"},
        {R"({"services":[{"group_add":[1,"x"]}]})", "spec.services[0].group_add[1]", "expected integer, got string"},
        {R"({"services":[{"pre_stop":{"command":[1]}}]})", "spec.services[0].pre_stop.command[0]",
         "expected string, got number"},
        {R"({"services":[{"configs":[{"source":"a"},{"mode":1.5}]}]})", "spec.services[0].configs[1].mode",
         "expected integer, got number"},
        {R"({"services":[{"secrets":[{},{},{"uid":false}]}]})", "spec.services[0].secrets[2].uid",
         "expected string, got boolean"},
        {R"({"services":[{"volumes":[{"read_only":"no"}]}]})", "spec.services[0].volumes[0].read_only",
         "expected boolean, got string"},
        {R"({"secrets":{"a.b":{"external":{"name":1}}}})", "spec.secrets.a.b.external.name",
         "expected string, got number"},
        {R"({"configs":{"c":{"labels":{"k":1}}}})", "spec.configs.c.labels.k", "expected string, got number"},
        // Two wrong members: the error names the first in decode order, not in document order.
        {R"({"services":[{"image":1,"name":2}]})", "spec.services[0].name", "expected string, got number"},
        {R"({"services":[{"tty":1,"cap_add":2}]})", "spec.services[0].cap_add", "expected array, got number"},
        {R"({"services":[{"ports":[{"protocol":1,"mode":2}]}]})", "spec.services[0].ports[0].mode",
         "expected string, got number"},
    };
    check_errors(rows);
}

TEST_CASE("duplicated members: fields read the first, maps keep the last", "[unit][api]") {
    // json::parse refuses a repeated key (json_test), so no text from the wire reaches decode with
    // one; this pins what decode does with a document built in memory with repeats anyway.
    std::string const text =
        R"({"apiVersion":"compose.docker.com/v1beta2","kind":"Stack","metadata":{"name":"x"},)"
        R"("spec":{"services":[{"name":"a","name":2,"labels":{"k":"1","k":"2"}}],)"
        R"("services":7,"volumes":{"v":{"size":"1"},"v":{"size":"2"}}},)"
        R"("status":{"phase":"A","phase":1,"services":{"w":{"ready":1},"w":{"ready":2}}}})";
    auto refused = json::parse(text);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().field_path == "spec");  // its "services" twice, met before services[0]
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    REQUIRE_FALSE(doc.HasParseError());
    auto s = decode_v1beta2(doc);
    REQUIRE(s);
    REQUIRE(s->spec);
    REQUIRE(s->spec->services.size() == 1);
    CHECK(s->spec->services[0].name == "a");
    CHECK(s->spec->services[0].labels.at("k") == "2");
    CHECK(s->spec->volumes.at("v").size == std::optional<std::string>("2"));
    REQUIRE(s->status);
    CHECK(s->status->phase == "A");
    CHECK(s->status->services.at("w").ready == 2);

    // A wrong-typed first copy is the error, with its exact path.
    std::string const wrong_first = R"({"apiVersion":"compose.docker.com/v1beta2","kind":"Stack",)"
                                    R"("metadata":{"name":"x"},"spec":{"services":[{"name":1,"name":"a"}]}})";
    rapidjson::Document bad;
    bad.Parse(wrong_first.data(), wrong_first.size());
    auto e = decode_v1beta2(bad);
    REQUIRE_FALSE(e);
    CHECK(e.error().field_path == "spec.services[0].name");
    CHECK(e.error().message == "expected string, got number");
}

TEST_CASE("unknown members are ignored at every level", "[unit][api]") {
    auto doc = parse(R"({"apiVersion":"compose.docker.com/v1beta2","kind":"Stack","metadata":{"name":"x"},"extra":1,)"
                     R"("spec":{"zzz":[1],"services":[{"name":"a","nam":1,"namex":1,"":1,"image":"i",)"
                     R"("ports":[{"target":80,"targets":"x"}],"deploy":{"replica":"x","replicas":2}}]},)"
                     R"("status":{"phase":"A","phases":1}})");
    auto s = decode_v1beta2(doc);
    REQUIRE(s);
    CHECK(s->spec->services.at(0).name == "a");
    CHECK(s->spec->services.at(0).ports.at(0).target == 80u);
    CHECK(s->spec->services.at(0).deploy.replicas == std::optional<std::uint64_t>(2));
    CHECK(json::dump(encode(*s)) ==
          R"({"apiVersion":"compose.docker.com/v1beta2","kind":"Stack","metadata":{"name":"x"},)"
          R"("spec":{"services":[{"name":"a","deploy":{"replicas":2},"image":"i","ports":[{"target":80}]}]},)"
          R"("status":{"phase":"A"}})");
}
