// JSON -> block YAML (see op/compose/json_to_yaml.hpp). Hand-written: no yaml-cpp needed.
#include "op/compose/json_to_yaml.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

namespace op::compose {
namespace {

std::string json_quoted(std::string_view s) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return std::string(buf.GetString(), buf.GetSize());
}

bool looks_like_number(std::string_view s) {
    if (s.empty()) return false;
    std::size_t i = 0;
    if (s[0] == '+' || s[0] == '-') i = 1;
    if (i < s.size() && s[i] == '.') return true;  // .5, .inf, .nan
    if (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) return true;  // 1, 0x1, 1e3, 1:30
    return false;
}

bool is_reserved(std::string_view s) {
    static constexpr std::array<std::string_view, 22> words = {
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
        "TRUE", "FALSE", "YES", "NO", "ON", "OFF", "Y", "N", "NULL", "True", "False", "Null"};
    if (std::find(words.begin(), words.end(), s) != words.end()) return true;
    std::string lower;
    for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower == "yes" || lower == "no" || lower == "on" || lower == "off" ||
           lower == "true" || lower == "false" || lower == "null";
}

// Plain style is safe: starts with a letter, '/', or '_', and contains only a conservative set.
bool plain_ok(std::string_view s) {
    if (s.empty() || is_reserved(s) || looks_like_number(s)) return false;
    unsigned char first = static_cast<unsigned char>(s[0]);
    if (!(std::isalpha(first) || first == '/' || first == '_')) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        bool ok = std::isalnum(c) || c == '_' || c == '-' || c == '.' || c == '/' || c == '@' ||
                  c == '+' || c == '=' || c == ',' || c == '(' || c == ')' ||
                  (c == ':' && i + 1 < s.size() && s[i + 1] != ' ') ||
                  (c == ' ' && i + 1 < s.size() && s[i + 1] != '#' && s[i + 1] != ' ' && s[i - 1] != ':');
        if (!ok) return false;
    }
    return s.back() != ':';
}

// A literal block keeps text with newlines readable. Not usable with control characters,
// or trailing spaces on a line, or leading space/tab mixing rules we do not want to reason about.
bool literal_ok(std::string_view s) {
    if (s.find('\n') == std::string_view::npos) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 && c != '\n') return false;
        if (c == 0x7f) return false;
        if (c == ' ' && (i + 1 == s.size() || s[i + 1] == '\n')) return false;
    }
    // Text must not start with a blank line or a space (indentation indicator needed).
    return s.front() != '\n' && s.front() != ' ';
}

void scalar_string(std::string_view s, int indent, std::string& out) {
    if (plain_ok(s)) {
        out += s;
        return;
    }
    if (!literal_ok(s)) {
        out += json_quoted(s);
        return;
    }
    std::size_t trailing = 0;
    while (trailing < s.size() && s[s.size() - 1 - trailing] == '\n') ++trailing;
    out += trailing == 0 ? "|-" : trailing == 1 ? "|" : "|+";
    out += '\n';
    std::string const pad(static_cast<std::size_t>(indent), ' ');
    std::string_view body = s.substr(0, s.size() - (trailing > 0 ? 1 : 0));
    std::size_t start = 0;
    while (start <= body.size()) {
        auto end = body.find('\n', start);
        std::string_view line = body.substr(start, end == std::string_view::npos ? end : end - start);
        if (!line.empty()) out += pad;
        out += line;
        if (end == std::string_view::npos) break;
        out += '\n';
        start = end + 1;
        if (start == body.size()) break;
    }
}

void emit(rapidjson::Value const& v, int indent, std::string& out);

void emit_scalar(rapidjson::Value const& v, int indent, std::string& out) {
    if (v.IsString()) {
        scalar_string(std::string_view(v.GetString(), v.GetStringLength()), indent, out);
    } else if (v.IsNull()) {
        out += "null";
    } else if (v.IsBool()) {
        out += v.GetBool() ? "true" : "false";
    } else {
        rapidjson::StringBuffer buf;
        rapidjson::Writer<rapidjson::StringBuffer> w(buf);
        v.Accept(w);
        out.append(buf.GetString(), buf.GetSize());
    }
}

bool is_collection(rapidjson::Value const& v) {
    return (v.IsObject() && v.MemberCount() > 0) || (v.IsArray() && !v.Empty());
}

// Writes `v` as the value after "key:" or "- " at nesting `indent`.
void emit_value(rapidjson::Value const& v, int indent, std::string& out, bool after_dash) {
    if (v.IsObject() && v.MemberCount() == 0) {
        out += " {}\n";
    } else if (v.IsArray() && v.Empty()) {
        out += " []\n";
    } else if (v.IsObject() && after_dash) {
        out += ' ';
        emit(v, indent, out);  // first key on the dash line
    } else if (is_collection(v)) {
        out += '\n';
        emit(v, indent, out);
    } else {
        out += ' ';
        emit_scalar(v, indent, out);
        out += '\n';
    }
}

void emit(rapidjson::Value const& v, int indent, std::string& out) {
    std::string const pad(static_cast<std::size_t>(indent), ' ');
    if (v.IsObject()) {
        bool first = true;
        for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
            // The first key of a mapping inside a sequence item shares the "- " line.
            if (!first || out.empty() || out.back() == '\n') out += pad;
            first = false;
            scalar_string(std::string_view(it->name.GetString(), it->name.GetStringLength()),
                          indent, out);
            out += ':';
            bool const nested_seq = it->value.IsArray() && !it->value.Empty();
            // Sequences under a key are indented like Kubernetes manifests ("key:\n- a").
            emit_value(it->value, nested_seq ? indent : indent + 2, out, false);
        }
    } else if (v.IsArray()) {
        for (auto const& item : v.GetArray()) {
            out += pad;
            out += '-';
            if (item.IsArray() && !item.Empty()) {
                out += '\n';
                emit(item, indent + 2, out);
            } else {
                emit_value(item, indent + 2, out, true);
            }
        }
    } else {
        emit_scalar(v, indent, out);
        out += '\n';
    }
}

}  // namespace

std::string json_to_yaml(rapidjson::Value const& value) {
    std::string out;
    emit(value, 0, out);
    return out;
}

}  // namespace op::compose
