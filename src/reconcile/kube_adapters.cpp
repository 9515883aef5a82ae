#include "op/reconcile/kube_adapters.hpp"

#include "op/api/versions.hpp"
#include "op/mapping/labels.hpp"
#include "op/util/json.hpp"
#include "op/util/log.hpp"

#include <fmt/format.h>

namespace op::reconcile {
namespace {

kube::request_options as_options(std::optional<identity> const& as) {
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
                                          std::string body, std::optional<identity> const& as) {
    kube::apply_options ao;
    ao.field_manager = std::string(mapping::field_manager);
    ao.force = true;  // we own these fields: win conflicts, revert drift
    return client_.apply(resource_of(kind), key.ns, key.name, std::move(body), ao,
                         as_options(as));
}

result<void> client_writer::remove(child_kind kind, kube::object_key const& key,
                                   std::optional<identity> const& as) {
    return client_.remove(resource_of(kind), key.ns, key.name, kube::propagation::background,
                          as_options(as));
}

result<void> client_writer::update_status(kube::object const& stack,
                                          api::stack_status const& status,
                                          std::optional<identity> const& as) {
    if (!stack) return internal("update_status without a stack");
    rapidjson::Document doc;
    doc.CopyFrom(*stack, doc.GetAllocator());
    auto& alloc = doc.GetAllocator();
    auto const r = stack_resource();
    json::set(doc, "apiVersion", json::string_value(r.api_version(), alloc), alloc);
    json::set(doc, "status", api::encode_status(status, alloc), alloc);
    auto const key = kube::key_of(doc);
    auto res = client_.update_status(r, key.ns, key.name, json::dump(doc), as_options(as));
    if (!res) return res.error();
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
