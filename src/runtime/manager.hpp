#pragma once
// Private to runtime: the process's runnables and its one stop path (after controller-runtime's
// manager, pkg/manager/internal.go). Runnables are started in the order they were added
// (style.md 2.2: probes, webhook, informers, Lease, workers) and stopped in reverse. The readiness
// gate is the manager's: ready once every runnable started and each says it is ready. Whatever
// ends the process (a signal, a lost Lease, a fatal error on any thread) calls request_stop();
// the main thread's wait() returns, and stop() runs each started runnable's stop, newest first,
// within one deadline; a stop still running when it passes is reported to `on_overrun` (run()
// exits the process then).
#include "op/util/error.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace op::runtime {

class manager {
public:
    struct runnable {
        std::string name;
        std::function<result<void>()> start;  // returns once started; an error ends the start
        std::function<void()> stop;           // null: nothing to stop
        std::function<bool()> ready;          // null: ready once started
    };

    void add(runnable r);

    // Starts every runnable in order. When one fails, those already started are stopped (newest
    // first) and the error is returned, prefixed with the runnable's name.
    [[nodiscard]] result<void> start();

    // The readiness gate: every runnable started, none stopped, and each ready.
    [[nodiscard]] bool ready() const;

    // From any thread, any number of times: the first reason is kept and the largest exit code.
    void request_stop(std::string reason, int exit_code);
    [[nodiscard]] bool stop_requested() const;

    // Blocks until request_stop() was called; returns its first reason.
    [[nodiscard]] std::string wait();

    // Stops the started runnables, newest first. When `deadline` passes before they are all
    // stopped, `on_overrun(name of the runnable still stopping)` is called once, from another
    // thread (the stop itself goes on). Idempotent.
    void stop(std::chrono::milliseconds deadline,
              std::function<void(std::string const&)> const& on_overrun = {});

    [[nodiscard]] int exit_code() const;

private:
    void stop_started(std::chrono::milliseconds deadline,
                      std::function<void(std::string const&)> const& on_overrun);

    std::vector<runnable> runnables_;
    mutable std::mutex mutex_;
    std::condition_variable stop_cv_;
    std::size_t started_ = 0;  // runnables_[0, started_) are running
    bool stopping_ = false;
    bool stop_requested_ = false;
    std::string reason_;
    int exit_code_ = 0;
};

}  // namespace op::runtime
