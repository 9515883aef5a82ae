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

// ---- renewal schedule (pure: dates in, decision out) ----------------------------------------

namespace {

using namespace std::chrono_literals;
sys_time const t0 = sys_time{} + 1000h;
validity span(sys_time from, std::chrono::seconds life) { return {from, from + life}; }

// A steady state: CA made at t0 for 180 s, serving certificate at t0 for 60 s.
cert_dates steady() {
    cert_dates d;
    d.ca = span(t0, 180s);
    d.serving = span(t0, 60s);
    return d;
}

}  // namespace

TEST_CASE("the serving certificate is renewed at 2/3 of its life", "[unit][webhook]") {
    auto d = steady();
    auto r = decide_renewal(t0 + 39s, d);
    CHECK(r.action == renewal_action::none);
    CHECK(r.next_check == t0 + 40s);
    CHECK(decide_renewal(t0 + 40s, d).action == renewal_action::renew_serving);
    CHECK(decide_renewal(t0 + 70s, d).action == renewal_action::renew_serving);  // expired: at once
    d.serving_signed_by_ca = false;
    CHECK(decide_renewal(t0 + 1s, d).action == renewal_action::renew_serving);
}

TEST_CASE("the CA rotates: next CA trusted first, switch after a wait, old CA dropped after the overlap",
          "[unit][webhook]") {
    auto d = steady();
    d.serving = span(t0 + 100s, 60s);
    // 2/3 of the CA's 180 s: the next CA is made; the old one still signs.
    CHECK(decide_renewal(t0 + 119s, d).action == renewal_action::none);
    CHECK(decide_renewal(t0 + 119s, d).next_check == t0 + 120s);
    CHECK(decide_renewal(t0 + 120s, d).action == renewal_action::start_ca_rotation);
    // The next CA exists: the switch waits life/12 = 15 s after its notBefore.
    d.next_ca = span(t0 + 120s, 180s);
    auto r = decide_renewal(t0 + 134s, d);
    CHECK(r.action == renewal_action::none);
    CHECK(r.next_check == t0 + 135s);
    CHECK(decide_renewal(t0 + 135s, d).action == renewal_action::switch_ca);
    // Switched at 135 s: the new CA signs a serving certificate made then; the old CA stays in the
    // bundle min(60 s / 3, 1 day) = 20 s after that certificate's notBefore.
    cert_dates after = d;
    after.previous_ca = d.ca;
    after.ca = *d.next_ca;
    after.next_ca.reset();
    after.serving = span(t0 + 135s, 60s);
    CHECK(decide_renewal(t0 + 154s, after).action == renewal_action::none);
    CHECK(decide_renewal(t0 + 154s, after).next_check == t0 + 155s);
    CHECK(decide_renewal(t0 + 155s, after).action == renewal_action::drop_previous_ca);
    // No new rotation while the previous CA is still trusted, even past 2/3 of the new CA.
    after.serving = span(t0 + 500s, 60s);
    CHECK(decide_renewal(t0 + 245s + 120s, after).action != renewal_action::start_ca_rotation);
}

TEST_CASE("a switch delayed past the old CA's schedule still keeps the overlap", "[unit][webhook]") {
    cert_dates d = steady();
    d.previous_ca = span(t0, 180s);
    d.ca = span(t0 + 120s, 180s);
    d.serving = span(t0 + 170s, 60s);  // the switch happened late (an operator was down)
    CHECK(decide_renewal(t0 + 171s, d).action == renewal_action::none);
    CHECK(decide_renewal(t0 + 190s, d).action == renewal_action::drop_previous_ca);
}

TEST_CASE("an expired CA is regenerated; a Secret without the CA key rotates at once", "[unit][webhook]") {
    auto d = steady();
    CHECK(decide_renewal(t0 + 180s, d).action == renewal_action::regenerate);
    d.ca_key = false;
    CHECK(decide_renewal(t0 + 1s, d).action == renewal_action::start_ca_rotation);
    d.next_ca = span(t0 + 1s, 180s);
    // The serving certificate is due but cannot be renewed without the key: the switch does it.
    auto r = decide_renewal(t0 + 50s, d);
    CHECK(r.action == renewal_action::switch_ca);
    CHECK(decide_renewal(t0 + 10s, d).action == renewal_action::none);
}

TEST_CASE("long lifetimes: the waits are capped (1 h before the switch, 1 day of overlap)", "[unit][webhook]") {
    cert_dates d;
    d.ca = span(t0, 24h * 1095);
    d.next_ca = span(t0 + 24h * 730, 24h * 1095);
    d.serving = span(t0 + 24h * 700, 24h * 90);
    CHECK(decide_renewal(t0 + 24h * 730 + 59min, d).action == renewal_action::none);
    CHECK(decide_renewal(t0 + 24h * 730 + 60min, d).action == renewal_action::switch_ca);
}

// ---- renewal transitions on real certificates ----------------------------------------------

namespace {
std::size_t count_of(std::string const& text, std::string const& part) {
    std::size_t n = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
    return n;
}
}  // namespace

TEST_CASE("bundle contents through a CA rotation", "[unit][webhook]") {
    cert_request req;
    req.cert_validity = std::chrono::seconds(60);
    req.ca_validity = std::chrono::seconds(180);
    auto s0 = new_cert_state(req);
    REQUIRE(s0);
    REQUIRE(read_dates(*s0));
    CHECK(ca_bundle(*s0) == s0->ca_cert_pem);
    auto old_ca = s0->ca_cert_pem;
    auto leaf0 = s0->cert_pem;

    auto s1 = renew(*s0, renewal_action::start_ca_rotation, req);
    REQUIRE(s1);
    CHECK(count_of(ca_bundle(*s1), "BEGIN CERTIFICATE") == 2);
    CHECK(ca_bundle(*s1).find(old_ca) == 0);
    CHECK(s1->cert_pem == leaf0);  // the old CA still signs
    CHECK(verify_cert(s1->cert_pem, old_ca));
    auto d1 = read_dates(*s1);
    REQUIRE(d1);
    CHECK(d1->next_ca.has_value());

    auto s2 = renew(*s1, renewal_action::switch_ca, req);
    REQUIRE(s2);
    CHECK(ca_bundle(*s2) == ca_bundle(*s1));  // same text: the switch rewrites no caBundle
    CHECK(s2->cert_pem != leaf0);
    CHECK(verify_cert(s2->cert_pem, s1->next_ca_cert_pem));
    CHECK_FALSE(verify_cert(s2->cert_pem, old_ca));
    auto d2 = read_dates(*s2);
    REQUIRE(d2);
    CHECK(d2->previous_ca.has_value());
    CHECK(d2->serving_signed_by_ca);

    auto s3 = renew(*s2, renewal_action::drop_previous_ca, req);
    REQUIRE(s3);
    CHECK(ca_bundle(*s3) == s1->next_ca_cert_pem);

    auto s4 = renew(*s3, renewal_action::renew_serving, req);
    REQUIRE(s4);
    CHECK(s4->cert_pem != s3->cert_pem);
    CHECK(*cert_serial(s4->cert_pem) != *cert_serial(s3->cert_pem));
    CHECK(verify_cert(s4->cert_pem, s3->ca_cert_pem));
}

TEST_CASE("a serving certificate never outlives its CA; short lifetimes are back-dated a little",
          "[unit][webhook]") {
    cert_request req;
    req.cert_validity = std::chrono::seconds(600);
    req.ca_validity = std::chrono::seconds(120);
    auto s = new_cert_state(req);
    REQUIRE(s);
    auto d = read_dates(*s);
    REQUIRE(d);
    CHECK(d->serving.not_after == d->ca.not_after);
    CHECK(d->serving.not_before >= d->ca.not_before - std::chrono::seconds(31));
}

TEST_CASE("renewal without the CA key fails with a reason", "[unit][webhook]") {
    auto s = new_cert_state({});
    REQUIRE(s);
    s->ca_key_pem.clear();
    auto r = renew(*s, renewal_action::renew_serving, {});
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("key is not kept") != std::string::npos);
}

TEST_CASE("read_dates names the damaged Secret key", "[unit][webhook]") {
    auto s = new_cert_state({});
    REQUIRE(s);
    auto other = new_cert_state({});
    REQUIRE(other);
    auto expect = [](cert_state const& st, std::string const& key, std::string const& part) {
        auto d = read_dates(st);
        REQUIRE_FALSE(d);
        CHECK(d.error().field_path == key);
        CHECK(d.error().message.find(part) != std::string::npos);
    };
    auto t = *s;
    t.cert_pem = "not a certificate";
    expect(t, "tls.crt", "is not a PEM certificate");
    t = *s;
    t.key_pem = other->key_pem;
    expect(t, "tls.key", "is not the key of data[tls.crt]");
    t = *s;
    t.ca_key_pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    expect(t, "ca.key", "is not a PEM private key");
    t = *s;
    t.key_pem.clear();
    expect(t, "tls.key", "is missing");
    t = *s;
    t.next_ca_cert_pem = other->ca_cert_pem;
    expect(t, "ca-next.key", "is missing");
    t = *s;
    t.ca_cert_pem = other->ca_cert_pem;
    t.ca_key_pem = other->ca_key_pem;
    auto d = read_dates(t);
    REQUIRE(d);
    CHECK_FALSE(d->serving_signed_by_ca);
}
