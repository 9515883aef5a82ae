#include "op/util/json.hpp"

#include <fmt/format.h>
#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

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

result<rapidjson::Document> parse(std::string_view text, limits lim) {
    if (text.size() > lim.max_bytes) {
        return invalid(fmt::format("JSON body of {} bytes exceeds the limit of {} bytes",
                                   text.size(), lim.max_bytes));
    }
    shape const sh = measure(text, lim.max_depth, lim.max_values);
    if (sh.depth > lim.max_depth) {
        return invalid(fmt::format("JSON nesting deeper than {} levels", lim.max_depth));
    }
    if (sh.values > lim.max_values) {
        return invalid(fmt::format("JSON body has more than {} values (arrays, objects and their "
                                   "elements; limit max_values)",
                                   lim.max_values));
    }
    rapidjson::Document doc;
    constexpr unsigned flags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
    doc.Parse<flags>(text.data(), text.size());
    if (doc.HasParseError()) {
        return invalid(fmt::format("malformed JSON at byte {}: {}", doc.GetErrorOffset(),
                                   rapidjson::GetParseError_En(doc.GetParseError())));
    }
    return doc;
}

std::string dump(rapidjson::Value const& v) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    v.Accept(w);
    return {buf.GetString(), buf.GetSize()};
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

result<std::optional<std::int64_t>> get_int(rapidjson::Value const& obj, std::string_view key,
                                            std::string_view path) {
    auto const* v = find(obj, key);
    if (v == nullptr || v->IsNull()) return std::optional<std::int64_t>{};
    if (v->IsInt64()) return std::optional<std::int64_t>{v->GetInt64()};
    if (v->IsDouble()) {
        double d = v->GetDouble();
        if (d == static_cast<double>(static_cast<std::int64_t>(d)) && d > -9.2e18 && d < 9.2e18) {
            return std::optional<std::int64_t>{static_cast<std::int64_t>(d)};
        }
    }
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
