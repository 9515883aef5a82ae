#pragma once
// A thread-safe cache of immutable object snapshots keyed by "namespace/name", with indexes by
// namespace, by label (key=value) and by controller owner uid. Readers get shared_ptr<const>
// snapshots that stay valid however the store changes afterwards.
#include "op/kube/resource.hpp"

#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace op::kube {

// `resync`: no change; the informer's periodic resync re-delivers a cached object (obj == old) so
// level-triggered controllers re-evaluate it (handlers must not drop it as a same-version update).
enum class delta_type { added, updated, deleted, resync };

// One change the store applied; `old` is null for added, `obj` is the last state for deleted.
struct delta {
    delta_type type;
    object obj;
    object old;
};

class store {
public:
    // Inserts or replaces. Returns the delta, or nullopt when an object with the same
    // resourceVersion is already stored (no change).
    std::optional<delta> upsert(object obj);
    // Removes by key of `obj`; returns the delta (with the stored last state), or nullopt if absent.
    std::optional<delta> remove(rapidjson::Value const& obj);
    // Replaces the whole content with a fresh list (after a relist). Returns the deltas: adds and
    // updates for changed objects, deletes for objects that vanished.
    std::vector<delta> replace(std::vector<object> objs);

    [[nodiscard]] object get(std::string const& key) const;
    [[nodiscard]] std::vector<object> list() const;
    [[nodiscard]] std::vector<std::string> keys() const;
    [[nodiscard]] std::size_t size() const;
    [[nodiscard]] std::vector<object> by_namespace(std::string const& ns) const;
    [[nodiscard]] std::vector<object> by_label(std::string const& key,
                                               std::string const& value) const;
    [[nodiscard]] std::vector<object> by_owner(std::string const& controller_uid) const;

private:
    using index = std::unordered_map<std::string, std::set<std::string>>;
    void index_locked(std::string const& key, rapidjson::Value const& obj);
    void unindex_locked(std::string const& key, rapidjson::Value const& obj);
    std::vector<object> lookup_locked(index const& idx, std::string const& v) const;

    mutable std::shared_mutex mutex_;
    std::unordered_map<std::string, object> items_;
    index by_ns_, by_label_, by_owner_;
};

}  // namespace op::kube
