// Merge of several Compose files into one tree before decoding.
#include "merge.hpp"

#include "op/compose/scalars.hpp"

#include <algorithm>
#include <functional>
#include <unordered_map>

namespace op::compose::detail {
namespace {

using key_fn = std::function<std::string(node const&)>;

// A mapping's entries by key, so that merging is linear in the size of both files (a lookup
// per entry was quadratic: see the load_limits budget). find() pointers stay valid until the
// next add(); erased entries are removed, in order, by finish().
class key_index {
public:
    explicit key_index(node& m) : m_(m) {
        for (std::size_t j = 0; j < m.entries.size(); ++j) pos_.try_emplace(m.entries[j].first, j);
    }
    node* find(std::string const& k) {
        auto const it = pos_.find(k);
        return it == pos_.end() ? nullptr : &m_.entries[it->second].second;
    }
    void add(std::string const& k, node v) {
        pos_.emplace(k, m_.entries.size());
        m_.entries.emplace_back(k, std::move(v));
    }
    void set(std::string const& k, node v) {
        if (node* e = find(k)) *e = std::move(v);
        else add(k, std::move(v));
    }
    void erase(std::string const& k) {
        auto const it = pos_.find(k);
        if (it == pos_.end()) return;
        gone_.push_back(it->second);
        pos_.erase(it);
    }
    void finish() {
        if (gone_.empty()) return;
        std::vector<bool> gone(m_.entries.size());
        for (std::size_t j : gone_) gone[j] = true;
        std::size_t j = 0;
        std::erase_if(m_.entries, [&](auto const&) { return gone[j++]; });
        gone_.clear();
    }

private:
    node& m_;
    std::unordered_map<std::string, std::size_t> pos_;
    std::vector<std::size_t> gone_;
};

void combine(std::size_t& h, std::size_t v) { h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); }

// Consistent with operator== on nodes (kind, text, items, entries; not marks, tags, quoting).
std::size_t node_hash(node const& n) {
    std::size_t h = static_cast<std::size_t>(n.type);
    if (n.is_scalar()) combine(h, std::hash<std::string>{}(n.scalar));
    for (auto const& i : n.items) combine(h, node_hash(i));
    for (auto const& [k, v] : n.entries) {
        combine(h, std::hash<std::string>{}(k));
        combine(h, node_hash(v));
    }
    return h;
}

void append_unique(node& base, node const& over) {
    std::unordered_multimap<std::size_t, std::size_t> seen;  // hash -> index in base.items
    for (std::size_t j = 0; j < base.items.size(); ++j) seen.emplace(node_hash(base.items[j]), j);
    for (auto const& i : over.items) {
        std::size_t const h = node_hash(i);
        auto [lo, hi] = seen.equal_range(h);
        if (std::any_of(lo, hi, [&](auto const& e) { return base.items[e.second] == i; })) continue;
        seen.emplace(h, base.items.size());
        base.items.push_back(i);
    }
}

// Generic deep merge: mappings recursively, sequences appended, anything else replaced.
void merge_generic(node& base, node const& over) {
    if (over.tag == "!override" || base.type != over.type || over.is_scalar() || over.is_null()) {
        base = over;
        return;
    }
    if (over.is_sequence()) {
        append_unique(base, over);
        return;
    }
    key_index keys(base);
    for (auto const& [k, v] : over.entries) {
        if (v.tag == "!reset") {
            keys.erase(k);
        } else if (node* b = keys.find(k)) {
            merge_generic(*b, v);
        } else {
            keys.add(k, v);
        }
    }
    keys.finish();
}

// "A=b" / "A" list items (or "host:ip" for extra_hosts) -> a mapping.
node to_mapping(node const& n, bool hosts) {
    if (!n.is_sequence()) return n;
    node m = node::make_mapping();
    m.where = n.where;
    key_index keys(m);
    for (auto const& i : n.items) {
        if (!i.is_scalar()) return n;  // let the decoder report it
        std::size_t const sep = hosts ? i.scalar.find_first_of(":=") : i.scalar.find('=');
        node v;
        v.where = i.where;
        if (sep != std::string::npos) v = node::make_scalar(i.scalar.substr(sep + 1), true);
        keys.set(sep == std::string::npos ? i.scalar : i.scalar.substr(0, sep), std::move(v));
    }
    return m;
}

std::string port_identity(std::string const& ip, std::uint32_t target,
                          std::optional<port_range> const& pub, std::string const& proto) {
    std::string k = ip + "|" + std::to_string(target) + "|";
    if (pub) k += std::to_string(pub->start) + "-" + std::to_string(pub->end);
    return k + "|" + proto;
}

std::string port_key(node const& n) {
    if (n.is_scalar()) {
        // A range matches the same range as written: expanding it for a key would cost a key of
        // every port for every entry (load_limits budget).
        if (port_count(n.scalar) > 1) return "range:" + n.scalar;
        auto ports = parse_port(n.scalar);
        if (!ports) return {};
        std::string k;
        for (auto const& p : *ports) k += port_identity(p.host_ip, p.target, p.published, p.protocol) + ";";
        return k;
    }
    auto field = [&](std::string_view f) {
        node const* v = n.find(f);
        return v != nullptr && v->is_scalar() ? v->scalar : std::string{};
    };
    auto target = parse_port(field("target"));
    if (!target || target->size() != 1) return {};
    std::optional<port_range> pub;
    if (!field("published").empty()) {
        auto p = parse_port(field("published") + ":1");
        if (!p) return {};
        pub = (*p)[0].published;
    }
    std::string const proto = field("protocol").empty() ? "tcp" : field("protocol");
    return port_identity(field("host_ip"), (*target)[0].target, pub, proto) + ";";
}

std::string volume_key(node const& n) {
    if (n.is_scalar()) {
        auto v = parse_volume(n.scalar);
        return v ? v->target : std::string{};
    }
    node const* t = n.find("target");
    return t != nullptr && t->is_scalar() ? t->scalar : std::string{};
}

std::string file_ref_key(node const& n) {
    if (n.is_scalar()) return "source:" + n.scalar;
    node const* t = n.find("target");
    if (t != nullptr && t->is_scalar()) return t->scalar;
    node const* s = n.find("source");
    return s != nullptr && s->is_scalar() ? "source:" + s->scalar : std::string{};
}

void merge_keyed(node& base, node const& over, key_fn const& key) {
    if (!base.is_sequence() || !over.is_sequence()) {
        base = over;
        return;
    }
    // Each key once, looked up by hash: linear in the size of both lists (load_limits budget).
    std::unordered_map<std::string, std::size_t> first;  // key -> index of its first base item
    for (std::size_t j = 0; j < base.items.size(); ++j) {
        std::string k = key(base.items[j]);
        if (!k.empty()) first.try_emplace(std::move(k), j);
    }
    for (auto const& i : over.items) {
        std::string k = key(i);
        auto const it = k.empty() ? first.end() : first.find(k);
        if (it != first.end()) {
            base.items[it->second] = i;
        } else {
            if (!k.empty()) first.emplace(std::move(k), base.items.size());
            base.items.push_back(i);
        }
    }
}

void merge_service(node& base, node const& over) {
    if (!base.is_mapping() || !over.is_mapping() || over.tag == "!override") {
        base = over;
        return;
    }
    key_index keys(base);
    for (auto const& [k, v] : over.entries) {
        if (v.tag == "!reset") {
            keys.erase(k);
            continue;
        }
        node* b = keys.find(k);
        if (b == nullptr || v.tag == "!override" || k == "command" || k == "entrypoint") {
            keys.set(k, v);
        } else if (k == "environment" || k == "labels" || k == "extra_hosts" || k == "sysctls" ||
                   k == "annotations" || k == "depends_on" || k == "networks") {
            bool const hosts = k == "extra_hosts";
            node merged = to_mapping(*b, hosts);
            merge_generic(merged, to_mapping(v, hosts));
            *b = std::move(merged);
        } else if (k == "ports") {
            merge_keyed(*b, v, port_key);
        } else if (k == "volumes") {
            merge_keyed(*b, v, volume_key);
        } else if (k == "secrets" || k == "configs") {
            merge_keyed(*b, v, file_ref_key);
        } else if (k == "healthcheck" && b->is_mapping() && v.is_mapping()) {
            key_index health(*b);
            for (auto const& [hk, hv] : v.entries) {
                if (hv.tag == "!reset") health.erase(hk);
                else if (hk == "test" || health.find(hk) == nullptr) health.set(hk, hv);
                else merge_generic(*health.find(hk), hv);
            }
            health.finish();
        } else {
            merge_generic(*b, v);
        }
    }
    keys.finish();
}

}  // namespace

node merge_service_nodes(node base, node const& over) {
    merge_service(base, over);
    return base;
}

node merge_files(node base, node const& over) {
    if (over.is_null()) return base;
    if (!base.is_mapping() || !over.is_mapping()) return over;
    key_index keys(base);
    for (auto const& [k, v] : over.entries) {
        node* b = keys.find(k);
        if (v.tag == "!reset") {
            keys.erase(k);
        } else if (b == nullptr || v.tag == "!override") {
            keys.set(k, v);
        } else if (k == "services" && b->is_mapping() && v.is_mapping()) {
            key_index services(*b);
            for (auto const& [name, sv] : v.entries) {
                node* bs = services.find(name);
                if (sv.tag == "!reset") services.erase(name);
                else if (bs == nullptr) services.add(name, sv);
                else merge_service(*bs, sv);
            }
            services.finish();
        } else {
            merge_generic(*b, v);
        }
    }
    keys.finish();
    return base;
}

}  // namespace op::compose::detail
