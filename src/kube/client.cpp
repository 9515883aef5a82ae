#include "op/kube/client.hpp"

#include "connection.hpp"
#include "op/util/base64.hpp"
#include "op/util/json.hpp"
#include "op/util/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>

#include <fmt/format.h>

namespace op::kube {

namespace http = beast::http;

namespace {
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
constexpr std::size_t max_idle = 4;
constexpr std::uint64_t max_body = 256u << 20;

// The token source's answers as coroutines (arguments by value: the coroutine outlives the
// caller's expression), run on the client's blocking pool when the source may block.
net::awaitable<result<std::string>> read_token(std::shared_ptr<token_source> source) {
    co_return source->token();
}
net::awaitable<bool> refresh_token(std::shared_ptr<token_source> source, std::string refused) {
    co_return source->refresh(refused);
}

int parse_retry_after(http::fields const& f) {
    auto it = f.find(http::field::retry_after);
    if (it == f.end()) return -1;
    try {
        return std::max(0, std::stoi(std::string(it->value())));
    } catch (std::exception const&) {
        return 1;  // an HTTP date: just wait a little
    }
}
}  // namespace

void watch_cancel::cancel() {
    cancelled_ = true;
    if (conn_) conn_->close();
}

result<std::unique_ptr<client>> client::create(net::io_context& ioc, config cfg,
                                               util::clock& clk) {
    if (cfg.host.empty()) {
        OP_TRY(auto hp, parse_server(cfg.server));
        cfg.host = hp.host;
        cfg.port = hp.port;
    }
    std::unique_ptr<client> c(new client(ioc, std::move(cfg), clk));
    boost::system::error_code ec;
    auto& t = c->tls_;
    if (!c->cfg_.ca_pem.empty()) {
        t.add_certificate_authority(net::buffer(c->cfg_.ca_pem), ec);
        if (ec) return invalid("bad certificate-authority PEM: " + ec.message());
    } else {
        t.set_default_verify_paths(ec);
    }
    if (!c->cfg_.client_cert_pem.empty()) {
        t.use_certificate_chain(net::buffer(c->cfg_.client_cert_pem), ec);
        if (ec) return invalid("bad client certificate PEM: " + ec.message());
        t.use_private_key(net::buffer(c->cfg_.client_key_pem), net::ssl::context::pem, ec);
        if (ec) return invalid("bad client key PEM: " + ec.message());
    }
    return c;
}

client::client(net::io_context& ioc, config cfg, util::clock& clk)
    : ioc_(ioc), cfg_(std::move(cfg)), clock_(&clk), tls_(net::ssl::context::tls_client),
      limiter_(cfg_.qps, cfg_.burst, clk) {}

client::~client() {
    std::lock_guard lock(pool_mutex_);
    for (auto& c : idle_) c->close();
}

net::awaitable<result<std::shared_ptr<detail::connection>>> client::acquire(bool fresh) {
    if (!fresh) {
        std::lock_guard lock(pool_mutex_);
        if (!idle_.empty()) {
            auto c = std::move(idle_.back());
            idle_.pop_back();
            co_return c;
        }
    }
    auto c = std::make_shared<detail::connection>(ioc_.get_executor(), tls_);
    auto r = co_await c->connect(cfg_, cfg_.request_timeout);
    if (!r) co_return r.error();
    co_return c;
}

void client::count_request(std::string_view method, int status) {
    auto* m = metrics_.load();
    if (m == nullptr) return;
    m->get_counter("rest_client_requests_total",
                   "Number of HTTP requests, partitioned by status code, method, and host.",
                   {{"code", status == 0 ? std::string("<error>") : std::to_string(status)},
                    {"method", std::string(method)},
                    {"host", fmt::format("{}:{}", cfg_.host, cfg_.port)}})
        .inc();
}

void client::release(std::shared_ptr<detail::connection> c) {
    std::lock_guard lock(pool_mutex_);
    if (idle_.size() < max_idle) idle_.push_back(std::move(c));
}

template <class T>
net::awaitable<T> client::off_io_thread(net::awaitable<T> token_work) {
    if (!cfg_.token->may_block()) co_return co_await std::move(token_work);
    co_return co_await net::co_spawn(blocking_, std::move(token_work), net::use_awaitable);
}

void client::check_single_io_thread() {
    auto const me = std::this_thread::get_id();
    std::thread::id first{};
    if (io_thread_.compare_exchange_strong(first, me) || first == me) return;
    if (!warned_threads_.exchange(true)) {
        log::error("kube client: its io_context runs on more than one thread; its connections are "
                   "not on strands, so run the context on one thread (io_runner(ioc, 1))");
    }
}

net::awaitable<result<client::http_response>> client::async_do(http_request req) {
    check_single_io_thread();
    std::string failure;
    try {
    // GCC 12 miscompiles co_await inside constructor arguments and std::tie assignments in
    // coroutines; every co_await below is a plain statement or initializer.
    auto ex = co_await net::this_coro::executor;
    auto timeout = req.opts.timeout.count() > 0 ? req.opts.timeout : cfg_.request_timeout;
    http::request<http::string_body> msg{req.method, req.target, 11};
    msg.set(http::field::host, cfg_.host);
    msg.set(http::field::user_agent, cfg_.user_agent);
    msg.set(http::field::accept, "application/json");
    if (!req.content_type.empty()) msg.set(http::field::content_type, req.content_type);
    if (req.opts.as && !req.opts.as->empty()) detail::add_impersonation(msg, *req.opts.as);
    msg.keep_alive(true);
    msg.body() = std::move(req.body);
    msg.prepare_payload();

    std::string sent_token;    // the bearer token of the latest attempt
    bool reauthorised = false;  // a 401 re-reads the token source once per request
    for (int attempt = 0;; ++attempt) {
        auto delay = limiter_.reserve();
        if (delay > duration::zero()) {
            net::steady_timer t(ex, delay);
            auto waited = co_await t.async_wait(use_tuple);
            (void)waited;
        }
        if (cfg_.token) {
            auto tok = co_await off_io_thread(read_token(cfg_.token));
            if (!tok) co_return tok.error();
            sent_token = *tok;
            msg.set(http::field::authorization, "Bearer " + sent_token);
        } else if (!cfg_.basic_user.empty()) {
            msg.set(http::field::authorization,
                    "Basic " + base64::encode(cfg_.basic_user + ":" + cfg_.basic_password));
        }
        if (auto ok = detail::check_header_values(msg); !ok) co_return ok.error();
        // A pooled connection may have been closed by the server while idle: retry once fresh.
        result<http_response> out = internal("unset");
        for (int fresh = 0; fresh < 2; ++fresh) {
            auto conn = co_await acquire(fresh == 1);
            if (!conn) {
                count_request(http::to_string(req.method), 0);
                co_return conn.error();
            }
            auto& c = **conn;
            bool reused = c.used_;
            c.used_ = true;
            if (cfg_.send_gate && !cfg_.send_gate()) {
                release(std::move(*conn));
                co_return error{errc::transient,
                                fmt::format("{} {} not sent: the client's send gate is closed (the "
                                            "write fence: this replica no longer leads)",
                                            http::to_string(req.method), req.target),
                                {}};
            }
            auto& tcp = beast::get_lowest_layer(c.stream_);
            tcp.expires_after(timeout);
            auto written = co_await http::async_write(c.stream_, msg, use_tuple);
            boost::system::error_code ec = std::get<0>(written);
            http::response_parser<http::string_body> parser;
            parser.body_limit(max_body);
            if (!ec) {
                auto got = co_await http::async_read(c.stream_, c.buffer_, parser, use_tuple);
                ec = std::get<0>(got);
            }
            if (ec) {
                c.close();
                if (reused && fresh == 0 && ec != beast::error::timeout) continue;
                count_request(http::to_string(req.method), 0);
                std::string what = ec == beast::error::timeout ? "Timeout" : "ConnectionError";
                co_return to_error(api_error{0, what, fmt::format("{} {}: {}",
                    http::to_string(req.method), req.target, ec.message()), 0});
            }
            auto& res = parser.get();
            count_request(http::to_string(req.method), static_cast<int>(res.result_int()));
            http_response r{static_cast<int>(res.result_int()), std::move(res.body()),
                            parse_retry_after(res)};
            if (res.keep_alive()) release(std::move(*conn));
            else c.close();
            out = std::move(r);
            break;
        }
        auto& r = *out;
        // A bound service-account token rotates under us: a 401 may only mean the file holds a
        // newer one than the last periodic read gave. Re-read once and retry; if the source still
        // gives the refused token, the 401 is the answer.
        bool reread = false;
        if (r.status == 401 && !reauthorised && cfg_.token) {
            auto again = co_await off_io_thread(refresh_token(cfg_.token, sent_token));
            reread = again;
        }
        if (reread) {
            reauthorised = true;
            log::info("kube: 401 Unauthorized; re-read the token and retrying", {{"target", req.target}});
            continue;
        }
        bool retry_code = r.status == 429 || (r.status >= 500 && r.retry_after >= 0);
        if (retry_code && attempt < cfg_.max_retries) {
            int secs = std::clamp(r.retry_after < 0 ? 1 : r.retry_after, 1, 60);
            log::debug("kube: retrying after server asked", {{"status", std::to_string(r.status)},
                       {"retry_after", std::to_string(secs)}, {"target", req.target}});
            net::steady_timer t(ex, std::chrono::seconds(secs));
            auto waited = co_await t.async_wait(use_tuple);
            (void)waited;
            continue;
        }
        co_return out;
    }
    } catch (std::exception const& e) {
        failure = e.what();
    }
    co_return internal("kube client: " + failure);
}

net::awaitable<result<object>> client::async_object(http_request req) {
    auto r = co_await async_do(std::move(req));
    if (!r) co_return r.error();
    if (r->status < 200 || r->status >= 300) {
        auto e = api_error_from_response(r->status, r->body);
        e.retry_after_seconds = std::max(0, r->retry_after);
        co_return to_error(e);
    }
    auto doc = json::parse(r->body, {.max_bytes = max_body, .max_depth = 256});
    if (!doc) co_return internal("bad JSON from API server: " + doc.error().message);
    co_return std::make_shared<rapidjson::Document const>(std::move(*doc));
}

}  // namespace op::kube
