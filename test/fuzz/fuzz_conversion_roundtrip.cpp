// libFuzzer target: conversion round trips through the hub. The input is a Stack object of any
// served version (JSON) or, when it does not parse as JSON, a Compose file wrapped in a v1beta1
// object. Properties that must hold for every object that reaches the hub:
//   - hub -> v1beta2 -> hub and hub -> v1alpha3 -> hub keep the spec, the Compose text and the
//     metadata (v1beta2 storage carries the v1alpha3 fields too);
//   - hub -> v1beta1 -> hub keeps the spec (the structured-spec annotation, or the original text);
//   - a v1beta1 object reads back byte-identical after v1beta1 -> v1beta2 -> v1beta1;
//   - identity (issue 11): the input as an UPDATE by bob of alice's signed, stored stack (the
//     input's own hub, served in the input's version): when the mutating webhook keeps alice as
//     owner, hub(old) == hub(new) and the kept signature verifies on what storage holds.
#include "fuzz_check.hpp"
#include "op/api/versions.hpp"
#include "op/conversion/convert.hpp"
#include "op/identity/identity.hpp"
#include "op/util/json.hpp"
#include "op/webhook/owner.hpp"

#include "json_patch.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace {

using namespace op;

std::string wrap_compose(std::string_view compose) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("apiVersion"); w.String("compose.docker.com/v1beta1");
    w.Key("kind"); w.String("Stack");
    w.Key("metadata"); w.StartObject(); w.Key("name"); w.String("fuzz"); w.Key("namespace"); w.String("ns"); w.EndObject();
    w.Key("spec"); w.StartObject(); w.Key("composeFile");
    w.String(compose.data(), static_cast<rapidjson::SizeType>(compose.size())); w.EndObject();
    w.EndObject();
    return {buf.GetString(), buf.GetSize()};
}

api::stack via(api::stack const& hub, api::version v) {
    rapidjson::Document encoded = conversion::encode_from_hub(hub, v);
    auto back = conversion::decode_to_hub(encoded);
    if (!back) {
        std::fprintf(stderr, "re-decoding failed: %s\n%s\n", back.error().what().c_str(),
                     json::dump(encoded).c_str());
    }
    OP_FUZZ_CHECK(back.has_value());
    return std::move(back->stack);
}

identity::hmac_key const& key() {
    static auto const k = identity::hmac_key::from_bytes(std::string(32, 'p')).value();
    return k;
}

void apply_patch(rapidjson::Document& doc, std::string const& text) {
    OP_FUZZ_CHECK(op::test::apply_json_patch(doc, text).empty());
}

webhook::admission_request request(std::string op, std::string user, rapidjson::Value const& obj,
                                   rapidjson::Value const* old) {
    webhook::admission_request r;
    r.uid = "u";
    r.operation = std::move(op);
    r.name = "fuzz";
    r.namespace_ = "ns";
    r.user = {user, user + "-uid", {"system:authenticated"}, {}};
    r.object.CopyFrom(obj, r.object.GetAllocator());
    if (old != nullptr) r.old_object.CopyFrom(*old, r.old_object.GetAllocator());
    return r;
}

struct hub_view {
    bool ok = false;
    api::stack_spec spec;
    std::optional<std::string> compose_file;
    friend bool operator==(hub_view const& a, hub_view const& b) {
        return a.ok == b.ok && (!a.ok || (a.spec == b.spec && a.compose_file == b.compose_file));
    }
};

hub_view hub_of(rapidjson::Value const& obj) {
    auto h = conversion::decode_to_hub(obj);
    if (!h) return {};
    return {true, h->stack.spec, h->stack.compose_file};
}

// The identity property for `input` (a Stack object that decodes to the hub `h`).
void check_owner_identity(rapidjson::Document const& input, api::stack h, api::version served) {
    h.metadata.name = "fuzz";
    h.metadata.namespace_ = "ns";
    h.metadata.annotations.clear();
    // Alice's stack: created through the webhook, stored as v1beta2, served in `served`.
    auto created = conversion::encode_from_hub(h, h.compose_file ? api::version::v1beta1 : api::version::v1beta2);
    auto plan = webhook::plan_owner(request("CREATE", "alice", created, nullptr), key(), 1);
    if (!plan) return;  // e.g. a spec the webhook cannot sign
    apply_patch(created, plan->patch);
    auto storage = conversion::convert(created, api::version::v1beta2);
    if (!storage) return;
    OP_FUZZ_CHECK(identity::verify_owner(storage->object, key()).has_value());
    auto old_served = conversion::convert(storage->object, served);
    if (!old_served) return;
    rapidjson::Document const& old_obj = old_served->object;
    // Bob's UPDATE: the input as it is (its spec, annotations and metadata), named like alice's.
    rapidjson::Document new_obj;
    new_obj.CopyFrom(input, new_obj.GetAllocator());
    if (!new_obj.HasMember("metadata") || !new_obj["metadata"].IsObject()) return;
    auto& a = new_obj.GetAllocator();
    // Every copy of a key goes: RemoveMember drops only the first, and an input naming its
    // namespace twice (a fuzz finding) otherwise kept its own beside ours, so the signature, bound
    // to "ns", was checked against the first one. The API server never sends a key twice.
    while (new_obj["metadata"].RemoveMember("name")) {}
    while (new_obj["metadata"].RemoveMember("namespace")) {}
    new_obj["metadata"].AddMember("name", "fuzz", a);
    new_obj["metadata"].AddMember("namespace", "ns", a);
    auto update = webhook::plan_owner(request("UPDATE", "bob", new_obj, &old_obj), key(), 2);
    if (!update) return;
    apply_patch(new_obj, update->patch);
    auto const owner = identity::verify_owner(new_obj, key());
    if (!update->resigned) {
        OP_FUZZ_CHECK(hub_of(old_obj) == hub_of(new_obj));
        OP_FUZZ_CHECK(owner.has_value() && owner->username == "alice");
    } else {
        OP_FUZZ_CHECK(owner.has_value() && owner->username == "bob");
    }
    // What the webhook decided on is what storage keeps.
    if (hub_of(new_obj).ok) {
        auto stored = conversion::convert(new_obj, api::version::v1beta2);
        OP_FUZZ_CHECK(stored.has_value());
        OP_FUZZ_CHECK(hub_of(stored->object) == hub_of(new_obj));
        auto const kept = identity::verify_owner(stored->object, key());
        OP_FUZZ_CHECK(kept.has_value() && kept->username == owner->username);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    std::string_view const input = fuzz::text(data, size);
    auto doc = json::parse(input);
    std::string wrapped;
    if (!doc || !doc->IsObject()) {
        wrapped = wrap_compose(input);
        doc = json::parse(wrapped);
        if (!doc) return 0;  // larger than the JSON limits once escaped
    }
    auto hub = conversion::decode_to_hub(*doc);
    if (!hub) return 0;
    api::stack const& h = hub->stack;
    for (api::version v : {api::version::v1beta2, api::version::v1alpha3}) {
        api::stack const back = via(h, v);
        OP_FUZZ_CHECK(back.spec == h.spec);
        OP_FUZZ_CHECK(back.compose_file == h.compose_file);
        OP_FUZZ_CHECK(back.metadata.name == h.metadata.name);
        OP_FUZZ_CHECK(back.metadata.annotations == h.metadata.annotations);
        OP_FUZZ_CHECK(back.status == h.status);
    }
    api::stack const b1 = via(h, api::version::v1beta1);
    OP_FUZZ_CHECK(b1.spec == h.spec);
    if (auto ver = api::version_of(*doc); ver && *ver == api::version::v1beta1) {
        auto stored = conversion::convert(*doc, api::version::v1beta2);
        OP_FUZZ_CHECK(stored.has_value());
        auto read = conversion::convert(stored->object, api::version::v1beta1);
        OP_FUZZ_CHECK(read.has_value());
        auto const before = api::decode_v1beta1(*doc);
        auto const after = api::decode_v1beta1(read->object);
        OP_FUZZ_CHECK(before.has_value() && after.has_value());
        OP_FUZZ_CHECK(after->compose_file == before->compose_file);
    }
    if (auto ver = api::version_of(*doc)) check_owner_identity(*doc, h, *ver);
    return 0;
}
