#include "controller.hpp"

#include "op/mapping/labels.hpp"
#include "op/util/log.hpp"

#include <fmt/format.h>

namespace op::runtime {
namespace {

kube::recorder_options recorder_options(std::string instance) {
    kube::recorder_options ro;
    ro.reporting_controller = "compose.docker.com/compose-operator";
    ro.reporting_instance = std::move(instance);
    return ro;
}

}  // namespace

mapping::mapping_options mapping_options_from(run_options const& o) {
    mapping::mapping_options m;
    m.published_type = o.default_service_type == "NodePort" ? mapping::published_service_type::node_port
                                                            : mapping::published_service_type::load_balancer;
    m.wait_image = o.wait_image;
    return m;
}

metered_writer::metered_writer(reconcile::writer& inner, metrics::registry& metrics)
    : inner_(inner), metrics_(metrics) {}

template <class R>
R const& metered_writer::count(std::string_view verb, R const& r) {
    metrics_
        .get_counter("compose_operator_writes_total", "Writes to the API server by the reconciler",
                     {{"verb", std::string(verb)}, {"result", result_label(r)}})
        .inc();
    return r;
}

result<kube::object> metered_writer::apply(reconcile::child_kind kind, kube::object_key const& key, std::string body,
                                           std::optional<reconcile::author> const& as) {
    auto r = inner_.apply(kind, key, std::move(body), as);
    count("apply", r);
    return r;
}

result<void> metered_writer::remove(reconcile::child_kind kind, kube::object_key const& key,
                                    std::optional<reconcile::author> const& as) {
    auto r = inner_.remove(kind, key, as);
    count("delete", r);
    return r;
}

result<void> metered_writer::update_status(kube::object const& stack, api::stack_status const& status,
                                           std::optional<reconcile::author> const& as) {
    auto r = inner_.update_status(stack, status, as);
    count("status", r);
    return r;
}

controller::controller(kube::client& c, kube::client& writes, run_options const& o, identity::hmac_key const& key,
                       std::string instance, metrics::registry& metrics, write_fence const& fence)
    : opts_(o),
      queue_(util::system_clock(), nullptr, kube::queue_metrics{&metrics, reconcile_controller_name}),
      handlers_(queue_),
      fence_(fence),
      client_writer_(writes),
      writer_(client_writer_, metrics),
      write_pace_(o.qps, o.burst, util::system_clock()),
      fenced_writer_(writer_, fence, &write_pace_),
      recorder_(c, recorder_options(std::move(instance))),
      events_(recorder_),
      fenced_events_(events_, fence),
      owners_([key](rapidjson::Value const& stack) -> result<reconcile::author> {
          OP_TRY(auto w, identity::verify_owner(stack, key));
          return reconcile::author{w.username, w.uid, w.groups, w.extra};
      }) {
    kube::informer_options stack_opts;
    stack_opts.ns = o.watch_namespace;
    stack_opts.resync_period = o.resync_period;
    stack_opts.indexes = kube::store_indexes::labels_only({});  // read by key only
    stacks_ = std::make_unique<kube::informer>(c, reconcile::stack_resource(), stack_opts);
    stacks_->add_handler([this](kube::delta const& d) { handlers_.on_stack(d); });

    std::map<reconcile::child_kind, kube::store const*> stores;
    for (auto kind : reconcile::all_child_kinds) {
        kube::informer_options child_opts;
        child_opts.ns = o.watch_namespace;
        child_opts.label_selector =
            fmt::format("{}={}", mapping::label_managed_by, mapping::managed_by_value);
        // store_cache::list_labelled looks children up by their stack's label, nothing else.
        child_opts.indexes =
            kube::store_indexes::labels_only({std::string(mapping::label_stack_namespace)});
        auto inf = std::make_unique<kube::informer>(c, reconcile::resource_of(kind), child_opts);
        inf->add_handler([this](kube::delta const& d) { handlers_.on_child(d); });
        stores.emplace(kind, &inf->cache());
        children_.emplace(kind, std::move(inf));
    }
    cache_ = std::make_unique<reconcile::store_cache>(stacks_->cache(), std::move(stores), &c);

    reconcile::reconciler_options ro;
    ro.impersonation = o.impersonation == "none" ? reconcile::impersonation_mode::none
                                                 : reconcile::impersonation_mode::owner;
    ro.forbidden_retry = o.forbidden_retry;
    ro.on_stalled = [&metrics](std::string_view reason) { count_reconcile_error(metrics, reason); };
    reconciler_ = std::make_unique<reconcile::stack_reconciler>(
        *cache_, fenced_writer_, fenced_events_, owners_, reconcile::make_mapper(mapping_options_from(o)), util::system_clock(), ro);
    // A reconcile stops at its next step when its worker is stopped or when the fence engages
    // (leadership lost), whichever comes first.
    auto reconcile = [this](kube::object_key const& key, std::stop_token worker) {
        std::stop_source either;
        auto stop_either = [&either] { either.request_stop(); };
        std::stop_callback on_worker(worker, stop_either);
        std::stop_callback on_fence(fence_.token(), stop_either);
        return reconciler_->reconcile(key, either.get_token());
    };
    pool_ = std::make_unique<reconcile::worker_pool>(queue_, metered_reconcile(reconcile, metrics, o.workers));
}

controller::~controller() { stop(); }

result<void> controller::start_caches(std::chrono::seconds sync_timeout) {
    // Children first, so the first reconcile of every stack sees its existing children.
    for (auto& [_, inf] : children_) inf->start();
    stacks_->start();
    auto deadline = std::chrono::steady_clock::now() + sync_timeout;
    auto wait = [&](kube::informer& inf, std::string_view what) -> result<void> {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (!inf.wait_for_sync(std::max(left, std::chrono::milliseconds(1)))) {
            return transient(fmt::format("the {} cache did not sync within {}s; is the API server reachable and "
                                         "may the operator list {}?",
                                         what, sync_timeout.count(), what));
        }
        return {};
    };
    for (auto& [kind, inf] : children_) OP_RETURN_IF_ERROR(wait(*inf, reconcile::kind_name(kind)));
    OP_RETURN_IF_ERROR(wait(*stacks_, "Stack"));
    synced_ = true;
    return {};
}

void controller::start_workers() {
    pool_->start(opts_.workers);
    log::info("controller started", {{"workers", std::to_string(opts_.workers)},
                                     {"stacks", std::to_string(stacks_->cache().size())},
                                     {"namespace", opts_.watch_namespace.empty() ? "*" : opts_.watch_namespace}});
}

void controller::stop() {
    if (stopped_) return;
    stopped_ = true;
    pool_->stop();
    stacks_->stop();
    for (auto& [_, inf] : children_) inf->stop();
    synced_ = false;
}

}  // namespace op::runtime
