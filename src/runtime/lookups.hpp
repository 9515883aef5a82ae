#pragma once
// Private to runtime: the caches the validating webhook's collision check reads. The webhook
// serves on every replica (not only the leader), so every replica runs these: one informer per
// kind the check looks at (Service, Deployment, StatefulSet, DaemonSet, Ingress, ConfigMap, Secret,
// PersistentVolumeClaim), label-filtered to
// objects that carry the stack label, so they stay small. An object without the stack label is
// therefore not seen at admission; the reconciler's check (a live read) stalls such a stack with
// NameConflict and the Stack resync re-evaluates it once the object is gone.
#include "op/admission/validate.hpp"
#include "op/kube/informer.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <string>

namespace op::runtime {

class collision_caches {
public:
    // Informers on `c` (not started) for namespace `ns` ("" = all).
    collision_caches(kube::client& c, std::string const& ns);
    ~collision_caches();
    collision_caches(collision_caches const&) = delete;
    collision_caches& operator=(collision_caches const&) = delete;

    void start();
    // Ends the informers. Not from an io_context thread.
    void stop();
    [[nodiscard]] bool synced() const;
    // Answers from the caches only: never blocks on I/O. Valid while this object lives.
    [[nodiscard]] admission::object_lookup lookup() const;

private:
    std::map<std::string, std::unique_ptr<kube::informer>, std::less<>> by_kind_;
};

}  // namespace op::runtime
