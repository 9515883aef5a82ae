#pragma once
// Self-managed webhook certificates: when no certificate is mounted, the operator makes its own CA
// and a serving certificate for the in-cluster Service (ECDSA P-256, OpenSSL 3), writes them to
// the cert dir the server reads, and exposes the PEMs so the caller can store them in a Secret and
// inject the CA bundle into the CRD and webhook configurations.
//
// Renewal (cert_state, decide_renewal, renew): the CA key is kept with the certificates, so any
// replica can issue a new serving certificate; the serving certificate is renewed at 2/3 of its
// life and the CA rotated with an overlap (new CA trusted first, then signing, then the old one
// dropped). The schedule is a pure function of the time and the certificates' validity dates.
#include "op/util/error.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace op::webhook {

struct cert_request {
    std::string service = "compose-operator-webhook";
    std::string namespace_ = "compose-operator";
    std::vector<std::string> extra_dns;                    // added to the SANs
    std::vector<std::string> extra_ips = {"127.0.0.1"};    // IP SANs; "localhost" is always a DNS SAN
    std::chrono::seconds ca_validity{std::chrono::hours(24 * 365 * 3)};
    std::chrono::seconds cert_validity{std::chrono::hours(24 * 90)};
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

// ---- renewal ----------------------------------------------------------------------------------

using sys_time = std::chrono::system_clock::time_point;

// What the self-managed certificate Secret holds (PEM text). During a CA rotation either `next_ca`
// (trusted, not yet signing) or `previous_ca` (no longer signing, still trusted) is set.
struct cert_state {
    std::string ca_cert_pem;           // the signing CA
    std::string ca_key_pem;            // its key; empty in Secrets made before renewal existed
    std::string next_ca_cert_pem, next_ca_key_pem;
    std::string previous_ca_cert_pem;
    std::string cert_pem, key_pem;     // the serving certificate and key
};

// The CA bundle to inject: previous, signing and next CA, in that order (the same text in both
// halves of a rotation, so nothing is rewritten at the switch).
[[nodiscard]] std::string ca_bundle(cert_state const& s);

struct validity {
    sys_time not_before, not_after;
};
// The dates (and the two facts not in dates) decide_renewal needs.
struct cert_dates {
    validity ca;
    bool ca_key = true;                    // false: the signing CA's key is not kept (old Secret)
    std::optional<validity> next_ca, previous_ca;
    validity serving;
    bool serving_signed_by_ca = true;      // the serving certificate chains to the signing CA
};

enum class renewal_action {
    none,
    regenerate,         // the signing CA expired: new CA and serving certificate, nothing else trusted
    start_ca_rotation,  // make the next CA; the bundle holds both, the old one still signs
    switch_ca,          // the next CA signs a new serving certificate; the old one becomes previous
    drop_previous_ca,   // the overlap after the switch passed: the old CA leaves the bundle
    renew_serving,      // a new serving certificate from the signing CA
};
[[nodiscard]] std::string_view to_string(renewal_action a);

struct renewal_decision {
    renewal_action action = renewal_action::none;
    sys_time next_check;  // when, with nothing changed, the next action becomes due
};

// The schedule. CA rotation starts at 2/3 of the signing CA's life (or at once when its key is not
// kept); the switch comes min(life/12, 1 h) after the next CA's notBefore (the bundle with both
// has reached the API server); the old CA is dropped min(life/3, 1 day) after the serving
// certificate's notBefore (every replica reloaded it); the serving certificate is renewed at 2/3
// of its life, or at once when it does not chain to the signing CA. One action at a time, in the
// order of the enum. Never fails.
[[nodiscard]] renewal_decision decide_renewal(sys_time now, cert_dates const& d);

// Reads the dates of every certificate in `s` and checks each key against its certificate.
// Fails (invalid) naming the Secret key ("ca.key", "tls.crt", ...) that is missing or damaged.
[[nodiscard]] result<cert_dates> read_dates(cert_state const& s);

// A new CA and serving certificate as a state (what a new Secret holds).
[[nodiscard]] result<cert_state> new_cert_state(cert_request const& req);

// `s` after `a` at `now` (new keys and certificates as the action needs; none: `s`). A serving
// certificate never outlives the CA that signs it. Fails (internal) if OpenSSL fails, (invalid)
// when the action needs a key `s` does not hold.
[[nodiscard]] result<cert_state> renew(cert_state s, renewal_action a, cert_request const& req);

// The serial number of a PEM certificate in hex. Fails (invalid) on bad PEM.
[[nodiscard]] result<std::string> cert_serial(std::string_view cert_pem);

}  // namespace op::webhook
