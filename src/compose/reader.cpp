// yaml-cpp event handler building op::compose::node trees under limits.
#include "reader.hpp"

#include "decode.hpp"
#include "op/util/text.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <memory>
#include <new>
#include <optional>
#include <sstream>
#include <unordered_set>

namespace op::compose::detail {
namespace {

// yaml-cpp decodes the escapes "\N" (U+0085) and "\_" (U+00A0) of double-quoted scalars to the
// single Latin-1 bytes 0x85 and 0xA0, which are not UTF-8 (and then not JSON). The input was
// checked to be well-formed, so those escapes are the only source of ill-formed bytes in a
// scalar: they become their two-byte UTF-8 forms; anything else (none is known) becomes U+FFFD.
std::string yaml_cpp_escapes(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 4);
    while (!text.empty()) {
        std::size_t const bad = op::invalid_utf8_at(text);
        if (bad == std::string_view::npos) {
            out.append(text);
            break;
        }
        out.append(text.substr(0, bad));
        auto const c = static_cast<unsigned char>(text[bad]);
        if (c == 0x85 || c == 0xA0) {
            out += '\xC2';
            out += static_cast<char>(c);
        } else {
            out += "\xEF\xBF\xBD";
        }
        text.remove_prefix(bad + 1);
    }
    return out;
}

// Thrown from inside the event handler to abort yaml-cpp's parse; never leaves this file.
struct abort_parse {
    std::string message;
    mark where;
    std::string field_path;
};

class builder final : public YAML::EventHandler {
public:
    builder(int file, load_budget& budget) : file_(file), budget_(budget), lim_(budget.limits) {}

    std::optional<node> root;
    bool saw_document = false;

    void OnDocumentStart(YAML::Mark const&) override { saw_document = true; }
    void OnDocumentEnd() override {}

    void OnNull(YAML::Mark const& m, YAML::anchor_t anchor) override {
        node n;
        n.where = to_mark(m);
        spend({1, 0, 0}, n.where, nullptr);
        finish(std::move(n), anchor, false);
    }

    void OnAlias(YAML::Mark const& m, YAML::anchor_t anchor) override {
        if (anchor >= anchors_.size() || !anchors_[anchor]) {
            throw abort_parse{"alias to an unknown or unfinished anchor", to_mark(m), path()};
        }
        cost const& c = anchor_costs_[anchor];
        if (stack_.size() + c.depth > lim_.max_depth) {
            throw abort_parse{"alias nests deeper than " + std::to_string(lim_.max_depth) +
                                  " levels (limit max_depth)",
                              to_mark(m), path()};
        }
        spend(c, to_mark(m), "alias expands ");
        node copy = *anchors_[anchor];
        finish(std::move(copy), 0, false);
    }

    void OnScalar(YAML::Mark const& m, std::string const& tag, YAML::anchor_t anchor,
                  std::string const& text) override {
        // Almost every scalar is well-formed: copied only when yaml-cpp's escapes need repair.
        bool const ok = op::invalid_utf8_at(text) == std::string::npos;
        std::string const repaired = ok ? std::string() : yaml_cpp_escapes(text);
        std::string const& value = ok ? text : repaired;
        spend({1, value.size() + kept_tag(tag).size(), 0}, to_mark(m), nullptr, &value);
        node n = node::make_scalar(value, tag == "!" || tag == "tag:yaml.org,2002:str");
        set_tag(n, tag);
        n.where = to_mark(m);
        finish(std::move(n), anchor, n.quoted);
    }

    void OnSequenceStart(YAML::Mark const& m, std::string const& tag, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override {
        open(node::kind::sequence, m, tag, anchor);
    }
    void OnSequenceEnd() override { close(); }

    void OnMapStart(YAML::Mark const& m, std::string const& tag, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value) override {
        open(node::kind::mapping, m, tag, anchor);
    }
    void OnMapEnd() override {
        resolve_merge_keys(stack_.back());
        close();
    }

private:
    struct frame {
        node value;
        YAML::anchor_t anchor = 0;
        std::optional<std::string> key;  // pending mapping key
        bool key_quoted = false;
        mark key_mark;
        std::vector<node> merges;  // values of "<<" keys
        std::unordered_set<std::string> keys;
    };

    mark to_mark(YAML::Mark const& m) const {
        return mark{m.line + 1, m.column + 1, file_};
    }

    // The field path of the node being read ("services.web.ports[3]"); `scalar` is the text of
    // a scalar being read, which names the path when it is a mapping key.
    std::string path(std::string const* scalar = nullptr) const {
        std::string p;
        for (frame const& f : stack_) {
            if (f.value.type == node::kind::sequence) {
                p = index_path(p, f.value.items.size());
            } else if (f.key) {
                p = key_path(p, *f.key);
            } else if (scalar != nullptr && &f == &stack_.back()) {
                p = key_path(p, *scalar);
            }
        }
        return p;
    }

    // Charges `c` to the load's budget. `how` starts the message when the cost comes from
    // expanding something ("alias expands "); otherwise the document itself is too big.
    void spend(cost const& c, mark const& m, char const* how, std::string const* scalar = nullptr) {
        budget_.nodes += c.nodes;
        budget_.scalar_bytes += c.bytes;
        char const* unit = nullptr;
        char const* name = nullptr;
        std::size_t limit = 0;
        if (budget_.nodes > lim_.max_nodes) {
            unit = "nodes";
            name = "max_nodes";
            limit = lim_.max_nodes;
        } else if (budget_.scalar_bytes > lim_.max_scalar_bytes) {
            unit = "bytes of keys and values";
            name = "max_scalar_bytes";
            limit = lim_.max_scalar_bytes;
        } else {
            return;
        }
        std::string msg = how != nullptr ? std::string(how) + "the Compose document to "
                                         : std::string("the Compose document has ");
        msg += over_limit(limit, unit, name);
        if (how != nullptr) msg += "; aliases and merge keys count at their expanded size";
        throw abort_parse{std::move(msg), m, path(scalar)};
    }

    // The explicit tag a node keeps: none for yaml-cpp's "?" (plain) and "!" (quoted).
    static std::string_view kept_tag(std::string const& tag) {
        return tag == "?" || tag == "!" ? std::string_view{} : std::string_view{tag};
    }
    static void set_tag(node& n, std::string const& tag) { n.tag = std::string(kept_tag(tag)); }

    void open(node::kind k, YAML::Mark const& m, std::string const& tag, YAML::anchor_t anchor) {
        if (stack_.size() >= lim_.max_depth) {
            throw abort_parse{"nesting deeper than " + std::to_string(lim_.max_depth) + " levels",
                              to_mark(m), path()};
        }
        spend({1, kept_tag(tag).size(), 0}, to_mark(m), nullptr);
        frame f;
        f.value.type = k;
        f.value.where = to_mark(m);
        set_tag(f.value, tag);
        f.anchor = anchor;
        stack_.push_back(std::move(f));
    }

    void close() {
        frame f = std::move(stack_.back());
        stack_.pop_back();
        finish(std::move(f.value), f.anchor, false);
    }

    void finish(node n, YAML::anchor_t anchor, bool quoted) {
        if (anchor != 0) {
            if (anchors_.size() <= anchor) {
                anchors_.resize(anchor + 1);
                anchor_costs_.resize(anchor + 1);
            }
            // The anchor keeps a copy, which costs as much as the node itself.
            cost const c = measure(n);
            spend(c, n.where, nullptr);
            anchor_costs_[anchor] = c;
            anchors_[anchor] = n;
        }
        if (stack_.empty()) {
            root = std::move(n);
            return;
        }
        frame& top = stack_.back();
        if (top.value.type == node::kind::sequence) {
            top.value.items.push_back(std::move(n));
            return;
        }
        if (!top.key) {
            if (n.type == node::kind::null) {
                n.scalar.clear();
            } else if (n.type != node::kind::scalar) {
                throw abort_parse{"mapping keys must be strings, not a " +
                                      std::string(kind_name(n.type)),
                                  n.where, path()};
            }
            top.key = std::move(n.scalar);
            top.key_quoted = quoted;
            top.key_mark = n.where;
            return;
        }
        std::string key = std::move(*top.key);
        top.key.reset();
        if (key == "<<" && !top.key_quoted) {
            top.merges.push_back(std::move(n));
            return;
        }
        if (!top.keys.insert(key).second) {
            top.key = key;  // for the path
            throw abort_parse{"duplicate key \"" + key + "\"", top.key_mark, path()};
        }
        top.value.entries.emplace_back(std::move(key), std::move(n));
    }

// `<<: *a` / `<<: [*a, *b]`: entries of the merged mappings that the mapping does not set
    // itself are appended; among several, the earlier mapping wins.
    void resolve_merge_keys(frame& f) {
        for (node& m : f.merges) {
            std::vector<node*> sources;
            if (m.type == node::kind::mapping) {
                sources.push_back(&m);
            } else if (m.type == node::kind::sequence) {
                for (auto& i : m.items) {
                    if (i.type != node::kind::mapping) {
                        throw abort_parse{"merge key \"<<\" needs mappings", i.where, path()};
                    }
                    sources.push_back(&i);
                }
            } else {
                throw abort_parse{"merge key \"<<\" needs a mapping or a list of mappings", m.where,
                                  path()};
            }
            // The merged values were charged when they were read (aliases at their expanded
            // size) and are moved, not copied.
            for (node* s : sources) {
                for (auto& [k, v] : s->entries) {
                    if (f.keys.insert(k).second) f.value.entries.emplace_back(std::move(k), std::move(v));
                }
            }
        }
        f.merges.clear();
    }

    int file_;
    load_budget& budget_;
    load_limits const& lim_;
    std::vector<frame> stack_;
    std::vector<std::optional<node>> anchors_;
    std::vector<cost> anchor_costs_;
};

mark mark_of_offset(std::string_view s, std::size_t off, int file) {
    mark m{1, 1, file};
    for (std::size_t i = 0; i < off && i < s.size(); ++i) {
        if (s[i] == '\n') {
            ++m.line;
            m.column = 1;
        } else {
            ++m.column;
        }
    }
    return m;
}

}  // namespace

cost measure(node const& n) {
    cost c{1, n.scalar.size() + n.tag.size(), 0};
    auto add = [&c](cost const& sub) {
        c.nodes += sub.nodes;
        c.bytes += sub.bytes;
        c.depth = std::max(c.depth, sub.depth + 1);
    };
    for (auto const& i : n.items) add(measure(i));
    for (auto const& [k, v] : n.entries) {
        add(measure(v));
        c.nodes += 1;
        c.bytes += k.size();
    }
    if (n.type == node::kind::sequence || n.type == node::kind::mapping) c.depth = std::max<std::size_t>(c.depth, 1);
    return c;
}

std::string position(mark const& m, std::string_view file_name) {
    if (m.line == 0) return {};
    std::string out = " (";
    if (!file_name.empty()) out += std::string(file_name) + ": ";
    return out + "line " + std::to_string(m.line) + ", column " + std::to_string(m.column) + ")";
}

result<node> read_yaml(std::string_view text, int file_index, std::string_view file_name,
                       load_budget& budget) {
    load_limits const& limits = budget.limits;
    if (text.size() > limits.max_bytes) {
        return invalid("Compose file is " + std::to_string(text.size()) + " bytes, more than the " +
                       std::to_string(limits.max_bytes) + "-byte limit");
    }
    if (std::size_t const bad = invalid_utf8_at(text); bad != std::string_view::npos) {
        return invalid("Compose file is not valid UTF-8 at byte " + std::to_string(bad) +
                       position(mark_of_offset(text, bad, file_index), file_name));
    }
    if (std::size_t const nul = text.find('\0'); nul != std::string_view::npos) {
        return invalid("Compose file contains a NUL byte" +
                       position(mark_of_offset(text, nul, file_index), file_name));
    }
    if (auto const over = check_flow_collections(text, limits)) {
        return invalid(over->first + position(mark_of_offset(text, over->second, file_index), file_name));
    }
    try {
        std::istringstream in{std::string(text)};
        YAML::Parser parser(in);
        builder b(file_index, budget);
        parser.HandleNextDocument(b);
        if (!b.root) return node{};
        builder extra(file_index, budget);
        if (parser.HandleNextDocument(extra) && extra.root) {
            return invalid("Compose file has more than one YAML document" +
                           position(extra.root->where, file_name));
        }
        return std::move(*b.root);
    } catch (abort_parse const& e) {
        return invalid(e.message + position(e.where, file_name), e.field_path);
    } catch (YAML::Exception const& e) {
        mark const m{e.mark.line + 1, e.mark.column + 1, file_index};
        return invalid("invalid YAML: " + op::valid_utf8(e.msg) + (e.mark.is_null() ? "" : position(m, file_name)));
    } catch (std::bad_alloc const&) {
        return invalid("Compose file too large to parse (out of memory)");
    } catch (std::exception const& e) {
        return invalid("invalid YAML: " + op::valid_utf8(e.what()));
    }
}

}  // namespace op::compose::detail
