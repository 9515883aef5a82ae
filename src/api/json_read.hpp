#pragma once
// Private helpers of op_api: typed, path-reporting readers over RapidJSON values. A missing or
// null member reads as the zero value; a member of another type is an `invalid` error whose
// field path names it.
//
// Each object is walked once (key_table::gather finds the first member of each known key) and
// field paths are a chain of stack nodes (field_path) turned into a string only in an error.
#include "op/util/error.hpp"
#include "op/util/json.hpp"

#include <rapidjson/document.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace op::api::detail {

using value = rapidjson::Value;

// The field path of a value: a root text ("spec", "" for the object itself), or a parent and
// one step, a member key or a list index. Nodes live on the stack of the decode functions and
// name their parent by pointer; str() renders the path exactly as join_path/item_path would.
class field_path {
public:
    explicit field_path(std::string_view root) : text_(root) {}
    field_path(field_path const& parent, std::string_view key) : parent_(&parent), text_(key) {}
    field_path(field_path const& parent, std::size_t index)
        : parent_(&parent), index_(index), is_index_(true) {}
    field_path(field_path const&) = delete;
    field_path& operator=(field_path const&) = delete;

    [[nodiscard]] std::string str() const;

private:
    field_path const* parent_ = nullptr;
    std::string_view text_{};
    std::size_t index_ = 0;
    bool is_index_ = false;
};

// A member looked up in an object: its value (nullptr when absent) and its key.
struct member {
    value const* v = nullptr;
    std::string_view key{};
};

// The member `key` of `obj` (an object) by linear search: for the few single look-ups.
[[nodiscard]] inline member member_of(value const& obj, std::string_view key) {
    return {json::find(obj, key), key};
}

// The known keys of one object type. gather() walks the object's members once and keeps the
// first member of each key, as FindMember would; unknown members are ignored.
template <std::size_t N>
class key_table {
public:
    static constexpr std::size_t max_len = 32;

    consteval explicit key_table(std::array<std::string_view, N> keys) : keys_(keys) {
        std::array<std::size_t, max_len + 2> count{};
        for (auto k : keys_) {
            if (k.size() > max_len) throw "key too long";
            ++count[k.size() + 1];
        }
        for (std::size_t l = 1; l < count.size(); ++l) count[l] += count[l - 1];
        begin_ = count;
        for (std::size_t i = 0; i < N; ++i) order_[count[keys_[i].size()]++] = i;
    }

    // The index of `key`, at compile time (a key that is not in the table does not compile).
    [[nodiscard]] consteval std::size_t operator()(std::string_view key) const {
        for (std::size_t i = 0; i < N; ++i) {
            if (keys_[i] == key) return i;
        }
        throw "unknown key";
    }

    class fields {
    public:
        [[nodiscard]] member operator[](std::size_t i) const { return {slots_[i], table_->keys_[i]}; }

    private:
        friend class key_table;
        std::array<value const*, N> slots_{};
        key_table const* table_ = nullptr;
    };

    // `obj` must be an object.
    [[nodiscard]] fields gather(value const& obj) const {
        fields out;
        out.table_ = this;
        for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
            std::size_t const n = it->name.GetStringLength();
            if (n > max_len) continue;
            char const* s = it->name.GetString();
            for (std::size_t j = begin_[n]; j < begin_[n + 1]; ++j) {
                std::size_t const i = order_[j];
                if (std::memcmp(keys_[i].data(), s, n) == 0) {
                    if (out.slots_[i] == nullptr) out.slots_[i] = &it->value;
                    break;
                }
            }
        }
        return out;
    }

private:
    std::array<std::string_view, N> keys_{};
    std::array<std::size_t, max_len + 2> begin_{};  // keys of length l: order_[begin_[l], begin_[l+1])
    std::array<std::size_t, N> order_{};
};

// A key_table of the given keys: `static constexpr auto k = keys("name", "image");`.
template <class... K>
[[nodiscard]] consteval auto keys(K const&... k) {
    return key_table<sizeof...(K)>(std::array<std::string_view, sizeof...(K)>{std::string_view(k)...});
}

[[nodiscard]] error wrong_type(std::string path, std::string_view want, value const& got);
[[nodiscard]] error wrong_type(field_path const& p, std::string_view key, std::string_view want,
                               value const& got);
[[nodiscard]] std::string item_path(std::string_view path, std::size_t index);

[[nodiscard]] result<std::optional<std::string_view>> get_string(member m, field_path const& p);
[[nodiscard]] result<std::optional<std::int64_t>> get_int(member m, field_path const& p);
[[nodiscard]] result<std::optional<bool>> get_bool(member m, field_path const& p);

[[nodiscard]] result<std::string> read_string(member m, field_path const& p);
[[nodiscard]] result<bool> read_bool(member m, field_path const& p);
[[nodiscard]] result<std::vector<std::string>> read_strings(member m, field_path const& p);
[[nodiscard]] result<std::map<std::string, std::string>> read_string_map(member m,
                                                                         field_path const& p);
[[nodiscard]] result<std::map<std::string, std::optional<std::string>>> read_nullable_string_map(
    member m, field_path const& p);
// An optional object member (nullptr when absent/null).
[[nodiscard]] result<value const*> read_object(member m, field_path const& p);
[[nodiscard]] result<value const*> read_array(member m, field_path const& p);

[[nodiscard]] error out_of_range(std::int64_t got, std::int64_t min, std::uint64_t max,
                                 field_path const& p, std::string_view key);

// An optional integer of type Int; out-of-range values are invalid.
template <class Int>
[[nodiscard]] result<std::optional<Int>> read_int(member m, field_path const& p) {
    auto const* v = m.v;
    if (v == nullptr || v->IsNull()) return std::optional<Int>{};
    using lim = std::numeric_limits<Int>;
    if constexpr (!lim::is_signed) {
        if (v->IsUint64()) {
            std::uint64_t u = v->GetUint64();
            if (u <= static_cast<std::uint64_t>(lim::max())) return std::optional<Int>{Int(u)};
        }
    }
    OP_TRY(auto i, get_int(m, p));
    if (*i < static_cast<std::int64_t>(lim::min()) ||
        (lim::is_signed && *i > static_cast<std::int64_t>(lim::max())) ||
        (!lim::is_signed && static_cast<std::uint64_t>(*i) > static_cast<std::uint64_t>(lim::max()))) {
        return out_of_range(*i, static_cast<std::int64_t>(lim::min()),
                            static_cast<std::uint64_t>(lim::max()), p, m.key);
    }
    return std::optional<Int>{static_cast<Int>(*i)};
}

// An optional object member decoded by `f(object, member_path)`; nullopt when absent or null.
template <class T, class F>
[[nodiscard]] result<std::optional<T>> read_optional(member m, field_path const& p, F&& f) {
    OP_TRY(auto obj, read_object(m, p));
    if (obj == nullptr) return std::optional<T>{};
    auto r = f(*obj, field_path(p, m.key));
    if (!r) return std::move(r).error();
    return std::optional<T>{std::move(*r)};
}

// A list of objects decoded by `f(item, item_path)`.
template <class T, class F>
[[nodiscard]] result<std::vector<T>> read_list(member m, field_path const& p, F&& f) {
    std::vector<T> out;
    OP_TRY(auto arr, read_array(m, p));
    if (arr == nullptr) return out;
    field_path const base(p, m.key);
    out.reserve(arr->Size());
    for (rapidjson::SizeType i = 0; i < arr->Size(); ++i) {
        field_path const ip(base, std::size_t{i});
        auto const& item = (*arr)[i];
        if (!item.IsObject()) return wrong_type(ip.str(), "object", item);
        auto r = f(item, ip);
        if (!r) return std::move(r).error();
        out.push_back(std::move(*r));
    }
    return out;
}

// A map of objects decoded by `f(member, member_path)`.
template <class T, class F>
[[nodiscard]] result<std::map<std::string, T>> read_object_map(member m, field_path const& p,
                                                               F&& f) {
    std::map<std::string, T> out;
    OP_TRY(auto obj, read_object(m, p));
    if (obj == nullptr) return out;
    field_path const base(p, m.key);
    for (auto it = obj->MemberBegin(); it != obj->MemberEnd(); ++it) {
        std::string_view const name(it->name.GetString(), it->name.GetStringLength());
        field_path const mp(base, name);
        if (!it->value.IsObject()) return wrong_type(mp.str(), "object", it->value);
        auto r = f(it->value, mp);
        if (!r) return std::move(r).error();
        out.insert_or_assign(std::string(name), std::move(*r));
    }
    return out;
}

}  // namespace op::api::detail
