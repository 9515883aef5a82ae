#pragma once
// A thread-safe cache of immutable object snapshots keyed by "namespace/name", with indexes by
// namespace, by label (key=value) and by controller owner uid. Readers get shared_ptr<const>
// snapshots that stay valid however the store changes afterwards.
#include "op/kube/resource.hpp"

#include <map>
#include <mutex>
#include <optional>
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

// Which lookups a store keeps an index for. An index costs a few hundred bytes per cached
// object (a key copy in a tree node per term); a lookup without its index scans every object
// (same answer, linear time). By default everything is indexed.
struct store_indexes {
    bool by_namespace = true;
    bool by_owner = true;
    // The label keys by_label is indexed for; nullopt: every label of every object.
    std::optional<std::vector<std::string>> label_keys;

    // Only by_label on these keys (what the operator's caches look up), nothing else.
    [[nodiscard]] static store_indexes labels_only(std::vector<std::string> keys) {
        return {false, false, std::move(keys)};
    }
};

class store {
public:
    store() = default;
    explicit store(store_indexes indexes) : indexes_(std::move(indexes)) {}

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
    [[nodiscard]] bool label_indexed(std::string_view key) const;
    template <class Match>
    std::vector<object> scan_locked(Match const& match) const;

    store_indexes indexes_;

    mutable std::shared_mutex mutex_;
    std::unordered_map<std::string, object> items_;
    index by_ns_, by_label_, by_owner_;
};

}  // namespace op::kube
