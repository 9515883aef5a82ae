// How `stack` commands explain a failed API call (pure). See op/cli/stack.hpp.
#include "op/cli/stack.hpp"
#include "op/kube/resource.hpp"

#include <fmt/format.h>

namespace op::cli {
namespace {

// The quoted value after `marker` in `text` ("" when absent): User "bob" -> bob.
std::string quoted_after(std::string_view text, std::string_view marker) {
    auto at = text.find(marker);
    if (at == std::string_view::npos) return {};
    auto start = at + marker.size();
    auto end = text.find('"', start);
    if (end == std::string_view::npos) return {};
    return std::string(text.substr(start, end - start));
}

// The verb of an RBAC denial: `cannot <verb> resource`.
std::string verb_of(std::string_view text) {
    auto at = text.find("\" cannot ");
    if (at == std::string_view::npos) return {};
    auto start = at + 9;
    auto end = text.find(' ', start);
    if (end == std::string_view::npos) return {};
    return std::string(text.substr(start, end - start));
}

std::string forbidden(std::string_view message, std::string_view action) {
    std::string user = quoted_after(message, "User \"");
    std::string verb = verb_of(message);
    std::string res = quoted_after(message, "resource \"");
    std::string group = quoted_after(message, "in API group \"");
    std::string ns = quoted_after(message, "in the namespace \"");
    if (user.empty() || verb.empty() || res.empty()) {
        return fmt::format("cannot {}: forbidden: {}", action, message);
    }
    std::string what = group.empty() ? res : res + "." + group;
    std::string where = ns.empty() ? "cluster-wide" : fmt::format("in namespace \"{}\"", ns);
    std::string out = fmt::format(
        "cannot {}: permission denied: user \"{}\" lacks the right to {} {} {}.\n"
        "  The API server said: {}\n"
        "  Ask a cluster administrator for a role that grants it, for example:\n"
        "    kubectl create rolebinding {}-edit --clusterrole=edit --user={}{}",
        action, user, verb, what, where, message, stack_name_from(user), user,
        ns.empty() ? "" : " --namespace " + ns);
    return out;
}

}  // namespace

std::string explain_error(error const& e, std::string_view action) {
    auto api = kube::to_api_error(e);
    if (!api) return fmt::format("cannot {}: {}", action, e.what());
    std::string_view m = api->message;
    if (m.find("admission webhook") != std::string_view::npos) {
        return fmt::format("cannot {}: the cluster refused it: {}", action, m);
    }
    switch (api->http_code) {
        case 0:
            return fmt::format(
                "cannot {}: the API server cannot be reached ({}); check --kubeconfig/--context and "
                "that the cluster is up",
                action, m);
        case 401:
            return fmt::format(
                "cannot {}: the API server did not accept the credentials of this kubeconfig context "
                "(401 Unauthorized: {}); refresh the token or certificate",
                action, m);
        case 403: return forbidden(m, action);
        case 404:
            if (m.find("could not find the requested resource") != std::string_view::npos) {
                return fmt::format(
                    "cannot {}: this cluster does not serve stacks.compose.docker.com; install the "
                    "Stack CRD and the operator (kubectl apply -f crds/ -f manifests/)",
                    action);
            }
            if (m.starts_with("namespaces \"")) {
                std::string ns = quoted_after(m, "namespaces \"");
                return fmt::format("cannot {}: namespace \"{}\" does not exist; create it (kubectl "
                                   "create namespace {}) or pick another with --namespace",
                                   action, ns, ns);
            }
            return fmt::format("cannot {}: not found: {}", action, m);
        case 400:
        case 422: return fmt::format("cannot {}: the API server rejected it: {}", action, m);
        default:
            return fmt::format("cannot {}: {} {}: {}", action, api->http_code, api->reason, m);
    }
}

}  // namespace op::cli
