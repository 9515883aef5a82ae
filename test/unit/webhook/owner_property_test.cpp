// Property: whenever the mutating webhook keeps the owner on an UPDATE by someone else, the
// effective spec (the hub: spec and kept Compose text) did not change, in every served version
// and whatever conversion annotations the writer planted; and what the webhook decided on is
// what storage conversion keeps.
#include "op/api/versions.hpp"
#include "op/compose/emit.hpp"
#include "op/conversion/convert.hpp"
#include "op/webhook/owner.hpp"

#include "fixture.hpp"
#include "json_patch.hpp"
#include "op_catch.hpp"

#include <fmt/format.h>

#include <random>

using namespace op;
using namespace op::identity;
using namespace op::webhook;
using op::webhook::test::parse;

namespace {

hmac_key key() { return *hmac_key::from_bytes(std::string(32, 'p')); }

void apply_patch(rapidjson::Document& doc, std::string const& patch_text) {
    REQUIRE(op::test::apply_json_patch(doc, patch_text) == "");
}

std::string const compose_a = "services:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"8080:80\"\n";
std::string const compose_b =
    "services:\n  web:\n    image: evil/miner\n    privileged: true\n    ports:\n      - \"8080:80\"\n";

api::stack hub_from_compose(std::string const& text) {
    api::v1beta1::stack s;
    s.metadata.name = "web";
    s.metadata.namespace_ = "demo";
    s.compose_file = text;
    auto h = conversion::v1beta1::to_hub(s);
    REQUIRE(h);
    return h->stack;
}

api::stack structured(std::string const& image, std::uint32_t port) {
    auto spec = parse(fmt::format(R"({{"services":[{{"name":"web","image":"{}","ports":[{{"target":{},"published":8080}}]}}]}})",
                                  image, port));
    auto decoded = api::decode_spec(spec, "spec");
    REQUIRE(decoded);
    api::stack hub;
    hub.metadata.name = "web";
    hub.metadata.namespace_ = "demo";
    hub.spec = *decoded;
    return hub;
}

std::string annotation_or(rapidjson::Value const& obj, std::string_view key) {
    auto const* md = json::find(obj, "metadata");
    auto const* ann = md ? json::find(*md, "annotations") : nullptr;
    auto const* v = ann && ann->IsObject() ? json::find(*ann, key) : nullptr;
    return v && v->IsString() ? std::string(v->GetString()) : std::string("<absent>");
}

void set_annotation(rapidjson::Document& d, std::string_view k, std::optional<std::string> v) {
    auto& a = d.GetAllocator();
    auto& md = d["metadata"];
    if (!md.HasMember("annotations")) md.AddMember("annotations", rapidjson::Value(rapidjson::kObjectType), a);
    auto& ann = md["annotations"];
    ann.RemoveMember(rapidjson::StringRef(k.data(), k.size()));
    if (v) ann.AddMember(json::string_value(k, a), json::string_value(*v, a), a);
}

// Alice's stack as the API server hands it to the webhook in version v: created (v1beta1 when
// it has a Compose text, else v1beta2) through the webhook, stored as v1beta2, converted to v.
rapidjson::Document stored(api::stack const& hub, api::version v) {
    auto d = conversion::encode_from_hub(hub, hub.compose_file ? api::version::v1beta1 : api::version::v1beta2);
    admission_request create;
    create.uid = "c";
    create.operation = "CREATE";
    create.name = "web";
    create.namespace_ = "demo";
    create.user = {"alice", "alice-uid", {"system:authenticated"}, {}};
    create.object.CopyFrom(d, create.object.GetAllocator());
    auto plan = plan_owner(create, key(), 1);
    REQUIRE(plan);
    apply_patch(d, plan->patch);
    auto storage = conversion::convert(d, api::version::v1beta2);
    REQUIRE(storage);
    REQUIRE(verify_owner(storage->object, key()));
    auto served = conversion::convert(storage->object, v);
    REQUIRE(served);
    return std::move(served->object);
}

struct hub_view {
    bool ok = false;
    api::stack_spec spec;
    std::optional<std::string> compose_file;
    std::string error;
    friend bool operator==(hub_view const& a, hub_view const& b) {
        return a.ok == b.ok && (!a.ok || (a.spec == b.spec && a.compose_file == b.compose_file));
    }
};

hub_view hub_of(rapidjson::Value const& obj) {
    auto h = conversion::decode_to_hub(obj);
    if (!h) return {false, {}, {}, h.error().what()};
    return {true, h->stack.spec, h->stack.compose_file, {}};
}

}  // namespace

TEST_CASE("owner kept on an UPDATE implies the same hub, in every version and annotation mix",
          "[unit][webhook][property]") {
    std::vector<api::stack> origins = {hub_from_compose(compose_a), structured("nginx:1.27", 80)};
    std::vector<api::stack> others = {hub_from_compose(compose_b), structured("evil/miner", 80),
                                      structured("nginx:1.27", 81)};
    std::vector<std::string> texts = {compose_a, compose_b,
                                      compose::emit(conversion::to_compose(others[1].spec)),
                                      compose::emit(conversion::to_compose(origins[1].spec))};
    std::mt19937 rng(20261202);
    auto pick = [&rng](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
    int kept = 0, resigned = 0, planted = 0;
    for (int iter = 0; iter < 3000; ++iter) {
        auto const& origin = origins[pick(origins.size())];
        auto const v = std::array{api::version::v1beta1, api::version::v1beta2, api::version::v1alpha3}[pick(3)];
        auto old_obj = stored(origin, v);
        rapidjson::Document new_obj;
        new_obj.CopyFrom(old_obj, new_obj.GetAllocator());
        auto& a = new_obj.GetAllocator();
        // The spec: unchanged, or another one (composeFile text for v1beta1).
        switch (pick(3)) {
            case 0: break;
            case 1:
                if (v == api::version::v1beta1) {
                    new_obj["spec"]["composeFile"].SetString(texts[pick(texts.size())].c_str(), a);
                } else {
                    rapidjson::Value spec = api::encode_spec(others[pick(others.size())].spec, a);
                    new_obj["spec"] = spec;
                }
                break;
            default: {
                rapidjson::Value labels(rapidjson::kObjectType);
                labels.AddMember("tier", "x", a);
                new_obj["metadata"].RemoveMember("labels");
                new_obj["metadata"].AddMember("labels", labels, a);
                break;
            }
        }
        // The conversion annotations: kept, removed, or planted (with hashes that verify).
        std::string const text = v == api::version::v1beta1 ? new_obj["spec"]["composeFile"].GetString() : "";
        auto const& evil = others[pick(others.size())];
        auto spec_now = v == api::version::v1beta1 ? api::stack_spec{} : *api::decode_spec(new_obj["spec"], "spec");
        for (auto k : {conversion::structured_spec_annotation, conversion::compose_file_annotation}) {
            switch (pick(4)) {
                case 0: break;
                case 1:
                    set_annotation(new_obj, k, std::nullopt);
                    break;
                case 2:
                    ++planted;
                    if (std::string_view(k) == conversion::structured_spec_annotation) {
                        set_annotation(new_obj, k, api::canonical_json(evil.spec));
                        set_annotation(new_obj, conversion::structured_spec_hash_annotation,
                                       conversion::content_hash(text));
                    } else {
                        set_annotation(new_obj, k, texts[pick(texts.size())]);
                        set_annotation(new_obj, conversion::compose_file_hash_annotation,
                                       conversion::content_hash(api::canonical_json(spec_now)));
                    }
                    break;
                default:
                    set_annotation(new_obj, k, std::string("garbage"));
                    break;
            }
        }
        admission_request req;
        req.uid = "u";
        req.operation = "UPDATE";
        req.name = "web";
        req.namespace_ = "demo";
        req.user = {"bob", "bob-uid", {"system:authenticated"}, {}};
        req.object.CopyFrom(new_obj, req.object.GetAllocator());
        req.old_object.CopyFrom(old_obj, req.old_object.GetAllocator());
        auto plan = plan_owner(req, key(), 2);
        REQUIRE(plan);
        apply_patch(new_obj, plan->patch);
        auto const after = hub_of(new_obj);
        bool const owner_kept = annotation_or(new_obj, owner_annotation) == annotation_or(old_obj, owner_annotation);
        if (owner_kept) {
            ++kept;
            INFO("version " << api::to_string(v) << "\nold " << json::dump(old_obj) << "\nnew " << json::dump(new_obj));
            CHECK(hub_of(old_obj) == after);
            // The kept signature still verifies against what storage will hold.
            CHECK(verify_owner(new_obj, key()));
        } else {
            ++resigned;
            CHECK(verify_owner(new_obj, key())->username == "bob");
        }
        // What the webhook decided on is what storage (v1beta2) keeps.
        if (after.ok) {
            auto storage = conversion::convert(new_obj, api::version::v1beta2);
            REQUIRE(storage);
            CHECK(hub_of(storage->object) == after);
            CHECK(verify_owner(storage->object, key()));
        }
    }
    CHECK(kept > 500);
    CHECK(resigned > 500);
    CHECK(planted > 500);
}

TEST_CASE("attack: a v1beta1 re-PUT with planted structured spec cannot keep the owner",
          "[unit][webhook]") {
    auto old_obj = stored(hub_from_compose(compose_a), api::version::v1beta1);
    rapidjson::Document new_obj;
    new_obj.CopyFrom(old_obj, new_obj.GetAllocator());
    set_annotation(new_obj, conversion::structured_spec_annotation, api::canonical_json(structured("evil/miner", 80).spec));
    set_annotation(new_obj, conversion::structured_spec_hash_annotation, conversion::content_hash(compose_a));
    admission_request req;
    req.uid = "u";
    req.operation = "UPDATE";
    req.name = "web";
    req.namespace_ = "demo";
    req.user = {"bob", "", {}, {}};
    req.object.CopyFrom(new_obj, req.object.GetAllocator());
    req.old_object.CopyFrom(old_obj, req.old_object.GetAllocator());
    auto resp = mutate_owner(req, key());
    REQUIRE(resp.allowed);
    REQUIRE(resp.patch);
    CHECK(resp.warnings.size() == 2);
    apply_patch(new_obj, *resp.patch);
    CHECK(annotation_or(new_obj, conversion::structured_spec_annotation) == "<absent>");
    auto storage = conversion::convert(new_obj, api::version::v1beta2);
    REQUIRE(storage);
    CHECK(op::json::dump(storage->object["spec"]["services"][0]["image"]) == "\"nginx:1.27\"");
    CHECK(verify_owner(storage->object, key())->username == "alice");
}

TEST_CASE("a spec changed behind the webhook's back fails verification", "[unit][webhook]") {
    auto obj = stored(structured("nginx:1.27", 80), api::version::v1beta2);
    REQUIRE(verify_owner(obj, key()));
    obj["spec"]["services"][0]["image"] = "evil/miner";
    auto r = verify_owner(obj, key());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == op::errc::terminal);
    CHECK_THAT(r.error().what(), Catch::Contains("not the one its owner's signature covers"));
    // A planted Compose text on the stored object is a spec change too.
    auto planted = stored(structured("nginx:1.27", 80), api::version::v1beta2);
    set_annotation(planted, conversion::compose_file_annotation, compose_b);
    set_annotation(planted, conversion::compose_file_hash_annotation,
                   conversion::content_hash(api::canonical_json(structured("nginx:1.27", 80).spec)));
    CHECK_FALSE(verify_owner(planted, key()));
}
