#include "connection.hpp"

#include <fmt/format.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <openssl/ssl.h>

namespace op::kube::detail {

namespace {
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

bool is_ip(std::string const& host) {
    boost::system::error_code ec;
    net::ip::make_address(host, ec);
    return !ec;
}
}  // namespace

net::awaitable<result<void>> connection::connect(config const& cfg,
                                                 std::chrono::milliseconds timeout) {
    auto ex = co_await net::this_coro::executor;
    net::ip::tcp::resolver resolver(ex);
    auto [rec, endpoints] = co_await resolver.async_resolve(cfg.host, cfg.port, use_tuple);
    if (rec) co_return transient("resolve " + cfg.host + ": " + rec.message());
    auto& tcp = beast::get_lowest_layer(stream_);
    tcp.expires_after(timeout);
    auto [cec, ep] = co_await tcp.async_connect(endpoints, use_tuple);
    if (cec) co_return to_error(api_error{0, "ConnectFailed", cfg.server + ": " + cec.message(), 0});
    std::string const& name = cfg.tls_server_name.empty() ? cfg.host : cfg.tls_server_name;
    if (!is_ip(name)) SSL_set_tlsext_host_name(stream_.native_handle(), name.c_str());
    if (!cfg.insecure_skip_tls_verify) {
        stream_.set_verify_mode(net::ssl::verify_peer);
        stream_.set_verify_callback(net::ssl::host_name_verification(name));
    } else {
        stream_.set_verify_mode(net::ssl::verify_none);
    }
    auto [hec] = co_await stream_.async_handshake(net::ssl::stream_base::client, use_tuple);
    if (hec) co_return to_error(api_error{0, "TLSHandshake", hec.message(), 0});
    co_return result<void>{};
}

void connection::close() {
    boost::system::error_code ec;
    beast::get_lowest_layer(stream_).socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(stream_).socket().close(ec);
}

std::string query_escape(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

result<void> check_header_values(beast::http::fields const& f) {
    for (auto const& h : f) {
        auto v = h.value();
        if (v.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
            return invalid(fmt::format("the {} header value has a CR, LF or NUL character; the "
                                       "request was not sent",
                                       std::string_view(h.name_string().data(), h.name_string().size())));
        }
    }
    return {};
}

void add_impersonation(beast::http::fields& f, impersonation const& as) {
    f.insert("Impersonate-User", as.user);
    if (!as.uid.empty()) f.insert("Impersonate-Uid", as.uid);
    for (auto const& g : as.groups) f.insert("Impersonate-Group", g);
    for (auto const& [k, vs] : as.extra)
        for (auto const& v : vs) f.insert("Impersonate-Extra-" + query_escape(k), v);
}

}  // namespace op::kube::detail
