#pragma once
// Private to runtime: the write fence. Once a replica observes that it lost the Lease it must not
// write again (another replica may already lead). engage() is called on the elector's thread the
// moment the loss is seen; from then on every write and Event the reconciler attempts is refused
// (a transient error, so nothing is forgotten; the next leader reconciles the key) without
// reaching the API server, while the workers are still being stopped. A write already on the
// wire when the fence engages completes; none starts afterwards.
#include "op/reconcile/ports.hpp"

#include <atomic>

namespace op::runtime {

class write_fence {
public:
    void engage() noexcept { engaged_.store(true, std::memory_order_release); }
    void reset() noexcept { engaged_.store(false, std::memory_order_release); }
    [[nodiscard]] bool engaged() const noexcept { return engaged_.load(std::memory_order_acquire); }

private:
    std::atomic<bool> engaged_{false};
};

// A writer that forwards to `inner` while `fence` is not engaged, else fails (transient).
class fenced_writer final : public reconcile::writer {
public:
    fenced_writer(reconcile::writer& inner, write_fence const& fence) : inner_(inner), fence_(fence) {}
    [[nodiscard]] result<kube::object> apply(reconcile::child_kind kind, kube::object_key const& key,
                                             std::string body,
                                             std::optional<reconcile::author> const& as) override;
    [[nodiscard]] result<void> remove(reconcile::child_kind kind, kube::object_key const& key,
                                      std::optional<reconcile::author> const& as) override;
    [[nodiscard]] result<void> update_status(kube::object const& stack, api::stack_status const& status,
                                             std::optional<reconcile::author> const& as) override;

private:
    reconcile::writer& inner_;
    write_fence const& fence_;
};

// An event recorder that drops Events once `fence` is engaged.
class fenced_events final : public reconcile::event_recorder {
public:
    fenced_events(reconcile::event_recorder& inner, write_fence const& fence) : inner_(inner), fence_(fence) {}
    void record(kube::object const& stack, reconcile::event_type type, std::string_view reason,
                std::string_view message) override;

private:
    reconcile::event_recorder& inner_;
    write_fence const& fence_;
};

}  // namespace op::runtime
