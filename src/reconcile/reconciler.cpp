#include "op/reconcile/reconciler.hpp"

#include "children.hpp"
#include "op/api/versions.hpp"
#include "op/util/json.hpp"
#include "op/util/log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <utility>

namespace op::reconcile {

using detail::desired_child;

struct stack_reconciler::pass {
    kube::object_key key;
    kube::object obj;  // the cached Stack
    std::int64_t generation = 0;
    std::optional<api::stack_status> previous;
    std::optional<api::stack> hub;
    std::optional<author> as;  // nullopt: the operator's own identity
    std::vector<desired_child> desired;
    std::map<std::pair<child_kind, std::string>, kube::object> owned;  // (kind, name)
    std::map<std::string, workload_state> services;
};

namespace {

std::int64_t generation_of(rapidjson::Value const& obj) {
    auto const* meta = json::find(obj, "metadata");
    auto const* g = meta ? json::find(*meta, "generation") : nullptr;
    return g && g->IsInt64() ? g->GetInt64() : 0;
}

std::optional<api::stack_status> status_of(rapidjson::Value const& obj) {
    auto const* st = json::find(obj, "status");
    if (!st || !st->IsObject()) return std::nullopt;
    auto s = api::decode_status(*st, "status");
    if (!s) return std::nullopt;
    return std::move(*s);
}

// Workload states of the spec's services from cached owned workloads named after them (used when
// the pass stops before mapping: counts stay honest while stalled).
std::map<std::string, workload_state> observed_services(
    api::stack const& hub,
    std::map<std::pair<child_kind, std::string>, kube::object> const& owned) {
    std::map<std::string, workload_state> out;
    for (auto const& svc : hub.spec.services) {
        workload_state st;
        st.counts.desired = static_cast<std::int32_t>(svc.deploy.replicas.value_or(1));
        for (auto k : {child_kind::deployment, child_kind::stateful_set, child_kind::daemon_set}) {
            auto it = owned.find({k, svc.name});
            if (it != owned.end()) st = workload_state_of(k, *it->second);
        }
        out[svc.name] = st;
    }
    return out;
}

std::string resource_name(child_kind k) {
    auto r = resource_of(k);
    return r.group.empty() ? r.plural : r.plural + "." + r.group;
}

}  // namespace

mapper make_mapper(mapping::mapping_options options) {
    return [options = std::move(options)](
               api::stack const& s) -> result<std::vector<mapping::k8s_object>> {
        OP_TRY(auto r, mapping::map_stack(s, options));
        return std::move(r.objects);
    };
}

stack_reconciler::stack_reconciler(cache_reader const& cache, writer& out, event_recorder& events,
                                   owner_verifier const& owners, mapper map, util::clock& clk,
                                   reconciler_options options)
    : cache_(cache),
      out_(out),
      events_(events),
      owners_(owners),
      map_(std::move(map)),
      clock_(clk),
      options_(options) {}

result<requeue> stack_reconciler::reconcile(kube::object_key const& key, std::stop_token stop) {
    if (stop.stop_requested()) return requeue::done();
    pass p;
    p.key = key;
    p.obj = cache_.get_stack(key);
    if (!p.obj) {
        log::debug("stack not in cache; nothing to do", {{"stack", key.str()}});
        return requeue::done();
    }
    if (detail::being_deleted(*p.obj)) {
        // Kubernetes GC removes the children through their ownerReferences; PVCs stay.
        log::debug("stack is being deleted; leaving children to the garbage collector",
                   {{"stack", key.str()}});
        return requeue::done();
    }
    p.generation = generation_of(*p.obj);
    p.previous = status_of(*p.obj);
    return run(p, stop);
}

result<requeue> stack_reconciler::run(pass& p, std::stop_token const& stop) {
    auto hub = detail::decode_hub(*p.obj);
    if (!hub) {
        return stalled(p, "InvalidSpec",
                       "the stack cannot be decoded: " + hub.error().what() +
                           "; fix the manifest and apply it again");
    }
    p.hub = std::move(*hub);
    auto const& meta = p.hub->metadata;
    for (auto k : all_child_kinds) {
        for (auto& o : owned_children(cache_, k, meta.namespace_, meta.name, meta.uid)) {
            p.owned[{k, std::string(kube::meta_string(*o, "name"))}] = std::move(o);
        }
    }

    if (options_.impersonation == impersonation_mode::owner) {
        auto who = owners_.verify(*p.obj);
        if (!who || who->user.empty()) {
            std::string const why = who ? "no user recorded" : who.error().message;
            return stalled(p, "OwnerNotVerified",
                           fmt::format("the stack's owner could not be verified ({}); no objects "
                                       "are created or changed until it is: re-apply the stack "
                                       "(kubectl apply) so the admission webhook records and "
                                       "signs its author",
                                       why));
        }
        p.as = std::move(*who);
    }

    auto mapped = map_(*p.hub);
    if (!mapped) {
        return stalled(p, "InvalidSpec", "the stack cannot be mapped: " + mapped.error().what());
    }
    auto desired = detail::prepare(std::move(*mapped), *p.hub);
    if (!desired) return stalled(p, "InvalidSpec", desired.error().what());
    p.desired = std::move(*desired);
    return sync_children(p, stop);
}

result<requeue> stack_reconciler::sync_children(pass& p, std::stop_token const& stop) {
    auto const& stack = *p.hub;
    auto const who = p.as ? "user " + p.as->user : std::string("the operator");
    auto write_failed = [&](std::string_view verb, child_kind kind, kube::object_key const& key,
                            error const& e) -> result<requeue> {
        auto const api = kube::to_api_error(e);
        auto const detail = api ? api->message : e.message;
        auto const what = fmt::format("{} {}", kind_name(kind), key.str());
        if (e.code == errc::terminal) {
            auto const secs = std::chrono::duration_cast<std::chrono::seconds>(
                                  options_.forbidden_retry)
                                  .count();
            auto const retry =
                secs % 60 == 0 ? fmt::format("{}m", secs / 60) : fmt::format("{}s", secs);
            return stalled(p, "Forbidden",
                           fmt::format("{} cannot {} {} in namespace {} ({}): grant {} that right "
                                       "(for example a RoleBinding to the ClusterRole edit in "
                                       "namespace {}); retried with a backoff of up to {}",
                                       who, verb, resource_name(kind), key.ns, detail, who,
                                       key.ns, retry),
                           requeue::backoff_up_to(options_.forbidden_retry));
        }
        if (e.code == errc::invalid) {
            return stalled(p, "ApplyRejected",
                           fmt::format("the API server rejected the {} of {}: {}", verb, what,
                                       detail));
        }
        auto const message = fmt::format("cannot {} {}: {}", verb, what, e.message);
        events_.record(p.obj, event_type::warning, "ReconcileError", message);
        return error{e.code, message, {}};
    };

    // Names taken by someone else: refuse before writing anything.
    for (auto const& d : p.desired) {
        if (p.owned.contains({d.kind, d.key.name})) continue;
        OP_TRY(auto existing, cache_.get_child(d.kind, d.key));
        if (!existing) continue;
        auto const what = fmt::format("{} {}", kind_name(d.kind), d.key.str());
        if (kube::controller_uid(*existing) == stack.metadata.uid) {
            p.owned[{d.kind, d.key.name}] = existing;  // ours, label missing: the apply fixes it
        } else if (d.kind == child_kind::persistent_volume_claim &&
                   detail::kept_claim_of(*existing, stack.metadata.name)) {
            // The unowned claim of a shared volume, made by this stack (or an earlier stack of
            // this name, whose data it keeps): compared and applied like an owned child.
            p.owned[{d.kind, d.key.name}] = existing;
        } else if (detail::being_deleted(*existing) ||
                   detail::controlled_by_stack_named(*existing, stack.metadata.name)) {
            // A previous stack of this name (or a pruned child) is still being collected.
            p.services = observed_services(stack, p.owned);
            log::info("waiting for an old object to be deleted", {{"object", what}});
            return finish(p, std::nullopt, requeue::after(options_.gc_wait));
        } else {
            return stalled(p, "NameConflict",
                           fmt::format("{} already exists and is not controlled by this stack: "
                                       "delete or rename it, or rename the service",
                                       what));
        }
    }

    std::map<std::pair<child_kind, std::string>, kube::object> applied;
    for (auto const& d : p.desired) {
        if (stop.stop_requested()) return requeue::done();
        auto it = p.owned.find({d.kind, d.key.name});
        if (it != p.owned.end() && detail::up_to_date(*it->second, d)) continue;
        if (it != p.owned.end() && detail::needs_replace(*it->second, d)) {
            auto r = out_.remove(d.kind, d.key, p.as);
            if (!r && r.error().code != errc::not_found)
                return write_failed("delete", d.kind, d.key, r.error());
        }
        auto r = out_.apply(d.kind, d.key, json::dump(d.body), p.as);
        if (!r) return write_failed("apply", d.kind, d.key, r.error());
        applied[{d.kind, d.key.name}] = std::move(*r);
    }

    // Adopt the Secrets the client packed beside the stack (external secrets of the spec that
    // carry the stack's label): a non-controller ownerReference, so they go when the stack goes.
    for (auto const& [key, obj] : stack.spec.secrets) {
        if (!obj.external.external) continue;
        kube::object_key const sk{stack.metadata.namespace_,
                                  obj.external.name.empty() ? key : obj.external.name};
        OP_TRY(auto existing, cache_.get_child(child_kind::secret, sk));
        if (!existing) continue;
        auto body = detail::adoption_body(*existing, stack);
        if (!body) continue;
        auto r = out_.apply(child_kind::secret, sk, std::move(*body), p.as);
        if (!r) return write_failed("adopt", child_kind::secret, sk, r.error());
        log::info("adopted packed secret", {{"stack", p.key.str()}, {"secret", sk.str()}});
    }

    // Prune: owned (label AND controller uid) but no longer desired. A workload whose kind
    // changed is pruned under its old kind here after the new kind was applied above.
    for (auto const& [id, obj] : p.owned) {
        if (stop.stop_requested()) return requeue::done();
        bool wanted = false;
        for (auto const& d : p.desired)
            wanted = wanted || (d.kind == id.first && d.key.name == id.second);
        if (wanted || detail::being_deleted(*obj)) continue;
        if (id.first == child_kind::persistent_volume_claim) continue;  // kept: it holds data
        kube::object_key const key{stack.metadata.namespace_, id.second};
        auto r = out_.remove(id.first, key, p.as);
        if (!r && r.error().code != errc::not_found)
            return write_failed("delete", id.first, key, r.error());
        log::info("pruned", {{"stack", p.key.str()},
                             {"object", fmt::format("{} {}", kind_name(id.first), key.str())}});
    }

    for (auto const& d : p.desired) {
        if (!is_workload(d.kind)) continue;
        auto const service = d.service.empty() ? d.key.name : d.service;
        auto a = applied.find({d.kind, d.key.name});
        auto o = p.owned.find({d.kind, d.key.name});
        kube::object const obj =
            a != applied.end() ? a->second : (o != p.owned.end() ? o->second : nullptr);
        p.services[service] =
            obj ? workload_state_of(d.kind, *obj) : missing_workload_state(d.kind, d.body);
    }
    bool const ready = std::all_of(p.services.begin(), p.services.end(),
                                   [](auto const& s) { return s.second.ready; });
    auto next = (!ready && options_.not_ready_poll.count() > 0)
                    ? requeue::after(options_.not_ready_poll)
                    : requeue::done();
    return finish(p, std::nullopt, next);
}

result<requeue> stack_reconciler::stalled(pass& p, std::string reason, std::string message,
                                          requeue next) {
    if (p.hub && p.services.empty()) p.services = observed_services(*p.hub, p.owned);
    auto const* old = p.previous ? find_condition(*p.previous, api::condition_stalled) : nullptr;
    bool const known = old && old->status == "True" && old->message == message;
    log::write(known ? log::level::debug : log::level::warn, "stack stalled",
               {{"stack", p.key.str()}, {"reason", reason}, {"message", message}});
    if (options_.on_stalled) options_.on_stalled(reason);
    return finish(p, stall{std::move(reason), std::move(message)}, next);
}

result<requeue> stack_reconciler::finish(pass& p, std::optional<stall> failure, requeue next) {
    auto status = next_status(p.previous, p.generation, p.services, failure, clock_.wall_now());
    if (p.previous && *p.previous == status) return next;  // never write an identical status

    auto r = out_.update_status(p.obj, status, std::nullopt);  // the operator's own identity
    if (!r) {
        if (r.error().code == errc::not_found) return requeue::done();  // the stack is gone
        return error{r.error().code == errc::conflict ? errc::transient : r.error().code,
                     "cannot write the status of stack " + p.key.str() + ": " + r.error().message,
                     {}};
    }

    // Events on transitions only, so a stalled stack that is retried does not spam.
    auto const* old_stalled =
        p.previous ? find_condition(*p.previous, api::condition_stalled) : nullptr;
    if (failure && (!old_stalled || old_stalled->status != "True" ||
                    old_stalled->message != failure->message)) {
        events_.record(p.obj, event_type::warning, failure->reason, failure->message);
    }
    if (!failure && condition_true(p.previous, api::condition_ready) &&
        condition_true(status, api::condition_reconciling)) {
        // A running stack starts a rollout (spec change, or a workload no longer ready).
        auto const* ready = find_condition(status, api::condition_ready);
        events_.record(p.obj, event_type::normal, "Progressing",
                       fmt::format("generation {}: {}", p.generation, ready ? ready->message : ""));
    }
    if (!failure && condition_true(status, api::condition_ready) &&
        !condition_true(p.previous, api::condition_ready)) {
        events_.record(p.obj, event_type::normal, "Ready",
                       fmt::format("all {} services are ready", p.services.size()));
    }
    return next;
}

}  // namespace op::reconcile
