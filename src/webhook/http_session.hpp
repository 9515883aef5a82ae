#pragma once
// Private: the HTTP/1.1 keep-alive request loop shared by the HTTPS and probe sessions (style rule
// 7: expires_after before every read and write, a fresh parser with limits per request).
#include "http_conn.hpp"
#include "op/webhook/review.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <string>

namespace op::webhook::detail {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

inline constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

struct session_limits {
    std::size_t body_limit;
    std::size_t header_limit;
    std::chrono::milliseconds read_timeout;
    std::chrono::milliseconds write_timeout;
    char const* allow;  // the Allow header sent with 405
};

// Serves requests on `stream` until the peer closes, an error or timeout occurs, a request asks
// to close, or `draining` is set. `co_await handle(method, target, body)` gives the reply (the
// views stay valid until it completes).
template <class Stream, class Handler>
net::awaitable<void> serve_requests(Stream& stream, conn& c, session_limits lim,
                                    std::atomic<bool> const& draining, Handler const& handle) {
    auto& tcp = beast::get_lowest_layer(stream);
    beast::flat_buffer buffer;
    for (;;) {
        c.busy = false;
        if (draining.load()) co_return;
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(lim.header_limit));
        parser.body_limit(lim.body_limit);
        tcp.expires_after(lim.read_timeout);  // the whole request, including idle keep-alive time
        auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, use_tuple);
        c.busy = true;
        if (!ec && !parser.is_done()) {
            std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, use_tuple);
        }
        http_reply reply;
        bool close = false;
        if (ec == http::error::body_limit) {
            reply = {413, status_body(413, "request body too large"), "application/json", true};
            close = true;
        } else if (ec == http::error::header_limit) {
            reply = {431, status_body(431, "request header too large"), "application/json", true};
            close = true;
        } else if (ec && ec != http::error::end_of_stream && ec != http::error::partial_message &&
                   &ec.category() == &http::make_error_code(http::error::bad_target).category()) {
            reply = {400, status_body(400, "malformed HTTP request"), "application/json", true};
            close = true;
        } else if (ec) {
            co_return;  // closed, reset, timed out or cancelled
        } else {
            auto const& req = parser.get();
            reply = co_await handle(std::string_view(req.method_string()),
                                    std::string_view(req.target()), std::string_view(req.body()));
            close = !req.keep_alive();
        }
        http::response<http::string_body> res{static_cast<http::status>(reply.status), 11};
        res.set(http::field::content_type, reply.content_type);
        if (reply.status == 405) res.set(http::field::allow, lim.allow);
        res.body() = std::move(reply.body);
        res.keep_alive(!close && !draining.load());
        res.prepare_payload();
        tcp.expires_after(lim.write_timeout);
        auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
        if (wec || !res.keep_alive()) co_return;
    }
}

}  // namespace op::webhook::detail
