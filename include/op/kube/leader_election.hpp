#pragma once
// Lease-based leader election (coordination.k8s.io/v1), after client-go
// tools/leaderelection: a candidate acquires or renews the Lease every retry_period; another
// holder's lease counts as valid while (local time the record last changed + leaseDuration) is
// in the future, so clock skew between replicas does not matter; writes use resourceVersion for
// optimistic concurrency. A leader that cannot renew within renew_deadline loses leadership: its
// stop_token is signalled at once. On a clean stop the leader releases the Lease (empty
// holderIdentity, leaseDurationSeconds 1) so a successor takes over immediately.
#include "op/kube/client.hpp"

#include <functional>
#include <stop_token>
#include <string>

namespace op::kube {

struct lease_config {
    std::string ns = "default";
    std::string name;
    std::string identity;  // unique per replica, e.g. pod name + uid
    std::chrono::milliseconds lease_duration{15'000};
    std::chrono::milliseconds renew_deadline{10'000};
    std::chrono::milliseconds retry_period{2'000};
    bool release_on_cancel = true;
};

struct leader_callbacks {
    // Runs on the elector's thread when leadership starts; `lost` is signalled when it ends.
    // Should return promptly (start workers elsewhere) or when `lost` fires.
    std::function<void(std::stop_token lost)> on_started_leading;
    // Called once leadership ends (lost or released).
    std::function<void()> on_stopped_leading;
    // Called when the observed leader changes (including to us).
    std::function<void(std::string const& identity)> on_new_leader;
};

class leader_elector {
public:
    // Fails (invalid) when the durations break lease > renew > 1.2 * retry or names are empty.
    [[nodiscard]] static result<std::unique_ptr<leader_elector>> create(
        client& c, lease_config cfg, leader_callbacks cb, util::clock& clk = util::system_clock());

    // Blocks: campaigns until leader, leads until lost or `stop`, then returns. On `stop` while
    // leading it releases the Lease (if release_on_cancel). Run it on its own thread.
    void run(std::stop_token stop);
    // One acquire-or-renew attempt: true when we hold the Lease afterwards.
    [[nodiscard]] result<bool> try_acquire_or_renew();
    // Clears the holder (if it is us) so another candidate can take over at once.
    [[nodiscard]] result<void> release();
    [[nodiscard]] bool is_leader() const { return leader_.load(); }
    [[nodiscard]] std::string observed_leader() const;

private:
    leader_elector(client& c, lease_config cfg, leader_callbacks cb, util::clock& clk)
        : client_(c), cfg_(std::move(cfg)), cb_(std::move(cb)), clock_(&clk) {}
    bool wait(std::stop_token const& st, std::chrono::milliseconds d);
    std::string lease_body(std::string const& holder, int duration_s, std::string const& acquire,
                           int transitions, std::string const& rv) const;

    client& client_;
    lease_config cfg_;
    leader_callbacks cb_;
    util::clock* clock_;
    std::atomic<bool> leader_{false};
    mutable std::mutex mutex_;
    std::string observed_holder_;
    std::string observed_record_;  // holder|renewTime|transitions, to detect changes
    std::chrono::steady_clock::time_point observed_time_{};
    std::string observed_rv_;
    std::string observed_acquire_;
    int observed_transitions_ = 0;
};

}  // namespace op::kube
