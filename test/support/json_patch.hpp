#pragma once
// Test support: applies an RFC 6902 patch as the mutating webhook writes them (add, replace and
// remove of object members) to `doc`. Strict, so a wrong patch fails the test that applies it:
// "replace" and "remove" need their target to exist, and any other op is refused. Returns ""
// when applied, else what was wrong (doc may then be partly patched). Shared by the webhook unit
// tests and the fuzz targets, so it reports instead of asserting.
#include "op/util/json.hpp"

#include <rapidjson/pointer.h>

#include <string>
#include <string_view>

namespace op::test {

inline std::string apply_json_patch(rapidjson::Document& doc, std::string_view patch_text) {
    auto patch = json::parse(patch_text);
    if (!patch) return "the patch is not JSON: " + patch.error().what();
    if (!patch->IsArray()) return "the patch is not an array";
    for (auto const& op : patch->GetArray()) {
        auto const* kind = op.IsObject() ? json::find(op, "op") : nullptr;
        auto const* path = op.IsObject() ? json::find(op, "path") : nullptr;
        if (!kind || !kind->IsString() || !path || !path->IsString())
            return "an operation without a string op and path";
        std::string_view const k(kind->GetString(), kind->GetStringLength());
        rapidjson::Pointer const ptr(path->GetString(), path->GetStringLength());
        if (!ptr.IsValid()) return "invalid path " + std::string(path->GetString());
        if (k == "remove") {
            if (!ptr.Erase(doc)) return "remove of a missing " + std::string(path->GetString());
            continue;
        }
        if (k != "add" && k != "replace") return "unsupported op " + std::string(k);
        if (k == "replace" && ptr.Get(doc) == nullptr)
            return "replace of a missing " + std::string(path->GetString());
        auto const* value = json::find(op, "value");
        if (!value) return std::string(k) + " without a value";
        rapidjson::Value v(*value, doc.GetAllocator());
        ptr.Set(doc, v);
    }
    return {};
}

}  // namespace op::test
