#include "cert_renewal.hpp"

#include "op/util/base64.hpp"
#include "op/util/json.hpp"
#include "op_catch.hpp"

using namespace op;
using namespace op::runtime;

namespace {

rapidjson::Document parse(std::string const& text) {
    rapidjson::Document d;
    d.Parse(text.c_str(), text.size());
    return d;
}

// The Secret JSON for `s`, with data[key] replaced by `raw` (already base64 or not) when key is set.
rapidjson::Document secret_with(webhook::cert_state const& s, std::string const& key = {},
                                std::string const& raw = {}) {
    auto d = parse(cert_secret_body("compose-operator", s, "7"));
    if (!key.empty()) {
        auto& data = d["data"];
        data.RemoveMember(key.c_str());
        data.AddMember(rapidjson::Value(key.c_str(), d.GetAllocator()), rapidjson::Value(raw.c_str(), d.GetAllocator()),
                       d.GetAllocator());
    }
    return d;
}

}  // namespace

TEST_CASE("a certificate Secret round-trips through its JSON", "[unit][runtime]") {
    auto s = webhook::new_cert_state({});
    REQUIRE(s);
    auto rotating = webhook::renew(*s, webhook::renewal_action::start_ca_rotation, {});
    REQUIRE(rotating);
    auto d = secret_with(*rotating);
    CHECK(std::string(d["metadata"]["resourceVersion"].GetString()) == "7");
    CHECK(std::string(d["type"].GetString()) == "kubernetes.io/tls");
    auto back = cert_state_from_secret(d, "compose-operator/compose-operator-webhook-cert");
    REQUIRE(back);
    CHECK(back->ca_key_pem == rotating->ca_key_pem);
    CHECK(back->next_ca_key_pem == rotating->next_ca_key_pem);
    CHECK(back->cert_pem == rotating->cert_pem);
    CHECK(*base64::decode(d["data"]["ca.crt"].GetString()) == webhook::ca_bundle(*rotating));
}

TEST_CASE("a Secret from before renewal (tls.crt, tls.key, ca.crt only) is read, without a CA key",
          "[unit][runtime]") {
    auto s = webhook::new_cert_state({});
    REQUIRE(s);
    std::string body = R"({"data":{"tls.crt":")" + base64::encode(s->cert_pem) + R"(","tls.key":")" +
                       base64::encode(s->key_pem) + R"(","ca.crt":")" + base64::encode(s->ca_cert_pem) + R"("}})";
    auto back = cert_state_from_secret(parse(body), "ns/name");
    REQUIRE(back);
    CHECK(back->ca_cert_pem == s->ca_cert_pem);
    CHECK(back->ca_key_pem.empty());
    auto dates = webhook::read_dates(*back);
    REQUIRE(dates);
    CHECK_FALSE(dates->ca_key);
}

TEST_CASE("a damaged certificate Secret: the message names the key and says what to do", "[unit][runtime]") {
    auto s = webhook::new_cert_state({});
    REQUIRE(s);
    auto other = webhook::new_cert_state({});
    REQUIRE(other);
    std::string const where = "compose-operator/compose-operator-webhook-cert";
    std::string const advice =
        "delete it (kubectl -n compose-operator delete secret compose-operator-webhook-cert) and restart the operator";
    auto expect = [&](rapidjson::Document const& d, std::string const& path, std::string const& part) {
        auto r = cert_state_from_secret(d, where);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == errc::invalid);
        CHECK(r.error().field_path == path);
        CHECK(r.error().message.find(part) != std::string::npos);
        CHECK(r.error().message.find(advice) != std::string::npos);
        CHECK(r.error().message.find("Secret " + where) == 0);
    };
    expect(secret_with(*s, "tls.key", "%%% not base64"), "data.tls.key", "data[tls.key] is not base64");
    expect(secret_with(*s, "ca.key", base64::encode("garbage")), "data.ca.key", "data[ca.key] is not a PEM private key");
    expect(secret_with(*s, "ca.key", base64::encode(other->ca_key_pem)), "data.ca.key",
           "data[ca.key] is not the key of data[ca-signer.crt]");
    expect(secret_with(*s, "tls.crt", base64::encode("-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----\n")),
           "data.tls.crt", "data[tls.crt] is not a PEM certificate");
    expect(parse(R"({"metadata":{}})"), "", "has no data");
}
