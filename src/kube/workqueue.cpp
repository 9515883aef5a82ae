#include "op/kube/workqueue.hpp"

#include <algorithm>

namespace op::kube {

struct workqueue::instruments {
    metrics::gauge& depth;
    metrics::counter& adds;
    metrics::counter& retries;
    metrics::histogram& queue_duration;
    metrics::histogram& work_duration;
    metrics::gauge& unfinished;
    metrics::gauge& longest;
    metrics::collector_handle collector{};
};

namespace {
double seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }
}  // namespace

workqueue::workqueue(util::clock& clk, std::unique_ptr<rate_limiter> limiter, queue_metrics m)
    : clock_(&clk), limiter_(std::move(limiter)) {
    if (!limiter_) limiter_ = std::make_unique<default_controller_limiter>(clk);
    if (m.registry == nullptr) return;
    auto& r = *m.registry;
    metrics::labels const l{{"name", m.name}, {"controller", m.name}};
    auto const buckets = metrics::exponential_buckets(1e-8, 10, 12);  // 10 ns .. 1000 s, as client-go
    metrics_.reset(new instruments{
        r.get_gauge("workqueue_depth", "Current depth of workqueue", l),
        r.get_counter("workqueue_adds_total", "Total number of adds handled by workqueue", l),
        r.get_counter("workqueue_retries_total", "Total number of retries handled by workqueue", l),
        r.get_histogram("workqueue_queue_duration_seconds",
                        "How long in seconds an item stays in workqueue before being requested", l, buckets),
        r.get_histogram("workqueue_work_duration_seconds",
                        "How long in seconds processing an item from workqueue takes.", l, buckets),
        r.get_gauge("workqueue_unfinished_work_seconds",
                    "How many seconds of work has been done that is in progress and hasn't been observed "
                    "by work_duration. Large values indicate stuck threads.", l),
        r.get_gauge("workqueue_longest_running_processor_seconds",
                    "How many seconds has the longest running processor for workqueue been running.", l)});
    metrics_->collector = r.add_collector([this] { collect(); });
}

workqueue::~workqueue() {
    // Unregister first (this waits for a render that is collecting), while metrics_ still points
    // at the instruments the collector reads.
    if (metrics_) metrics_->collector = metrics::collector_handle{};
}

void workqueue::collect() const {
    std::lock_guard lock(mutex_);
    auto now = clock_->now();
    double total = 0;
    double longest = 0;
    for (auto const& [_, at] : started_at_) {
        double s = seconds(now - at);
        total += s;
        longest = std::max(longest, s);
    }
    metrics_->unfinished.set(total);
    metrics_->longest.set(longest);
}

void workqueue::add_locked(std::string const& key) {
    if (shutting_down_) return;
    if (dirty_.contains(key)) return;
    dirty_.insert(key);
    if (metrics_) {  // client-go counts an add when the key becomes dirty, even while it is processed
        metrics_->adds.inc();
        metrics_->depth.add(1);
        queued_at_.emplace(key, clock_->now());
    }
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

void workqueue::add_rate_limited(std::string const& key) {
    if (metrics_) metrics_->retries.inc();
    add_after(key, limiter_->when(key));
}

void workqueue::add_rate_limited(std::string const& key, duration cap) {
    if (metrics_) metrics_->retries.inc();
    add_after(key, std::min(limiter_->when(key), cap));
}

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
    if (metrics_) {
        auto now = clock_->now();
        metrics_->depth.add(-1);
        if (auto it = queued_at_.find(key); it != queued_at_.end()) {
            metrics_->queue_duration.observe(seconds(now - it->second));
            queued_at_.erase(it);
        }
        started_at_[key] = now;
    }
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
    if (metrics_) {
        if (auto it = started_at_.find(key); it != started_at_.end()) {
            metrics_->work_duration.observe(seconds(clock_->now() - it->second));
            started_at_.erase(it);
        }
    }
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
