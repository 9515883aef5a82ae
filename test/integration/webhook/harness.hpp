#pragma once
// Integration-test harness: a webhook server on 127.0.0.1:0 with a CA made at test time, and a
// small synchronous TLS client (socket timeouts so a broken server cannot hang the suite).
#include "op/webhook/certs.hpp"
#include "op/webhook/server.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <sys/socket.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace op::webhook::test {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

inline std::filesystem::path temp_cert_dir() {
    static std::atomic<int> n{0};
    auto dir = std::filesystem::temp_directory_path() /
               ("op-webhook-it-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::remove_all(dir);
    return dir;
}

inline cert_bundle make_certs() {
    auto b = generate_certs({});
    if (!b) throw std::runtime_error(b.error().what());
    return *b;
}

inline void set_socket_timeouts(int fd, int seconds) {
    timeval tv{seconds, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// A blocking HTTPS client on one connection, trusting the given CA bundles.
class tls_client {
public:
    tls_client(std::uint16_t port, std::vector<std::string> const& ca_pems) : stream_(ioc_, ctx_) {
        for (auto const& pem : ca_pems) ctx_.add_certificate_authority(net::buffer(pem));
        ctx_.set_verify_mode(ssl::verify_peer);
        stream_.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
        SSL_set_tlsext_host_name(stream_.native_handle(), "localhost");
        stream_.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
        set_socket_timeouts(stream_.next_layer().native_handle(), 10);
        stream_.handshake(ssl::stream_base::client);
    }
    http::response<http::string_body> request(std::string const& target, std::string body,
                                              http::verb verb = http::verb::post) {
        http::request<http::string_body> req{verb, target, 11};
        req.set(http::field::host, "127.0.0.1");
        req.set(http::field::content_type, "application/json");
        req.keep_alive(true);
        req.body() = std::move(body);
        req.prepare_payload();
        http::write(stream_, req);
        http::response<http::string_body> res;
        http::read(stream_, buffer_, res);
        return res;
    }
    ssl::stream<tcp::socket>& stream() { return stream_; }
    std::string peer_cert_pem() {
        X509* cert = SSL_get1_peer_certificate(stream_.native_handle());
        BIO* bio = BIO_new(BIO_s_mem());
        PEM_write_bio_X509(bio, cert);
        char* data = nullptr;
        long n = BIO_get_mem_data(bio, &data);
        std::string out(data, static_cast<std::size_t>(n));
        BIO_free(bio);
        X509_free(cert);
        return out;
    }

private:
    net::io_context ioc_;
    ssl::context ctx_{ssl::context::tls_client};
    ssl::stream<tcp::socket> stream_;
    beast::flat_buffer buffer_;
};

// A server with small timeouts for tests, started on a fresh cert dir.
struct test_server {
    std::filesystem::path dir = temp_cert_dir();
    cert_bundle certs = make_certs();
    op::metrics::registry metrics;
    std::unique_ptr<server> srv;

    explicit test_server(handlers h, server_options opts = small_options()) {
        if (auto w = write_cert_dir(dir, certs); !w) throw std::runtime_error(w.error().what());
        opts.cert_dir = dir;
        srv = std::make_unique<server>(opts, std::move(h), metrics);
        if (auto s = srv->start(); !s) throw std::runtime_error(s.error().what());
    }
    ~test_server() {
        srv->stop(std::chrono::seconds(2));
        std::filesystem::remove_all(dir);
    }
    static server_options small_options() {
        server_options o;
        o.address = "127.0.0.1";
        o.port = 0;
        o.threads = 2;
        o.handshake_timeout = std::chrono::milliseconds(1500);
        o.read_timeout = std::chrono::milliseconds(1500);
        o.write_timeout = std::chrono::milliseconds(1500);
        o.cert_poll_interval = std::chrono::milliseconds(100);
        return o;
    }
    tls_client client() { return tls_client(srv->port(), {certs.ca_cert_pem}); }
};

}  // namespace op::webhook::test
