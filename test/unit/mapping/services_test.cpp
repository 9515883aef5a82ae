#include "op/mapping/mapping.hpp"

#include "mapping_support.hpp"
#include "op_catch.hpp"

using namespace op;
using namespace op::mapping;
using namespace op::mapping::test;

namespace {
std::string const selector = R"({"com.docker.service.id":"demo-nginx",
    "com.docker.service.name":"nginx","com.docker.stack.namespace":"demo"})";

std::string spec_of(mapping_result const& r, std::string_view name) {
    auto const* s = find(r, "Service", name);
    return s ? at(s->json, "/spec") : std::string("<no Service>");
}
}  // namespace

TEST_CASE("reference 4.10 example: headless + LoadBalancer", "[unit][services]") {
    auto svc = make_service("nginx");
    svc.ports = {{"", 8080, 80, "tcp"}};
    svc.deploy.labels = {{"deploy.key", "deploy.value"}};
    auto r = map_ok(make_stack({svc}));
    CHECK(spec_of(r, "nginx") == canon(R"({"clusterIP":"None","selector":)" + selector + R"(,
        "ports":[{"name":"headless","port":55555,"targetPort":55555,"protocol":"TCP"}]})"));
    CHECK(spec_of(r, "nginx-published") == canon(R"({"type":"LoadBalancer","selector":)" +
                                                 selector + R"(,
        "ports":[{"name":"80-tcp","port":80,"targetPort":8080,"protocol":"TCP"}]})"));
    CHECK(find(r, "Service", "nginx-random-ports") == nullptr);
    auto const* pub = find(r, "Service", "nginx-published");
    CHECK(at(pub->json, "/metadata/labels/deploy.key") == "\"deploy.value\"");
}

TEST_CASE("random ports and NodePort strategy", "[unit][services]") {
    auto svc = make_service("nginx");
    svc.ports = {{"", 8888, 0, "tcp"}, {"", 8080, 80, "tcp"}, {"", 53, 0, "udp"},
                 {"", 8888, 0, "tcp"}};
    auto r = map_ok(make_stack({svc}));
    CHECK(spec_of(r, "nginx-random-ports") == canon(R"({"type":"NodePort","selector":)" +
                                                    selector + R"(,
        "ports":[{"name":"8888-tcp","port":8888,"targetPort":8888,"protocol":"TCP"},
                 {"name":"53-udp","port":53,"targetPort":53,"protocol":"UDP"}]})"));

    mapping_options opts;
    opts.published_type = published_service_type::node_port;
    auto rn = map_ok(make_stack({svc}), opts);
    // Decision: port = published (the reference used the target, which collides when two
    // published ports share a target); nodePort = published as in the reference.
    CHECK(spec_of(rn, "nginx-published") == canon(R"({"type":"NodePort","selector":)" + selector +
                                                  R"(,
        "ports":[{"name":"80-tcp","nodePort":80,"port":80,"targetPort":8080,"protocol":"TCP"}]})"));
    CHECK(at(find(rn, "Service", "nginx-random-ports")->json, "/spec/type") == "\"NodePort\"");
}

TEST_CASE("published port used twice is an error; host mode warns", "[unit][services]") {
    auto svc = make_service("nginx");
    svc.ports = {{"host", 80, 8080, "tcp"}, {"", 81, 8080, "udp"}};
    auto r = map_ok(make_stack({svc}));
    REQUIRE(r.warnings.size() == 1);
    CHECK(r.warnings[0].starts_with("spec.services[0].ports[0].mode: port mode \"host\""));
    svc.ports.push_back({"", 82, 8080, "tcp"});
    CHECK(map_err(make_stack({svc})).what() ==
          "spec.services[0].ports[2].published: published port 8080/tcp is used twice");
    svc.ports = {{"", 80, 0, "quic"}};
    CHECK(map_err(make_stack({svc})).field_path == "spec.services[0].ports[0].protocol");
}

TEST_CASE("v1alpha3 internal service type matrix", "[unit][services]") {
    struct row {
        std::string type;
        std::vector<api::internal_port> ports;
        std::string expected;  // spec minus selector
    };
    auto const headless =
        R"({"clusterIP":"None","ports":[{"name":"headless","port":55555,"targetPort":55555,"protocol":"TCP"}]})";
    auto const cluster_ip =
        R"({"ports":[{"name":"8080-tcp","port":8080,"targetPort":8080,"protocol":"TCP"},
                     {"name":"53-udp","port":53,"targetPort":53,"protocol":"UDP"}]})";
    std::vector<api::internal_port> const ports = {{8080, "TCP"}, {53, "UDP"}};
    std::vector<row> const rows = {
        {"", {}, headless},
        {"", ports, cluster_ip},
        {"Headless", {}, headless},
        {"Headless", ports, headless},
        {"ClusterIP", ports, cluster_ip},
    };
    for (auto const& r : rows) {
        INFO(r.type << " ports=" << r.ports.size());
        auto svc = make_service("nginx");
        svc.internal_service_type = r.type;
        svc.internal_ports = r.ports;
        auto out = map_ok(make_stack({svc}));
        auto* s = find(out, "Service", "nginx");
        REQUIRE(s);
        rapidjson::Document spec;
        spec.CopyFrom(s->json["spec"], spec.GetAllocator());
        spec.RemoveMember("selector");
        CHECK(canon(spec) == canon(r.expected));
        CHECK(at(s->json, "/spec/type") == "<absent>");
    }
    auto svc = make_service("nginx");
    svc.internal_service_type = "ClusterIP";
    CHECK(map_err(make_stack({svc})).field_path == "spec.services[0].internal_service_type");
    svc.internal_service_type = "NodePort";
    CHECK(map_err(make_stack({svc})).field_path == "spec.services[0].internal_service_type");
    svc.internal_service_type = "";
    svc.internal_ports = {{0, "TCP"}};
    CHECK(map_err(make_stack({svc})).field_path == "spec.services[0].internal_ports[0].port");
}

TEST_CASE("Service names must fit DNS-1035 with their suffix", "[unit][services]") {
    auto svc = make_service(std::string(51, 'a'));
    svc.ports = {{"", 80, 0, "tcp"}};
    auto e = map_err(make_stack({svc}));
    CHECK(e.field_path == "spec.services[0].name");
    CHECK(e.message.find("-random-ports") != std::string::npos);
}
