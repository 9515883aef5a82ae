#pragma once
// Recording fakes for the reconciler's ports (sample-controller's fixture style): a fake cluster
// that is both the cache and the writer (writes are mirrored into the cache unless told not to,
// as if the informers were instantaneous), a fake event recorder and a fake owner verifier.
// Every write is recorded as one line, e.g. "apply Deployment ns/web as alice".
#include "op/api/hub.hpp"
#include "op/mapping/mapping.hpp"
#include "op/reconcile/ports.hpp"

#include <rapidjson/document.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace op::reconcile::testing {

kube::object parse(std::string const& text);

struct service_spec {
    std::string name;
    std::int64_t replicas = 1;
    bool volume = false;  // -> StatefulSet
    bool global = false;  // -> DaemonSet
};

// A v1beta2 Stack ns/app, uid "stack-uid", with the given services.
std::string stack_json(std::vector<service_spec> const& services, std::int64_t generation = 1);

// A fake mapper: per service a workload (Deployment / StatefulSet / DaemonSet) and a headless
// Service, both named after the service, labelled, without ownerReferences.
std::vector<mapping::k8s_object> fake_map(api::stack const& s);

class fake_cluster final : public cache_reader, public writer {
public:
    // --- cache_reader
    kube::object get_stack(kube::object_key const& key) const override;
    std::vector<kube::object> list_labelled(child_kind kind, std::string const& ns,
                                            std::string const& stack) const override;
    result<kube::object> get_child(child_kind kind, kube::object_key const& key) const override;
    // --- writer
    result<kube::object> apply(child_kind kind, kube::object_key const& key, std::string body,
                               std::optional<author> const& as) override;
    result<void> remove(child_kind kind, kube::object_key const& key,
                        std::optional<author> const& as) override;
    result<void> update_status(kube::object const& stack, api::stack_status const& status,
                               std::optional<author> const& as) override;

    // --- test controls
    void put_stack(std::string const& json);  // keeps the stored status when json has none
    void put(child_kind kind, std::string const& json);
    kube::object get(child_kind kind, std::string const& name) const;
    // Sets a workload's status to fully rolled out and ready (or `ready` ready replicas).
    void set_ready(child_kind kind, std::string const& name, std::optional<int> ready = {});
    // Changes one top-level spec field of a cached child (drift made by someone else).
    void set_spec_int(child_kind kind, std::string const& name, char const* field, int value);

    std::vector<std::string> actions;                // recorded writes
    std::vector<api::stack_status> statuses;         // every status written
    bool mirror = true;                              // writes update the cache
    // Returns an error to fail the action (its recorded line) instead of doing it.
    std::function<std::optional<error>(std::string const& action)> inject;

private:
    std::string key(child_kind kind, std::string const& ns, std::string const& name) const;
    std::map<std::string, kube::object> stacks_;
    std::map<std::string, kube::object> objects_;  // "<Kind> ns/name"
    int rv_ = 100;
};

class fake_events final : public event_recorder {
public:
    void record(kube::object const& stack, event_type type, std::string_view reason,
                std::string_view message) override;
    std::vector<std::string> lines;  // "Warning Forbidden: <message>"
};

class fake_verifier final : public owner_verifier {
public:
    result<author> verify(rapidjson::Value const& stack) const override;
    result<author> answer = author{"alice", "alice-uid", {"devs"}, {}};
    mutable int calls = 0;
};

}  // namespace op::reconcile::testing
