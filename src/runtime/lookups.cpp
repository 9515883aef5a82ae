#include "lookups.hpp"

#include "op/mapping/labels.hpp"
#include "op/reconcile/ports.hpp"
#include "op/util/json.hpp"

namespace op::runtime {

collision_caches::collision_caches(kube::client& c, std::string const& ns) {
    using reconcile::child_kind;
    // Label-filtered: only objects some stack wrote (the reconciler reports any other owner's
    // object as a NameConflict; the webhook answers from memory, never with a live GET).
    for (auto kind : {child_kind::service, child_kind::deployment, child_kind::stateful_set,
                      child_kind::daemon_set, child_kind::ingress, child_kind::config_map,
                      child_kind::secret, child_kind::persistent_volume_claim}) {
        kube::informer_options o;
        o.ns = ns;
        o.label_selector = std::string(mapping::label_stack_namespace);  // the label exists
        o.metadata_only = true;  // labels and ownerReferences are all lookup() reads
        o.indexes = kube::store_indexes::labels_only({});  // read by key only
        by_kind_.emplace(std::string(reconcile::kind_name(kind)),
                         std::make_unique<kube::informer>(c, reconcile::resource_of(kind), o));
    }
}

collision_caches::~collision_caches() { stop(); }

void collision_caches::start() {
    for (auto& [_, inf] : by_kind_) inf->start();
}

void collision_caches::stop() {
    for (auto& [_, inf] : by_kind_) inf->stop();
}

bool collision_caches::synced() const {
    for (auto const& [_, inf] : by_kind_) {
        if (!inf->has_synced()) return false;
    }
    return true;
}

admission::object_lookup collision_caches::lookup() const {
    return [this](std::string_view kind, std::string_view ns,
                  std::string_view name) -> std::optional<admission::existing_object> {
        auto it = by_kind_.find(kind);
        if (it == by_kind_.end()) return std::nullopt;
        auto obj = it->second->cache().get(kube::object_key{std::string(ns), std::string(name)}.str());
        if (!obj) return std::nullopt;
        admission::existing_object found;
        auto const* meta = json::find(*obj, "metadata");
        auto const* labels = meta != nullptr ? json::find(*meta, "labels") : nullptr;
        if (labels != nullptr && labels->IsObject()) {
            for (auto const& m : labels->GetObject()) {
                if (m.value.IsString()) found.labels.emplace(m.name.GetString(), m.value.GetString());
            }
        }
        found.controller_uid = std::string(kube::controller_uid(*obj));
        return found;
    };
}

}  // namespace op::runtime
