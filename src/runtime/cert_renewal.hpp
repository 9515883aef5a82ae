#pragma once
// Private: the self-managed webhook certificate's life in the cluster. Secret
// compose-operator-webhook-cert is the source of truth (every replica reads it; whoever updates it
// first at a given resourceVersion is the writer, a conflict means another replica renewed); each
// replica writes what it holds into its cert dir and swaps its TLS context, and CA bundle changes
// go into the CRD's conversion config and both webhook configurations.
//
// The Secret keeps the CA key (ca.key, and ca-next.key during a rotation) so any replica can issue
// the next certificate. That is no new exposure: it lives in the operator's namespace beside the
// owner-signing key (compose-operator-owner-key), readable by the same Role only; whoever can read
// one can already forge stack owners with the other.
#include "op/runtime/operator.hpp"
#include "op/kube/client.hpp"
#include "op/webhook/certs.hpp"

#include <rapidjson/document.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace op::runtime {

inline constexpr char const* cert_secret_name = "compose-operator-webhook-cert";

// The certificates a Secret holds (tls.crt, tls.key, ca.crt, ca.key, ca-signer.crt, ca-next.crt,
// ca-next.key, ca-previous.crt; a Secret from before renewal has only the first three). Fails
// (invalid) naming the damaged key and saying how to recover; `where` is "namespace/name".
[[nodiscard]] result<webhook::cert_state> cert_state_from_secret(rapidjson::Value const& secret,
                                                                 std::string_view where);
// The Secret JSON for `s` (with resourceVersion when not empty: an update that conflicts if the
// Secret changed since).
[[nodiscard]] std::string cert_secret_body(std::string_view ns, webhook::cert_state const& s,
                                           std::string_view resource_version);
// The certificate request for this operator's Service / host and lifetimes.
[[nodiscard]] webhook::cert_request cert_request_for(run_options const& o);
// True when cert_dir holds certificates someone else put there (cert-manager, OLM).
[[nodiscard]] bool certs_mounted(run_options const& o);

class cert_renewer {
public:
    // `reload` makes the webhook server re-read the cert dir (server::reload_certs).
    cert_renewer(kube::client& c, run_options const& o, std::function<void()> reload);
    ~cert_renewer();
    cert_renewer(cert_renewer const&) = delete;
    cert_renewer& operator=(cert_renewer const&) = delete;

    // Reads (or makes) the Secret, applies any renewal that is due, writes the cert dir. Returns
    // the CA bundle. Fails when the Secret cannot be read, written or parsed.
    [[nodiscard]] result<std::string> init();
    // One round: read, renew if due (conflict: re-read), push a changed bundle, reload a changed
    // certificate. Public for the loop and tests.
    [[nodiscard]] result<void> step();
    // The loop on its own thread (every poll interval, or when the schedule says); stop() joins.
    void start();
    void stop();

private:
    result<void> push_bundle(std::string const& bundle);
    result<bool> bundles_hold(std::string const& ca_pem);
    result<void> write_local(webhook::cert_state const& s);

    kube::client& c_;
    run_options const& o_;
    std::function<void()> reload_;
    webhook::cert_request req_;
    std::string applied_bundle_, written_cert_;
    bool registered_ = false;  // the webhooks are registered: bundle changes are pushed
    webhook::sys_time next_check_{};
    std::mutex mutex_;
    std::condition_variable_any cv_;
    std::jthread thread_;
};

}  // namespace op::runtime
