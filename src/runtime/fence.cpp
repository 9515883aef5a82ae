#include "fence.hpp"

#include <condition_variable>
#include <mutex>

namespace op::runtime {
namespace {

error fenced() {
    return transient("leadership lost: this replica no longer writes (the new leader reconciles)");
}

}  // namespace

bool write_fence::wait_for(std::chrono::nanoseconds d) const {
    if (d <= std::chrono::nanoseconds::zero()) return !engaged();
    std::mutex m;
    std::condition_variable_any cv;
    std::unique_lock lock(m);
    // Returns at once when the token is (or becomes) stopped: engage() requests the stop.
    (void)cv.wait_for(lock, stop_.get_token(), d, [] { return false; });
    return !engaged();
}

bool fenced_writer::admit() {
    if (fence_.engaged()) return false;
    if (pace_ != nullptr && !fence_.wait_for(pace_->reserve())) return false;
    return !fence_.engaged();
}

result<kube::object> fenced_writer::apply(reconcile::child_kind kind, kube::object_key const& key,
                                          std::string body,
                                          std::optional<reconcile::author> const& as) {
    if (!admit()) return fenced();
    return inner_.apply(kind, key, std::move(body), as);
}

result<void> fenced_writer::remove(reconcile::child_kind kind, kube::object_key const& key,
                                   std::optional<reconcile::author> const& as) {
    if (!admit()) return fenced();
    return inner_.remove(kind, key, as);
}

result<void> fenced_writer::update_status(kube::object const& stack, api::stack_status const& status,
                                          std::optional<reconcile::author> const& as) {
    if (!admit()) return fenced();
    return inner_.update_status(stack, status, as);
}

void fenced_events::record(kube::object const& stack, reconcile::event_type type,
                           std::string_view reason, std::string_view message) {
    if (fence_.engaged()) return;
    inner_.record(stack, type, reason, message);
}

}  // namespace op::runtime
