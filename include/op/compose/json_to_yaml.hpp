#pragma once
// JSON -> YAML text for printing manifests (`compose-operator convert -o yaml`).
//
// Block style, two-space indentation, keys in document order. Strings are written plain when
// that reads back as the same string under YAML 1.1 and 1.2 (so "true", "1.0", "null", "~",
// "0x1F", "yes" are quoted), multi-line strings as literal blocks (`|`, `|-`, `|+`), anything
// else double-quoted with JSON escapes (valid YAML). Pure; never fails.
#include <rapidjson/document.h>

#include <string>

namespace op::compose {

[[nodiscard]] std::string json_to_yaml(rapidjson::Value const& value);

}  // namespace op::compose
