// JSON building shorthands and small helpers shared by the mapping builders.
#include "detail.hpp"

#include <string>

namespace op::mapping::detail {

value str(std::string_view s, alloc_t& a) {
    return value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}

void put(value& obj, std::string_view key, value v, alloc_t& a) {
    obj.AddMember(str(key, a), std::move(v), a);
}

void put(value& obj, std::string_view key, std::string_view s, alloc_t& a) {
    put(obj, key, str(s, a), a);
}

void put_int(value& obj, std::string_view key, std::int64_t n, alloc_t& a) {
    put(obj, key, value(n), a);
}

void put_bool(value& obj, std::string_view key, bool b, alloc_t& a) {
    put(obj, key, value(b), a);
}

value string_array(std::vector<std::string> const& items, alloc_t& a) {
    value arr(rapidjson::kArrayType);
    for (auto const& s : items) arr.PushBack(str(s, a), a);
    return arr;
}

value label_object(label_map const& labels, alloc_t& a) {
    value obj(rapidjson::kObjectType);
    for (auto const& [k, v] : labels) put(obj, k, v, a);  // std::map: sorted keys
    return obj;
}

value object_metadata(api::stack const& stack, std::string_view name, label_map const& labels,
                      bool owned, alloc_t& a) {
    value meta(rapidjson::kObjectType);
    put(meta, "name", name, a);
    if (!stack.metadata.namespace_.empty()) put(meta, "namespace", stack.metadata.namespace_, a);
    if (!labels.empty()) put(meta, "labels", label_object(labels, a), a);
    if (owned && !stack.metadata.uid.empty()) {
        value refs(rapidjson::kArrayType);
        refs.PushBack(owner_reference(stack, a), a);
        put(meta, "ownerReferences", std::move(refs), a);
    }
    return meta;
}

rapidjson::Document new_object(std::string_view api_version, std::string_view kind,
                               api::stack const& stack, std::string_view name,
                               label_map const& labels, bool owned) {
    rapidjson::Document doc;
    doc.SetObject();
    auto& a = doc.GetAllocator();
    put(doc, "apiVersion", api_version, a);
    put(doc, "kind", kind, a);
    put(doc, "metadata", object_metadata(stack, name, labels, owned, a), a);
    return doc;
}

std::int64_t ceil_seconds(api::duration d, std::int64_t min) {
    auto const ns = d.count();
    if (ns <= 0) return min;
    std::int64_t const s = ns / 1'000'000'000 + (ns % 1'000'000'000 != 0 ? 1 : 0);
    return s < min ? min : s;
}

std::string index_path(std::string_view base, std::string_view key, std::size_t i) {
    std::string p(base);
    p += '.';
    p += key;
    p += '[';
    p += std::to_string(i);
    p += ']';
    return p;
}

}  // namespace op::mapping::detail
