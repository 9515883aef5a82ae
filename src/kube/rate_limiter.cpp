#include "op/kube/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace op::kube {

token_bucket::token_bucket(double qps, int burst, util::clock& clk)
    : qps_(qps), burst_(std::max(1, burst)), tokens_(burst_), clock_(&clk), last_(clk.now()) {}

void token_bucket::refill_locked() {
    auto now = clock_->now();
    if (now > last_) {
        double secs = std::chrono::duration<double>(now - last_).count();
        tokens_ = std::min(burst_, tokens_ + secs * qps_);
        last_ = now;
    }
}

duration token_bucket::reserve() {
    std::lock_guard lock(mutex_);
    if (qps_ <= 0) return duration::zero();  // unlimited
    refill_locked();
    tokens_ -= 1;
    if (tokens_ >= 0) return duration::zero();
    return std::chrono::duration_cast<duration>(std::chrono::duration<double>(-tokens_ / qps_));
}

bool token_bucket::try_take() {
    std::lock_guard lock(mutex_);
    if (qps_ <= 0) return true;
    refill_locked();
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
}

duration exponential_limiter::when(std::string const& key) {
    std::lock_guard lock(mutex_);
    int exp = failures_[key]++;
    // base * 2^exp, computed in double to avoid overflow, then capped.
    double d = static_cast<double>(base_.count()) * std::pow(2.0, std::min(exp, 62));
    if (d >= static_cast<double>(max_.count())) return max_;
    return duration(static_cast<duration::rep>(d));
}

void exponential_limiter::forget(std::string const& key) {
    std::lock_guard lock(mutex_);
    failures_.erase(key);
}

int exponential_limiter::num_requeues(std::string const& key) {
    std::lock_guard lock(mutex_);
    auto it = failures_.find(key);
    return it == failures_.end() ? 0 : it->second;
}

duration default_controller_limiter::when(std::string const& key) {
    return std::max(exp_.when(key), bucket_.when(key));
}

backoff::backoff(duration initial, duration max, double jitter, std::function<double()> random01)
    : initial_(initial), max_(max), current_(initial), jitter_(jitter),
      random01_(std::move(random01)) {}

duration backoff::next() {
    duration d = current_;
    if (jitter_ > 0 && random01_) {
        d += std::chrono::duration_cast<duration>(
            std::chrono::duration<double, std::nano>(jitter_ * random01_() * d.count()));
    }
    current_ = std::min(max_, current_ * 2);
    return std::min(d, max_ + std::chrono::duration_cast<duration>(max_ * jitter_));
}

}  // namespace op::kube
