#include "op/util/clock.hpp"

namespace op::util {
namespace {
class real_clock final : public clock {
public:
    std::chrono::steady_clock::time_point now() const override {
        return std::chrono::steady_clock::now();
    }
    std::chrono::system_clock::time_point wall_now() const override {
        return std::chrono::system_clock::now();
    }
};
}  // namespace

clock& system_clock() {
    static real_clock c;
    return c;
}

std::chrono::steady_clock::time_point manual_clock::now() const {
    std::lock_guard lock(mutex_);
    return steady_;
}

std::chrono::system_clock::time_point manual_clock::wall_now() const {
    std::lock_guard lock(mutex_);
    return wall_;
}

void manual_clock::advance(std::chrono::nanoseconds d) {
    std::lock_guard lock(mutex_);
    steady_ += d;
    wall_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
}

}  // namespace op::util
