#pragma once
// Private to runtime: the write fence. Once a replica observes that it lost the Lease it must not
// write again (another replica may already lead). engage() is called on the elector's thread the
// moment the loss is seen (the leadership's stop token); from then on every write and Event the
// reconciler attempts is refused (a transient error, so nothing is forgotten; the next leader
// reconciles the key) without reaching the API server, the workers' stop tokens are signalled
// (a reconcile stops at its next step), and writes waiting for their turn in the write rate
// limit give up. A write already on the wire when the fence engages completes; none starts
// afterwards.
//
// The rate limit of writes is taken here, before the fence is checked, and not in the kube
// client (whose writer client runs unlimited): a write that waited in the client's token bucket
// was sent after the loss (seen in e2e_runtime_lease_loss: three status applies 0.4 s late at
// QPS 3, i.e. after the fence had let them through).
#include "op/kube/rate_limiter.hpp"
#include "op/reconcile/ports.hpp"

#include <atomic>
#include <chrono>
#include <stop_token>

namespace op::runtime {

class write_fence {
public:
    void engage() noexcept {
        engaged_.store(true, std::memory_order_release);
        stop_.request_stop();  // wakes wait_for and the reconciles' stop tokens
    }
    [[nodiscard]] bool engaged() const noexcept { return engaged_.load(std::memory_order_acquire); }
    // Signalled when the fence engages.
    [[nodiscard]] std::stop_token token() const noexcept { return stop_.get_token(); }
    // Sleeps for `d`, or less when the fence engages meanwhile. True when it did not engage.
    [[nodiscard]] bool wait_for(std::chrono::nanoseconds d) const;

private:
    std::atomic<bool> engaged_{false};
    std::stop_source stop_;
};

// A writer that forwards to `inner` while `fence` is not engaged, else fails (transient). With
// `pace`, each write first takes a token of it (waiting its turn, cut short by the fence), and
// the fence is checked after that wait.
class fenced_writer final : public reconcile::writer {
public:
    fenced_writer(reconcile::writer& inner, write_fence const& fence, kube::token_bucket* pace = nullptr)
        : inner_(inner), fence_(fence), pace_(pace) {}
    [[nodiscard]] result<kube::object> apply(reconcile::child_kind kind, kube::object_key const& key,
                                             std::string body,
                                             std::optional<reconcile::author> const& as) override;
    [[nodiscard]] result<void> remove(reconcile::child_kind kind, kube::object_key const& key,
                                      std::optional<reconcile::author> const& as) override;
    [[nodiscard]] result<void> update_status(kube::object const& stack, api::stack_status const& status,
                                             std::optional<reconcile::author> const& as) override;

private:
    [[nodiscard]] bool admit();  // false: fenced
    reconcile::writer& inner_;
    write_fence const& fence_;
    kube::token_bucket* pace_;
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
