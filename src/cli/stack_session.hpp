#pragma once
// The cluster side shared by the `stack` commands (private to op_cli_stack): a kube client
// built from kubeconfig/--context, the resources the commands address, and small I/O helpers.
#include "op/cli/stack.hpp"
#include "op/kube/client.hpp"
#include "op/kube/io_runner.hpp"

#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <memory>
#include <string>

namespace op::cli::detail {

inline kube::resource const stacks_resource{"compose.docker.com", "v1beta2", "stacks", true};
inline kube::resource const secrets_resource{"", "v1", "secrets", true};
inline kube::resource const pods_resource{"", "v1", "pods", true};
inline kube::resource const deployments_resource{"apps", "v1", "deployments", true};
inline kube::resource const statefulsets_resource{"apps", "v1", "statefulsets", true};
inline kube::resource const daemonsets_resource{"apps", "v1", "daemonsets", true};
inline kube::resource const services_resource{"", "v1", "services", true};

// One connection to the cluster for the life of a command. Members are destroyed in reverse:
// the client first, then the I/O thread, then the context.
struct session {
    boost::asio::io_context ioc;
    std::unique_ptr<kube::io_runner> runner;
    std::unique_ptr<kube::client> client;
    std::string ns;  // --namespace, else the context's namespace
};

// Loads the kubeconfig (--kubeconfig, KUBECONFIG, ~/.kube/config; in-cluster as a last resort)
// and starts the client. Fails (invalid) with a message naming --kubeconfig/--context.
[[nodiscard]] result<std::unique_ptr<session>> open_session(cluster_options const& o);

// "error: <message>" on stderr; returns exit_failed.
int fail(std::string const& message);
// The value of an environment variable, or "".
[[nodiscard]] std::string env_or_empty(char const* name);

}  // namespace op::cli::detail
