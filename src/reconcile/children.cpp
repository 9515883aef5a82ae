#include "children.hpp"

#include "op/api/versions.hpp"
#include "op/conversion/convert.hpp"
#include "op/mapping/labels.hpp"
#include "op/reconcile/handlers.hpp"
#include "op/util/json.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace op::reconcile::detail {
namespace {

rapidjson::Value& ensure_object(rapidjson::Value& parent, std::string_view key,
                                rapidjson::Document::AllocatorType& alloc) {
    auto* v = json::find(parent, key);
    if (v && v->IsObject()) return *v;
    json::set(parent, key, rapidjson::Value(rapidjson::kObjectType), alloc);
    return *json::find(parent, key);
}

std::string_view string_at(rapidjson::Value const& obj, std::string_view section,
                           std::string_view field) {
    auto const* s = json::find(obj, section);
    auto const* v = s ? json::find(*s, field) : nullptr;
    if (!v || !v->IsString()) return {};
    return {v->GetString(), v->GetStringLength()};
}

}  // namespace

result<api::stack> decode_hub(rapidjson::Value const& object) {
    OP_TRY(auto v, api::version_of(object));
    if (v == api::version::v1beta1) {
        return invalid("the operator reads stacks as v1beta2; got v1beta1", "apiVersion");
    }
    // The one decoding path: conversion's (v1beta2 and v1alpha3 to the hub).
    OP_TRY(auto hub, conversion::decode_to_hub(object));
    return std::move(hub.stack);
}

result<std::vector<desired_child>> prepare(std::vector<mapping::k8s_object>&& objs,
                                           api::stack const& stack) {
    std::vector<desired_child> out;
    out.reserve(objs.size());
    for (auto& o : objs) {
        auto kind = child_kind_of(o.api_version, o.kind);
        if (!kind) {
            return internal(fmt::format("mapping produced {} {} {}, which the reconciler does not "
                                        "manage",
                                        o.api_version, o.kind, o.name));
        }
        desired_child d;
        d.kind = *kind;
        d.key = {o.namespace_.empty() ? stack.metadata.namespace_ : o.namespace_, o.name};
        d.body = std::move(o.json);
        if (!d.body.IsObject()) return internal("mapping produced a non-object for " + o.name);
        auto& alloc = d.body.GetAllocator();
        auto& meta = ensure_object(d.body, "metadata", alloc);
        json::set(meta, "name", json::string_value(d.key.name, alloc), alloc);
        json::set(meta, "namespace", json::string_value(d.key.ns, alloc), alloc);
        auto& labels = ensure_object(meta, "labels", alloc);
        json::set(labels, mapping::label_stack_namespace,
                  json::string_value(stack.metadata.name, alloc), alloc);
        auto const* svc = json::find(labels, mapping::label_service_name);
        if (svc && svc->IsString()) d.service = svc->GetString();
        auto const uid = kube::controller_uid(d.body);
        // A standalone claim has no owner: data is never deleted implicitly, so neither the
        // garbage collector (stack deleted) nor a prune (volume no longer shared) removes it.
        if (uid.empty() && d.kind != child_kind::persistent_volume_claim) {
            auto* refs = json::find(meta, "ownerReferences");
            if (!refs || !refs->IsArray()) {
                json::set(meta, "ownerReferences", rapidjson::Value(rapidjson::kArrayType), alloc);
                refs = json::find(meta, "ownerReferences");
            }
            refs->PushBack(mapping::owner_reference(stack, alloc), alloc);
        } else if (!uid.empty() && uid != stack.metadata.uid) {
            return internal(fmt::format("mapping made {} {} controlled by uid {}, not the stack",
                                        o.kind, o.name, uid));
        }
        // Hash before the annotation goes in; mapping output is deterministic.
        d.hash = conversion::content_hash(json::dump(d.body));
        auto& annotations = ensure_object(meta, "annotations", alloc);
        json::set(annotations, desired_hash_annotation, json::string_value(d.hash, alloc), alloc);
        out.push_back(std::move(d));
    }
    return out;
}

bool json_subset(rapidjson::Value const& a, rapidjson::Value const& b) {
    if (a.IsNumber() && b.IsNumber()) {
        if (a.IsInt64() && b.IsInt64()) return a.GetInt64() == b.GetInt64();
        return a.GetDouble() == b.GetDouble();
    }
    if (a.GetType() != b.GetType()) return false;
    if (a.IsObject()) {
        for (auto it = a.MemberBegin(); it != a.MemberEnd(); ++it) {
            auto m = b.FindMember(it->name);
            if (m == b.MemberEnd()) {
                if (it->value.IsNull()) continue;
                return false;
            }
            if (!json_subset(it->value, m->value)) return false;
        }
        return true;
    }
    if (a.IsArray()) {
        if (a.Size() != b.Size()) return false;
        for (rapidjson::SizeType i = 0; i < a.Size(); ++i) {
            if (!json_subset(a[i], b[i])) return false;
        }
        return true;
    }
    return a == b;
}

bool up_to_date(rapidjson::Value const& cached, desired_child const& d) {
    auto const* meta = json::find(cached, "metadata");
    auto const* ann = meta ? json::find(*meta, "annotations") : nullptr;
    auto const* h = ann ? json::find(*ann, desired_hash_annotation) : nullptr;
    if (!h || !h->IsString() || d.hash != h->GetString()) return false;
    if (!d.body.IsObject() || !cached.IsObject()) return json_subset(d.body, cached);
    // Items of a LIST response carry no apiVersion/kind (watch events do): the informer's
    // initial list must not make every child look changed after a restart.
    for (auto it = d.body.MemberBegin(); it != d.body.MemberEnd(); ++it) {
        std::string_view const key(it->name.GetString(), it->name.GetStringLength());
        if (key == "apiVersion" || key == "kind") continue;
        auto m = cached.FindMember(it->name);
        if (m == cached.MemberEnd() ? !it->value.IsNull() : !json_subset(it->value, m->value)) return false;
    }
    return true;
}

bool needs_replace(rapidjson::Value const& cached, desired_child const& d) {
    if (d.kind != child_kind::service) return false;
    bool const live_headless = string_at(cached, "spec", "clusterIP") == "None";
    bool const want_headless = string_at(d.body, "spec", "clusterIP") == "None";
    return live_headless != want_headless;
}


bool being_deleted(rapidjson::Value const& obj) {
    return !kube::meta_string(obj, "deletionTimestamp").empty();
}

bool controlled_by_stack_named(rapidjson::Value const& obj, std::string_view name) {
    auto const stack = controlling_stack(obj);
    return stack && *stack == name;
}

bool kept_claim_of(rapidjson::Value const& claim, std::string_view name) {
    if (!kube::controller_uid(claim).empty()) return false;
    auto const* meta = json::find(claim, "metadata");
    auto const* labels = meta ? json::find(*meta, "labels") : nullptr;
    auto const label = [&](std::string_view key) -> std::string_view {
        auto const* v = labels ? json::find(*labels, key) : nullptr;
        return v && v->IsString() ? std::string_view(v->GetString(), v->GetStringLength())
                                  : std::string_view();
    };
    return label(mapping::label_stack_namespace) == name &&
           label(mapping::label_managed_by) == mapping::managed_by_value;
}

std::optional<std::string> adoption_body(rapidjson::Value const& secret, api::stack const& stack) {
    auto const* meta = json::find(secret, "metadata");
    auto const* labels = meta ? json::find(*meta, "labels") : nullptr;
    auto const* owner = labels ? json::find(*labels, mapping::label_stack_namespace) : nullptr;
    if (!owner || !owner->IsString() || stack.metadata.name != owner->GetString()) return std::nullopt;
    if (auto const* refs = json::find(*meta, "ownerReferences"); refs && refs->IsArray()) {
        for (auto const& r : refs->GetArray()) {
            auto const* uid = r.IsObject() ? json::find(r, "uid") : nullptr;
            if (uid && uid->IsString() && stack.metadata.uid == uid->GetString()) return std::nullopt;
        }
    }
    rapidjson::Document body;
    body.SetObject();
    auto& a = body.GetAllocator();
    json::set(body, "apiVersion", json::string_value("v1", a), a);
    json::set(body, "kind", json::string_value("Secret", a), a);
    rapidjson::Value m(rapidjson::kObjectType);
    json::set(m, "name", json::string_value(kube::meta_string(secret, "name"), a), a);
    json::set(m, "namespace", json::string_value(stack.metadata.namespace_, a), a);
    rapidjson::Value ref(rapidjson::kObjectType);
    json::set(ref, "apiVersion", json::string_value(mapping::owner_api_version, a), a);
    json::set(ref, "kind", json::string_value(api::kind, a), a);
    json::set(ref, "name", json::string_value(stack.metadata.name, a), a);
    json::set(ref, "uid", json::string_value(stack.metadata.uid, a), a);
    rapidjson::Value refs(rapidjson::kArrayType);
    refs.PushBack(std::move(ref), a);
    json::set(m, "ownerReferences", std::move(refs), a);
    json::set(body, "metadata", std::move(m), a);
    return json::dump(body);
}

}  // namespace op::reconcile::detail
