#include "fence.hpp"

namespace op::runtime {
namespace {

error fenced() {
    return transient("leadership lost: this replica no longer writes (the new leader reconciles)");
}

}  // namespace

result<kube::object> fenced_writer::apply(reconcile::child_kind kind, kube::object_key const& key,
                                          std::string body,
                                          std::optional<reconcile::author> const& as) {
    if (fence_.engaged()) return fenced();
    return inner_.apply(kind, key, std::move(body), as);
}

result<void> fenced_writer::remove(reconcile::child_kind kind, kube::object_key const& key,
                                   std::optional<reconcile::author> const& as) {
    if (fence_.engaged()) return fenced();
    return inner_.remove(kind, key, as);
}

result<void> fenced_writer::update_status(kube::object const& stack, api::stack_status const& status,
                                          std::optional<reconcile::author> const& as) {
    if (fence_.engaged()) return fenced();
    return inner_.update_status(stack, status, as);
}

void fenced_events::record(kube::object const& stack, reconcile::event_type type,
                           std::string_view reason, std::string_view message) {
    if (fence_.engaged()) return;
    inner_.record(stack, type, reason, message);
}

}  // namespace op::runtime
