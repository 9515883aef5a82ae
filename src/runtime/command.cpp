#include "op/runtime/operator.hpp"

#include "op/webhook/configurations.hpp"

#include <cstdio>
#include <cstdlib>

namespace op::runtime {

CLI::App* add_run_command(CLI::App& app, run_options& o) {
    auto* cmd = app.add_subcommand(
        "run", "Run the operator: webhooks (every replica) and the reconcile loop (the leader).");
    if (char const* ns = std::getenv("POD_NAMESPACE"); ns != nullptr && *ns != '\0') {
        o.operator_namespace = ns;
    } else {
        o.operator_namespace = "compose-operator";
    }
    cmd->add_option("--kubeconfig", o.kubeconfig, "kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)");
    cmd->add_option("--context", o.context, "kubeconfig context to use");
    cmd->add_option("--namespace", o.watch_namespace, "reconcile Stacks of this namespace only (default: all)");
    cmd->add_option("--operator-namespace", o.operator_namespace,
                    "namespace of the operator's Secrets and Lease (default: $POD_NAMESPACE or compose-operator)");
    cmd->add_option("--workers", o.workers, "concurrent reconcile workers")->check(CLI::Range(1, 256))->capture_default_str();
    cmd->add_option("--default-service-type", o.default_service_type, "type of <service>-published Services")
        ->check(CLI::IsMember({"LoadBalancer", "NodePort"}))->capture_default_str();
    cmd->add_option("--wait-image", o.wait_image,
                    "image of the init containers that wait for depends_on (needs sh, nc, nslookup)")
        ->capture_default_str();
    cmd->add_option("--impersonation", o.impersonation,
                    "write children as the stack's signed owner, or (none) as the operator's own account")
        ->check(CLI::IsMember({"owner", "none"}))->capture_default_str();
    cmd->add_flag("--leader-elect", o.leader_elect, "elect a leader with a Lease (required with several replicas)");
    auto ms = [](std::chrono::milliseconds& d) {
        return [&d](std::string const& s) {
            d = std::chrono::milliseconds(static_cast<long long>(std::stod(s) * 1000));
            return d.count() > 0;
        };
    };
    cmd->add_option_function<std::string>("--lease-duration", ms(o.lease_duration), "Lease duration in seconds (15)");
    cmd->add_option_function<std::string>("--renew-deadline", ms(o.renew_deadline), "renew deadline in seconds (10)");
    cmd->add_option_function<std::string>("--retry-period", ms(o.retry_period), "election retry period in seconds (2)");
    cmd->add_option("--cert-dir", o.cert_dir, "directory with tls.crt and tls.key (made when absent)")->capture_default_str();
    auto lifetime = [](std::chrono::seconds& d) {
        return [&d](std::string const& s) {
            // A number of seconds, or with a unit suffix: s, m, h, d.
            std::size_t used = 0;
            double v = std::stod(s, &used);
            std::string unit = s.substr(used);
            double mult = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : unit == "d" ? 86400 : 0;
            if (mult == 0 || v <= 0) throw CLI::ValidationError(s, "a duration like 90d, 12h, 30m or 60s");
            d = std::chrono::seconds(static_cast<long long>(v * mult));
        };
    };
    cmd->add_option_function<std::string>("--cert-lifetime", lifetime(o.cert_lifetime),
                                          "lifetime of the self-made serving certificate, renewed at 2/3 of it (90d)");
    cmd->add_option_function<std::string>("--ca-lifetime", lifetime(o.ca_lifetime),
                                          "lifetime of the self-made CA, rotated at 2/3 of it with an overlap; at least "
                                          "twice --cert-lifetime (1095d)");
    cmd->add_option("--webhook-address", o.webhook_address, "webhook HTTPS bind address")->capture_default_str();
    cmd->add_option("--webhook-port", o.webhook_port, "webhook HTTPS port")->check(CLI::Range(0, 65535))->capture_default_str();
    cmd->add_option("--probe-address", o.probe_address, "bind address of /healthz /readyz /metrics")->capture_default_str();
    cmd->add_option("--probe-port", o.probe_port, "port of /healthz /readyz /metrics")->check(CLI::Range(0, 65535))->capture_default_str();
    cmd->add_option("--webhook-service", o.webhook_service, "namespace/name of the webhook Service")->capture_default_str();
    cmd->add_option("--webhook-host", o.webhook_host,
                    "register the webhooks as https://<host>:<webhook-port> instead of the Service (local clusters)");
    cmd->add_option("--manage-webhooks", o.manage_webhooks,
                    "write clientConfig and caBundle into the CRD and webhook configurations")->capture_default_str();
    cmd->add_option("--body-limit", o.body_limit, "largest webhook request body in bytes")->capture_default_str();
    cmd->add_option("--webhook-threads", o.webhook_threads, "webhook server threads")->check(CLI::Range(1, 64))->capture_default_str();
    cmd->add_option("--conversion-cache-mib", o.conversion_cache_mib,
                    "MiB of /convert answers kept, per object and version, for repeated reads of the "
                    "same stored stacks (0: no cache)")
        ->check(CLI::Range(0, 4096))->capture_default_str();
    cmd->add_option("--kube-api-qps", o.qps, "client-side rate limit (requests per second), for each of: the reconciler's writes, its other requests, the webhook's caches")->capture_default_str();
    cmd->add_option("--kube-api-burst", o.burst, "client-side burst")->capture_default_str();
    cmd->add_option_function<int>("--shutdown-timeout", [&o](int s) { o.shutdown_timeout = std::chrono::seconds(s); },
                                  "seconds a graceful stop may take (15)");
    cmd->add_option_function<int>("--forbidden-retry", [&o](int s) { o.forbidden_retry = std::chrono::seconds(s); },
                                  "seconds before a stack stalled on missing RBAC rights is retried (300)");
    cmd->add_option_function<int>("--resync-period", [&o](int s) { o.resync_period = std::chrono::seconds(s); },
                                  "seconds between re-evaluations of every stack (600); Stalled ones are rate-limited")
        ->check(CLI::Range(1, 86400));
    cmd->add_option("--log-level", o.log_level, "debug, info, warn or error")
        ->check(CLI::IsMember({"debug", "info", "warn", "error"}))->capture_default_str();
    cmd->add_option("--log-format", o.log_format, "text or json")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
    return cmd;
}

CLI::App* add_manifests_command(CLI::App& app, std::string& what) {
    auto* cmd = app.add_subcommand(
        "manifests", "Print manifests rendered by the operator itself (webhooks: manifests/50-webhooks.yaml).");
    cmd->add_option("what", what, "which manifest")->required()->check(CLI::IsMember({"webhooks"}));
    return cmd;
}

int print_manifests(std::string const& what) {
    if (what != "webhooks") return 2;
    std::fputs(webhook::webhooks_manifest().c_str(), stdout);
    return 0;
}

}  // namespace op::runtime
