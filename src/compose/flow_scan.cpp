// A linear pre-scan that bounds flow collections before yaml-cpp reads the text.
//
// yaml-cpp's scanner reads a flow collection ([...] or {...}) whole, holding every token
// (about 140 bytes each), before it delivers a single event when the collection sits where a
// key could start: inside another flow collection, after "- " or "? ", at the start of a line.
// JSON-style input is one such collection. So nesting and size limits checked on events come
// too late there: 1 MiB of "[[1,1,1,..." costs 140 MiB first. This scan knows just enough YAML
// to find flow collections: comments, quoted scalars, block scalars, and plain scalars in block
// context (where '[' is text). What it misreads it can only over-count inside odd text, never
// under-count a real flow collection.
#include "reader.hpp"

namespace op::compose::detail {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The index after the quoted scalar starting at `i` (s[i] is ' or "), or s.size().
std::size_t skip_quoted(std::string_view s, std::size_t i) {
    char const q = s[i];
    for (++i; i < s.size(); ++i) {
        if (q == '"' && s[i] == '\\') {
            ++i;
        } else if (s[i] == q) {
            if (q == '\'' && i + 1 < s.size() && s[i + 1] == '\'') {
                ++i;  // '' is an escaped quote
            } else {
                return i + 1;
            }
        }
    }
    return s.size();
}

std::size_t end_of_line(std::string_view s, std::size_t i) {
    std::size_t const nl = s.find('\n', i);
    return nl == std::string_view::npos ? s.size() : nl;
}

struct flow_result {
    std::size_t end = 0;
    std::optional<std::string> error;
};

// Scans the flow collection opening at `i`; stops after its closing bracket.
flow_result scan_flow(std::string_view s, std::size_t i, load_limits const& lim) {
    std::size_t const start = i;
    std::size_t depth = 0;
    std::size_t items = 0;
    bool token_start = true;
    while (i < s.size()) {
        char const c = s[i];
        if (c == '[' || c == '{') {
            if (++depth > lim.max_depth) {
                return {i, "nesting deeper than " + std::to_string(lim.max_depth) + " levels"};
            }
            ++items;
            token_start = true;
        } else if (c == ']' || c == '}') {
            ++items;
            if (--depth == 0 && items <= lim.max_flow_items) return {i + 1, {}};
            token_start = false;
        } else if (c == ',' || c == ':') {
            ++items;
            token_start = true;
        } else if (c == '#' && i > 0 && is_space(s[i - 1])) {
            i = end_of_line(s, i);
            continue;
        } else if ((c == '"' || c == '\'') && token_start) {
            i = skip_quoted(s, i);
            token_start = false;
            continue;
        } else if (!is_space(c)) {
            token_start = false;
        }
        if (items > lim.max_flow_items) {
            return {start, "flow collection ([...] or {...}) with " +
                           over_limit(lim.max_flow_items, "items", "max_flow_items") +
                           "; the YAML parser holds all of it at once: write it in block style"};
        }
        ++i;
    }
    return {i, {}};
}

}  // namespace

std::optional<std::pair<std::string, std::size_t>> check_flow_collections(std::string_view s,
                                                                         load_limits const& lim) {
    std::size_t i = 0;
    std::size_t line_indent = 0;
    bool line_start = true;
    bool node_start = true;  // a node (and so a flow collection) may begin here
    while (i < s.size()) {
        char const c = s[i];
        if (c == '\n') {
            ++i;
            line_start = node_start = true;
            line_indent = 0;
            continue;
        }
        if (line_start && c == ' ') {
            ++line_indent;
            ++i;
            continue;
        }
        line_start = false;
        if (is_space(c)) {
            ++i;
            continue;
        }
        if (c == '#' && (i == 0 || is_space(s[i - 1]))) {
            i = end_of_line(s, i);
            continue;
        }
        bool const indicator = i + 1 == s.size() || is_space(s[i + 1]);
        if (node_start) {
            if (c == '[' || c == '{') {
                flow_result const r = scan_flow(s, i, lim);
                if (r.error) return std::pair{*r.error, r.end};
                i = r.end;
                node_start = false;
                continue;
            }
            if (c == '"' || c == '\'') {
                i = skip_quoted(s, i);
                node_start = false;
                continue;
            }
            if (c == '|' || c == '>') {
                // A block scalar: its lines are the blank ones and those indented deeper.
                i = end_of_line(s, i);
                while (i < s.size()) {
                    std::size_t j = i + 1;
                    std::size_t indent = 0;
                    while (j < s.size() && s[j] == ' ') {
                        ++j;
                        ++indent;
                    }
                    bool const blank = j >= s.size() || s[j] == '\n' || s[j] == '\r';
                    if (!blank && indent <= line_indent) break;
                    i = end_of_line(s, j);
                }
                continue;
            }
            if ((c == '-' || c == '?') && indicator) {
                ++i;
                continue;
            }
            if (c == '&' || c == '!') {  // anchor or tag: the node follows
                while (i < s.size() && !is_space(s[i])) ++i;
                continue;
            }
        }
        if (c == ':' && indicator) {
            node_start = true;
        } else {
            node_start = false;
        }
        ++i;
    }
    return std::nullopt;
}

}  // namespace op::compose::detail
