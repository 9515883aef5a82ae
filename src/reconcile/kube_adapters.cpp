#include "op/reconcile/kube_adapters.hpp"

#include "op/api/versions.hpp"
#include "op/mapping/labels.hpp"
#include "op/util/json.hpp"
#include "op/util/log.hpp"

#include <fmt/format.h>

namespace op::reconcile {
namespace {

kube::request_options as_options(std::optional<author> const& as) {
    kube::request_options o;
    if (as && !as->empty()) o.as = *as;
    return o;
}

}  // namespace

kube::resource stack_resource() { return {"compose.docker.com", "v1beta2", "stacks", true}; }

kube::object store_cache::get_stack(kube::object_key const& key) const {
    return stacks_.get(key.str());
}

std::vector<kube::object> store_cache::list_labelled(child_kind kind, std::string const& ns,
                                                     std::string const& stack) const {
    auto it = children_.find(kind);
    if (it == children_.end() || !it->second) return {};
    std::vector<kube::object> out;
    for (auto& o : it->second->by_label(std::string(mapping::label_stack_namespace), stack)) {
        if (o && kube::meta_string(*o, "namespace") == ns) out.push_back(std::move(o));
    }
    return out;
}

result<kube::object> store_cache::get_child(child_kind kind, kube::object_key const& key) const {
    auto it = children_.find(kind);
    if (it != children_.end() && it->second) {
        if (auto o = it->second->get(key.str())) return o;
    }
    if (!live_) return kube::object{};
    auto r = live_->get(resource_of(kind), key.ns, key.name);
    if (r) return std::move(*r);
    if (r.error().code == errc::not_found) return kube::object{};
    return r.error();
}

result<kube::object> client_writer::apply(child_kind kind, kube::object_key const& key,
                                          std::string body, std::optional<author> const& as) {
    kube::apply_options ao;
    ao.field_manager = std::string(mapping::field_manager);
    ao.force = true;  // we own these fields: win conflicts, revert drift
    return client_.apply(resource_of(kind), key.ns, key.name, std::move(body), ao,
                         as_options(as));
}

result<void> client_writer::remove(child_kind kind, kube::object_key const& key,
                                   std::optional<author> const& as) {
    return client_.remove(resource_of(kind), key.ns, key.name, kube::propagation::background,
                          as_options(as));
}

std::optional<std::string> stale_status_patch(rapidjson::Value const& stored,
                                              rapidjson::Value const& wanted) {
    if (!stored.IsObject() || !wanted.IsObject()) return std::nullopt;
    rapidjson::Document patch(rapidjson::kObjectType);
    auto& a = patch.GetAllocator();
    rapidjson::Value status(rapidjson::kObjectType);
    for (auto const& m : stored.GetObject()) {
        std::string_view const name(m.name.GetString(), m.name.GetStringLength());
        auto const* w = json::find(wanted, name);
        if (w == nullptr) {
            json::set(status, name, rapidjson::Value(rapidjson::kNullType), a);
        } else if (name == "services" && m.value.IsObject() && w->IsObject()) {
            rapidjson::Value services(rapidjson::kObjectType);
            for (auto const& s : m.value.GetObject()) {
                std::string_view const svc(s.name.GetString(), s.name.GetStringLength());
                if (json::find(*w, svc) == nullptr)
                    json::set(services, svc, rapidjson::Value(rapidjson::kNullType), a);
            }
            if (services.MemberCount() > 0) json::set(status, "services", std::move(services), a);
        }
    }
    if (status.MemberCount() == 0) return std::nullopt;
    json::set(patch, "status", std::move(status), a);
    return json::dump(patch);
}

result<void> client_writer::update_status(kube::object const& stack,
                                          api::stack_status const& status,
                                          std::optional<author> const& as) {
    if (!stack) return internal("update_status without a stack");
    auto const key = kube::key_of(*stack);
    auto const r = stack_resource();
    // Server-side apply of the status alone: no resourceVersion, so a stale cache never costs a
    // 409; the operator is the only writer of status (force takes over what an older one owned).
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& alloc = doc.GetAllocator();
    json::set(doc, "apiVersion", json::string_value(r.api_version(), alloc), alloc);
    json::set(doc, "kind", json::string_value("Stack", alloc), alloc);
    rapidjson::Value meta(rapidjson::kObjectType);
    json::set(meta, "name", json::string_value(key.name, alloc), alloc);
    json::set(meta, "namespace", json::string_value(key.ns, alloc), alloc);
    json::set(doc, "metadata", std::move(meta), alloc);
    json::set(doc, "status", api::encode_status(status, alloc), alloc);
    kube::apply_options ao;
    ao.field_manager = std::string(mapping::field_manager);
    ao.force = true;
    ao.subresource = "status";
    auto const opts = as_options(as);
    auto res = client_.apply(r, key.ns, key.name, json::dump(doc), ao, opts);
    if (!res) return res.error();
    // A status written by PUT (an older operator: an Update entry in managedFields) keeps the
    // fields that entry owns when this apply no longer has them; remove those once.
    auto const* stored = *res ? json::find(**res, "status") : nullptr;
    auto const* wanted = json::find(doc, "status");
    if (stored != nullptr && wanted != nullptr) {
        if (auto patch = stale_status_patch(*stored, *wanted)) {
            auto p = client_.patch(r, key.ns, key.name, kube::patch_type::merge, std::move(*patch),
                                   opts, "status");
            if (!p) return p.error();
        }
    }
    return {};
}

void kube_event_recorder::record(kube::object const& stack, event_type type,
                                 std::string_view reason, std::string_view message) {
    if (!stack) return;
    recorder_.record(kube::object_ref::of(*stack),
                     type == event_type::warning ? kube::event_type::warning
                                                 : kube::event_type::normal,
                     std::string(reason), "Reconcile", std::string(message));
}

}  // namespace op::reconcile
