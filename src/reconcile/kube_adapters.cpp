#include "op/reconcile/kube_adapters.hpp"

#include "op/api/versions.hpp"
#include "op/mapping/labels.hpp"
#include "op/reconcile/status.hpp"
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

std::string micro_time(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    auto const us = duration_cast<microseconds>(t.time_since_epoch()).count() % 1'000'000;
    auto const base = rfc3339(t);
    return fmt::format("{}.{:06}Z", base.substr(0, base.size() - 1), us < 0 ? us + 1'000'000 : us);
}

// At most `max` bytes of `text`, not cutting a UTF-8 sequence.
std::string_view cap(std::string_view text, std::size_t max) {
    if (text.size() <= max) return text;
    while (max > 0 && (static_cast<unsigned char>(text[max]) & 0xC0) == 0x80) --max;
    return text.substr(0, max);
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

std::string event_body(rapidjson::Value const& stack, event_type type, std::string_view reason,
                       std::string_view message, std::chrono::system_clock::time_point now,
                       std::string_view instance) {
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    auto s = [&](std::string_view v) { return json::string_value(v, a); };
    auto const key = kube::key_of(stack);
    auto const ns_since_epoch = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    now.time_since_epoch())
                                    .count();
    rapidjson::Value meta(rapidjson::kObjectType);
    json::set(meta, "name", s(fmt::format("{}.{:x}", key.name, ns_since_epoch)), a);
    json::set(meta, "namespace", s(key.ns), a);
    rapidjson::Value regarding(rapidjson::kObjectType);
    auto const* av = json::find(stack, "apiVersion");
    json::set(regarding, "apiVersion",
              s(av && av->IsString() ? av->GetString() : stack_resource().api_version()), a);
    json::set(regarding, "kind", s(api::kind), a);
    json::set(regarding, "namespace", s(key.ns), a);
    json::set(regarding, "name", s(key.name), a);
    json::set(regarding, "uid", s(kube::meta_string(stack, "uid")), a);
    json::set(regarding, "resourceVersion", s(kube::meta_string(stack, "resourceVersion")), a);
    json::set(doc, "apiVersion", s("events.k8s.io/v1"), a);
    json::set(doc, "kind", s("Event"), a);
    json::set(doc, "metadata", std::move(meta), a);
    json::set(doc, "eventTime", s(micro_time(now)), a);
    json::set(doc, "reportingController", s("compose.docker.com/compose-operator"), a);
    json::set(doc, "reportingInstance", s(cap(instance, 128)), a);
    json::set(doc, "action", s("Reconcile"), a);
    json::set(doc, "reason", s(cap(reason, 128)), a);
    json::set(doc, "note", s(cap(message, 1024)), a);
    json::set(doc, "type", s(type == event_type::warning ? "Warning" : "Normal"), a);
    json::set(doc, "regarding", std::move(regarding), a);
    return json::dump(doc);
}

void client_event_recorder::record(kube::object const& stack, event_type type,
                                   std::string_view reason, std::string_view message) {
    if (!stack) return;
    auto const body = event_body(*stack, type, reason, message, clock_.wall_now(), instance_);
    auto const ns = std::string(kube::meta_string(*stack, "namespace"));
    auto r = client_.create({"events.k8s.io", "v1", "events", true}, ns, body);
    if (!r) {
        log::warn("cannot record event", {{"stack", kube::key_of(*stack).str()},
                                          {"reason", std::string(reason)},
                                          {"error", r.error().what()}});
    }
}

}  // namespace op::reconcile
