// e2e for op_kube against the real local control plane (scripts/cluster.sh up).
// Reads the kubeconfig from OP_KUBECONFIG, else ${OP_CLUSTER_DIR:-${OP_SOURCE_DIR}/.cluster}/kubeconfig; exits 77
// (skip) when the cluster cannot be reached. OP_E2E_RESTART_APISERVER=1 adds the scenario that
// restarts the shared kube-apiserver.
#include "e2e_util.hpp"

#include <cstdlib>
#include <filesystem>
#include <unistd.h>

int main() {
    std::string src = std::getenv("OP_SOURCE_DIR") ? std::getenv("OP_SOURCE_DIR") : OP_SOURCE_DIR;
    std::string cluster = std::getenv("OP_CLUSTER_DIR") ? std::getenv("OP_CLUSTER_DIR")
                                                         : src + "/.cluster";
    std::string path = std::getenv("OP_KUBECONFIG") ? std::getenv("OP_KUBECONFIG")
                                                     : cluster + "/kubeconfig";
    if (!std::filesystem::exists(path)) {
        std::fprintf(stderr, "SKIP: no kubeconfig at %s\n", path.c_str());
        return 77;
    }
    op::kube::kubeconfig_options ko;
    ko.explicit_path = path;
    auto cfg = op::kube::load_kubeconfig(ko);
    if (!cfg) {
        std::fprintf(stderr, "SKIP: bad kubeconfig: %s\n", cfg.error().what().c_str());
        return 77;
    }
    cfg->qps = 1000;
    cfg->burst = 1000;
    boost::asio::io_context ioc;
    op::kube::io_runner io(ioc, 1);  // kube/client.hpp: one thread per client context
    auto admin = op::kube::client::create(ioc, *cfg);
    if (!admin) {
        std::fprintf(stderr, "client: %s\n", admin.error().what().c_str());
        return 1;
    }
    op::kube::request_options quick;
    quick.timeout = std::chrono::seconds(5);
    if (auto r = (*admin)->get(e2e::namespaces, "", "default", quick); !r) {
        std::fprintf(stderr, "SKIP: cluster not reachable: %s\n", r.error().what().c_str());
        return 77;
    }
    e2e::env e{ioc, **admin, *cfg, fmt::format("kube-e2e-{}", ::getpid()), src, cluster};
    auto made = e.admin.create(e2e::namespaces, "",
                               fmt::format(R"({{"metadata":{{"name":"{}"}}}})", e.ns));
    if (!made) {
        std::fprintf(stderr, "create namespace: %s\n", made.error().what().c_str());
        return 1;
    }
    auto run = [&](char const* name, void (*f)(e2e::env&)) {
        int before = e2e::failures;
        auto t0 = std::chrono::steady_clock::now();
        std::fprintf(stderr, "== %s\n", name);
        f(e);
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - t0).count();
        std::fprintf(stderr, "== %s: %s (%lld ms)\n", name,
                     e2e::failures == before ? "ok" : "FAILED", static_cast<long long>(ms));
    };
    run("informer", e2e::scenario_informer);
    run("auth", e2e::scenario_auth);
    run("events", e2e::scenario_events);
    run("leader", e2e::scenario_leader);
    if (std::getenv("OP_E2E_RESTART_APISERVER")) run("restart", e2e::scenario_restart);
    (void)e.admin.remove(e2e::namespaces, "", e.ns);
    std::fprintf(stderr, "%d checks, %d failed\n", e2e::checks.load(), e2e::failures.load());
    return e2e::failures == 0 ? 0 : 1;
}
