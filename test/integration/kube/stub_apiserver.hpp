#pragma once
// A tiny TLS HTTP/1.1 stub apiserver on 127.0.0.1:0 for failure modes a real server will not
// produce on demand (429 + Retry-After, a watch dropped mid-line). One thread per connection.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace stub {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tls_stream = net::ssl::stream<net::ip::tcp::socket>;

// What a handler wants sent: a normal response, or raw bytes (then optionally a close).
struct reply {
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string raw;  // when non-empty, written as-is instead of a response
    bool close_after = false;
};

inline std::pair<std::string, std::string> self_signed() {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* x = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               reinterpret_cast<unsigned char const*>("stub"), -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    X509_sign(x, key, EVP_sha256());
    auto pem = [](auto write) {
        BIO* b = BIO_new(BIO_s_mem());
        write(b);
        char* d = nullptr;
        long n = BIO_get_mem_data(b, &d);
        std::string s(d, static_cast<std::size_t>(n));
        BIO_free(b);
        return s;
    };
    auto c = pem([&](BIO* b) { PEM_write_bio_X509(b, x); });
    auto k = pem([&](BIO* b) { PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr); });
    X509_free(x);
    EVP_PKEY_free(key);
    return {c, k};
}

class server {
public:
    using handler = std::function<reply(http::request<http::string_body> const&)>;
    explicit server(handler h) : handler_(std::move(h)), ctx_(net::ssl::context::tls_server),
                                 acceptor_(ioc_, {net::ip::make_address("127.0.0.1"), 0}) {
        auto [cert, key] = self_signed();
        ctx_.use_certificate_chain(net::buffer(cert));
        ctx_.use_private_key(net::buffer(key), net::ssl::context::pem);
        accept_thread_ = std::thread([this] { accept_loop(); });
    }
    ~server() {
        stopping_ = true;
        boost::system::error_code ec;
        {  // wake the blocking accept() with a connection of our own
            net::ip::tcp::socket wake(ioc_);
            wake.connect(acceptor_.local_endpoint(), ec);
            accept_thread_.join();
        }
        acceptor_.close(ec);
        std::lock_guard l(m_);
        for (auto& s : sockets_) s->lowest_layer().shutdown(net::ip::tcp::socket::shutdown_both, ec);
        for (auto& t : threads_) t.join();
    }
    unsigned short port() const { return acceptor_.local_endpoint().port(); }
    std::vector<std::string> targets() {
        std::lock_guard l(m_);
        return targets_;
    }

private:
    void accept_loop() {
        while (!stopping_) {
            net::ip::tcp::socket sock(ioc_);
            boost::system::error_code ec;
            acceptor_.accept(sock, ec);
            if (ec || stopping_) return;
            auto s = std::make_shared<tls_stream>(std::move(sock), ctx_);
            std::lock_guard l(m_);
            sockets_.push_back(s);
            threads_.emplace_back([this, s] { session(*s); });
        }
    }
    void session(tls_stream& s) {
        boost::system::error_code ec;
        s.handshake(net::ssl::stream_base::server, ec);
        if (ec) return;
        beast::flat_buffer buf;
        for (;;) {
            http::request<http::string_body> req;
            http::read(s, buf, req, ec);
            if (ec) return;
            {
                std::lock_guard l(m_);
                targets_.push_back(std::string(req.target()));
            }
            reply r = handler_(req);
            if (!r.raw.empty()) {
                net::write(s, net::buffer(r.raw), ec);
            } else {
                http::response<http::string_body> res{static_cast<http::status>(r.status), 11};
                res.set(http::field::content_type, "application/json");
                for (auto& [k, v] : r.headers) res.set(k, v);
                res.body() = r.body;
                res.keep_alive(!r.close_after);
                res.prepare_payload();
                http::write(s, res, ec);
            }
            if (ec || r.close_after) {
                s.lowest_layer().close(ec);
                return;
            }
        }
    }

    handler handler_;
    net::io_context ioc_;
    net::ssl::context ctx_;
    net::ip::tcp::acceptor acceptor_;
    std::atomic<bool> stopping_{false};
    std::thread accept_thread_;
    std::mutex m_;
    std::vector<std::shared_ptr<tls_stream>> sockets_;
    std::vector<std::thread> threads_;
    std::vector<std::string> targets_;
};

// A chunked 200 watch response head plus `chunks` as HTTP chunks (no terminating chunk).
inline std::string chunked(std::vector<std::string> const& chunks, bool finish) {
    std::string out = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n";
    char len[32];
    for (auto const& c : chunks) {
        std::snprintf(len, sizeof len, "%zx\r\n", c.size());
        out += len;
        out += c;
        out += "\r\n";
    }
    if (finish) out += "0\r\n\r\n";
    return out;
}

}  // namespace stub
