#include "op/reconcile/handlers.hpp"

#include "op/api/hub.hpp"
#include "op/util/json.hpp"

namespace op::reconcile {
namespace {

bool same_version(kube::delta const& d) {
    return d.type == kube::delta_type::updated && d.obj && d.old &&
           kube::meta_string(*d.obj, "resourceVersion") ==
               kube::meta_string(*d.old, "resourceVersion") &&
           !kube::meta_string(*d.obj, "resourceVersion").empty();
}

std::string_view str(rapidjson::Value const* v) {
    if (!v || !v->IsString()) return {};
    return {v->GetString(), v->GetStringLength()};
}

// True when the stack's status has Stalled=True.
bool is_stalled(rapidjson::Value const& stack) {
    auto const* status = json::find(stack, "status");
    auto const* conds = status ? json::find(*status, "conditions") : nullptr;
    if (!conds || !conds->IsArray()) return false;
    for (auto const& c : conds->GetArray()) {
        if (str(json::find(c, "type")) == api::condition_stalled) {
            return str(json::find(c, "status")) == "True";
        }
    }
    return false;
}

}  // namespace

std::optional<std::string> controlling_stack(rapidjson::Value const& obj) {
    auto const* meta = json::find(obj, "metadata");
    auto const* refs = meta ? json::find(*meta, "ownerReferences") : nullptr;
    if (!refs || !refs->IsArray()) return std::nullopt;
    for (auto const& r : refs->GetArray()) {
        auto const* c = json::find(r, "controller");
        if (!c || !c->IsBool() || !c->GetBool()) continue;
        auto const api_version = str(json::find(r, "apiVersion"));
        auto const group_prefix = std::string(api::group) + "/";
        auto const name = str(json::find(r, "name"));
        if (str(json::find(r, "kind")) != api::kind || !api_version.starts_with(group_prefix) ||
            name.empty())
            return std::nullopt;
        return std::string(name);
    }
    return std::nullopt;
}

std::optional<std::string> owner_stack_key(rapidjson::Value const& child) {
    auto name = controlling_stack(child);
    if (!name) return std::nullopt;
    auto const ns = kube::meta_string(child, "namespace");
    return kube::object_key{std::string(ns), std::move(*name)}.str();
}

void event_handlers::on_stack(kube::delta const& d) {
    if (!d.obj || same_version(d)) return;
    auto key = kube::key_of(*d.obj).str();
    // A resync re-evaluates every stack; Stalled ones go through the rate limiter so a resync of
    // many stalled stacks is spread out instead of bursting writes at the API server.
    if (d.type == kube::delta_type::resync && is_stalled(*d.obj)) {
        queue_.add_rate_limited(key);
    } else {
        queue_.add(key);
    }
}

void event_handlers::on_child(kube::delta const& d) {
    if (!d.obj || same_version(d)) return;
    auto key = owner_stack_key(*d.obj);
    if (key) queue_.add(*key);
    if (d.old) {
        auto old_key = owner_stack_key(*d.old);
        if (old_key && old_key != key) queue_.add(*old_key);
    }
}

}  // namespace op::reconcile
