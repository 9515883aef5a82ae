#pragma once
// RapidJSON helpers shared by every module that reads or writes JSON.
//
// Parsing untrusted JSON is bounded: a size cap, a nesting-depth cap checked before RapidJSON
// sees the text, iterative parsing (no recursion on the C stack) and UTF-8 validation. Field
// accessors check the JSON type before reading and report the field path on a mismatch, so
// a wrong type is an `invalid` error, never an assertion.
#include "op/util/error.hpp"

#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace op::json {

struct limits {
    std::size_t max_bytes = 7u << 20;  // the kube-apiserver's own admission body cap
    std::size_t max_depth = 128;
    // Arrays, objects and their elements, counted as opening brackets and commas before
    // RapidJSON builds anything: a parsed value costs about 50 bytes, so 500000 keep one parse
    // under ~30 MiB whatever the body (7 MiB of "0," would be 3.7 million values, ~190 MiB).
    std::size_t max_values = 500'000;
};

// Deepest nesting of objects/arrays in `text`, ignoring brackets inside strings. Linear, no
// allocation; stops counting (and returns a value > cap) once `cap` is exceeded.
[[nodiscard]] std::size_t nesting_depth(std::string_view text, std::size_t cap);

// Parses a JSON document. Fails (invalid) when the text is larger, deeper or has more values
// than `lim`, is not well-formed, or is not valid UTF-8 (the message gives the byte offset), or
// when an object holds a key twice (the field path names the object: Go keeps the last of them
// and RapidJSON's lookups the first, so such a text is refused rather than read differently).
[[nodiscard]] result<rapidjson::Document> parse(std::string_view text, limits lim = {});

// Like parse(), but the value's strings and members are allocated in `alloc` (no copy is needed
// to put it into a document that uses `alloc`).
[[nodiscard]] result<rapidjson::Value> parse_value(std::string_view text,
                                                   rapidjson::Document::AllocatorType& alloc,
                                                   limits lim = {});

// Serialises compactly (no whitespace): exactly the text rapidjson::Writer writes (digests are
// taken over it), except that a NaN or infinity, where Writer stops half-way, is written null.
[[nodiscard]] std::string dump(rapidjson::Value const& v);
// Appends the compact serialisation of `v` to `out`.
void dump_to(rapidjson::Value const& v, std::string& out);
// Serialises with two-space indentation.
[[nodiscard]] std::string dump_pretty(rapidjson::Value const& v);

// Returns the member `key` of `obj`, or nullptr if `obj` is not an object or lacks the key.
[[nodiscard]] rapidjson::Value const* find(rapidjson::Value const& obj, std::string_view key);
[[nodiscard]] rapidjson::Value* find(rapidjson::Value& obj, std::string_view key);

// Typed optional fields of an object: nullopt when absent or null; `invalid` with the path
// `join_path(path, key)` when present with another type.
[[nodiscard]] result<std::optional<std::string_view>> get_string(rapidjson::Value const& obj,
                                                                 std::string_view key,
                                                                 std::string_view path);
[[nodiscard]] result<std::optional<std::int64_t>> get_int(rapidjson::Value const& obj,
                                                          std::string_view key,
                                                          std::string_view path);
[[nodiscard]] result<std::optional<double>> get_number(rapidjson::Value const& obj,
                                                       std::string_view key,
                                                       std::string_view path);
[[nodiscard]] result<std::optional<bool>> get_bool(rapidjson::Value const& obj,
                                                   std::string_view key, std::string_view path);
// Object and array members: nullptr when absent or null.
[[nodiscard]] result<rapidjson::Value const*> get_object(rapidjson::Value const& obj,
                                                         std::string_view key,
                                                         std::string_view path);
[[nodiscard]] result<rapidjson::Value const*> get_array(rapidjson::Value const& obj,
                                                        std::string_view key,
                                                        std::string_view path);

// A string value that copies its text into `alloc`.
[[nodiscard]] rapidjson::Value string_value(std::string_view s,
                                            rapidjson::Document::AllocatorType& alloc);
// Sets obj[key] = value, replacing an existing member. `obj` must be an object.
void set(rapidjson::Value& obj, std::string_view key, rapidjson::Value value,
         rapidjson::Document::AllocatorType& alloc);

// The value as an integer: an int64, or a double with an integral value inside int64's range;
// nullopt for anything else (what get_int accepts).
[[nodiscard]] std::optional<std::int64_t> as_int(rapidjson::Value const& v);

// The JSON type name used in error messages: "object", "array", "string", "number", ...
[[nodiscard]] std::string_view type_name(rapidjson::Value const& v);

}  // namespace op::json
