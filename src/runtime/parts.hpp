#pragma once
// Private pieces of the runtime module, one file each.
#include "op/admission/validate.hpp"
#include "op/identity/identity.hpp"
#include "op/kube/client.hpp"
#include "op/mapping/options.hpp"
#include "op/runtime/operator.hpp"
#include "op/webhook/certs.hpp"
#include "op/webhook/server.hpp"

#include "op/webhook/conversion_cache.hpp"

#include <memory>
#include <string>

namespace op::runtime {

// handlers.cpp: the typed webhook handlers (no HTTP here; the webhook module is the transport).
// `lookup` answers the validating webhook's collision lookups from caches (collision_caches in
// lookups.hpp; it must not block: validations run on the webhook's bounded pool); may be empty.
// `cache` (may be null) memoises /convert answers per object (conversion_cache.hpp).
[[nodiscard]] webhook::handlers make_handlers(identity::hmac_key const& key,
                                              mapping::mapping_options const& mapping,
                                              admission::object_lookup lookup,
                                              std::shared_ptr<webhook::conversion_cache> cache = nullptr);

// bootstrap.cpp: Secrets in the operator namespace.
// The serving certificate: used as mounted when `cert_dir` holds tls.crt/tls.key that the operator
// did not write; otherwise renewer.init() (Secret compose-operator-webhook-cert, cert_renewal.hpp).
// Returns the CA bundle PEM to inject ("" when mounted certificates came without ca.crt).
class cert_renewer;
[[nodiscard]] result<std::string> ensure_serving_cert(run_options const& o, cert_renewer& renewer);
// The owner-signing HMAC key from Secret compose-operator-owner-key, made when absent.
[[nodiscard]] result<identity::hmac_key> ensure_owner_key(kube::client& c, run_options const& o);
// Points the CRD's conversion webhook and both admission webhook configurations at this process
// (a URL or the Service) with `ca_pem` as caBundle. Server-side apply, field manager compose-operator.
[[nodiscard]] result<void> register_webhooks(kube::client& c, run_options const& o,
                                             std::string const& ca_pem);

}  // namespace op::runtime
