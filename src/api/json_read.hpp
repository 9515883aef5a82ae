#pragma once
// Private helpers of op_api: typed, path-reporting readers over RapidJSON values. A missing or
// null member reads as the zero value; a member of another type is an `invalid` error whose
// field path names it.
#include "op/util/error.hpp"
#include "op/util/json.hpp"

#include <rapidjson/document.h>

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace op::api::detail {

using value = rapidjson::Value;

[[nodiscard]] error wrong_type(std::string path, std::string_view want, value const& got);
[[nodiscard]] std::string item_path(std::string_view path, std::size_t index);

[[nodiscard]] result<std::string> read_string(value const& obj, std::string_view key,
                                              std::string_view path);
[[nodiscard]] result<bool> read_bool(value const& obj, std::string_view key,
                                     std::string_view path);
[[nodiscard]] result<std::vector<std::string>> read_strings(value const& obj, std::string_view key,
                                                            std::string_view path);
[[nodiscard]] result<std::map<std::string, std::string>> read_string_map(value const& obj,
                                                                         std::string_view key,
                                                                         std::string_view path);
[[nodiscard]] result<std::map<std::string, std::optional<std::string>>> read_nullable_string_map(
    value const& obj, std::string_view key, std::string_view path);

// An optional integer of type Int; out-of-range values are invalid.
template <class Int>
[[nodiscard]] result<std::optional<Int>> read_int(value const& obj, std::string_view key,
                                                  std::string_view path) {
    auto const* v = json::find(obj, key);
    if (v == nullptr || v->IsNull()) return std::optional<Int>{};
    using lim = std::numeric_limits<Int>;
    if constexpr (!lim::is_signed) {
        if (v->IsUint64()) {
            std::uint64_t u = v->GetUint64();
            if (u <= static_cast<std::uint64_t>(lim::max())) return std::optional<Int>{Int(u)};
        }
    }
    OP_TRY(auto i, json::get_int(obj, key, path));
    if (*i < static_cast<std::int64_t>(lim::min()) ||
        (lim::is_signed && *i > static_cast<std::int64_t>(lim::max())) ||
        (!lim::is_signed && static_cast<std::uint64_t>(*i) > static_cast<std::uint64_t>(lim::max()))) {
        return invalid("expected integer between " + std::to_string(lim::min()) + " and " +
                           std::to_string(lim::max()) + ", got " + std::to_string(*i),
                       join_path(path, key));
    }
    return std::optional<Int>{static_cast<Int>(*i)};
}

// An optional object member (nullptr when absent/null).
[[nodiscard]] result<value const*> read_object(value const& obj, std::string_view key,
                                               std::string_view path);

// A list of objects decoded by `f(item, item_path)`.
template <class T, class F>
[[nodiscard]] result<std::vector<T>> read_list(value const& obj, std::string_view key,
                                               std::string_view path, F&& f) {
    std::vector<T> out;
    OP_TRY(auto arr, json::get_array(obj, key, path));
    if (arr == nullptr) return out;
    std::string const base = join_path(path, key);
    out.reserve(arr->Size());
    for (rapidjson::SizeType i = 0; i < arr->Size(); ++i) {
        std::string const p = item_path(base, i);
        if (!(*arr)[i].IsObject()) return wrong_type(p, "object", (*arr)[i]);
        OP_TRY(auto item, f((*arr)[i], p));
        out.push_back(std::move(item));
    }
    return out;
}

// A map of objects decoded by `f(member, member_path)`.
template <class T, class F>
[[nodiscard]] result<std::map<std::string, T>> read_object_map(value const& obj,
                                                               std::string_view key,
                                                               std::string_view path, F&& f) {
    std::map<std::string, T> out;
    OP_TRY(auto m, json::get_object(obj, key, path));
    if (m == nullptr) return out;
    std::string const base = join_path(path, key);
    for (auto it = m->MemberBegin(); it != m->MemberEnd(); ++it) {
        std::string name(it->name.GetString(), it->name.GetStringLength());
        std::string const p = join_path(base, name);
        if (!it->value.IsObject()) return wrong_type(p, "object", it->value);
        OP_TRY(auto item, f(it->value, p));
        out.insert_or_assign(std::move(name), std::move(item));
    }
    return out;
}

}  // namespace op::api::detail
