#include "op/compose/node.hpp"

#include "op/compose/project.hpp"

namespace op::compose {

node const* node::find(std::string_view key) const noexcept {
    if (type != kind::mapping) return nullptr;
    for (auto const& [k, v] : entries) {
        if (k == key) return &v;
    }
    return nullptr;
}

node* node::find(std::string_view key) noexcept {
    return const_cast<node*>(static_cast<node const*>(this)->find(key));
}

node node::make_scalar(std::string text, bool quoted) {
    node n;
    n.type = kind::scalar;
    n.scalar = std::move(text);
    n.quoted = quoted;
    return n;
}

node node::make_sequence(std::vector<node> items) {
    node n;
    n.type = kind::sequence;
    n.items = std::move(items);
    return n;
}

node node::make_mapping(std::vector<std::pair<std::string, node>> entries) {
    node n;
    n.type = kind::mapping;
    n.entries = std::move(entries);
    return n;
}

bool operator==(node const& a, node const& b) noexcept {
    if (a.type != b.type) return false;
    switch (a.type) {
        case node::kind::null: return true;
        case node::kind::scalar: return a.scalar == b.scalar;
        case node::kind::sequence: return a.items == b.items;
        case node::kind::mapping: return a.entries == b.entries;
    }
    return false;
}

std::string_view kind_name(node::kind k) noexcept {
    switch (k) {
        case node::kind::null: return "null";
        case node::kind::scalar: return "string";
        case node::kind::sequence: return "sequence";
        case node::kind::mapping: return "mapping";
    }
    return "unknown";
}

service const* project::find_service(std::string_view name) const noexcept {
    for (auto const& s : services) {
        if (s.name == name) return &s;
    }
    return nullptr;
}

}  // namespace op::compose
