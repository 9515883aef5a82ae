#include "op/webhook/certs.hpp"

#include "op_catch.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>

using namespace op::webhook;

TEST_CASE("generated certificates carry the service SANs and chain to the CA", "[unit][webhook]") {
    cert_request req;
    req.service = "webhook";
    req.namespace_ = "ops";
    auto b = generate_certs(req);
    REQUIRE(b);
    CHECK(b->cert_pem.rfind("-----BEGIN CERTIFICATE-----", 0) == 0);
    CHECK(b->key_pem.rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
    auto sans = cert_sans(b->cert_pem);
    REQUIRE(sans);
    for (std::string want : {"DNS:webhook", "DNS:webhook.ops", "DNS:webhook.ops.svc",
                             "DNS:webhook.ops.svc.cluster.local", "DNS:localhost", "IP:127.0.0.1"}) {
        CHECK(std::find(sans->begin(), sans->end(), want) != sans->end());
    }
    CHECK(verify_cert(b->cert_pem, b->ca_cert_pem));
    auto other = generate_certs(req);
    REQUIRE(other);
    CHECK_FALSE(verify_cert(b->cert_pem, other->ca_cert_pem));
    CHECK_FALSE(cert_sans("garbage"));
}

TEST_CASE("write_cert_dir writes tls.crt, tls.key and ca.crt", "[unit][webhook]") {
    auto dir = std::filesystem::temp_directory_path() / "op-webhook-certs-test";
    std::filesystem::remove_all(dir);
    CHECK_FALSE(has_certs(dir));
    auto b = generate_certs({});
    REQUIRE(b);
    REQUIRE(write_cert_dir(dir, *b));
    CHECK(has_certs(dir));
    std::ifstream in(dir / "tls.crt");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(text == b->cert_pem);
    auto perms = std::filesystem::status(dir / "tls.key").permissions();
    CHECK((perms & std::filesystem::perms::others_read) == std::filesystem::perms::none);
    std::filesystem::remove_all(dir);
}
