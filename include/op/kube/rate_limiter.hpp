#pragma once
// Rate limiters and backoff, all driven by an injected clock (client-go
// util/workqueue/default_rate_limiters.go, golang.org/x/time/rate, wait.Backoff).
#include "op/util/clock.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

namespace op::kube {

using duration = std::chrono::nanoseconds;

// A token bucket: `qps` tokens per second, at most `burst` stored. Thread-safe.
class token_bucket {
public:
    token_bucket(double qps, int burst, util::clock& clk);
    // Takes one token and returns how long the caller must wait before using it (0 if a token
    // was available). Tokens may go negative, so waits queue up fairly, as rate.Reserve does.
    [[nodiscard]] duration reserve();
    // Takes a token only if one is available now.
    [[nodiscard]] bool try_take();

private:
    void refill_locked();
    std::mutex mutex_;
    double qps_;
    double burst_;
    double tokens_;
    util::clock* clock_;
    std::chrono::steady_clock::time_point last_;
};

// Per-key limiter used by the workqueue.
class rate_limiter {
public:
    virtual ~rate_limiter() = default;
    // How long to wait before `key` may be processed again; counts a failure.
    [[nodiscard]] virtual duration when(std::string const& key) = 0;
    // Stops tracking `key` (after a success).
    virtual void forget(std::string const& key) = 0;
    // How many times when() was called for `key` since the last forget().
    [[nodiscard]] virtual int num_requeues(std::string const& key) = 0;
};

// base * 2^failures, capped at `max` (5 ms .. 1000 s by default).
class exponential_limiter final : public rate_limiter {
public:
    explicit exponential_limiter(duration base = std::chrono::milliseconds(5),
                                 duration max = std::chrono::seconds(1000))
        : base_(base), max_(max) {}
    duration when(std::string const& key) override;
    void forget(std::string const& key) override;
    int num_requeues(std::string const& key) override;

private:
    std::mutex mutex_;
    duration base_, max_;
    std::unordered_map<std::string, int> failures_;
};

// One shared token bucket for all keys (10/s, burst 100 by default). Does not track keys.
class bucket_limiter final : public rate_limiter {
public:
    bucket_limiter(double qps, int burst, util::clock& clk) : bucket_(qps, burst, clk) {}
    duration when(std::string const&) override { return bucket_.reserve(); }
    void forget(std::string const&) override {}
    int num_requeues(std::string const&) override { return 0; }

private:
    token_bucket bucket_;
};

// The largest delay of client-go's DefaultControllerRateLimiter: exponential(5 ms, 1000 s) and
// bucket(10/s, burst 100). num_requeues comes from the exponential part.
class default_controller_limiter final : public rate_limiter {
public:
    explicit default_controller_limiter(util::clock& clk) : bucket_(10, 100, clk) {}
    duration when(std::string const& key) override;
    void forget(std::string const& key) override { exp_.forget(key); }
    int num_requeues(std::string const& key) override { return exp_.num_requeues(key); }

private:
    exponential_limiter exp_;
    bucket_limiter bucket_;
};

// Reconnect backoff with jitter (wait.Backoff): initial, factor 2, jitter in [0, jitter*d),
// capped; reset() after a healthy period. `random01` returns a value in [0,1).
class backoff {
public:
    backoff(duration initial, duration max, double jitter, std::function<double()> random01);
    // The next delay, then doubles the base.
    [[nodiscard]] duration next();
    void reset() { current_ = initial_; }

private:
    duration initial_, max_, current_;
    double jitter_;
    std::function<double()> random01_;
};

}  // namespace op::kube
