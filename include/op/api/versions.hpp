#pragma once
// The served versions of compose.docker.com Stack and their JSON codecs.
//
// v1beta1: spec.composeFile (Compose YAML text). v1beta2: structured spec with the reference's
// exact keys; as our storage version it also carries the four v1alpha3 fields (optional).
// v1alpha3: v1beta2 plus pull_secret, pull_policy, internal_ports, internal_service_type.
// Status is the same in every version (op::api::stack_status).
//
// Decoding checks the type of every field and reports its path
// (`spec.services[2].ports[0].published: expected integer, got string`). Unknown fields inside
// spec and status are dropped (the CRD's structural schema prunes them anyway); unknown
// top-level members are dropped too; metadata is kept whole (object_meta::raw).
#include "op/api/hub.hpp"
#include "op/util/error.hpp"

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>

namespace op::api {

enum class version { v1beta1, v1beta2, v1alpha3 };

// "v1beta1" etc.
[[nodiscard]] std::string_view to_string(version v) noexcept;
// "compose.docker.com/v1beta1" etc.
[[nodiscard]] std::string api_version(version v);
// Accepts "v1beta1" or "compose.docker.com/v1beta1" (and the other two); invalid otherwise.
[[nodiscard]] result<version> parse_version(std::string_view text);

namespace v1beta1 {
struct stack {
    object_meta metadata;
    std::string compose_file;  // JSON spec.composeFile
    std::optional<stack_status> status;

    friend bool operator==(stack const&, stack const&) = default;
};
}  // namespace v1beta1

namespace v1beta2 {
struct stack {
    object_meta metadata;
    std::optional<stack_spec> spec;  // a pointer in the reference: may be absent
    std::optional<stack_status> status;

    friend bool operator==(stack const&, stack const&) = default;
};
}  // namespace v1beta2

namespace v1alpha3 {
struct stack {
    object_meta metadata;
    std::optional<stack_spec> spec;
    std::optional<stack_status> status;

    friend bool operator==(stack const&, stack const&) = default;
};
}  // namespace v1alpha3

// ---- decoding (untrusted input) --------------------------------------------------------------

// The apiVersion of a Stack object; invalid when it is missing, not a string, or not one of ours,
// or when kind is present and not "Stack".
[[nodiscard]] result<version> version_of(rapidjson::Value const& object);

// Decode a whole object. Fails (invalid, with the field path) on a wrong type, a wrong
// apiVersion/kind, or a number out of range.
[[nodiscard]] result<v1beta1::stack> decode_v1beta1(rapidjson::Value const& object);
[[nodiscard]] result<v1beta2::stack> decode_v1beta2(rapidjson::Value const& object);
[[nodiscard]] result<v1alpha3::stack> decode_v1alpha3(rapidjson::Value const& object);

// Parts, for callers that hold only a spec or status; `path` prefixes error paths ("spec").
[[nodiscard]] result<object_meta> decode_metadata(rapidjson::Value const* metadata);
[[nodiscard]] result<stack_spec> decode_spec(rapidjson::Value const& spec, std::string_view path);
[[nodiscard]] result<stack_status> decode_status(rapidjson::Value const& status,
                                                 std::string_view path);

// ---- encoding ----------------------------------------------------------------------------------

// Encode a whole object (apiVersion, kind, metadata, spec, status). Fields equal to their zero
// value are omitted, as Go's omitempty does. `v1beta2` encodes the v1alpha3 fields too.
[[nodiscard]] rapidjson::Document encode(v1beta1::stack const& s);
[[nodiscard]] rapidjson::Document encode(v1beta2::stack const& s);
[[nodiscard]] rapidjson::Document encode(v1alpha3::stack const& s);

[[nodiscard]] rapidjson::Value encode_metadata(object_meta const& m,
                                               rapidjson::Document::AllocatorType& alloc);
[[nodiscard]] rapidjson::Value encode_spec(stack_spec const& s,
                                           rapidjson::Document::AllocatorType& alloc);
[[nodiscard]] rapidjson::Value encode_status(stack_status const& s,
                                             rapidjson::Document::AllocatorType& alloc);

// Canonical compact JSON of a spec (sorted maps, omitempty): used to hash and compare specs.
[[nodiscard]] std::string canonical_json(stack_spec const& s);

}  // namespace op::api
