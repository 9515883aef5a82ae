#pragma once
// Private: one TLS connection to the API server, and the request/response types of client.
#include "op/kube/client.hpp"

#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace op::kube {

namespace beast = boost::beast;

struct client::http_request {
    beast::http::verb method = beast::http::verb::get;
    std::string target;
    std::string content_type;
    std::string body;
    request_options opts;
};

struct client::http_response {
    int status = 0;
    std::string body;
    int retry_after = -1;  // seconds; -1 when absent
};

namespace detail {

class connection {
public:
    using stream_type = beast::ssl_stream<beast::tcp_stream>;
    connection(net::any_io_executor ex, net::ssl::context& ctx) : stream_(ex, ctx) {}
    // Resolves, connects and does the TLS handshake within `timeout`.
    net::awaitable<result<void>> connect(config const& cfg, std::chrono::milliseconds timeout);
    void close();

    stream_type stream_;
    beast::flat_buffer buffer_;
    bool used_ = false;  // has served a request (a failure may be a stale keep-alive)
};

// invalid (naming the header, never its value) when a header value holds CR, LF or NUL: such a
// request is never sent, so no value can end a header early and add headers of its choosing.
[[nodiscard]] result<void> check_header_values(beast::http::fields const& f);

// Adds the Impersonate-* headers for `as` (group and extra repeat; extra keys are escaped).
void add_impersonation(beast::http::fields& f, impersonation const& as);

// The query string ("?a=b&...") for a list or watch request.
[[nodiscard]] std::string list_query(list_options const& lo, bool watch);

// Percent-encodes a query value.
[[nodiscard]] std::string query_escape(std::string_view s);

}  // namespace detail
}  // namespace op::kube
