#include "op/webhook/owner.hpp"

#include "fixture.hpp"
#include "json_patch.hpp"
#include "op_catch.hpp"


#include <functional>

using namespace op::identity;
using namespace op::webhook;
using op::webhook::test::fixture;
using op::webhook::test::parse;

namespace {

hmac_key test_key(char fill = 'k') { return *hmac_key::from_bytes(std::string(32, fill)); }

void apply_patch(rapidjson::Document& doc, std::string const& patch_text) {
    REQUIRE(op::test::apply_json_patch(doc, patch_text) == "");
}

admission_request request_from(std::string const& review) {
    auto r = decode_admission_review(review, {});
    REQUIRE(r);
    return std::move(*r);
}

admission_request create_request() { return request_from(fixture("admission_create.json")); }

std::string annotation_of(rapidjson::Value const& obj, std::string_view key) {
    auto const& ann = obj["metadata"]["annotations"];
    auto it = ann.FindMember(rapidjson::Value(rapidjson::StringRef(key.data(), key.size())));
    return it == ann.MemberEnd() ? std::string("<absent>") : std::string(it->value.GetString());
}

// A stored Stack signed for alice (what the apiserver keeps after the CREATE was admitted).
rapidjson::Document signed_stack(hmac_key const& key) {
    auto req = create_request();
    auto patch = owner_patch(req, key);
    REQUIRE(patch);
    rapidjson::Document obj;
    obj.CopyFrom(req.object, obj.GetAllocator());
    apply_patch(obj, *patch);
    return obj;
}

// An UPDATE by bob from `old_obj` to `new_obj`.
admission_request update_request(rapidjson::Value const& old_obj, rapidjson::Value const& new_obj,
                                 std::string sub_resource = {}) {
    admission_request req;
    req.uid = "u-update";
    req.operation = "UPDATE";
    req.sub_resource = std::move(sub_resource);
    req.name = "web";
    req.namespace_ = "demo";
    req.user = {"bob", "bob-uid", {"system:authenticated"}, {}};
    req.object.CopyFrom(new_obj, req.object.GetAllocator());
    req.old_object.CopyFrom(old_obj, req.old_object.GetAllocator());
    return req;
}

}  // namespace

TEST_CASE("CREATE writes the requester as owner with a valid signature", "[unit][webhook]") {
    auto key = test_key();
    auto req = create_request();
    auto patch = owner_patch(req, key);
    REQUIRE(patch);
    // No annotations yet: one add of the whole map; '/' in keys needs no escaping inside a value.
    CHECK(patch->rfind(R"([{"op":"add","path":"/metadata/annotations","value":{"compose.docker.com/owner":)", 0) == 0);
    auto obj = signed_stack(key);
    CHECK(annotation_of(obj, owner_annotation) ==
          R"({"username":"alice","uid":"014fbff9a07c","groups":["system:authenticated","dev"],"extra":{"a-key":["x"],"scopes.example.com/scope":["read","write"]}})");
    auto who = verify_owner(obj, key);
    REQUIRE(who);
    CHECK(*who == req.user);
    auto resp = mutate_owner(req, key);
    CHECK(resp.allowed);
    CHECK(resp.patch.has_value());
}

TEST_CASE("a forged owner annotation on CREATE is overwritten", "[unit][webhook]") {
    auto key = test_key();
    auto req = create_request();
    auto& md = req.object["metadata"];
    auto& a = req.object.GetAllocator();
    rapidjson::Value ann(rapidjson::kObjectType);
    ann.AddMember("compose.docker.com/owner", R"({"username":"system:admin","groups":["system:masters"]})", a);
    ann.AddMember("compose.docker.com/owner-signature", "Zm9yZ2Vk", a);
    ann.AddMember("keep", "me", a);
    md.AddMember("annotations", ann, a);
    auto patch = owner_patch(req, key);
    REQUIRE(patch);
    CHECK(patch->find(R"("op":"replace","path":"/metadata/annotations/compose.docker.com~1owner")") != std::string::npos);
    CHECK(patch->find(R"("path":"/metadata/annotations/compose.docker.com~1owner-signature")") != std::string::npos);
    rapidjson::Document obj;
    obj.CopyFrom(req.object, obj.GetAllocator());
    apply_patch(obj, *patch);
    auto who = verify_owner(obj, key);
    REQUIRE(who);
    CHECK(who->username == "alice");
    CHECK(annotation_of(obj, "keep") == "me");
}

TEST_CASE("a spec UPDATE re-signs for the new requester", "[unit][webhook]") {
    auto key = test_key();
    auto old_obj = signed_stack(key);
    rapidjson::Document new_obj;
    new_obj.CopyFrom(old_obj, new_obj.GetAllocator());
    new_obj["spec"]["services"][0]["image"].SetString("nginx:2", new_obj.GetAllocator());
    auto req = update_request(old_obj, new_obj);
    auto patch = owner_patch(req, key);
    REQUIRE(patch);
    CHECK(patch->find("\"op\":\"replace\"") != std::string::npos);
    apply_patch(new_obj, *patch);
    auto who = verify_owner(new_obj, key);
    REQUIRE(who);
    CHECK(who->username == "bob");
}

TEST_CASE("a label-only UPDATE keeps the owner; spec compared semantically", "[unit][webhook]") {
    auto key = test_key();
    auto old_obj = signed_stack(key);
    // The same spec written with members in another order.
    auto new_obj = parse(op::json::dump(old_obj));
    new_obj["metadata"]["labels"].AddMember("tier", "frontend", new_obj.GetAllocator());
    rapidjson::Value spec(parse(R"({"services":[{"image":"nginx","name":"web"}]})"),
                          new_obj.GetAllocator());
    new_obj["spec"] = spec;
    auto req = update_request(old_obj, new_obj);
    auto patch = owner_patch(req, key);
    REQUIRE(patch);
    CHECK(*patch == "[]");
    CHECK_FALSE(mutate_owner(req, key).patch.has_value());
}

TEST_CASE("a metadata UPDATE cannot change or remove the owner annotations", "[unit][webhook]") {
    auto key = test_key();
    auto old_obj = signed_stack(key);
    SECTION("changed") {
        auto new_obj = parse(op::json::dump(old_obj));
        new_obj["metadata"]["annotations"]["compose.docker.com/owner"] = R"({"username":"bob"})";
        auto patch = owner_patch(update_request(old_obj, new_obj), key);
        REQUIRE(patch);
        CHECK(patch->find(R"("op":"replace","path":"/metadata/annotations/compose.docker.com~1owner")") != std::string::npos);
        apply_patch(new_obj, *patch);
        CHECK(verify_owner(new_obj, key)->username == "alice");
        CHECK(op::json::dump(new_obj["metadata"]["annotations"]) ==
              op::json::dump(old_obj["metadata"]["annotations"]));
    }
    SECTION("annotations removed") {
        auto new_obj = parse(op::json::dump(old_obj));
        new_obj["metadata"].RemoveMember("annotations");
        auto patch = owner_patch(update_request(old_obj, new_obj), key);
        REQUIRE(patch);
        apply_patch(new_obj, *patch);
        CHECK(verify_owner(new_obj, key)->username == "alice");
    }
    SECTION("planted on an unsigned stack") {
        auto unsigned_old = parse(op::json::dump(old_obj));
        unsigned_old["metadata"].RemoveMember("annotations");
        auto new_obj = parse(op::json::dump(old_obj));  // carries alice's (copied) annotations
        auto patch = owner_patch(update_request(unsigned_old, new_obj), key);
        REQUIRE(patch);
        CHECK(patch->find(R"("op":"remove")") != std::string::npos);
        apply_patch(new_obj, *patch);
        CHECK_FALSE(verify_owner(new_obj, key));
    }
}

TEST_CASE("a status UPDATE keeps the owner even when the spec differs", "[unit][webhook]") {
    auto key = test_key();
    auto old_obj = signed_stack(key);
    auto new_obj = parse(op::json::dump(old_obj));
    new_obj["spec"]["services"][0]["image"] = "evil";
    new_obj["metadata"]["annotations"]["compose.docker.com/owner-signature"] = "AAAA";
    auto patch = owner_patch(update_request(old_obj, new_obj, "status"), key);
    REQUIRE(patch);
    CHECK(*patch == R"([{"op":"replace","path":"/metadata/annotations/compose.docker.com~1owner-signature","value":")" +
                         annotation_of(old_obj, owner_signature_annotation) + "\"}]");
}

TEST_CASE("DELETE needs no patch; a nameless CREATE is refused", "[unit][webhook]") {
    auto key = test_key();
    auto del = request_from(fixture("admission_delete.json"));
    CHECK(*owner_patch(del, key) == "[]");
    auto req = create_request();
    req.name.clear();
    req.object["metadata"].RemoveMember("name");
    CHECK_FALSE(owner_patch(req, key));
    auto resp = mutate_owner(req, key);
    CHECK_FALSE(resp.allowed);
    CHECK(resp.code == 400);
}

TEST_CASE("identities with control characters are refused before they are signed", "[unit][webhook]") {
    auto key = test_key();
    struct bad_case {
        char const* what;
        std::function<void(user_info&)> spoil;
        char const* path;
    };
    std::vector<bad_case> cases = {
        {"username CR LF", [](user_info& u) { u.username = "alice\r\nImpersonate-Group: system:masters"; }, "request.userInfo.username"},
        {"uid NUL", [](user_info& u) { u.uid = std::string("a\0b", 3); }, "request.userInfo.uid"},
        {"group LF", [](user_info& u) { u.groups.push_back("dev\nsystem:masters"); }, "request.userInfo.groups[2]"},
        {"extra key", [](user_info& u) { u.extra["k\r\nX"] = {"v"}; }, "request.userInfo.extra"},
        {"extra value DEL", [](user_info& u) { u.extra["a-key"] = {"x\x7f"}; }, "request.userInfo.extra.a-key[0]"},
        {"empty extra key", [](user_info& u) { u.extra[""] = {"v"}; }, "request.userInfo.extra"},
    };
    for (auto const& c : cases) {
        INFO(c.what);
        auto req = create_request();
        c.spoil(req.user);
        auto plan = plan_owner(req, key, 1);
        REQUIRE_FALSE(plan);
        CHECK(plan.error().field_path == c.path);
        auto resp = mutate_owner(req, key);
        CHECK_FALSE(resp.allowed);
        CHECK(resp.code == 400);
        CHECK(resp.message.find(c.path) == 0);
    }
    // Printable identities, including the API server's pod-bound token extras, pass.
    auto req = create_request();
    req.user.extra["authentication.kubernetes.io/pod-name"] = {"ci-runner-7d9f"};
    CHECK(plan_owner(req, key, 1));
    // A stored owner with a control character is refused at verification too.
    CHECK_FALSE(parse_owner(R"({"username":"a\r\nb"})"));
}

TEST_CASE("spec validation is skipped for metadata-only updates and stacks being deleted", "[unit][webhook]") {
    auto key = test_key();
    auto old_obj = signed_stack(key);
    auto same = parse(op::json::dump(old_obj));
    rapidjson::Value finalizers(rapidjson::kArrayType);
    finalizers.PushBack("x", same.GetAllocator());
    same["metadata"].AddMember("finalizers", finalizers, same.GetAllocator());
    CHECK_FALSE(needs_spec_validation(update_request(old_obj, same)));
    auto changed = parse(op::json::dump(old_obj));
    changed["spec"]["services"][0]["image"] = "nginx:2";
    CHECK(needs_spec_validation(update_request(old_obj, changed)));
    auto deleting = parse(op::json::dump(changed));
    deleting["metadata"].AddMember("deletionTimestamp", "2026-12-02T06:00:00Z", deleting.GetAllocator());
    CHECK_FALSE(needs_spec_validation(update_request(old_obj, deleting)));
    CHECK_FALSE(needs_spec_validation(update_request(old_obj, changed, "status")));
    CHECK(needs_spec_validation(create_request()));
    // An undecodable spec left unchanged is not validated again either.
    auto broken = parse(op::json::dump(old_obj));
    broken["spec"]["services"][0]["image"].SetInt(7);
    auto broken_labelled = parse(op::json::dump(broken));
    broken_labelled["metadata"]["labels"].AddMember("x", "y", broken_labelled.GetAllocator());
    CHECK_FALSE(needs_spec_validation(update_request(broken, broken_labelled)));
}
