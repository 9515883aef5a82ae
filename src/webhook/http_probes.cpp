// The plain-HTTP probe server: /healthz, /readyz, /metrics.
#include "op/webhook/probes.hpp"

#include "http_conn.hpp"
#include "http_session.hpp"
#include "op/util/log.hpp"
#include "op/webhook/server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>

#include <thread>
#include <vector>

namespace op::webhook {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
using detail::use_tuple;

class plain_conn final : public detail::conn {
public:
    explicit plain_conn(tcp::socket sock) : stream(std::move(sock)) {}
    beast::tcp_stream stream;

protected:
    net::any_io_executor executor() override { return stream.get_executor(); }
    void close_now() override { stream.close(); }
};

http_reply text(unsigned status, std::string body) {
    return http_reply{status, std::move(body), "text/plain; charset=utf-8", status >= 400};
}

}  // namespace

struct probe_server::impl {
    // A constructor, not aggregate initialisation from parentheses (clang 14, the fuzz build).
    impl(probe_options o, op::metrics::registry& m, std::function<bool()> r)
        : opts(std::move(o)), metrics(m), ready(std::move(r)) {}

    probe_options opts;
    metrics::registry& metrics;
    std::function<bool()> ready;
    net::io_context ioc;
    net::executor_work_guard<net::io_context::executor_type> work{ioc.get_executor()};
    tcp::acceptor acceptor{net::make_strand(ioc)};
    detail::conn_registry conns;
    std::atomic<bool> draining{false};
    std::atomic<bool> running{false};
    std::uint16_t bound_port = 0;
    std::vector<std::thread> threads;

    http_reply handle(std::string_view method, std::string_view target) const {
        std::string_view path = target_path(target);
        bool known = path == "/healthz" || path == "/readyz" || path == "/metrics";
        if (!known) return text(404, "not found\n");
        if (method != "GET" && method != "HEAD") return text(405, "use GET\n");
        if (path == "/healthz") return text(200, "ok\n");
        if (path == "/readyz") return ready && ready() ? text(200, "ok\n") : text(503, "not ready\n");
        return http_reply{200, metrics.render(), "text/plain; version=0.0.4; charset=utf-8", false};
    }

    net::awaitable<void> session(std::shared_ptr<plain_conn> c) {
        try {
            auto h = [this](std::string_view m, std::string_view t,
                            std::string_view) -> net::awaitable<http_reply> {
                co_return handle(m, t);  // cheap and non-blocking: runs on the I/O thread
            };
            detail::session_limits lim{1024, 8192, opts.read_timeout, opts.read_timeout, "GET"};
            co_await detail::serve_requests(c->stream, *c, lim, draining, h);
        } catch (std::exception const& e) {
            log::error("probe session failed", {{"error", e.what()}});
        } catch (...) {
            log::error("probe session failed with an unknown exception");
        }
        c->stream.close();
        conns.remove(*c);
    }

    net::awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, sock] = co_await acceptor.async_accept(net::make_strand(ioc), use_tuple);
            if (ec) {
                if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
                net::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
                co_await pause.async_wait(use_tuple);
                continue;
            }
            if (draining.load()) continue;
            auto c = std::make_shared<plain_conn>(std::move(sock));
            if (conns.admit(c, opts.max_connections) == detail::conn_registry::admission::refused) {
                continue;
            }
            net::co_spawn(c->stream.get_executor(), session(c), net::detached);
        }
    }
};

probe_server::probe_server(probe_options opts, metrics::registry& metrics, std::function<bool()> ready)
    : impl_(std::make_unique<impl>(std::move(opts), metrics, std::move(ready))) {}

probe_server::~probe_server() { stop(); }

result<void> probe_server::start() {
    auto& s = *impl_;
    if (s.running.load()) return {};
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
    for (int i = 0; i < std::max(1, s.opts.threads); ++i) {
        s.threads.emplace_back([&s] { s.ioc.run(); });
    }
    return {};
}

std::uint16_t probe_server::port() const { return impl_->bound_port; }

void probe_server::stop() {
    auto& s = *impl_;
    if (!s.running.exchange(false)) return;
    s.draining = true;
    net::post(s.acceptor.get_executor(), [&s] {
        boost::system::error_code ec;
        s.acceptor.close(ec);
    });
    s.conns.close(true);
    (void)s.conns.wait_empty(std::chrono::milliseconds(1000));
    s.work.reset();
    s.ioc.stop();
    for (auto& t : s.threads) t.join();
    s.threads.clear();
}

}  // namespace op::webhook
