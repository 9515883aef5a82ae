#pragma once
// The runtime module: the operator process (`compose-operator run`), assembled from the modules.
//
// Start order (style.md 2.2, rule 6): probes; certificates and the owner-signing key (Secrets in
// the operator's namespace, made when absent); the webhook server (before any cache syncs, since
// the API server needs our conversion webhook to list Stacks); webhook registration (CA bundle
// and clientConfig into the CRD and both webhook configurations); then leader election, and on
// the leader only: informers for Stacks and their children, wait for sync, N reconcile workers.
// Stop in reverse on the first SIGTERM/SIGINT, with a deadline; a second signal exits at once.
// Readiness (/readyz) turns true once the webhook serves and, on the leader, the caches synced.
#include <CLI/CLI.hpp>

#include <chrono>
#include <string>

namespace op::runtime {

struct run_options {
    std::string kubeconfig;          // empty: KUBECONFIG, ~/.kube/config, then in-cluster
    std::string context;
    std::string watch_namespace;     // empty: all namespaces
    std::string operator_namespace;  // Secrets and the Lease live here (default: $POD_NAMESPACE or compose-operator)
    int workers = 4;
    std::string default_service_type = "LoadBalancer";  // or NodePort
    std::string wait_image = "busybox:1.36";            // init containers waiting for depends_on
    std::string impersonation = "owner";                 // or none
    bool leader_elect = false;
    std::chrono::milliseconds lease_duration{15'000};
    std::chrono::milliseconds renew_deadline{10'000};
    std::chrono::milliseconds retry_period{2'000};
    std::string cert_dir = "/tmp/k8s-webhook-server/serving-certs";
    // Lifetimes of the self-made certificates (not used with mounted ones or --manage-webhooks=false):
    // the serving certificate is renewed at 2/3 of its life, the CA rotated at 2/3 of its own.
    std::chrono::seconds cert_lifetime{std::chrono::hours(24 * 90)};
    std::chrono::seconds ca_lifetime{std::chrono::hours(24 * 365 * 3)};
    std::string webhook_address = "0.0.0.0";
    int webhook_port = 9443;
    std::string probe_address = "0.0.0.0";
    int probe_port = 8080;
    // How the API server reaches the webhooks: a Service "namespace/name" (in cluster) or, when
    // webhook_host is set, the URL https://<webhook_host>:<webhook_port> (local clusters).
    std::string webhook_service = "compose-operator/compose-operator-webhook";
    std::string webhook_host;
    bool manage_webhooks = true;     // write clientConfig and caBundle into the CRD and configurations
    std::size_t body_limit = 3u << 20;
    int webhook_threads = 2;
    std::size_t conversion_cache_mib = 16;  // /convert answers kept per object (0: none)
    // Client-side rate limit, each: the reconciler's writes (paced before the write fence, so none
    // waits its turn past a lost Lease), the leader's other requests, the webhook's caches.
    double qps = 50;
    int burst = 100;
    std::chrono::seconds shutdown_timeout{15};
    std::chrono::seconds forbidden_retry{300};  // requeue of a stack stalled on 403
    std::chrono::seconds resync_period{600};    // every stack re-evaluated (Stalled ones rate-limited)
    std::string log_level = "info";
    std::string log_format = "text";
};

// Registers `run` on `app`, filling `opts` from its flags. Returns the subcommand.
CLI::App* add_run_command(CLI::App& app, run_options& opts);

// Registers `manifests <what>`, which prints manifests the binary renders itself (today
// `webhooks`: manifests/50-webhooks.yaml). `what` receives the argument. Returns the subcommand.
CLI::App* add_manifests_command(CLI::App& app, std::string& what);
// Prints the manifest `what` names to stdout; returns the exit code.
[[nodiscard]] int print_manifests(std::string const& what);

// Runs the operator until SIGTERM/SIGINT (or lost leadership). Returns the process exit code;
// logs one clear line and returns non-zero on bad configuration.
[[nodiscard]] int run(run_options const& opts);

}  // namespace op::runtime
