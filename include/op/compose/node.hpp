#pragma once
// op::compose::node: a YAML value as the loader sees it after anchors, aliases and `<<` merge
// keys are resolved. Scalars stay text (YAML 1.1 typing is applied by the typed decoders, not
// here). The model keeps such trees only where the Compose Specification says "kept as written":
// `x-` extension fields and known keys the typed model does not cover.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace op::compose {

// Where a value came from; line and column are 1-based, 0 when unknown (built in code).
struct mark {
    int line = 0;
    int column = 0;
    int file = 0;  // index into the list of files given to load_files()
};

struct node {
    enum class kind : std::uint8_t { null, scalar, sequence, mapping };

    kind type = kind::null;
    std::string scalar;   // the text of a scalar
    bool quoted = false;  // the scalar was quoted in the source (so "true" stays a string)
    std::string tag;      // an explicit tag such as "!reset" or "!override"; empty otherwise
    std::vector<node> items;                             // sequence items
    std::vector<std::pair<std::string, node>> entries;   // mapping entries, in file order
    op::compose::mark where;

    [[nodiscard]] bool is_null() const noexcept { return type == kind::null; }
    [[nodiscard]] bool is_scalar() const noexcept { return type == kind::scalar; }
    [[nodiscard]] bool is_sequence() const noexcept { return type == kind::sequence; }
    [[nodiscard]] bool is_mapping() const noexcept { return type == kind::mapping; }

    // The entry `key` of a mapping, or nullptr (also when this is not a mapping).
    [[nodiscard]] node const* find(std::string_view key) const noexcept;
    [[nodiscard]] node* find(std::string_view key) noexcept;

    // Builders for code and tests.
    [[nodiscard]] static node make_scalar(std::string text, bool quoted = false);
    [[nodiscard]] static node make_sequence(std::vector<node> items = {});
    [[nodiscard]] static node make_mapping(std::vector<std::pair<std::string, node>> entries = {});

    // Structural equality: kind, text, items and entries (in order). Marks, tags and quoting
    // are ignored.
    friend bool operator==(node const& a, node const& b) noexcept;
};

// The name of a kind for messages: "null", "string", "sequence", "mapping".
[[nodiscard]] std::string_view kind_name(node::kind k) noexcept;

}  // namespace op::compose
