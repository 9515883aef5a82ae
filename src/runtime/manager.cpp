#include "manager.hpp"

#include "op/util/log.hpp"

#include <thread>

namespace op::runtime {

void manager::add(runnable r) {
    std::lock_guard lock(mutex_);
    runnables_.push_back(std::move(r));
}

result<void> manager::start() {
    for (std::size_t i = 0;; ++i) {
        runnable const* r = nullptr;
        {
            std::lock_guard lock(mutex_);
            if (i >= runnables_.size() || stopping_) return {};
            r = &runnables_[i];
        }
        auto started = r->start ? r->start() : result<void>{};
        if (!started) {
            log::error("cannot start", {{"runnable", r->name}, {"error", started.error().what()}});
            error e = started.error();
            e.message = r->name + ": " + e.message;
            stop_started(std::chrono::seconds(30), {});
            return e;
        }
        std::lock_guard lock(mutex_);
        started_ = i + 1;
    }
}

bool manager::ready() const {
    std::size_t n = 0;
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || started_ < runnables_.size()) return false;
        n = started_;
    }
    // runnables_ does not change once started (add() comes before start()).
    for (std::size_t i = 0; i < n; ++i) {
        if (runnables_[i].ready && !runnables_[i].ready()) return false;
    }
    return true;
}

void manager::request_stop(std::string reason, int exit_code) {
    {
        std::lock_guard lock(mutex_);
        if (!stop_requested_) {
            stop_requested_ = true;
            reason_ = std::move(reason);
        }
        exit_code_ = std::max(exit_code_, exit_code);
    }
    stop_cv_.notify_all();
}

bool manager::stop_requested() const {
    std::lock_guard lock(mutex_);
    return stop_requested_;
}

std::string manager::wait() {
    std::unique_lock lock(mutex_);
    stop_cv_.wait(lock, [this] { return stop_requested_; });
    return reason_;
}

void manager::stop(std::chrono::milliseconds deadline,
                   std::function<void(std::string const&)> const& on_overrun) {
    stop_started(deadline, on_overrun);
}

void manager::stop_started(std::chrono::milliseconds deadline,
                           std::function<void(std::string const&)> const& on_overrun) {
    std::size_t n = 0;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
        n = started_;
    }
    // The runnable being stopped, for the watchdog; guarded by `progress`.
    std::mutex progress;
    std::condition_variable done_cv;
    std::string current;
    bool done = false;
    std::jthread watchdog([&](std::stop_token) {
        std::unique_lock lock(progress);
        if (!done_cv.wait_for(lock, deadline, [&] { return done; })) {
            log::error("stop overran its deadline", {{"runnable", current},
                                                      {"deadline_ms", std::to_string(deadline.count())}});
            if (on_overrun) on_overrun(current);
        }
    });
    for (std::size_t i = n; i-- > 0;) {
        {
            std::lock_guard lock(progress);
            current = runnables_[i].name;
        }
        if (runnables_[i].stop) runnables_[i].stop();
        std::lock_guard lock(mutex_);
        started_ = i;
    }
    {
        std::lock_guard lock(progress);
        done = true;
    }
    done_cv.notify_all();
}

int manager::exit_code() const {
    std::lock_guard lock(mutex_);
    return exit_code_;
}

}  // namespace op::runtime
