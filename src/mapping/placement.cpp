// Placement constraints -> required node affinity (reference section 4.9, without its defects:
// no default linux/amd64 pinning, GA `kubernetes.io/os|arch` keys, label constraints in key order).
#include "detail.hpp"

#include <string>

namespace op::mapping::detail {
namespace {

// Docker reports `uname -m` style architectures; Kubernetes nodes use GOARCH names.
std::string_view k8s_arch(std::string_view docker_arch) {
    if (docker_arch == "x86_64") return "amd64";
    if (docker_arch == "aarch64") return "arm64";
    if (docker_arch == "armv7l" || docker_arch == "armhf") return "arm";
    if (docker_arch == "i386" || docker_arch == "i686") return "386";
    return docker_arch;
}

bool is_integer(std::string_view s) {
    if (!s.empty() && s.front() == '-') s.remove_prefix(1);
    if (s.empty()) return false;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

result<value> expression(std::string_view key, api::constraint const& c, std::string_view arch_of,
                         std::string const& path, alloc_t& a) {
    std::string_view k8s_op;
    if (c.op == "==") {
        k8s_op = "In";
    } else if (c.op == "!=") {
        k8s_op = "NotIn";
    } else if (c.op == ">") {
        k8s_op = "Gt";
    } else if (c.op == "<") {
        k8s_op = "Lt";
    } else {
        return op::invalid("operator \"" + c.op + "\" is not supported (use ==, !=, > or <)",
                           path + ".Operator");
    }
    std::string_view const v = arch_of.empty() ? std::string_view(c.value) : arch_of;
    if ((k8s_op == "Gt" || k8s_op == "Lt") && !is_integer(v)) {
        return op::invalid("operator \"" + c.op + "\" needs an integer value", path + ".Value");
    }
    value expr(rapidjson::kObjectType);
    put(expr, "key", key, a);
    put(expr, "operator", k8s_op, a);
    value values(rapidjson::kArrayType);
    values.PushBack(str(v, a), a);
    put(expr, "values", std::move(values), a);
    return expr;
}

// max_replicas_per_node 1: required pod anti-affinity on the hostname (exactly Swarm's rule).
// Kubernetes has no cap above one per node: larger values are a warning. Null when none.
value pod_anti_affinity(service_ctx const& ctx, alloc_t& a) {
    auto const& max = ctx.svc.deploy.placement_.max_replicas_per_node;
    if (!max || *max == 0) return value();
    auto const path = ctx.path + ".deploy.placement.max_replicas_per_node";
    if (ctx.kind == workload_kind::daemon_set) return value();  // one per node already
    if (*max > 1) {
        ctx.warnings.add(path, "Kubernetes cannot cap replicas per node above 1; ignored (use 1 "
                               "for at most one replica per node)");
        return value();
    }
    value selector(rapidjson::kObjectType);
    put(selector, "matchLabels",
        label_object(selector_labels(ctx.stack.metadata.name, ctx.svc.name), a), a);
    value term(rapidjson::kObjectType);
    put(term, "labelSelector", std::move(selector), a);
    put(term, "topologyKey", "kubernetes.io/hostname", a);
    value terms(rapidjson::kArrayType);
    terms.PushBack(std::move(term), a);
    value out(rapidjson::kObjectType);
    put(out, "requiredDuringSchedulingIgnoredDuringExecution", std::move(terms), a);
    return out;
}

result<value> node_affinity(service_ctx const& ctx, alloc_t& a) {
    auto const& cons = ctx.svc.deploy.placement_.constraints_;
    if (!cons) return value();
    auto const base = ctx.path + ".deploy.placement.constraints";
    value exprs(rapidjson::kArrayType);
    if (cons->operating_system) {
        OP_TRY(auto e, expression("kubernetes.io/os", *cons->operating_system, {},
                                  base + ".OperatingSystem", a));
        exprs.PushBack(std::move(e), a);
    }
    if (cons->architecture) {
        OP_TRY(auto e, expression("kubernetes.io/arch", *cons->architecture,
                                  k8s_arch(cons->architecture->value), base + ".Architecture", a));
        exprs.PushBack(std::move(e), a);
    }
    if (cons->hostname) {
        OP_TRY(auto e, expression("kubernetes.io/hostname", *cons->hostname, {},
                                  base + ".Hostname", a));
        exprs.PushBack(std::move(e), a);
    }
    for (auto const& [key, c] : cons->match_labels) {  // std::map: sorted by key
        OP_TRY(auto e, expression(key, c, {}, base + ".MatchLabels." + key, a));
        exprs.PushBack(std::move(e), a);
    }
    if (exprs.Empty()) return value();
    value term(rapidjson::kObjectType);
    put(term, "matchExpressions", std::move(exprs), a);
    value terms(rapidjson::kArrayType);
    terms.PushBack(std::move(term), a);
    value required(rapidjson::kObjectType);
    put(required, "nodeSelectorTerms", std::move(terms), a);
    value node(rapidjson::kObjectType);
    put(node, "requiredDuringSchedulingIgnoredDuringExecution", std::move(required), a);
    return node;
}

}  // namespace

result<value> affinity(service_ctx const& ctx, alloc_t& a) {
    OP_TRY(auto node, node_affinity(ctx, a));
    auto anti = pod_anti_affinity(ctx, a);
    if (node.IsNull() && anti.IsNull()) return value();
    value out(rapidjson::kObjectType);
    if (!node.IsNull()) put(out, "nodeAffinity", std::move(node), a);
    if (!anti.IsNull()) put(out, "podAntiAffinity", std::move(anti), a);
    return out;
}

}  // namespace op::mapping::detail
