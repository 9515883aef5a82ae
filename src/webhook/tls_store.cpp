#include "tls_store.hpp"

#include "op/util/openssl_error.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>

#include <fstream>
#include <sstream>

namespace op::webhook::detail {
namespace {

result<std::string> read_file(std::filesystem::path const& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return invalid(fmt::format("cannot read {}", p.string()));
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

result<std::shared_ptr<boost::asio::ssl::context>> make_server_context(std::string const& cert_pem,
                                                                        std::string const& key_pem) {
    namespace ssl = boost::asio::ssl;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                     ssl::context::single_dh_use);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    SSL_CTX_set_options(ctx->native_handle(), SSL_OP_NO_RENEGOTIATION);
    boost::system::error_code ec;
    ctx->use_certificate_chain(boost::asio::buffer(cert_pem), ec);
    if (ec) {
        return invalid(openssl_error("cannot load the certificate chain: " + ec.message()));
    }
    ctx->use_private_key(boost::asio::buffer(key_pem), ssl::context::pem, ec);
    if (ec) return invalid(openssl_error("cannot load the private key: " + ec.message()));
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
        return invalid(openssl_error("the private key does not match the certificate"));
    }
    return ctx;
}

result<bool> tls_store::reload() {
    OP_TRY(auto cert, read_file(cert_));
    OP_TRY(auto key, read_file(key_));
    {
        std::lock_guard lock(mutex_);
        if (ctx_ && cert == cert_pem_ && key == key_pem_) return false;
    }
    OP_TRY(auto ctx, make_server_context(cert, key));
    std::lock_guard lock(mutex_);
    cert_pem_ = std::move(cert);
    key_pem_ = std::move(key);
    ctx_ = std::move(ctx);
    return true;
}

std::shared_ptr<boost::asio::ssl::context> tls_store::current() const {
    std::lock_guard lock(mutex_);
    return ctx_;
}

}  // namespace op::webhook::detail
