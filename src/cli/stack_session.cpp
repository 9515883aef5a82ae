// The cluster connection of the `stack` commands. See stack_session.hpp.
#include "stack_session.hpp"

#include <fmt/format.h>

#include <cstdlib>

namespace op::cli::detail {

std::string env_or_empty(char const* name) {
    char const* v = std::getenv(name);
    return v != nullptr ? v : "";
}

int fail(std::string const& message) {
    std::fprintf(stderr, "error: %s\n", message.c_str());
    return exit_failed;
}

result<std::unique_ptr<session>> open_session(cluster_options const& o) {
    kube::kubeconfig_options ko{o.kubeconfig, env_or_empty("KUBECONFIG"), env_or_empty("HOME"),
                                o.context};
    auto cfg = kube::load_kubeconfig(ko);
    if (!cfg && o.kubeconfig.empty() && ko.kubeconfig_env.empty()) {
        if (auto in = kube::in_cluster_config("/var/run/secrets/kubernetes.io/serviceaccount")) {
            cfg = std::move(in);
        }
    }
    if (!cfg) {
        return invalid(fmt::format("cannot load the kubeconfig: {}; pass --kubeconfig (and --context)",
                                   cfg.error().what()),
                       o.context.empty() ? "--kubeconfig" : "--context");
    }
    cfg->user_agent = "compose-operator-cli";
    // An interactive client: more than client-go's 5 QPS is fine for a handful of calls.
    cfg->qps = 20;
    cfg->burst = 40;
    auto s = std::make_unique<session>();
    s->ns = o.namespace_.empty() ? cfg->default_namespace : o.namespace_;
    if (s->ns.empty()) s->ns = "default";
    auto c = kube::client::create(s->ioc, std::move(*cfg));
    if (!c) return std::move(c).error();
    s->client = std::move(*c);
    s->runner = std::make_unique<kube::io_runner>(s->ioc, 1);
    return s;
}

}  // namespace op::cli::detail
