#pragma once
// The reconciler's ports (ports.hpp) implemented with the real kube client and informer stores.
// main.cpp builds one of each and hands them to stack_reconciler; tests use fakes instead.
#include "op/kube/client.hpp"
#include "op/kube/events.hpp"
#include "op/kube/informer.hpp"
#include "op/kube/store.hpp"
#include "op/reconcile/handlers.hpp"
#include "op/reconcile/ports.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace op::reconcile {

// The Stack resource the operator reads and writes status through (the storage version).
[[nodiscard]] kube::resource stack_resource();

// Reads the informer stores. `children` maps each kind to its informer's store (label-filtered
// on com.docker.stack.namespace is fine); a kind without a store lists nothing. get_child looks in
// the store first and, when `live` is given and the store lacks the object, GETs it as the
// operator (label-filtered informers do not see objects of others; only names not yet owned by
// the stack are looked up this way, so a steady state costs no request).
class store_cache final : public cache_reader {
public:
    store_cache(kube::store const& stacks, std::map<child_kind, kube::store const*> children,
                kube::client* live = nullptr)
        : stacks_(stacks), children_(std::move(children)), live_(live) {}

    [[nodiscard]] kube::object get_stack(kube::object_key const& key) const override;
    [[nodiscard]] std::vector<kube::object> list_labelled(child_kind kind, std::string const& ns,
                                                          std::string const& stack) const override;
    [[nodiscard]] result<kube::object> get_child(child_kind kind,
                                                 kube::object_key const& key) const override;

private:
    kube::store const& stacks_;
    std::map<child_kind, kube::store const*> children_;
    kube::client* live_;
};

// The JSON merge patch of the status subresource that removes what `stored` (the status as the
// server returned it) has and `wanted` (the status just applied) lacks: top-level status fields
// and entries of status.services, left by a writer that used PUT (an older operator). nullopt
// when there is nothing to remove.
[[nodiscard]] std::optional<std::string> stale_status_patch(rapidjson::Value const& stored,
                                                            rapidjson::Value const& wanted);

// Writes through the blocking client facade (worker threads only): server-side apply with field
// manager compose-operator and force=true, DELETE with propagation Background, and server-side
// apply of stacks/status (no resourceVersion: no 409 from a stale cache). `as` becomes the
// Impersonate-* headers.
class client_writer final : public writer {
public:
    explicit client_writer(kube::client& c) : client_(c) {}

    [[nodiscard]] result<kube::object> apply(child_kind kind, kube::object_key const& key,
                                             std::string body,
                                             std::optional<author> const& as) override;
    [[nodiscard]] result<void> remove(child_kind kind, kube::object_key const& key,
                                      std::optional<author> const& as) override;
    [[nodiscard]] result<void> update_status(kube::object const& stack,
                                             api::stack_status const& status,
                                             std::optional<author> const& as) override;

private:
    kube::client& client_;
};

// Records through the kube module's deduplicating, asynchronous Event recorder (events.k8s.io/v1
// with series), as the operator, action "Reconcile". Never blocks, never fails a reconcile.
class kube_event_recorder final : public event_recorder {
public:
    explicit kube_event_recorder(kube::event_recorder& recorder) : recorder_(recorder) {}
    void record(kube::object const& stack, event_type type, std::string_view reason,
                std::string_view message) override;

private:
    kube::event_recorder& recorder_;
};

}  // namespace op::reconcile
