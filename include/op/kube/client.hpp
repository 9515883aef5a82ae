#pragma once
// The Kubernetes REST client: HTTPS (Beast over OpenSSL) with a small keep-alive connection
// pool, per-request timeouts, client-side rate limiting (QPS/burst), bounded retries on 429 and
// Retry-After, optional impersonation per request, and every verb an operator needs (get, list,
// create, update, update status, delete, merge/JSON patch, server-side apply, watch).
// Every call is a coroutine on the shared io_context (async_*); worker threads use the blocking
// facade of the same name without the prefix, which must never be called from an io thread.
// Threading: ONE thread runs the client's io_context. Its connections, their Beast timers and
// the coroutines using them share no strand, which is safe only when a single thread runs every
// handler (runtime::run starts one; the client logs an error once if it sees a second). Blocking
// work (an exec credential plugin) runs on the client's own pool, never on that thread.
// Objects are generic JSON addressed by `resource`; API failures are op::error values made by
// to_error(api_error) (see resource.hpp).
#include "op/kube/config.hpp"
#include "op/kube/rate_limiter.hpp"
#include "op/kube/resource.hpp"
#include "op/kube/watch.hpp"
#include "op/metrics/registry.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace op::kube {

namespace net = boost::asio;

namespace detail {
class connection;
}

struct request_options {
    // Not an aggregate, on purpose: GCC 12 miscompiles a braced temporary of an aggregate class
    // (the `= {}` default arguments below) passed by value to a coroutine called in a co_await,
    // so a std::string member would point at the caller's copy (test/unit/kube/coroutine_args_test).
    request_options() = default;
    request_options(request_options const&) = default;
    request_options(request_options&&) noexcept = default;
    request_options& operator=(request_options const&) = default;
    request_options& operator=(request_options&&) noexcept = default;
    ~request_options() = default;

    std::optional<impersonation> as;  // act as this user
    std::chrono::milliseconds timeout{0};  // 0: config.request_timeout
};

struct list_options {
    std::string label_selector;
    std::string field_selector;
    std::string resource_version;        // "" (consistent), "0" (any), or an RV
    std::string resource_version_match;  // "", "NotOlderThan", "Exact"
    int limit = 0;                       // page size; 0: no paging
    std::string continue_token;
    int timeout_seconds = 0;             // watch only
    bool allow_watch_bookmarks = true;   // watch only
    // Items and events copied without managedFields and the last-applied annotation
    // (see without_bookkeeping), in the one copy made of each: what informers cache.
    bool drop_bookkeeping = false;
    // Items and ADDED/MODIFIED/DELETED events copied with only apiVersion, kind and metadata
    // (without bookkeeping): for caches that answer "does it exist, and whose is it".
    bool metadata_only = false;
};

struct list_result {
    std::vector<object> items;
    std::string resource_version;
    std::string continue_token;
};

enum class propagation { unset, background, foreground, orphan };
// merge: RFC 7386 (lists replaced whole); json: RFC 6902; strategic: Kubernetes' strategic merge
// patch (built-in kinds only: list elements merged by their key, e.g. webhooks by name).
enum class patch_type { merge, json, strategic };

struct apply_options {
    std::string field_manager;  // required
    bool force = false;
    bool dry_run = false;  // dryRun=All: admission runs, nothing is persisted
    std::string subresource{};  // "status": apply to <object>/status (a fixed API name, not input)
};

// Lets the owner of a watch coroutine end it. cancel() must run on the coroutine's executor.
class watch_cancel {
public:
    void cancel();
    [[nodiscard]] bool cancelled() const { return cancelled_; }

private:
    friend class client;
    std::shared_ptr<detail::connection> conn_;
    bool cancelled_ = false;
};

class client {
public:
    // Builds the TLS context from `cfg`. Fails (invalid) on unusable CA/cert/key PEM.
    [[nodiscard]] static result<std::unique_ptr<client>> create(
        net::io_context& ioc, config cfg, util::clock& clk = util::system_clock());
    ~client();
    client(client const&) = delete;
    client& operator=(client const&) = delete;

    [[nodiscard]] net::io_context& io() { return ioc_; }
    // Counts every HTTP attempt from now on in rest_client_requests_total{code,method,host}, as
    // client-go does (code "<error>" when no response came). `r` must outlive the client.
    void instrument(metrics::registry& r) { metrics_.store(&r); }
    [[nodiscard]] config const& cfg() const { return cfg_; }

    // The object, or not_found / another API error.
    net::awaitable<result<object>> async_get(resource const& r, std::string ns, std::string name,
                                             request_options opts = {});
    // One page (or everything when opts.limit == 0). `ns` empty: all namespaces.
    net::awaitable<result<list_result>> async_list(resource const& r, std::string ns,
                                                   list_options lo, request_options opts = {});
    // The created object; conflict (AlreadyExists) if it exists.
    net::awaitable<result<object>> async_create(resource const& r, std::string ns,
                                                std::string body, request_options opts = {});
    // PUT of a full object (its metadata.resourceVersion gives optimistic concurrency: conflict).
    net::awaitable<result<object>> async_update(resource const& r, std::string ns,
                                                std::string name, std::string body,
                                                request_options opts = {});
    // PUT to the status subresource.
    net::awaitable<result<object>> async_update_status(resource const& r, std::string ns,
                                                       std::string name, std::string body,
                                                       request_options opts = {});
    // DELETE; not_found when already gone.
    net::awaitable<result<void>> async_remove(resource const& r, std::string ns, std::string name,
                                              propagation p = propagation::unset,
                                              request_options opts = {});
    // `subresource` non-empty ("status"): PATCH <object>/<subresource>.
    net::awaitable<result<object>> async_patch(resource const& r, std::string ns,
                                               std::string name, patch_type t, std::string body,
                                               request_options opts = {},
                                               std::string subresource = {});
    // Server-side apply of `body` (JSON). conflict when another manager owns a field and !force.
    net::awaitable<result<object>> async_apply(resource const& r, std::string ns,
                                               std::string name, std::string body,
                                               apply_options ao, request_options opts = {});
    // Watches from lo.resource_version, calling `on_event` for each event in order. Returns
    // success when the server ends the stream (timeout) or `cancel` is used; an error when the
    // request fails (e.g. 410) or `on_event` returns one. ERROR events are passed to on_event.
    net::awaitable<result<void>> async_watch(resource const& r, std::string ns, list_options lo,
                                             std::function<result<void>(watch_event&&)> on_event,
                                             watch_cancel& cancel, request_options opts = {});

    // Blocking facades (from worker threads only).
    result<object> get(resource const& r, std::string ns, std::string name,
                       request_options opts = {});
    result<list_result> list(resource const& r, std::string ns, list_options lo,
                             request_options opts = {});
    result<object> create(resource const& r, std::string ns, std::string body,
                          request_options opts = {});
    result<object> update(resource const& r, std::string ns, std::string name, std::string body,
                          request_options opts = {});
    result<object> update_status(resource const& r, std::string ns, std::string name,
                                 std::string body, request_options opts = {});
    result<void> remove(resource const& r, std::string ns, std::string name,
                        propagation p = propagation::unset, request_options opts = {});
    result<object> patch(resource const& r, std::string ns, std::string name, patch_type t,
                         std::string body, request_options opts = {},
                         std::string subresource = {});
    result<object> apply(resource const& r, std::string ns, std::string name, std::string body,
                         apply_options ao, request_options opts = {});

    // Runs any awaitable on the io_context and waits for it (the facade's building block).
    template <class T>
    T run(net::awaitable<T> aw) {
        return net::co_spawn(ioc_, std::move(aw), net::use_future).get();
    }

    struct http_request;
    struct http_response;

private:
    client(net::io_context& ioc, config cfg, util::clock& clk);
    net::awaitable<result<http_response>> async_do(http_request req);
    net::awaitable<result<object>> async_object(http_request req);
    net::awaitable<result<std::shared_ptr<detail::connection>>> acquire(bool fresh);
    // One rest_client_requests_total increment; status 0: no response.
    void count_request(std::string_view method, int status);
    void release(std::shared_ptr<detail::connection> c);
    // Awaits a token read or refresh (read_token/refresh_token in client.cpp; defined and used
    // there only): inline, or on blocking_ when the source may block (an exec plugin), so the io
    // thread serves other requests meanwhile.
    template <class T>
    net::awaitable<T> off_io_thread(net::awaitable<T> token_work);
    // Logs an error once when requests run on a second io thread (see the threading note above).
    void check_single_io_thread();

    net::io_context& ioc_;
    config cfg_;
    util::clock* clock_;
    net::ssl::context tls_;
    token_bucket limiter_;
    std::mutex pool_mutex_;
    std::vector<std::shared_ptr<detail::connection>> idle_;
    std::atomic<metrics::registry*> metrics_{nullptr};
    // Runs token reads that may block (an exec credential plugin) off the I/O threads. Last
    // member: joined before the rest is destroyed.
    net::thread_pool blocking_{1};
    std::atomic<std::thread::id> io_thread_{};  // the thread that ran the first request
    std::atomic<bool> warned_threads_{false};
};

}  // namespace op::kube
