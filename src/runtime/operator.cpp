#include "op/runtime/operator.hpp"

#include "cert_renewal.hpp"
#include "controller.hpp"
#include "build_info.hpp"
#include "lookups.hpp"
#include "manager.hpp"
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
#include <functional>
#include <optional>
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

    // Signals are blocked here, so every thread started below inherits the mask; signal_watch
    // (below) takes them with sigtimedwait.
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
    // The reconciler's writes: a client without a rate limit of its own, since their turn in
    // --kube-api-qps is taken before the write fence is checked (fence.hpp), so a write that
    // waited for it is not sent once the Lease is lost.
    // Its send gate is the write fence (declared here so it outlives the client): the fenced
    // writer checks it once per write, the gate again before every attempt the client makes
    // (a 429/5xx retry, a fresh connection), so no retry of a write goes out after the loss.
    write_fence fence;  // engaged the moment the Lease is lost or the stop begins: no write after
    auto write_cfg = *cfg;
    write_cfg.qps = 0;  // unlimited here; paced by the controller's fenced writer
    write_cfg.send_gate = [&fence] { return !fence.engaged(); };
    auto write_client = kube::client::create(ioc, write_cfg);
    if (!write_client) return fail("cannot build the Kubernetes client", write_client.error());

    metrics::registry metrics;
    auto process_metrics = metrics::register_process_collector(metrics);
    register_build_info(metrics);
    c.instrument(metrics);
    (*lookup_client)->instrument(metrics);
    (*write_client)->instrument(metrics);

    // Everything below runs as one of the manager's runnables: started in order, stopped in
    // reverse, and whatever ends the process (a signal, a lost Lease, a fatal error) goes
    // through mgr.request_stop().
    manager mgr;
    std::atomic<bool> webhook_up{false};
    std::atomic<bool> leading{false};
    std::atomic<bool> ready_controller{false};
    leader_gauges leader_gauge(metrics);
    webhook::probe_options po;
    po.address = o.probe_address;
    po.port = static_cast<std::uint16_t>(o.probe_port);
    webhook::probe_server probes(po, metrics, [&mgr] { return mgr.ready(); });

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
    auto const conversions = o.conversion_cache_mib == 0
        ? nullptr
        : std::make_shared<webhook::conversion_cache>(o.conversion_cache_mib << 20);
    auto& cache_hits = metrics.get_counter("compose_operator_conversion_cache_hits_total",
                                           "Objects /convert answered from its cache.");
    auto& cache_misses = metrics.get_counter("compose_operator_conversion_cache_misses_total",
                                             "Objects /convert converted (not in its cache).");
    auto& cache_bytes = metrics.get_gauge("compose_operator_conversion_cache_bytes",
                                          "Bytes held by the /convert cache.");
    auto const cache_collector = metrics.add_collector([&cache_hits, &cache_misses, &cache_bytes, conversions] {
        if (!conversions) return;
        auto const s = conversions->snapshot();
        cache_hits.advance_to(static_cast<double>(s.hits));
        cache_misses.advance_to(static_cast<double>(s.misses));
        cache_bytes.set(static_cast<double>(s.bytes));
    });
    webhook::server server(so, make_handlers(*key, mo, lookups.lookup(), conversions), metrics);

    mgr.add({"probes", [&] { return probes.start(); }, [&] { probes.stop(); }, nullptr});
    mgr.add({"webhook",
             [&]() -> result<void> {
                 OP_RETURN_IF_ERROR(server.start());
                 served = &server;
                 webhook_up = true;
                 // The collision caches start after the webhook (style.md rule 6's order; they
                 // need no conversion) and stop after it: its pooled handlers read them.
                 lookups.start();
                 log::info("webhook server listening",
                           {{"address", fmt::format("{}:{}", o.webhook_address, server.port())}});
                 return {};
             },
             [&] {
                 served = nullptr;
                 webhook_up = false;
                 server.stop(std::chrono::seconds(5));
                 lookups.stop();
             },
             [&] { return webhook_up.load() && lookups.synced(); }});
    if (o.manage_webhooks) {
        mgr.add({"webhook-registration", [&] { return register_webhooks(c, o, *ca); }, nullptr, nullptr});
        if (!certs_mounted(o)) {  // OLM / cert-manager certificates: theirs to renew
            mgr.add({"certificate-renewal", [&] { renewer.start(); return result<void>{}; },
                     [&] { renewer.stop(); }, nullptr});
        }
    }

    auto instance = instance_name();
    std::mutex ctl_mutex;
    std::unique_ptr<controller> ctl;
    // The controller's caches start on every replica, before the Lease is sought (style.md
    // 2.2): a replica that takes over starts reconciling at once, with warm caches.
    auto start_controller = [&] {
        std::lock_guard lock(ctl_mutex);
        if (mgr.stop_requested() || !ctl) return;
        ctl->start_workers();
        ready_controller = true;
    };
    auto stop_controller = [&] {
        std::lock_guard lock(ctl_mutex);
        ready_controller = false;
        if (ctl) ctl->stop();
        ctl.reset();
    };
    mgr.add({"caches",
             [&]() -> result<void> {
                 std::lock_guard lock(ctl_mutex);
                 ctl = std::make_unique<controller>(c, **write_client, o, *key, instance, metrics, fence);
                 return ctl->start_caches(std::chrono::seconds(120));
             },
             [&] { stop_controller(); },
             [&] {
                 std::lock_guard lock(ctl_mutex);
                 return ctl && ctl->synced();
             }});

    std::unique_ptr<kube::leader_elector> elector;
    std::mutex starter_mutex;  // `starter` is set on the elector's thread, joined on the main one
    std::jthread starter;      // the elector's callback must return promptly: the cache sync runs here
    // Engages the fence the moment the elector signals the loss (before it logs "leadership
    // lost" and before on_stopped_leading): set on the elector's thread, reset once it is joined.
    std::optional<std::stop_callback<std::function<void()>>> fence_on_loss;
    if (o.leader_elect) {
        kube::lease_config lc;
        lc.ns = o.operator_namespace;
        lc.name = "compose-operator";
        lc.identity = instance;
        lc.lease_duration = o.lease_duration;
        lc.renew_deadline = o.renew_deadline;
        lc.retry_period = o.retry_period;
        kube::leader_callbacks cb;
        cb.on_started_leading = [&](std::stop_token lost) {
            log::info("became leader", {{"identity", instance}});
            std::lock_guard lock(starter_mutex);
            // (Lost already: it engages here, and on_stopped_leading follows and stops.)
            fence_on_loss.emplace(std::move(lost), std::function<void()>([&fence] { fence.engage(); }));
            leading = true;
            leader_gauge.set(true);
            starter = std::jthread([&] { start_controller(); });
        };
        cb.on_stopped_leading = [&] {
            fence.engage();  // first: workers may be mid-reconcile
            leader_gauge.set(false);
            if (leading.exchange(false)) {
                log::warn("leadership lost; stopping so a restart campaigns again", {{"identity", instance}});
                mgr.request_stop("leadership lost", 1);
            }
        };
        cb.on_new_leader = [&](std::string const& id) {
            if (id != instance) log::info("following leader", {{"leader", id}});
        };
        auto created = kube::leader_elector::create(c, lc, std::move(cb));
        if (!created) return fail("bad leader election settings", created.error());
        elector = std::move(*created);
    }
    std::jthread election;
    mgr.add({"controller",
             [&]() -> result<void> {
                 if (elector) {
                     election = std::jthread([&](std::stop_token st) { elector->run(st); });
                 } else {
                     leading = true;
                     leader_gauge.set(true);
                     start_controller();  // a failure asks the manager to stop
                 }
                 return {};
             },
             [&] {
                 // No write from here on, and a Lease released below is not taken as a loss.
                 leading = false;
                 fence.engage();
                 if (election.joinable()) {  // no leader callback runs after this
                     election.request_stop();
                     election.join();
                 }
                 std::jthread sync;
                 {
                     std::lock_guard lock(starter_mutex);
                     sync = std::move(starter);
                     fence_on_loss.reset();
                 }
                 if (sync.joinable()) sync.join();
                 // The workers and informers stop with the "caches" runnable, next.
             },
             [&] { return !leading.load() || ready_controller.load(); }});

    // Signals: the first asks for the graceful stop, a second exits at once.
    std::jthread signal_watch([&](std::stop_token st) {
        int seen = 0;
        timespec poll{0, 100'000'000};
        while (!st.stop_requested()) {
            int sig = sigtimedwait(&signals, nullptr, &poll);
            if (sig <= 0) continue;
            if (++seen == 1) {
                mgr.request_stop(sig == SIGINT ? "SIGINT" : "SIGTERM", 0);
            } else {
                log::error("forced exit", {{"reason", "second signal"}});
                std::_Exit(2);
            }
        }
    });

    if (auto r = mgr.start(); !r) {
        signal_watch.request_stop();
        return fail("cannot start the operator", r.error());
    }
    log::info("stopping", {{"reason", mgr.wait()}});
    mgr.stop(std::chrono::duration_cast<std::chrono::milliseconds>(o.shutdown_timeout),
             [](std::string const& stuck) {
                 log::error("forced exit", {{"reason", "shutdown deadline passed"}, {"runnable", stuck}});
                 std::_Exit(2);
             });
    signal_watch.request_stop();
    signal_watch.join();
    io.reset();
    log::info("stopped", {{"exit_code", std::to_string(mgr.exit_code())}});
    return mgr.exit_code();
}

}  // namespace op::runtime
