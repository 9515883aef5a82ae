#pragma once
// Time as an injected dependency, so code that waits, backs off or stamps times can be tested
// under a fake clock (Envoy's TimeSource). Production code takes a `clock&` and is handed
// `system_clock()`; tests hand it a `manual_clock` they advance by hand.
#include <chrono>
#include <mutex>

namespace op::util {

class clock {
public:
    virtual ~clock() = default;
    // Monotonic time for timeouts and backoff.
    [[nodiscard]] virtual std::chrono::steady_clock::time_point now() const = 0;
    // Wall time for timestamps written to the API (Lease renewTime, Event times, conditions).
    [[nodiscard]] virtual std::chrono::system_clock::time_point wall_now() const = 0;
};

// The real clocks.
[[nodiscard]] clock& system_clock();

// A clock that moves only when told to. Thread-safe.
class manual_clock final : public clock {
public:
    [[nodiscard]] std::chrono::steady_clock::time_point now() const override;
    [[nodiscard]] std::chrono::system_clock::time_point wall_now() const override;
    void advance(std::chrono::nanoseconds d);

private:
    mutable std::mutex mutex_;
    std::chrono::steady_clock::time_point steady_{};
    std::chrono::system_clock::time_point wall_{std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}};
};

}  // namespace op::util
