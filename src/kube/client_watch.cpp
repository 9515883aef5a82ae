// The streaming watch: a dedicated connection reading chunked newline-delimited JSON.
#include "connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>

#include <array>

namespace op::kube {

namespace http = beast::http;

namespace {
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
constexpr std::size_t max_line = 16u << 20;
}  // namespace

net::awaitable<result<void>> client::async_watch(
    resource const& r, std::string ns, list_options lo,
    std::function<result<void>(watch_event&&)> on_event, watch_cancel& cancel,
    request_options opts) {
    std::string failure;
    try {
    auto ex = co_await net::this_coro::executor;  // see client.cpp on GCC 12 and co_await
    if (cancel.cancelled()) co_return result<void>{};
    std::string target = r.collection_path(ns) + detail::list_query(lo, true);
    http::request<http::empty_body> msg{http::verb::get, target, 11};
    msg.set(http::field::host, cfg_.host);
    msg.set(http::field::user_agent, cfg_.user_agent);
    msg.set(http::field::accept, "application/json");
    if (opts.as && !opts.as->empty()) detail::add_impersonation(msg, *opts.as);
    std::string sent_token;
    if (cfg_.token) {
        auto tok = cfg_.token->token();
        if (!tok) co_return tok.error();
        sent_token = *tok;
        msg.set(http::field::authorization, "Bearer " + *tok);
    }
    if (auto ok = detail::check_header_values(msg); !ok) co_return ok.error();
    auto delay = limiter_.reserve();
    if (delay > duration::zero()) {
        net::steady_timer t(ex, delay);
        auto waited = co_await t.async_wait(use_tuple);
        (void)waited;
    }
    // The connection lives on this coroutine's executor so cancel() (run there) is safe.
    auto conn = std::make_shared<detail::connection>(ex, tls_);
    cancel.conn_ = conn;
    auto reset = [&] { cancel.conn_.reset(); };
    auto connected = co_await conn->connect(cfg_, cfg_.request_timeout);
    if (!connected) {
        if (!cancel.cancelled()) count_request("GET", 0);
        reset();
        co_return cancel.cancelled() ? result<void>{} : connected;
    }
    auto& tcp = beast::get_lowest_layer(conn->stream_);
    // Idle limit: the server ends the watch after timeoutSeconds and sends bookmarks meanwhile.
    auto idle = std::chrono::seconds(lo.timeout_seconds > 0 ? lo.timeout_seconds + 60 : 1900);
    tcp.expires_after(cfg_.request_timeout);
    auto written = co_await http::async_write(conn->stream_, msg, use_tuple);
    boost::system::error_code ec = std::get<0>(written);
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    if (!ec) {
        auto head = co_await http::async_read_header(conn->stream_, conn->buffer_, parser, use_tuple);
        ec = std::get<0>(head);
    }
    auto fail = [&](boost::system::error_code e) -> result<void> {
        conn->close();
        reset();
        if (cancel.cancelled()) return {};
        return to_error(api_error{0, e == beast::error::timeout ? "Timeout" : "ConnectionError",
                                  "watch " + target + ": " + e.message(), 0});
    };
    if (ec) {
        count_request("GET", 0);
        co_return fail(ec);
    }
    int status = static_cast<int>(parser.get().result_int());
    count_request("GET", status);
    std::array<char, 16384> buf;
    std::string error_body;
    line_splitter lines(max_line);
    while (!parser.is_done()) {
        parser.get().body().data = buf.data();
        parser.get().body().size = buf.size();
        tcp.expires_after(status == 200 ? idle : cfg_.request_timeout);
        // read_some: hand each chunk over as it arrives (async_read would wait for a full buffer).
        auto part = co_await http::async_read_some(conn->stream_, conn->buffer_, parser, use_tuple);
        auto rec = std::get<0>(part);
        if (rec == http::error::need_buffer) rec = {};
        std::string_view got(buf.data(), buf.size() - parser.get().body().size);
        // The server closed mid-stream: use what arrived, then the caller re-watches.
        bool closed = rec == http::error::end_of_stream || rec == http::error::partial_message ||
                      rec == net::error::eof;
        if (rec && !closed) co_return fail(rec);
        if (status != 200) {
            if (error_body.size() < 65536) error_body.append(got);
            if (closed) break;
            continue;
        }
        auto ls = lines.feed(got);
        if (!ls) {
            conn->close();
            reset();
            co_return ls.error();
        }
        for (auto& l : *ls) {
            auto ev = parse_watch_event(l, lo.drop_bookkeeping, lo.metadata_only);
            if (!ev) {
                conn->close();
                reset();
                co_return ev.error();
            }
            if (auto h = on_event(std::move(*ev)); !h) {
                conn->close();
                reset();
                co_return h;
            }
        }
        if (closed) break;
    }
    conn->close();
    reset();
    // Refused credentials: re-read the token source so the caller's next list or watch uses a
    // rotated token (the informer relists through async_do, which also retries a 401 once).
    if (status == 401 && cfg_.token) (void)cfg_.token->refresh(sent_token);
    if (status != 200) co_return to_error(api_error_from_response(status, error_body));
    co_return result<void>{};
    } catch (std::exception const& e) {
        failure = e.what();
    }
    co_return internal("kube watch: " + failure);
}

}  // namespace op::kube
