#include "op/kube/store.hpp"

#include "op/util/json.hpp"

#include <algorithm>

namespace op::kube {
namespace {

rapidjson::Value const* labels_of(rapidjson::Value const& obj) {
    auto const* meta = json::find(obj, "metadata");
    auto const* labels = meta ? json::find(*meta, "labels") : nullptr;
    return labels && labels->IsObject() ? labels : nullptr;
}

template <class Keep>
std::vector<std::string> label_terms(rapidjson::Value const& obj, Keep const& keep) {
    std::vector<std::string> out;
    auto const* labels = labels_of(obj);
    if (!labels) return out;
    for (auto const& m : labels->GetObject()) {
        if (!m.value.IsString()) continue;
        if (!keep(std::string_view(m.name.GetString(), m.name.GetStringLength()))) continue;
        std::string t(m.name.GetString(), m.name.GetStringLength());
        t += '=';
        t.append(m.value.GetString(), m.value.GetStringLength());
        out.push_back(std::move(t));
    }
    return out;
}

void drop(std::unordered_map<std::string, std::set<std::string>>& idx, std::string const& v,
          std::string const& key) {
    auto it = idx.find(v);
    if (it == idx.end()) return;
    it->second.erase(key);
    if (it->second.empty()) idx.erase(it);
}

}  // namespace

bool store::label_indexed(std::string_view key) const {
    if (!indexes_.label_keys) return true;
    auto const& keys = *indexes_.label_keys;
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

void store::index_locked(std::string const& key, rapidjson::Value const& obj) {
    if (indexes_.by_namespace) by_ns_[std::string(meta_string(obj, "namespace"))].insert(key);
    for (auto& t : label_terms(obj, [this](std::string_view k) { return label_indexed(k); }))
        by_label_[t].insert(key);
    if (auto uid = controller_uid(obj); indexes_.by_owner && !uid.empty())
        by_owner_[std::string(uid)].insert(key);
}

void store::unindex_locked(std::string const& key, rapidjson::Value const& obj) {
    if (indexes_.by_namespace) drop(by_ns_, std::string(meta_string(obj, "namespace")), key);
    for (auto& t : label_terms(obj, [this](std::string_view k) { return label_indexed(k); }))
        drop(by_label_, t, key);
    if (auto uid = controller_uid(obj); indexes_.by_owner && !uid.empty())
        drop(by_owner_, std::string(uid), key);
}

template <class Match>
std::vector<object> store::scan_locked(Match const& match) const {
    std::vector<object> out;
    for (auto const& [k, v] : items_)
        if (match(*v)) out.push_back(v);
    return out;
}

std::optional<delta> store::upsert(object obj) {
    std::string key = key_of(*obj).str();
    std::unique_lock lock(mutex_);
    auto it = items_.find(key);
    if (it == items_.end()) {
        index_locked(key, *obj);
        items_.emplace(key, obj);
        return delta{delta_type::added, std::move(obj), nullptr};
    }
    auto rv = meta_string(*obj, "resourceVersion");
    if (!rv.empty() && rv == meta_string(*it->second, "resourceVersion")) return std::nullopt;
    object old = std::move(it->second);
    unindex_locked(key, *old);
    index_locked(key, *obj);
    it->second = obj;
    return delta{delta_type::updated, std::move(obj), std::move(old)};
}

std::optional<delta> store::remove(rapidjson::Value const& obj) {
    std::string key = key_of(obj).str();
    std::unique_lock lock(mutex_);
    auto it = items_.find(key);
    if (it == items_.end()) return std::nullopt;
    object old = std::move(it->second);
    items_.erase(it);
    unindex_locked(key, *old);
    return delta{delta_type::deleted, old, old};
}

std::vector<delta> store::replace(std::vector<object> objs) {
    std::vector<delta> out;
    std::unordered_map<std::string, object> fresh;
    fresh.reserve(objs.size());
    for (auto& o : objs) fresh.emplace(key_of(*o).str(), std::move(o));
    std::vector<object> gone;
    {
        std::shared_lock lock(mutex_);
        for (auto const& [k, v] : items_)
            if (!fresh.contains(k)) gone.push_back(v);
    }
    for (auto const& g : gone)
        if (auto d = remove(*g)) out.push_back(std::move(*d));
    for (auto& [k, v] : fresh)
        if (auto d = upsert(std::move(v))) out.push_back(std::move(*d));
    return out;
}

object store::get(std::string const& key) const {
    std::shared_lock lock(mutex_);
    auto it = items_.find(key);
    return it == items_.end() ? nullptr : it->second;
}

std::vector<object> store::list() const {
    std::shared_lock lock(mutex_);
    std::vector<object> out;
    out.reserve(items_.size());
    for (auto const& [k, v] : items_) out.push_back(v);
    return out;
}

std::vector<std::string> store::keys() const {
    std::shared_lock lock(mutex_);
    std::vector<std::string> out;
    out.reserve(items_.size());
    for (auto const& [k, v] : items_) out.push_back(k);
    return out;
}

std::size_t store::size() const {
    std::shared_lock lock(mutex_);
    return items_.size();
}

std::vector<object> store::lookup_locked(index const& idx, std::string const& v) const {
    std::vector<object> out;
    auto it = idx.find(v);
    if (it == idx.end()) return out;
    for (auto const& k : it->second) out.push_back(items_.at(k));
    return out;
}

std::vector<object> store::by_namespace(std::string const& ns) const {
    std::shared_lock lock(mutex_);
    if (!indexes_.by_namespace)
        return scan_locked([&](rapidjson::Value const& o) { return meta_string(o, "namespace") == ns; });
    return lookup_locked(by_ns_, ns);
}

std::vector<object> store::by_label(std::string const& key, std::string const& value) const {
    std::shared_lock lock(mutex_);
    if (!label_indexed(key)) {
        return scan_locked([&](rapidjson::Value const& o) {
            auto const* labels = labels_of(o);
            auto const* v = labels ? json::find(*labels, key) : nullptr;
            return v && v->IsString() && std::string_view(v->GetString(), v->GetStringLength()) == value;
        });
    }
    return lookup_locked(by_label_, key + "=" + value);
}

std::vector<object> store::by_owner(std::string const& uid) const {
    std::shared_lock lock(mutex_);
    if (!indexes_.by_owner)
        return scan_locked([&](rapidjson::Value const& o) { return controller_uid(o) == uid; });
    return lookup_locked(by_owner_, uid);
}

}  // namespace op::kube
