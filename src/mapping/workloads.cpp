// Deployment / StatefulSet / DaemonSet of a service (reference sections 4.3-4.5, without the
// StatefulSet `partition` defect and without a restart policy the kinds cannot take).
#include "detail.hpp"

#include <limits>
#include <string>
#include <utility>

namespace op::mapping::detail {
namespace {

value selector(service_ctx const& ctx, alloc_t& a) {
    value sel(rapidjson::kObjectType);
    put(sel, "matchLabels",
        label_object(selector_labels(ctx.stack.metadata.name, ctx.svc.name), a), a);
    return sel;
}

// {type: RollingUpdate, rollingUpdate: {maxUnavailable}}: swarm updates `parallelism` tasks at a
// time; 0 means all at once.
value rolling_update(std::uint64_t parallelism, alloc_t& a) {
    value ru(rapidjson::kObjectType);
    if (parallelism == 0) {
        put(ru, "maxUnavailable", "100%", a);
    } else {
        put_int(ru, "maxUnavailable", static_cast<std::int64_t>(parallelism), a);
    }
    value strategy(rapidjson::kObjectType);
    put(strategy, "type", "RollingUpdate", a);
    put(strategy, "rollingUpdate", std::move(ru), a);
    return strategy;
}

result<std::int64_t> replicas(service_ctx const& ctx) {
    auto const& r = ctx.svc.deploy.replicas;
    if (!r) return 1;
    if (*r > static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max())) {
        return op::invalid("replicas is too large", ctx.path + ".deploy.replicas");
    }
    return static_cast<std::int64_t>(*r);
}

}  // namespace

result<k8s_object> workload(service_ctx const& ctx) {
    auto const& svc = ctx.svc;
    OP_TRY(auto plan, plan_volumes(ctx));
    auto const kind = to_string(ctx.kind);
    auto doc = new_object("apps/v1", kind, ctx.stack, svc.name,
                          object_labels(ctx.stack.metadata.name, svc), true);
    auto& a = doc.GetAllocator();
    OP_TRY(auto tmpl, pod_template(ctx, plan, a));
    auto const& update = svc.deploy.update;

    value spec(rapidjson::kObjectType);
    if (ctx.kind == workload_kind::daemon_set) {
        if (svc.deploy.replicas) {
            ctx.warnings.add(ctx.path + ".deploy.replicas",
                             "replicas is ignored for a global service (one pod per node)");
        }
    } else {
        OP_TRY(auto n, replicas(ctx));
        put_int(spec, "replicas", n, a);
    }
    put_int(spec, "revisionHistoryLimit", 3, a);
    put(spec, "selector", selector(ctx, a), a);
    if (ctx.kind == workload_kind::stateful_set) put(spec, "serviceName", svc.name, a);
    if (update && update->parallelism) {
        switch (ctx.kind) {
        case workload_kind::deployment:
            put(spec, "strategy", rolling_update(*update->parallelism, a), a);
            break;
        case workload_kind::daemon_set:
            put(spec, "updateStrategy", rolling_update(*update->parallelism, a), a);
            break;
        case workload_kind::stateful_set:
            ctx.warnings.add(ctx.path + ".deploy.update_config.paralellism",
                             "parallelism is ignored for a StatefulSet (pods are updated one at "
                             "a time)");
            break;
        }
    }
    put(spec, "template", std::move(tmpl), a);
    if (!plan.claims.empty()) {
        value claims(rapidjson::kArrayType);
        for (auto const& c : plan.claims) {
            OP_TRY(auto claim, claim_template(ctx, c, a));
            claims.PushBack(std::move(claim), a);
        }
        put(spec, "volumeClaimTemplates", std::move(claims), a);
    }
    put(doc, "spec", std::move(spec), a);
    return k8s_object{"apps/v1", std::string(kind), ctx.stack.metadata.namespace_, svc.name,
                      std::move(doc)};
}

}  // namespace op::mapping::detail
