#pragma once
// Private: the current server ssl::context, rebuilt when tls.crt / tls.key change. Each new
// connection takes the current context (shared); existing connections keep theirs.
#include "op/util/error.hpp"

#include <boost/asio/ssl/context.hpp>

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

namespace op::webhook::detail {

class tls_store {
public:
    tls_store(std::filesystem::path cert, std::filesystem::path key)
        : cert_(std::move(cert)), key_(std::move(key)) {}
    // Re-reads both files; installs a new context when their content changed and the pair is
    // usable. Returns true when installed; fails (invalid) on unreadable files or a bad pair.
    [[nodiscard]] result<bool> reload();
    [[nodiscard]] std::shared_ptr<boost::asio::ssl::context> current() const;

private:
    std::filesystem::path cert_, key_;
    mutable std::mutex mutex_;
    std::string cert_pem_, key_pem_;
    std::shared_ptr<boost::asio::ssl::context> ctx_;
};

// A TLS 1.2+ server context from PEM text. Fails (invalid) on bad PEM or a key that does not
// match the certificate.
[[nodiscard]] result<std::shared_ptr<boost::asio::ssl::context>> make_server_context(
    std::string const& cert_pem, std::string const& key_pem);

}  // namespace op::webhook::detail
