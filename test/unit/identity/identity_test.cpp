#include "op/identity/identity.hpp"

#include "op/util/json.hpp"
#include "op_catch.hpp"

#include <stdexcept>

using namespace op::identity;

namespace {

hmac_key test_key(char fill = 'k') { return *hmac_key::from_bytes(std::string(32, fill)); }

rapidjson::Document parse(std::string const& text) {
    auto r = op::json::parse(text);
    if (!r) throw std::runtime_error("bad JSON in test: " + r.error().what());
    return std::move(*r);
}

std::string annotation_of(rapidjson::Value const& obj, std::string_view key) {
    return annotation(annotations_of(obj), key).value_or("<absent>");
}

// A stored Stack signed for alice as the mutating webhook signs a CREATE (op/webhook/owner.hpp):
// her canonical owner JSON and a signature over the effective spec's digest.
rapidjson::Document signed_stack(hmac_key const& key) {
    auto obj = parse(R"({"apiVersion":"compose.docker.com/v1beta2","kind":"Stack",
        "metadata":{"name":"web","namespace":"demo","labels":{"app":"web"}},
        "spec":{"services":[{"name":"web","image":"nginx"}]}})");
    owner const alice{"alice", "014fbff9a07c", {"system:authenticated", "dev"}, {{"a-key", {"x"}}}};
    auto who = owner_json(alice);
    auto sig = sign_owner(key, "demo", "web", who, effective_spec_digest(obj), 1);
    auto& a = obj.GetAllocator();
    rapidjson::Value ann(rapidjson::kObjectType);
    ann.AddMember(op::json::string_value(owner_annotation, a), op::json::string_value(who, a), a);
    ann.AddMember(op::json::string_value(owner_signature_annotation, a), op::json::string_value(sig, a),
                  a);
    obj["metadata"].AddMember("annotations", ann, a);
    auto verified = verify_owner(obj, key);
    REQUIRE(verified);
    REQUIRE(*verified == alice);
    return obj;
}

}  // namespace

TEST_CASE("verify_owner rejects unsigned, tampered and copied stacks", "[unit][identity]") {
    auto key = test_key();
    auto good = signed_stack(key);
    REQUIRE(verify_owner(op::json::dump(good), key));
    auto expect_terminal = [&](rapidjson::Document const& d) {
        auto r = verify_owner(d, key);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == op::errc::terminal);
    };
    {
        auto d = parse(op::json::dump(good));
        d["metadata"]["annotations"]["compose.docker.com/owner"] =
            R"({"username":"alice","uid":"014fbff9a07c","groups":["system:masters"],"extra":{}})";
        expect_terminal(d);
    }
    {
        auto d = parse(op::json::dump(good));
        std::string sig = annotation_of(d, owner_signature_annotation);
        sig[0] = sig[0] == 'A' ? 'B' : 'A';
        d["metadata"]["annotations"]["compose.docker.com/owner-signature"].SetString(sig.c_str(), d.GetAllocator());
        expect_terminal(d);
    }
    {
        auto d = parse(op::json::dump(good));
        d["metadata"]["name"] = "other";
        expect_terminal(d);
    }
    {
        auto d = parse(op::json::dump(good));
        d["metadata"]["namespace"] = "prod";
        expect_terminal(d);
    }
    {
        auto d = parse(op::json::dump(good));
        d["metadata"].RemoveMember("annotations");
        expect_terminal(d);
    }
    CHECK_FALSE(verify_owner(good, test_key('z')));
    CHECK_FALSE(verify_owner("not json", key));
}

TEST_CASE("keys and canonical owner JSON", "[unit][identity]") {
    auto a = hmac_key::generate();
    auto b = hmac_key::generate();
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->bytes().size() == 32);
    CHECK(a->bytes() != b->bytes());
    CHECK_FALSE(hmac_key::from_bytes("short"));
    owner o{"u", "", {"g2", "g1"}, {{"z", {"1"}}, {"a", {}}}};
    CHECK(owner_json(o) == R"({"username":"u","uid":"","groups":["g2","g1"],"extra":{"a":[],"z":["1"]}})");
    CHECK(*parse_owner(owner_json(o)) == o);
    CHECK(sign_owner(test_key(), "ns", "a", "{}", "sha256:00", 1) !=
          sign_owner(test_key(), "n", "sa", "{}", "sha256:00", 1));
    CHECK(sign_owner(test_key(), "ns", "a", "{}", "sha256:00", 1) !=
          sign_owner(test_key(), "ns", "a", "{}", "sha256:01", 1));
    CHECK(sign_owner(test_key(), "ns", "a", "{}", "sha256:00", 1) !=
          sign_owner(test_key(), "ns", "a", "{}", "sha256:00", 2));
    CHECK(test_key().id() != test_key('z').id());
    CHECK(test_key().id().size() == 16);
    auto sig = parse_owner_signature(sign_owner(test_key(), "ns", "a", "{}", "sha256:ab", 1700000000));
    REQUIRE(sig);
    CHECK(sig->key_id == test_key().id());
    CHECK(sig->issued_at == 1700000000);
    CHECK(sig->spec_digest == "sha256:ab");
    CHECK_FALSE(parse_owner_signature("Zm9yZ2Vk"));  // a v1 signature (bare base64)
    CHECK_FALSE(parse_owner_signature("v2;kid=a;iat=1;spec=s;mac=m;extra=x"));
    CHECK_FALSE(parse_owner_signature("v2;kid=a;iat=-1;spec=s;mac=m"));
    CHECK_FALSE(parse_owner_signature("v2;kid=a;iat=1;spec=s"));
}
