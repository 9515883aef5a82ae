// Merge of several Compose files into one tree before decoding.
#include "merge.hpp"

#include "op/compose/scalars.hpp"

#include <algorithm>
#include <functional>

namespace op::compose::detail {
namespace {

using key_fn = std::function<std::string(node const&)>;

void set_entry(node& m, std::string const& k, node v) {
    if (node* e = m.find(k)) *e = std::move(v);
    else m.entries.emplace_back(k, std::move(v));
}

void erase_entry(node& m, std::string const& k) {
    std::erase_if(m.entries, [&](auto const& e) { return e.first == k; });
}

void append_unique(node& base, node const& over) {
    for (auto const& i : over.items) {
        if (std::find(base.items.begin(), base.items.end(), i) == base.items.end()) {
            base.items.push_back(i);
        }
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
    for (auto const& [k, v] : over.entries) {
        if (v.tag == "!reset") {
            erase_entry(base, k);
        } else if (node* b = base.find(k)) {
            merge_generic(*b, v);
        } else {
            base.entries.emplace_back(k, v);
        }
    }
}

// "A=b" / "A" list items (or "host:ip" for extra_hosts) -> a mapping.
node to_mapping(node const& n, bool hosts) {
    if (!n.is_sequence()) return n;
    node m = node::make_mapping();
    m.where = n.where;
    for (auto const& i : n.items) {
        if (!i.is_scalar()) return n;  // let the decoder report it
        std::size_t const sep = hosts ? i.scalar.find_first_of(":=") : i.scalar.find('=');
        node v;
        v.where = i.where;
        if (sep != std::string::npos) v = node::make_scalar(i.scalar.substr(sep + 1), true);
        set_entry(m, sep == std::string::npos ? i.scalar : i.scalar.substr(0, sep), std::move(v));
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
    for (auto const& i : over.items) {
        std::string const k = key(i);
        auto it = k.empty() ? base.items.end()
                            : std::find_if(base.items.begin(), base.items.end(),
                                           [&](node const& b) { return key(b) == k; });
        if (it != base.items.end()) *it = i;
        else base.items.push_back(i);
    }
}

void merge_service(node& base, node const& over) {
    if (!base.is_mapping() || !over.is_mapping() || over.tag == "!override") {
        base = over;
        return;
    }
    for (auto const& [k, v] : over.entries) {
        if (v.tag == "!reset") {
            erase_entry(base, k);
            continue;
        }
        node* b = base.find(k);
        if (b == nullptr || v.tag == "!override" || k == "command" || k == "entrypoint") {
            set_entry(base, k, v);
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
            for (auto const& [hk, hv] : v.entries) {
                if (hv.tag == "!reset") erase_entry(*b, hk);
                else if (hk == "test" || b->find(hk) == nullptr) set_entry(*b, hk, hv);
                else merge_generic(*b->find(hk), hv);
            }
        } else {
            merge_generic(*b, v);
        }
    }
}

}  // namespace

node merge_files(node base, node const& over) {
    if (over.is_null()) return base;
    if (!base.is_mapping() || !over.is_mapping()) return over;
    for (auto const& [k, v] : over.entries) {
        node* b = base.find(k);
        if (v.tag == "!reset") {
            erase_entry(base, k);
        } else if (b == nullptr || v.tag == "!override") {
            set_entry(base, k, v);
        } else if (k == "services" && b->is_mapping() && v.is_mapping()) {
            for (auto const& [name, sv] : v.entries) {
                node* bs = b->find(name);
                if (sv.tag == "!reset") erase_entry(*b, name);
                else if (bs == nullptr) b->entries.emplace_back(name, sv);
                else merge_service(*bs, sv);
            }
        } else {
            merge_generic(*b, v);
        }
    }
    return base;
}

}  // namespace op::compose::detail
