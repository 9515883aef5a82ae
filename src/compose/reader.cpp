// yaml-cpp event handler building op::compose::node trees under limits.
#include "reader.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <memory>
#include <new>
#include <optional>
#include <sstream>
#include <unordered_set>

namespace op::compose::detail {
namespace {

// Thrown from inside the event handler to abort yaml-cpp's parse; never leaves this file.
struct abort_parse {
    std::string message;
    mark where;
};

std::size_t count_nodes(node const& n) {
    std::size_t c = 1;
    for (auto const& i : n.items) c += count_nodes(i);
    for (auto const& [k, v] : n.entries) c += 1 + count_nodes(v);
    return c;
}

class builder final : public YAML::EventHandler {
public:
    builder(int file, load_limits const& lim) : file_(file), lim_(lim) {}

    std::optional<node> root;
    bool saw_document = false;

    void OnDocumentStart(YAML::Mark const&) override { saw_document = true; }
    void OnDocumentEnd() override {}

    void OnNull(YAML::Mark const& m, YAML::anchor_t anchor) override {
        node n;
        n.where = to_mark(m);
        finish(std::move(n), anchor, false);
    }

    void OnAlias(YAML::Mark const& m, YAML::anchor_t anchor) override {
        if (anchor >= anchors_.size() || !anchors_[anchor]) {
            throw abort_parse{"alias to an unknown or unfinished anchor", to_mark(m)};
        }
        alias_nodes_ += anchor_sizes_[anchor];
        if (alias_nodes_ > lim_.max_alias_nodes) {
            throw abort_parse{"aliases expand to more than " + std::to_string(lim_.max_alias_nodes) +
                                  " nodes (excessive aliasing)",
                              to_mark(m)};
        }
        node copy = *anchors_[anchor];
        finish(std::move(copy), 0, false);
    }

    void OnScalar(YAML::Mark const& m, std::string const& tag, YAML::anchor_t anchor,
                  std::string const& value) override {
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

    static void set_tag(node& n, std::string const& tag) {
        if (tag != "?" && tag != "!" && !tag.empty()) n.tag = tag;
    }

    void open(node::kind k, YAML::Mark const& m, std::string const& tag, YAML::anchor_t anchor) {
        if (stack_.size() >= lim_.max_depth) {
            throw abort_parse{"nesting deeper than " + std::to_string(lim_.max_depth) + " levels",
                              to_mark(m)};
        }
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
                anchor_sizes_.resize(anchor + 1);
            }
            anchor_sizes_[anchor] = count_nodes(n);
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
                                  n.where};
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
            throw abort_parse{"duplicate key \"" + key + "\"", top.key_mark};
        }
        top.value.entries.emplace_back(std::move(key), std::move(n));
    }

    // `<<: *a` / `<<: [*a, *b]`: entries of the merged mappings that the mapping does not set
    // itself are appended; among several, the earlier mapping wins.
    void resolve_merge_keys(frame& f) {
        for (node const& m : f.merges) {
            std::vector<node const*> sources;
            if (m.type == node::kind::mapping) {
                sources.push_back(&m);
            } else if (m.type == node::kind::sequence) {
                for (auto const& i : m.items) {
                    if (i.type != node::kind::mapping) {
                        throw abort_parse{"merge key \"<<\" needs mappings", i.where};
                    }
                    sources.push_back(&i);
                }
            } else {
                throw abort_parse{"merge key \"<<\" needs a mapping or a list of mappings", m.where};
            }
            for (node const* s : sources) {
                for (auto const& [k, v] : s->entries) {
                    if (f.keys.insert(k).second) f.value.entries.emplace_back(k, v);
                }
            }
        }
        f.merges.clear();
    }

    int file_;
    load_limits const& lim_;
    std::vector<frame> stack_;
    std::vector<std::optional<node>> anchors_;
    std::vector<std::size_t> anchor_sizes_;
    std::size_t alias_nodes_ = 0;
};

// Byte offset of the first invalid UTF-8 sequence, or npos.
std::size_t invalid_utf8_at(std::string_view s) {
    std::size_t i = 0;
    auto const* p = reinterpret_cast<unsigned char const*>(s.data());
    while (i < s.size()) {
        unsigned char const c = p[i];
        std::size_t n = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) { ++i; continue; }
        if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1F; }
        else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0F; }
        else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07; }
        else return i;
        for (std::size_t k = 1; k <= n; ++k) {
            if (i + k >= s.size() || (p[i + k] & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return i;
        }
        i += n + 1;
    }
    return std::string_view::npos;
}

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

std::string position(mark const& m, std::string_view file_name) {
    if (m.line == 0) return {};
    std::string out = " (";
    if (!file_name.empty()) out += std::string(file_name) + ": ";
    return out + "line " + std::to_string(m.line) + ", column " + std::to_string(m.column) + ")";
}

result<node> read_yaml(std::string_view text, int file_index, std::string_view file_name,
                       load_limits const& limits) {
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
    try {
        std::istringstream in{std::string(text)};
        YAML::Parser parser(in);
        builder b(file_index, limits);
        parser.HandleNextDocument(b);
        if (!b.root) return node{};
        builder extra(file_index, limits);
        if (parser.HandleNextDocument(extra) && extra.root) {
            return invalid("Compose file has more than one YAML document" +
                           position(extra.root->where, file_name));
        }
        return std::move(*b.root);
    } catch (abort_parse const& e) {
        return invalid(e.message + position(e.where, file_name));
    } catch (YAML::Exception const& e) {
        mark const m{e.mark.line + 1, e.mark.column + 1, file_index};
        return invalid("invalid YAML: " + e.msg + (e.mark.is_null() ? "" : position(m, file_name)));
    } catch (std::bad_alloc const&) {
        return invalid("Compose file too large to parse (out of memory)");
    } catch (std::exception const& e) {
        return invalid(std::string("invalid YAML: ") + e.what());
    }
}

}  // namespace op::compose::detail
