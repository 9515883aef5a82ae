#pragma once
// Self-managed webhook certificates: when no certificate is mounted, the operator makes its own CA
// and a serving certificate for the in-cluster Service (ECDSA P-256, OpenSSL 3), writes them to
// the cert dir the server reads, and exposes the PEMs so the caller can store them in a Secret and
// inject the CA bundle into the CRD and webhook configurations.
#include "op/util/error.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace op::webhook {

struct cert_request {
    std::string service = "compose-operator-webhook";
    std::string namespace_ = "compose-operator";
    std::vector<std::string> extra_dns;                    // added to the SANs
    std::vector<std::string> extra_ips = {"127.0.0.1"};    // IP SANs; "localhost" is always a DNS SAN
    std::chrono::hours ca_validity{24 * 365 * 10};
    std::chrono::hours cert_validity{24 * 365};
};

struct cert_bundle {
    std::string ca_cert_pem;  // the CA bundle to inject (caBundle is its base64)
    std::string ca_key_pem;
    std::string cert_pem;     // tls.crt
    std::string key_pem;      // tls.key (PKCS#8)
};

// The DNS SANs for a request: <svc>, <svc>.<ns>, <svc>.<ns>.svc, <svc>.<ns>.svc.cluster.local,
// localhost, then extra_dns.
[[nodiscard]] std::vector<std::string> dns_names(cert_request const& req);

// A new CA and a serving certificate signed by it. Fails (internal) if OpenSSL fails.
[[nodiscard]] result<cert_bundle> generate_certs(cert_request const& req);

// Writes tls.crt, tls.key and ca.crt into `dir` (created if absent; key mode 0600), each through a
// temporary file and rename. Fails (transient) on an I/O error.
[[nodiscard]] result<void> write_cert_dir(std::filesystem::path const& dir, cert_bundle const& b);

// True when `dir` holds both tls.crt and tls.key.
[[nodiscard]] bool has_certs(std::filesystem::path const& dir);

// The subjectAltNames of a PEM certificate ("DNS:x", "IP:1.2.3.4"). Fails (invalid) on bad PEM.
[[nodiscard]] result<std::vector<std::string>> cert_sans(std::string_view cert_pem);

// Succeeds when `cert_pem` chains to `ca_pem` and is within its validity period; fails (invalid)
// with OpenSSL's reason otherwise.
[[nodiscard]] result<void> verify_cert(std::string_view cert_pem, std::string_view ca_pem);

}  // namespace op::webhook
