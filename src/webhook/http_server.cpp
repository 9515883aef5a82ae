// The HTTPS webhook server: acceptor, TLS sessions (one strand each), cert watcher, graceful stop.
#include "op/webhook/server.hpp"

#include "http_conn.hpp"
#include "http_session.hpp"
#include "op/util/log.hpp"
#include "op/webhook/router.hpp"
#include "tls_store.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <optional>

#include <thread>
#include <vector>

namespace op::webhook {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using detail::use_tuple;

class tls_conn final : public detail::conn {
public:
    tls_conn(tcp::socket sock, std::shared_ptr<ssl::context> ctx)
        : ctx_(std::move(ctx)), stream(std::move(sock), *ctx_) {}
    std::shared_ptr<ssl::context> ctx_;  // declared first: the stream refers to it
    beast::ssl_stream<beast::tcp_stream> stream;

protected:
    net::any_io_executor executor() override { return stream.get_executor(); }
    void close_now() override { beast::get_lowest_layer(stream).close(); }
};

}  // namespace

struct server::impl {
    server_options opts;
    metrics::registry& metrics;
    router routes;
    net::io_context ioc;
    net::executor_work_guard<net::io_context::executor_type> work{ioc.get_executor()};
    tcp::acceptor acceptor{net::make_strand(ioc)};
    net::steady_timer watch_timer{acceptor.get_executor()};
    detail::tls_store tls;
    detail::conn_registry conns;
    std::atomic<bool> draining{false};
    std::atomic<bool> running{false};
    std::uint16_t bound_port = 0;
    std::vector<std::thread> threads;
    // Declared after ioc: destroyed (joined) first, so no handler outlives the context it
    // posts its answer to.
    net::thread_pool pool{static_cast<std::size_t>(std::max(1, opts.handler_threads))};
    std::atomic<std::size_t> pooled_in_flight{0};
    metrics::gauge& open_gauge;
    metrics::counter& pool_rejected;
    metrics::counter& pool_deadline;
    metrics::counter& rejected;
    metrics::counter& evicted;
    metrics::counter& handshake_failures;
    metrics::counter& cert_reloads;

    impl(server_options o, handlers h, metrics::registry& m)
        : opts(std::move(o)),
          metrics(m),
          routes(std::move(h), m, json::limits{opts.body_limit, opts.json_max_depth}),
          tls(opts.cert_dir / opts.cert_name, opts.cert_dir / opts.key_name),
          open_gauge(m.get_gauge("compose_operator_webhook_connections_open", "Open webhook connections.")),
          pool_rejected(m.get_counter("compose_operator_webhook_handler_rejected_total",
                                      "Requests answered 503 because handler_queue requests were in flight.")),
          pool_deadline(m.get_counter("compose_operator_webhook_handler_deadline_exceeded_total",
                                      "Requests answered 504 because their handler overran handler_deadline.")),
          rejected(m.get_counter("compose_operator_webhook_connections_rejected_total",
                                 "Connections refused because the connection limit was reached.")),
          evicted(m.get_counter("compose_operator_webhook_connections_evicted_total",
                                "Idle connections closed to make room at the connection limit.")),
          handshake_failures(m.get_counter("compose_operator_webhook_tls_handshake_failures_total",
                                           "TLS handshakes that failed or timed out.")),
          cert_reloads(m.get_counter("compose_operator_webhook_certificate_reloads_total",
                                     "Times a changed serving certificate was loaded.")) {}

    detail::session_limits limits() const {
        return {opts.body_limit, opts.header_limit, opts.read_timeout, opts.write_timeout, "POST"};
    }

    bool pooled(std::string_view target) const {
        auto path = target_path(target);
        return std::find(opts.pooled_paths.begin(), opts.pooled_paths.end(), path) !=
               opts.pooled_paths.end();
    }

    // Runs the router on the pool; the session waits on a timer (on its strand) that the job
    // cancels when its answer is in, or that fires at the deadline.
    net::awaitable<http_reply> handle_pooled(std::string_view method, std::string_view target,
                                             std::string_view body) {
        if (pooled_in_flight.fetch_add(1) >= opts.handler_queue) {
            pooled_in_flight.fetch_sub(1);
            pool_rejected.inc();
            co_return http_reply{503, status_body(503, "too many requests in flight; retry"),
                                 "application/json", true};
        }
        struct state {
            explicit state(net::any_io_executor ex) : timer(std::move(ex)) {}
            net::steady_timer timer;
            std::optional<http_reply> reply;
        };
        auto ex = co_await net::this_coro::executor;
        auto st = std::make_shared<state>(ex);
        st->timer.expires_after(opts.handler_deadline);
        net::post(pool, [this, st, ex, m = std::string(method), t = std::string(target),
                         b = std::string(body)]() mutable {
            auto reply = routes.handle(m, t, b);  // never throws
            pooled_in_flight.fetch_sub(1);
            net::post(ex, [st, reply = std::move(reply)]() mutable {
                st->reply = std::move(reply);
                st->timer.cancel();
            });
        });
        auto [ec] = co_await st->timer.async_wait(use_tuple);
        (void)ec;  // cancelled: the answer is in; expired: the deadline passed
        if (st->reply) co_return std::move(*st->reply);
        pool_deadline.inc();
        log::warn("webhook handler overran its deadline", {{"target", std::string(target)},
                                                           {"deadline_ms", std::to_string(opts.handler_deadline.count())}});
        co_return http_reply{504, status_body(504, "the webhook did not decide in time; retry"),
                             "application/json", true};
    }

    net::awaitable<void> session(std::shared_ptr<tls_conn> c) {
        auto& tcp_stream = beast::get_lowest_layer(c->stream);
        try {
            tcp_stream.expires_after(opts.handshake_timeout);
            auto [ec] = co_await c->stream.async_handshake(ssl::stream_base::server, use_tuple);
            if (ec) {
                handshake_failures.inc();
                log::debug("TLS handshake failed", {{"error", ec.message()}});
            } else {
                auto handle = [this](std::string_view m, std::string_view t,
                                     std::string_view b) -> net::awaitable<http_reply> {
                    if (!pooled(t)) co_return routes.handle(m, t, b);
                    auto reply = co_await handle_pooled(m, t, b);
                    co_return reply;
                };
                co_await detail::serve_requests(c->stream, *c, limits(), draining, handle);
                if (tcp_stream.socket().is_open()) {
                    tcp_stream.expires_after(std::min(opts.write_timeout,
                                                      std::chrono::milliseconds(1000)));
                    auto [sec] = co_await c->stream.async_shutdown(use_tuple);
                    (void)sec;  // stream_truncated and timeouts are expected here
                }
            }
        } catch (std::exception const& e) {
            log::error("webhook session failed", {{"error", e.what()}});
        } catch (...) {
            log::error("webhook session failed with an unknown exception");
        }
        tcp_stream.close();
        open_gauge.add(-1);
        conns.remove(*c);
    }

    net::awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, sock] = co_await acceptor.async_accept(net::make_strand(ioc), use_tuple);
            if (ec) {
                if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
                log::warn("accept failed", {{"error", ec.message()}});
                net::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
                co_await pause.async_wait(use_tuple);  // e.g. EMFILE: do not spin
                continue;
            }
            if (draining.load()) continue;  // `sock` closes when it goes out of scope
            boost::system::error_code nd;
            sock.set_option(tcp::no_delay(true), nd);  // no Nagle + delayed-ACK stalls on replies
            auto c = std::make_shared<tls_conn>(std::move(sock), tls.current());
            auto admitted = conns.admit(c, opts.max_connections);
            if (admitted == detail::conn_registry::admission::refused) {
                rejected.inc();
                continue;
            }
            if (admitted == detail::conn_registry::admission::admitted_after_eviction) evicted.inc();
            open_gauge.add(1);
            net::co_spawn(c->stream.get_executor(), session(c), net::detached);
        }
    }

    net::awaitable<void> watch_certs() {
        for (;;) {
            watch_timer.expires_after(opts.cert_poll_interval);
            auto [ec] = co_await watch_timer.async_wait(use_tuple);
            if (ec || draining.load()) co_return;
            reload();
        }
    }

    result<bool> reload() {
        auto r = tls.reload();
        if (!r) {
            log::warn("serving certificate not reloaded; keeping the current one",
                      {{"error", r.error().what()}});
        } else if (*r) {
            cert_reloads.inc();
            log::info("serving certificate loaded", {{"dir", opts.cert_dir.string()}});
        }
        return r;
    }
};

server::server(server_options opts, handlers h, metrics::registry& metrics)
    : impl_(std::make_unique<impl>(std::move(opts), std::move(h), metrics)) {}

server::~server() { stop(std::chrono::milliseconds(0)); }

result<void> server::start() {
    auto& s = *impl_;
    if (s.running.load()) return {};
    auto loaded = s.tls.reload();
    if (!loaded) return loaded.error();
    boost::system::error_code ec;
    auto addr = net::ip::make_address(s.opts.address, ec);
    if (ec) return invalid("bad listen address " + s.opts.address, "address");
    tcp::endpoint ep(addr, s.opts.port);
    s.acceptor.open(ep.protocol(), ec);
    if (!ec) s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) s.acceptor.bind(ep, ec);
    if (!ec) s.acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
        return op::transient("cannot listen on " + s.opts.address + ":" +
                             std::to_string(s.opts.port) + ": " + ec.message());
    }
    s.bound_port = s.acceptor.local_endpoint().port();
    s.running = true;
    net::co_spawn(s.acceptor.get_executor(), s.accept_loop(), net::detached);
    net::co_spawn(s.acceptor.get_executor(), s.watch_certs(), net::detached);
    for (int i = 0; i < std::max(1, s.opts.threads); ++i) {
        s.threads.emplace_back([&s] { s.ioc.run(); });
    }
    log::info("webhook server listening", {{"address", s.opts.address},
                                           {"port", std::to_string(s.bound_port)}});
    return {};
}

std::uint16_t server::port() const { return impl_->bound_port; }

std::size_t server::connections() const { return impl_->conns.size(); }

result<bool> server::reload_certs() { return impl_->reload(); }

void server::stop(std::chrono::milliseconds deadline) {
    auto& s = *impl_;
    if (!s.running.exchange(false)) return;
    s.draining = true;
    net::post(s.acceptor.get_executor(), [&s] {
        boost::system::error_code ec;
        s.acceptor.close(ec);
        s.watch_timer.cancel();
    });
    s.conns.close(false);  // idle sessions now; busy ones finish their request and close
    if (!s.conns.wait_empty(deadline)) {
        log::warn("webhook stop deadline passed; cancelling in-flight requests",
                  {{"open", std::to_string(s.conns.size())}});
        s.conns.close(true);
        (void)s.conns.wait_empty(std::chrono::milliseconds(1000));
    }
    s.work.reset();
    s.ioc.stop();
    for (auto& t : s.threads) t.join();
    s.threads.clear();
    s.pool.join();  // handlers still running finish (their answers go nowhere)
    log::info("webhook server stopped");
}

}  // namespace op::webhook
