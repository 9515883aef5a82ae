#include "op/runtime/operator.hpp"

#include "cert_renewal.hpp"
#include "controller.hpp"
#include "build_info.hpp"
#include "lookups.hpp"
#include "op/kube/config.hpp"
#include "op/kube/io_runner.hpp"
#include "op/kube/leader_election.hpp"
#include "op/util/log.hpp"
#include "op/version.hpp"
#include "op/metrics/process.hpp"
#include "op/metrics/registry.hpp"
#include "op/webhook/probes.hpp"
#include "parts.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace op::runtime {
namespace {

constexpr char const* sa_root = "/var/run/secrets/kubernetes.io/serviceaccount";

std::string env(char const* name) {
    char const* v = std::getenv(name);
    return v != nullptr ? v : "";
}

result<kube::config> load_config(run_options const& o) {
    kube::kubeconfig_options ko{o.kubeconfig, env("KUBECONFIG"), env("HOME"), o.context};
    auto cfg = kube::load_kubeconfig(ko);
    if (!cfg && o.kubeconfig.empty() && ko.kubeconfig_env.empty()) {
        // COMPOSE_OPERATOR_SERVICEACCOUNT_DIR stands in for the mounted account (tests run the
        // in-cluster path out of a cluster with a token file and CA in a temporary folder).
        auto root = env("COMPOSE_OPERATOR_SERVICEACCOUNT_DIR");
        auto in = kube::in_cluster_config(root.empty() ? sa_root : root);
        if (in) return in;
        return invalid(fmt::format("no kubeconfig ({}) and not in a cluster ({}); pass --kubeconfig",
                                   cfg.error().what(), in.error().what()));
    }
    return cfg;
}

std::string instance_name() {
    auto pod = env("POD_NAME");
    if (!pod.empty()) return pod;
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    return fmt::format("{}-{}", host, getpid());
}

// Sends SIGTERM to this process: wakes the main thread's sigwait (used on lost leadership).
void request_stop() { kill(getpid(), SIGTERM); }

int fail(std::string_view what, error const& e) {
    log::error(what, {{"error", e.what()}});
    return 1;
}

}  // namespace

int run(run_options const& o) {
    log::level lvl{};
    log::format fmt_{};
    if (log::parse_level(o.log_level, lvl)) log::set_level(lvl);
    if (log::parse_format(o.log_format, fmt_)) log::set_format(fmt_);

    // Signals are taken by sigwait on this thread only; every thread started below inherits the mask.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    log::info("starting compose-operator", {{"version", op::version},
                                            {"leader_elect", o.leader_elect ? "true" : "false"},
                                            {"impersonation", o.impersonation}});
    auto cfg = load_config(o);
    if (!cfg) return fail("cannot load the Kubernetes client configuration", cfg.error());
    cfg->qps = o.qps;
    cfg->burst = o.burst;

    boost::asio::io_context ioc;
    // One thread for the Kubernetes context (kube/client.hpp: its streams share no strand).
    // The webhook and probe servers run contexts of their own.
    auto io = std::make_unique<kube::io_runner>(ioc, 1);
    auto client = kube::client::create(ioc, *cfg);
    if (!client) return fail("cannot build the Kubernetes client", client.error());
    auto& c = **client;
    // The admission webhook's collision caches (on every replica) get a client (and rate
    // limiter) of their own: sharing the reconciler's would delay their relists behind a busy
    // reconcile.
    auto lookup_client = kube::client::create(ioc, *cfg);
    if (!lookup_client) return fail("cannot build the Kubernetes client", lookup_client.error());
    collision_caches lookups(**lookup_client, o.watch_namespace);

    metrics::registry metrics;
    auto process_metrics = metrics::register_process_collector(metrics);
    register_build_info(metrics);
    c.instrument(metrics);
    (*lookup_client)->instrument(metrics);
    std::atomic<bool> webhook_up{false};
    std::atomic<bool> leading{false};
    std::atomic<bool> ready_controller{false};
    leader_gauges leader_gauge(metrics);
    webhook::probe_options po;
    po.address = o.probe_address;
    po.port = static_cast<std::uint16_t>(o.probe_port);
    webhook::probe_server probes(po, metrics, [&] {
        return webhook_up.load() && lookups.synced() && (!leading.load() || ready_controller.load());
    });
    if (auto r = probes.start(); !r) return fail("cannot serve probes", r.error());

    if (o.ca_lifetime < 2 * o.cert_lifetime) {
        return fail("bad certificate lifetimes", invalid("--ca-lifetime must be at least twice --cert-lifetime"));
    }
    webhook::server* served = nullptr;  // set below; the renewer reloads its certificate
    cert_renewer renewer(c, o, [&served] {
        if (served != nullptr) (void)served->reload_certs();
    });
    auto ca = ensure_serving_cert(o, renewer);
    if (!ca) return fail("cannot set up the webhook serving certificate", ca.error());
    auto key = ensure_owner_key(c, o);
    if (!key) return fail("cannot set up the owner-signing key", key.error());

    auto const mo = mapping_options_from(o);
    webhook::server_options so;
    so.address = o.webhook_address;
    so.port = static_cast<std::uint16_t>(o.webhook_port);
    so.cert_dir = o.cert_dir;
    so.body_limit = o.body_limit;
    so.threads = o.webhook_threads;
    webhook::server server(so, make_handlers(*key, mo, lookups.lookup()), metrics);
    if (auto r = server.start(); !r) return fail("cannot start the webhook server", r.error());
    served = &server;
    webhook_up = true;
    lookups.start();  // after the webhook: nothing here needs conversion, but keep rule 6's order
    log::info("webhook server listening", {{"address", fmt::format("{}:{}", o.webhook_address, server.port())}});
    if (o.manage_webhooks) {
        if (auto r = register_webhooks(c, o, *ca); !r) return fail("cannot register the webhooks", r.error());
        if (!certs_mounted(o)) renewer.start();  // OLM / cert-manager certificates: theirs to renew
    }

    auto instance = instance_name();
    std::mutex ctl_mutex;
    write_fence fence;  // engaged the moment the Lease is lost: no write after that
    std::unique_ptr<controller> ctl;
    std::atomic<int> exit_code{0};
    auto start_controller = [&]() -> bool {
        std::lock_guard lock(ctl_mutex);
        ctl = std::make_unique<controller>(c, o, *key, instance, metrics, fence);
        if (auto r = ctl->start(std::chrono::seconds(120)); !r) {
            log::error("cannot start the controller", {{"error", r.error().what()}});
            exit_code = 1;
            request_stop();
            return false;
        }
        ready_controller = true;
        return true;
    };
    auto stop_controller = [&] {
        std::lock_guard lock(ctl_mutex);
        ready_controller = false;
        if (ctl) ctl->stop();
        ctl.reset();
    };

    std::unique_ptr<kube::leader_elector> elector;
    std::jthread election;
    std::jthread starter;  // the elector's callback must return promptly: the cache sync runs here
    if (o.leader_elect) {
        kube::lease_config lc;
        lc.ns = o.operator_namespace;
        lc.name = "compose-operator";
        lc.identity = instance;
        lc.lease_duration = o.lease_duration;
        lc.renew_deadline = o.renew_deadline;
        lc.retry_period = o.retry_period;
        kube::leader_callbacks cb;
        cb.on_started_leading = [&](std::stop_token) {
            log::info("became leader", {{"identity", instance}});
            leading = true;
            leader_gauge.set(true);
            starter = std::jthread([&] { start_controller(); });
        };
        cb.on_stopped_leading = [&] {
            fence.engage();  // first: workers may be mid-reconcile
            leader_gauge.set(false);
            if (leading.exchange(false)) {
                log::warn("leadership lost; stopping so a restart campaigns again", {{"identity", instance}});
                exit_code = exit_code.load() == 0 ? 1 : exit_code.load();
                request_stop();
            }
        };
        cb.on_new_leader = [&](std::string const& id) {
            if (id != instance) log::info("following leader", {{"leader", id}});
        };
        auto created = kube::leader_elector::create(c, lc, std::move(cb));
        if (!created) return fail("bad leader election settings", created.error());
        elector = std::move(*created);
        election = std::jthread([&](std::stop_token st) { elector->run(st); });
    } else {
        leading = true;
        leader_gauge.set(true);
        if (!start_controller()) {
            // request_stop() was sent; fall through to the orderly stop below.
        }
    }

    int sig = 0;
    sigwait(&signals, &sig);
    log::info("stopping", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
    // A second signal, or a stop that overruns its deadline, exits at once.
    std::jthread watchdog([&, deadline = o.shutdown_timeout](std::stop_token st) {
        auto until = std::chrono::steady_clock::now() + deadline;
        timespec poll{0, 100'000'000};
        while (!st.stop_requested()) {
            int again = sigtimedwait(&signals, nullptr, &poll);
            if (again > 0 || std::chrono::steady_clock::now() > until) {
                log::error("forced exit", {{"reason", again > 0 ? "second signal" : "shutdown deadline passed"}});
                std::_Exit(2);
            }
        }
    });
    // Reverse order: workers and informers (leading = false first, so losing the Lease on
    // release is not taken as a failure), then the elector releases the Lease, then the webhook
    // drains, then probes.
    bool was_leading = leading.exchange(false);
    if (starter.joinable()) starter.join();
    stop_controller();
    if (election.joinable()) {
        election.request_stop();
        election.join();
    }
    (void)was_leading;
    renewer.stop();
    served = nullptr;
    webhook_up = false;
    server.stop(std::chrono::seconds(5));
    lookups.stop();  // after the server: its pooled handlers read these caches
    probes.stop();
    io.reset();
    watchdog.request_stop();
    log::info("stopped", {{"exit_code", std::to_string(exit_code.load())}});
    return exit_code.load();
}

}  // namespace op::runtime
