#include "op/kube/informer.hpp"

#include "op/util/json.hpp"
#include "op/util/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <random>

namespace op::kube {

namespace {
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
constexpr auto healthy_reset = std::chrono::minutes(2);

std::function<double()> default_random() {
    auto gen = std::make_shared<std::mt19937_64>(std::random_device{}());
    return [gen] { return std::uniform_real_distribution<double>(0, 1)(*gen); };
}
}  // namespace

informer::informer(client& c, resource r, informer_options opts)
    : client_(c), res_(std::move(r)), opts_(std::move(opts)),
      strand_(net::make_strand(c.io())), timer_(strand_), resync_timer_(strand_),
      store_(opts_.indexes) {
    if (!opts_.random01) opts_.random01 = default_random();
}

informer::~informer() { stop(); }

void informer::add_handler(event_handler h) { handlers_.push_back(std::move(h)); }

void informer::start() {
    if (started_) return;
    started_ = true;
    net::co_spawn(strand_, run(), [this](std::exception_ptr e) {
        if (e) log::error("informer loop ended by an exception", {{"resource", res_.plural}});
        done_.set_value();
    });
    if (opts_.resync_period.count() > 0) {
        net::co_spawn(strand_, resync_loop(), [this](std::exception_ptr) {
            resync_done_.set_value();
        });
    } else {
        resync_done_.set_value();
    }
}

void informer::stop() {
    if (!started_) return;
    started_ = false;
    net::post(strand_, [this] {
        stopping_ = true;
        cancel_.cancel();
        timer_.cancel();
        resync_timer_.cancel();
    });
    done_.get_future().wait();
    resync_done_.get_future().wait();
}

bool informer::wait_for_sync(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return sync_cv_.wait_for(lock, timeout, [&] { return synced_.load(); });
}

std::string informer::last_resource_version() const {
    std::lock_guard lock(mutex_);
    return rv_;
}

informer_stats informer::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

void informer::set_resume_version_for_test(std::string rv) {
    std::lock_guard lock(mutex_);
    forced_rv_ = std::move(rv);
}

void informer::set_rv(std::string rv) {
    std::lock_guard lock(mutex_);
    rv_ = std::move(rv);
}

void informer::dispatch(delta const& d) {
    for (auto const& h : handlers_) {
        try {
            if (h) h(d);
        } catch (std::exception const& e) {
            log::error("informer handler threw", {{"resource", res_.plural}, {"error", e.what()}});
        }
    }
}

net::awaitable<void> informer::sleep(duration d) {
    timer_.expires_after(d);
    co_await timer_.async_wait(use_tuple);
}

net::awaitable<result<void>> informer::list_all() {
    list_options lo;
    lo.label_selector = opts_.label_selector;
    lo.field_selector = opts_.field_selector;
    lo.limit = opts_.page_size;
    lo.drop_bookkeeping = !opts_.keep_bookkeeping;
    lo.metadata_only = opts_.metadata_only;
    std::vector<object> all;
    std::string rv;
    for (;;) {
        auto page = co_await client_.async_list(res_, opts_.ns, lo);
        if (stopping_) co_return result<void>{};
        if (!page) {
            if (is_gone(page.error()) && !lo.continue_token.empty()) {
                // The continue token expired: start over for a consistent list.
                { std::lock_guard lock(mutex_); ++stats_.gone; }
                lo.continue_token.clear();
                all.clear();
                continue;
            }
            co_return page.error();
        }
        { std::lock_guard lock(mutex_); ++stats_.pages; }
        for (auto& o : page->items)
            all.push_back(std::move(o));
        rv = page->resource_version;
        if (page->continue_token.empty()) break;
        lo.continue_token = page->continue_token;
    }
    for (auto const& d : store_.replace(std::move(all))) dispatch(d);
    set_rv(rv);
    { std::lock_guard lock(mutex_); ++stats_.lists; }
    if (!synced_.exchange(true)) {
        std::lock_guard lock(mutex_);
        sync_cv_.notify_all();
    }
    co_return result<void>{};
}

net::awaitable<result<void>> informer::watch_once() {
    list_options lo;
    lo.label_selector = opts_.label_selector;
    lo.field_selector = opts_.field_selector;
    {
        std::lock_guard lock(mutex_);
        lo.resource_version = forced_rv_.empty() ? rv_ : std::exchange(forced_rv_, {});
        ++stats_.watches;
    }
    lo.allow_watch_bookmarks = true;
    lo.drop_bookkeeping = !opts_.keep_bookkeeping;
    lo.metadata_only = opts_.metadata_only;
    int min = std::max(1, opts_.watch_timeout_min_s);
    lo.timeout_seconds = min + static_cast<int>(opts_.random01() * min);
    auto on_event = [this](watch_event&& ev) -> result<void> {
        switch (ev.type) {
            case watch_event_type::error: return to_error(watch_error(ev));
            case watch_event_type::bookmark: break;
            case watch_event_type::added:
            case watch_event_type::modified:
                if (auto d = store_.upsert(ev.obj)) dispatch(*d);
                break;
            case watch_event_type::deleted:
                if (auto d = store_.remove(*ev.obj)) dispatch(*d);
                break;
        }
        auto rv = meta_string(*ev.obj, "resourceVersion");
        std::lock_guard lock(mutex_);
        if (!rv.empty()) rv_ = std::string(rv);
        ++stats_.events;
        return {};
    };
    co_return co_await client_.async_watch(res_, opts_.ns, lo, on_event, cancel_);
}

net::awaitable<void> informer::run() {
    backoff bo(opts_.backoff_initial, opts_.backoff_max, 1.0, opts_.random01);
    bool need_list = true;
    auto healthy_since = std::chrono::steady_clock::now();
    while (!stopping_) {
        if (need_list) {
            auto r = co_await list_all();
            if (stopping_) break;
            if (!r) {
                { std::lock_guard lock(mutex_); ++stats_.errors; }
                log::warn("informer list failed", {{"resource", res_.plural},
                                                   {"error", r.error().what()}});
                co_await sleep(bo.next());
                continue;
            }
            need_list = false;
        }
        auto started = std::chrono::steady_clock::now();
        auto w = co_await watch_once();
        if (stopping_) break;
        if (w) {  // the server ended the watch normally: resume from the last RV
            if (std::chrono::steady_clock::now() - started > healthy_reset) bo.reset();
            healthy_since = started;
            continue;
        }
        if (is_gone(w.error())) {
            log::info("informer watch expired; listing again", {{"resource", res_.plural},
                                                                {"error", w.error().what()}});
            std::lock_guard lock(mutex_);
            ++stats_.gone;
            need_list = true;
            continue;
        }
        { std::lock_guard lock(mutex_); ++stats_.errors; }
        log::warn("informer watch failed; retrying", {{"resource", res_.plural},
                                                      {"error", w.error().what()}});
        if (std::chrono::steady_clock::now() - healthy_since > healthy_reset) bo.reset();
        healthy_since = std::chrono::steady_clock::now();
        co_await sleep(bo.next());
    }
}

net::awaitable<void> informer::resync_loop() {
    while (!stopping_) {
        resync_timer_.expires_after(opts_.resync_period);
        co_await resync_timer_.async_wait(use_tuple);
        if (stopping_) break;
        if (!synced_) continue;
        for (auto const& o : store_.list()) dispatch(delta{delta_type::resync, o, o});
    }
}

}  // namespace op::kube
