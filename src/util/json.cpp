#include "op/util/json.hpp"

#include <fmt/format.h>
#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/writer.h>

#include "json_scan.hpp"

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

namespace op::json {
namespace {

// rapidjson::MemoryStream under a type of our own, so that the string scan below applies to our
// parses only. Past the end, Peek and Take give '\0' and Take does not advance.
struct text_stream {
    using Ch = char;
    text_stream(char const* text, std::size_t n) : src_(text), begin_(text), end_(text + n) {}
    Ch Peek() const { return src_ == end_ ? '\0' : *src_; }
    Ch Take() { return src_ == end_ ? '\0' : *src_++; }
    std::size_t Tell() const { return static_cast<std::size_t>(src_ - begin_); }
    // Read-only: never called by the reader without kParseInsituFlag.
    Ch* PutBegin() { return nullptr; }
    void Put(Ch) {}
    void Flush() {}
    std::size_t PutEnd(Ch*) { return 0; }

    char const* src_;
    char const* begin_;
    char const* end_;
};

}  // namespace
}  // namespace op::json

// The reader calls this at the start of every run of a string (without kParseValidateEncodingFlag):
// it copies the characters up to the next '"', '\\' or control character and leaves the stream
// there, so the per-character loop sees exactly what it would have. RapidJSON's own SSE2 version
// is for null-terminated StringStream and reads past the end; this one loads 16 bytes only while
// 16 remain, then goes byte by byte.
template <>
template <>
inline void rapidjson::GenericReader<rapidjson::UTF8<>, rapidjson::UTF8<>, rapidjson::CrtAllocator>::
    ScanCopyUnescapedString<op::json::text_stream,
                            rapidjson::GenericReader<rapidjson::UTF8<>, rapidjson::UTF8<>,
                                                     rapidjson::CrtAllocator>::StackStream<char>>(
        op::json::text_stream& is, StackStream<char>& os) {
    char const* const stop = op::json::detail::find_special(is.src_, is.end_);
    auto const n = static_cast<std::size_t>(stop - is.src_);
    if (n != 0) {  // Push(0) on an empty stack returns null, and memcpy(null) is UB
        std::memcpy(os.Push(static_cast<rapidjson::SizeType>(n)), is.src_, n);
    }
    is.src_ = stop;
}

namespace op::json {

namespace {

struct shape {
    std::size_t depth = 0;   // deepest nesting (stops growing past the cap)
    std::size_t values = 0;  // '[', '{' and ',' outside strings
};

// One linear pass over `text`, ignoring brackets inside strings; stops early once the depth
// passes `depth_cap` or the values pass `values_cap`.
shape measure(std::string_view text, std::size_t depth_cap, std::size_t values_cap) {
    shape out;
    std::size_t depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        switch (c) {
            case '"': in_string = true; break;
            case '{':
            case '[':
                if (++out.values > values_cap) return out;
                if (++depth > out.depth) {
                    out.depth = depth;
                    if (out.depth > depth_cap) return out;
                }
                break;
            case ',':
                if (++out.values > values_cap) return out;
                break;
            case '}':
            case ']':
                if (depth > 0) --depth;
                break;
            default: break;
        }
    }
    return out;
}

}  // namespace

std::size_t nesting_depth(std::string_view text, std::size_t cap) {
    return measure(text, cap, static_cast<std::size_t>(-1)).depth;
}

namespace {

// True when no byte of `text` has its high bit set (then it is valid UTF-8 as it stands, and
// RapidJSON's per-character validation can be skipped). Eight bytes at a time.
bool all_ascii(std::string_view text) {
    char const* p = text.data();
    std::size_t n = text.size();
    std::uint64_t acc = 0;
    for (; n >= 8; p += 8, n -= 8) {
        std::uint64_t w;
        std::memcpy(&w, p, 8);
        acc |= w;
    }
    for (; n > 0; ++p, --n) acc |= static_cast<unsigned char>(*p);
    return (acc & 0x8080808080808080ull) == 0;
}

// RapidJSON decodes a lone low-surrogate escape (\uDC00-\uDFFF without a high surrogate before
// it) to the three bytes ED B0-BF xx, which are not UTF-8 (a lone high surrogate is a parse
// error). Such a string is kept with U+FFFD (EF BF BD, the same length) in their place, as Go's
// encoding/json, and so the API server, reads it: every string json::parse returns is UTF-8.
bool has_surrogate(char const* s, std::size_t n) {
    for (auto const* p = static_cast<char const*>(std::memchr(s, '\xED', n)); p != nullptr;) {
        std::size_t const at = static_cast<std::size_t>(p - s);
        if (at + 1 < n && (static_cast<unsigned char>(p[1]) & 0xE0u) == 0xA0u) return true;
        p = at + 1 < n ? static_cast<char const*>(std::memchr(p + 1, '\xED', n - at - 1)) : nullptr;
    }
    return false;
}

std::string without_surrogates(char const* s, std::size_t n) {
    std::string out(s, n);
    for (std::size_t i = 0; i + 2 < n; ++i) {
        if (static_cast<unsigned char>(out[i]) == 0xEDu &&
            (static_cast<unsigned char>(out[i + 1]) & 0xE0u) == 0xA0u) {
            out[i] = '\xEF';
            out[i + 1] = '\xBF';
            out[i + 2] = '\xBD';
            i += 2;
        }
    }
    return out;
}

// Forwards SAX events to a Document and stops the parse (kParseErrorTermination) when objects and
// arrays nest deeper than `cap`, so the recursive parser never recurses more than cap + 1 levels,
// or when more than `values_cap` values would be built. Values are counted as the JSON text's
// opening brackets and commas (one per container, one per element or member after the first),
// before each is added to the Document, so a parse never holds more than values_cap of them.
template <class Doc>
struct capped {
    Doc& doc;
    std::size_t cap;
    std::size_t values_cap;
    std::size_t depth = 0;
    std::size_t values = 0;
    bool too_deep = false;
    bool too_many = false;
    // Per open container: whether it is an object, and whether it holds an item yet.
    std::vector<std::uint8_t> open{};  // bit 0: object, bit 1: has an item

    bool Null() { return element() && doc.Null(); }
    bool Bool(bool b) { return element() && doc.Bool(b); }
    bool Int(int i) { return element() && doc.Int(i); }
    bool Uint(unsigned i) { return element() && doc.Uint(i); }
    bool Int64(std::int64_t i) { return element() && doc.Int64(i); }
    bool Uint64(std::uint64_t i) { return element() && doc.Uint64(i); }
    bool Double(double d) { return element() && doc.Double(d); }
    bool RawNumber(char const* s, rapidjson::SizeType n, bool copy) { return element() && doc.RawNumber(s, n, copy); }
    bool String(char const* s, rapidjson::SizeType n, bool copy) {
        if (!element()) return false;
        if (!has_surrogate(s, n)) return doc.String(s, n, copy);
        std::string const fixed = without_surrogates(s, n);
        return doc.String(fixed.data(), n, true);
    }
    bool Key(char const* s, rapidjson::SizeType n, bool copy) {
        if (!item()) return false;
        if (!has_surrogate(s, n)) return doc.Key(s, n, copy);
        std::string const fixed = without_surrogates(s, n);
        return doc.Key(fixed.data(), n, true);
    }
    bool StartObject() { return element() && enter(true) && doc.StartObject(); }
    bool EndObject(rapidjson::SizeType n) { leave(); return doc.EndObject(n); }
    bool StartArray() { return element() && enter(false) && doc.StartArray(); }
    bool EndArray(rapidjson::SizeType n) { leave(); return doc.EndArray(n); }

    // A value: an element when the innermost container is an array (a member's value was
    // counted with its key).
    bool element() { return open.empty() || (open.back() & 1u) != 0 || item(); }
    bool item() {
        if ((open.back() & 2u) != 0) return count();  // the comma before it
        open.back() |= 2u;
        return true;
    }
    bool count() {
        if (++values > values_cap) {
            too_many = true;
            return false;
        }
        return true;
    }
    bool enter(bool object) {
        if (++depth > cap) {
            too_deep = true;
            return false;
        }
        open.push_back(object ? 1u : 0u);
        return count();
    }
    void leave() {
        --depth;
        open.pop_back();
    }
};

template <unsigned Flags>
rapidjson::ParseResult parse_capped(rapidjson::Document& doc, std::string_view text, limits const& lim,
                                    bool& too_deep, bool& too_many) {
    rapidjson::ParseResult res;
    auto generate = [&](rapidjson::Document& d) {
        capped<rapidjson::Document> h{d, lim.max_depth, lim.max_values};
        h.open.reserve(32);
        text_stream ms(text.data(), text.size());
        rapidjson::Reader reader;
        res = reader.Parse<Flags>(ms, h);
        too_deep = h.too_deep;
        too_many = h.too_many;
        return !res.IsError();
    };
    doc.Populate(generate);
    return res;
}

// One open object or array of refuse_repeated_keys' depth-first walk.
struct dfs_frame {
    rapidjson::Value const* container;
    rapidjson::SizeType next;  // the member or element to visit next
};

// The field path of the value the stack ends in ("metadata.labels", "items[3]").
std::string path_of(std::vector<dfs_frame> const& stack) {
    std::string path;
    for (std::size_t i = 0; i + 1 < stack.size(); ++i) {
        auto const& f = stack[i];
        rapidjson::SizeType const at = f.next - 1;  // the child being visited
        if (f.container->IsObject()) {
            auto const& name = (f.container->MemberBegin() + at)->name;
            path = join_path(path, std::string_view(name.GetString(), name.GetStringLength()));
        } else {
            path = join_path(path, fmt::format("[{}]", at));
        }
    }
    return path;
}

// A key `obj` holds more than once, or nullopt. Small objects are compared pairwise; larger ones
// through a sorted copy of their keys (`keys` is scratch), so one object costs O(n log n).
std::optional<std::string_view> repeated_key(rapidjson::Value const& obj,
                                             std::vector<std::string_view>& keys) {
    auto name = [](rapidjson::Value::ConstMemberIterator m) {
        return std::string_view(m->name.GetString(), m->name.GetStringLength());
    };
    rapidjson::SizeType const n = obj.MemberCount();
    if (n < 2) return std::nullopt;
    if (n <= 16) {
        for (auto a = obj.MemberBegin(); a != obj.MemberEnd(); ++a) {
            for (auto b = a + 1; b != obj.MemberEnd(); ++b) {
                if (name(a) == name(b)) return name(a);
            }
        }
        return std::nullopt;
    }
    keys.clear();
    keys.reserve(n);  // exactly: a doubling vector would hold up to twice the keys' views
    for (auto m = obj.MemberBegin(); m != obj.MemberEnd(); ++m) keys.push_back(name(m));
    std::sort(keys.begin(), keys.end());
    auto const dup = std::adjacent_find(keys.begin(), keys.end());
    if (dup == keys.end()) return std::nullopt;
    return *dup;
}

// Refuses a document in which an object holds a key twice. RapidJSON keeps both members and
// find() returns the first, while Go's encoding/json (and so the API server, kubectl and every
// controller) keeps the last: the same text would mean two things. The API server never sends a
// repeated key, so refusing costs no real request anything. Iterative (depth-first with an
// explicit stack), so a document at the depth cap costs no C stack.
result<void> refuse_repeated_keys(rapidjson::Value const& root) {
    std::vector<dfs_frame> stack;
    std::vector<std::string_view> keys;
    stack.push_back({&root, 0});
    auto check = [&](rapidjson::Value const& v) -> result<void> {
        if (!v.IsObject()) return {};
        if (auto key = repeated_key(v, keys)) {
            return invalid(fmt::format("JSON object has the key \"{}\" more than once; write each "
                                       "key once (Go's decoders keep the last, this one refuses)",
                                       *key),
                           path_of(stack));
        }
        return {};
    };
    OP_RETURN_IF_ERROR(check(root));
    while (!stack.empty()) {
        auto& top = stack.back();
        rapidjson::Value const& c = *top.container;
        rapidjson::SizeType const size = c.IsObject() ? c.MemberCount() : c.IsArray() ? c.Size() : 0;
        if (top.next >= size) {
            stack.pop_back();
            continue;
        }
        rapidjson::Value const& child =
            c.IsObject() ? (c.MemberBegin() + top.next)->value : c[top.next];
        ++top.next;
        if (!child.IsObject() && !child.IsArray()) continue;
        stack.push_back({&child, 0});
        OP_RETURN_IF_ERROR(check(child));
    }
    return {};
}

}  // namespace

namespace {
result<void> parse_into(rapidjson::Document& doc, std::string_view text, limits lim) {
    if (text.size() > lim.max_bytes) {
        return invalid(fmt::format("JSON body of {} bytes exceeds the limit of {} bytes",
                                   text.size(), lim.max_bytes));
    }
    // Recursive descent is bounded by the depth cap; a caller asking for a very deep cap gets the
    // iterative parser (no recursion on the C stack at all).
    bool const recursive = lim.max_depth <= 256;
    bool const ascii = all_ascii(text);
    bool too_deep = false;
    bool too_many = false;
    constexpr unsigned it = rapidjson::kParseIterativeFlag;
    constexpr unsigned utf8 = rapidjson::kParseValidateEncodingFlag;
    rapidjson::ParseResult res =
        recursive ? (ascii ? parse_capped<0>(doc, text, lim, too_deep, too_many)
                           : parse_capped<utf8>(doc, text, lim, too_deep, too_many))
                  : (ascii ? parse_capped<it>(doc, text, lim, too_deep, too_many)
                           : parse_capped<it | utf8>(doc, text, lim, too_deep, too_many));
    if (too_deep) return invalid(fmt::format("JSON nesting deeper than {} levels", lim.max_depth));
    if (too_many) {
        return invalid(fmt::format("JSON body has more than {} values (arrays, objects and their "
                                   "elements; limit max_values)",
                                   lim.max_values));
    }
    if (res.IsError()) {
        return invalid(fmt::format("malformed JSON at byte {}: {}", res.Offset(),
                                   rapidjson::GetParseError_En(res.Code())));
    }
    return refuse_repeated_keys(doc);
}
}  // namespace

result<rapidjson::Document> parse(std::string_view text, limits lim) {
    rapidjson::Document doc;
    OP_RETURN_IF_ERROR(parse_into(doc, text, lim));
    return doc;
}

result<rapidjson::Value> parse_value(std::string_view text,
                                     rapidjson::Document::AllocatorType& alloc, limits lim) {
    rapidjson::Document doc(&alloc);  // values live in `alloc`, which outlives `doc`
    OP_RETURN_IF_ERROR(parse_into(doc, text, lim));
    return rapidjson::Value(std::move(static_cast<rapidjson::Value&>(doc)));
}

std::string dump_pretty(rapidjson::Value const& v) {
    rapidjson::StringBuffer buf;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
    w.SetIndent(' ', 2);
    v.Accept(w);
    return {buf.GetString(), buf.GetSize()};
}

rapidjson::Value const* find(rapidjson::Value const& obj, std::string_view key) {
    if (!obj.IsObject()) return nullptr;
    auto it = obj.FindMember(rapidjson::Value(rapidjson::StringRef(key.data(), key.size())));
    return it == obj.MemberEnd() ? nullptr : &it->value;
}

rapidjson::Value* find(rapidjson::Value& obj, std::string_view key) {
    if (!obj.IsObject()) return nullptr;
    auto it = obj.FindMember(rapidjson::Value(rapidjson::StringRef(key.data(), key.size())));
    return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::string_view type_name(rapidjson::Value const& v) {
    switch (v.GetType()) {
        case rapidjson::kNullType: return "null";
        case rapidjson::kFalseType:
        case rapidjson::kTrueType: return "boolean";
        case rapidjson::kObjectType: return "object";
        case rapidjson::kArrayType: return "array";
        case rapidjson::kStringType: return "string";
        case rapidjson::kNumberType: return "number";
    }
    return "unknown";
}

namespace {
error wrong_type(std::string_view path, std::string_view key, std::string_view want,
                 rapidjson::Value const& got) {
    return invalid(fmt::format("expected {}, got {}", want, type_name(got)), join_path(path, key));
}
}  // namespace

result<std::optional<std::string_view>> get_string(rapidjson::Value const& obj,
                                                   std::string_view key, std::string_view path) {
    auto const* v = find(obj, key);
    if (v == nullptr || v->IsNull()) return std::optional<std::string_view>{};
    if (!v->IsString()) return wrong_type(path, key, "string", *v);
    return std::optional<std::string_view>{std::string_view(v->GetString(), v->GetStringLength())};
}

std::optional<std::int64_t> as_int(rapidjson::Value const& v) {
    if (v.IsInt64()) return v.GetInt64();
    if (v.IsDouble()) {
        double d = v.GetDouble();
        // Range first: converting a double outside int64's range is undefined behaviour.
        if (d > -9.2e18 && d < 9.2e18 && d == static_cast<double>(static_cast<std::int64_t>(d))) {
            return static_cast<std::int64_t>(d);
        }
    }
    return std::nullopt;
}

result<std::optional<std::int64_t>> get_int(rapidjson::Value const& obj, std::string_view key,
                                            std::string_view path) {
    auto const* v = find(obj, key);
    if (v == nullptr || v->IsNull()) return std::optional<std::int64_t>{};
    if (auto i = as_int(*v)) return i;
    return wrong_type(path, key, "integer", *v);
}

result<std::optional<double>> get_number(rapidjson::Value const& obj, std::string_view key,
                                         std::string_view path) {
    auto const* v = find(obj, key);
    if (v == nullptr || v->IsNull()) return std::optional<double>{};
    if (!v->IsNumber()) return wrong_type(path, key, "number", *v);
    return std::optional<double>{v->GetDouble()};
}

result<std::optional<bool>> get_bool(rapidjson::Value const& obj, std::string_view key,
                                     std::string_view path) {
    auto const* v = find(obj, key);
    if (v == nullptr || v->IsNull()) return std::optional<bool>{};
    if (!v->IsBool()) return wrong_type(path, key, "boolean", *v);
    return std::optional<bool>{v->GetBool()};
}

result<rapidjson::Value const*> get_object(rapidjson::Value const& obj, std::string_view key,
                                           std::string_view path) {
    auto const* v = find(obj, key);
    if (v == nullptr || v->IsNull()) return static_cast<rapidjson::Value const*>(nullptr);
    if (!v->IsObject()) return wrong_type(path, key, "object", *v);
    return v;
}

result<rapidjson::Value const*> get_array(rapidjson::Value const& obj, std::string_view key,
                                          std::string_view path) {
    auto const* v = find(obj, key);
    if (v == nullptr || v->IsNull()) return static_cast<rapidjson::Value const*>(nullptr);
    if (!v->IsArray()) return wrong_type(path, key, "array", *v);
    return v;
}

rapidjson::Value string_value(std::string_view s, rapidjson::Document::AllocatorType& alloc) {
    return rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), alloc);
}

void set(rapidjson::Value& obj, std::string_view key, rapidjson::Value value,
         rapidjson::Document::AllocatorType& alloc) {
    if (auto* existing = find(obj, key)) {
        *existing = std::move(value);
        return;
    }
    obj.AddMember(string_value(key, alloc), std::move(value), alloc);
}

}  // namespace op::json
