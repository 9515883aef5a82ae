#pragma once
// Private: connection bookkeeping shared by the HTTPS and the probe servers. A conn owns its
// stream and strand; the registry bounds how many are open, evicts idle ones under pressure,
// and lets stop() close idle sessions, wait for busy ones, then close the rest.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <list>
#include <memory>
#include <mutex>

namespace op::webhook::detail {

class conn : public std::enable_shared_from_this<conn> {
public:
    virtual ~conn() = default;
    // Closes the socket on the conn's strand; pending operations complete with an error.
    void request_close() {
        boost::asio::post(executor(), [self = shared_from_this()] { self->close_now(); });
    }
    std::atomic<bool> busy{false};      // reading a body, handling or writing
    std::atomic<bool> evicting{false};  // close already requested

protected:
    [[nodiscard]] virtual boost::asio::any_io_executor executor() = 0;
    virtual void close_now() = 0;

private:
    friend class conn_registry;
    std::list<std::shared_ptr<conn>>::iterator pos_;
};

class conn_registry {
public:
    enum class admission { admitted, admitted_after_eviction, refused };
    // Registers `c`. At `max` open connections, evicts the oldest idle one; refuses when none is
    // idle.
    admission admit(std::shared_ptr<conn> const& c, std::size_t max) {
        bool evicted = false;
        std::lock_guard lock(mutex_);
        if (list_.size() - evicting_ >= max) {
            std::shared_ptr<conn> victim;
            for (auto const& o : list_) {
                if (!o->busy.load() && !o->evicting.load()) {
                    victim = o;
                    break;
                }
            }
            if (!victim) return admission::refused;
            evicted = true;
            victim->evicting = true;
            ++evicting_;
            ++evicted_;
            victim->request_close();
        }
        list_.push_back(c);
        c->pos_ = std::prev(list_.end());
        return evicted ? admission::admitted_after_eviction : admission::admitted;
    }
    void remove(conn& c) {
        std::lock_guard lock(mutex_);
        if (c.evicting.load()) --evicting_;
        list_.erase(c.pos_);
        cv_.notify_all();
    }
    // Closes every connection that is not busy (all when `all`).
    void close(bool all) {
        std::lock_guard lock(mutex_);
        for (auto const& c : list_) {
            if (all || !c->busy.load()) c->request_close();
        }
    }
    // Waits until no connection is open or `d` has passed; true when empty.
    bool wait_empty(std::chrono::milliseconds d) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, d, [this] { return list_.empty(); });
    }
    [[nodiscard]] std::size_t size() const {
        std::lock_guard lock(mutex_);
        return list_.size();
    }
    [[nodiscard]] std::size_t evicted() const {
        std::lock_guard lock(mutex_);
        return evicted_;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::list<std::shared_ptr<conn>> list_;
    std::size_t evicting_ = 0;
    std::size_t evicted_ = 0;
};

}  // namespace op::webhook::detail
