#include "op/kube/workqueue.hpp"

#include <algorithm>

namespace op::kube {

workqueue::workqueue(util::clock& clk, std::unique_ptr<rate_limiter> limiter)
    : clock_(&clk), limiter_(std::move(limiter)) {
    if (!limiter_) limiter_ = std::make_unique<default_controller_limiter>(clk);
}

void workqueue::add_locked(std::string const& key) {
    if (shutting_down_) return;
    if (dirty_.contains(key)) return;
    dirty_.insert(key);
    if (processing_.contains(key)) return;  // done() will queue it again
    queue_.push_back(key);
    cv_.notify_one();
}

void workqueue::add(std::string const& key) {
    std::lock_guard lock(mutex_);
    add_locked(key);
}

void workqueue::add_after(std::string const& key, duration delay) {
    std::lock_guard lock(mutex_);
    if (shutting_down_) return;
    if (delay <= duration::zero()) {
        add_locked(key);
        return;
    }
    auto at = clock_->now() + delay;
    auto it = waiting_.find(key);
    if (it != waiting_.end() && it->second <= at) return;  // an earlier add_after wins
    waiting_[key] = at;
    delayed_.push(delayed{at, seq_++, key});
    cv_.notify_all();  // a getter may need to wait less
}

void workqueue::add_rate_limited(std::string const& key) { add_after(key, limiter_->when(key)); }

void workqueue::forget(std::string const& key) { limiter_->forget(key); }

int workqueue::num_requeues(std::string const& key) { return limiter_->num_requeues(key); }

void workqueue::promote_due_locked() {
    auto now = clock_->now();
    while (!delayed_.empty() && delayed_.top().at <= now) {
        delayed d = delayed_.top();
        delayed_.pop();
        auto it = waiting_.find(d.key);
        if (it == waiting_.end() || it->second != d.at) continue;  // superseded entry
        waiting_.erase(it);
        add_locked(d.key);
    }
}

std::optional<std::string> workqueue::pop_locked() {
    if (queue_.empty()) return std::nullopt;
    std::string key = std::move(queue_.front());
    queue_.pop_front();
    processing_.insert(key);
    dirty_.erase(key);
    return key;
}

std::optional<std::string> workqueue::try_get() {
    std::lock_guard lock(mutex_);
    promote_due_locked();
    return pop_locked();
}

std::optional<std::string> workqueue::get() {
    std::unique_lock lock(mutex_);
    for (;;) {
        promote_due_locked();
        if (!queue_.empty()) return pop_locked();
        if (shutting_down_) return std::nullopt;
        if (delayed_.empty()) {
            cv_.wait(lock);
        } else {
            // Wait in real time for the clock's distance to the next due key, capped so that a
            // fake clock advanced by a test is noticed.
            auto wait = std::min<duration>(delayed_.top().at - clock_->now(),
                                           std::chrono::milliseconds(100));
            cv_.wait_for(lock, std::max<duration>(wait, std::chrono::milliseconds(1)));
        }
    }
}

void workqueue::done(std::string const& key) {
    std::lock_guard lock(mutex_);
    processing_.erase(key);
    if (dirty_.contains(key)) {
        queue_.push_back(key);
        cv_.notify_one();
    }
    if (processing_.empty()) cv_.notify_all();  // a draining shut_down may be waiting
}

void workqueue::shut_down() {
    std::lock_guard lock(mutex_);
    shutting_down_ = true;
    cv_.notify_all();
}

void workqueue::shut_down_with_drain() {
    std::unique_lock lock(mutex_);
    shutting_down_ = true;
    drain_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return processing_.empty(); });
}

bool workqueue::shutting_down() const {
    std::lock_guard lock(mutex_);
    return shutting_down_;
}

std::size_t workqueue::len() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

std::size_t workqueue::delayed_len() const {
    std::lock_guard lock(mutex_);
    return waiting_.size();
}

}  // namespace op::kube
