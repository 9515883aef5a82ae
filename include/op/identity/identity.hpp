#pragma once
// Module `identity`: Stack ownership (design.md "Identity"). The mutating webhook records who
// created a Stack, or last changed its EFFECTIVE spec, in annotation compose.docker.com/owner (the
// requester's userInfo as canonical JSON) plus compose.docker.com/owner-signature:
//   v2;kid=<key id>;iat=<unix seconds>;spec=sha256:<hex>;mac=<base64 HMAC-SHA256>
// where the MAC covers namespace, name, the owner JSON, the key id, the issue time and the digest
// of the effective spec (the hub's canonical spec plus the kept Compose text, whatever version
// the object is written in). The reconciler recomputes that digest from what it is about to map
// and refuses a stack whose spec and signature disagree, so a write that bypassed the webhook
// fails closed.
//
// This module owns the identity type (user_info.hpp), the HMAC key, the canonical owner JSON, the
// effective-spec digests, signing and verification. What the mutating webhook does with them on
// a Stack write (the owner patch) is op/webhook/owner.hpp.
// Pure: no I/O.
#include "op/api/hub.hpp"
#include "op/conversion/convert.hpp"
#include "op/identity/user_info.hpp"
#include "op/util/error.hpp"

#include <rapidjson/document.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace op::identity {

inline constexpr std::string_view owner_annotation = "compose.docker.com/owner";
inline constexpr std::string_view owner_signature_annotation = "compose.docker.com/owner-signature";

// The HMAC key: at least 32 bytes.
class hmac_key {
public:
    // 32 fresh random bytes from OpenSSL RAND_bytes; fails (internal) if the RNG fails.
    [[nodiscard]] static result<hmac_key> generate();
    // Wraps existing key bytes (e.g. read from the Secret); fails (invalid) if shorter than 32.
    [[nodiscard]] static result<hmac_key> from_bytes(std::string_view bytes);
    [[nodiscard]] std::string_view bytes() const noexcept { return bytes_; }
    // 16 hex digits naming the key (a hash of it, not the key): recorded in every signature.
    [[nodiscard]] std::string const& id() const noexcept { return id_; }

private:
    explicit hmac_key(std::string b);
    std::string bytes_;
    std::string id_;
};

// The owner's canonical JSON: {"username","uid","groups":[...],"extra":{k:[...]}} with extra keys
// sorted and group order kept. Deterministic for equal owners.
[[nodiscard]] std::string owner_json(owner const& o);
// Parses owner_json output (or any JSON of that shape); fails (invalid) on another shape or on an
// identity check_identity refuses.
[[nodiscard]] result<owner> parse_owner(std::string_view json_text);

// Refuses (invalid, field path under userInfo) an identity the operator could not impersonate
// faithfully: a control character (below 0x20, or 0x7f) in the username, uid, a group, an extra
// key or value, or an empty extra key. (The kube client percent-encodes extra keys into
// Impersonate-Extra-<key> header names and refuses CR, LF and NUL in any header value.)
[[nodiscard]] result<void> check_identity(user_info const& u);

// ---- effective-spec digests ------------------------------------------------------------------

// The annotations storage conversion reads to keep round trips lossless: the operator's alone.
inline constexpr std::array<std::string_view, 4> conversion_annotations = {
    conversion::compose_file_annotation, conversion::compose_file_hash_annotation,
    conversion::structured_spec_annotation, conversion::structured_spec_hash_annotation};

// metadata.annotations of an object; nullptr when there is no metadata object or no annotations.
[[nodiscard]] rapidjson::Value const* annotations_of(rapidjson::Value const& object);
// The string value of `key` in `annotations`; nullopt when `annotations` is null or not an
// object, or the key is absent or not a string.
[[nodiscard]] std::optional<std::string> annotation(rapidjson::Value const* annotations,
                                                    std::string_view key);

// "sha256:<64 hex>" of the effective spec of a hub: its canonical spec JSON and the kept Compose
// text (when there is one). Equal for equal hubs (spec and compose_file).
[[nodiscard]] std::string spec_digest(api::stack const& hub);

// What an object's effective spec is, for comparisons: "sha256:..." (spec_digest of its hub) when
// the object decodes, otherwise "raw-sha256:..." over its spec with object keys sorted and its
// conversion annotations (such a stack cannot be reconciled; the digest only tells whether an
// UPDATE changed it). Linear in the object's size.
[[nodiscard]] std::string effective_spec_digest(rapidjson::Value const& object);

// ---- signatures --------------------------------------------------------------------------------

// The parts of an owner-signature annotation value.
struct owner_signature {
    std::string key_id;
    std::int64_t issued_at = 0;  // seconds since the Unix epoch
    std::string spec_digest;
    std::string mac;  // base64
};
// The annotation value signing `owner_json_text` for namespace/name and `spec_digest_text`.
[[nodiscard]] std::string sign_owner(hmac_key const& key, std::string_view ns, std::string_view name,
                                     std::string_view owner_json_text,
                                     std::string_view spec_digest_text, std::int64_t issued_at);
// Splits a v2 signature value; fails (invalid) on any other shape, e.g. a v1 signature.
[[nodiscard]] result<owner_signature> parse_owner_signature(std::string_view value);

// Reads and checks the owner annotations of a stored object (namespace and name from its
// metadata) against the digest of the effective spec that is about to be acted on. Fails
// (terminal) when unsigned, in an old format, unparsable, tampered, signed with another key or
// for another namespace/name, or when the spec is not the one that was signed. Signature
// comparison is constant-time.
[[nodiscard]] result<owner> verify_owner(rapidjson::Value const& object, hmac_key const& key,
                                         std::string_view spec_digest_text);
// The same, the digest computed from the object itself (effective_spec_digest).
[[nodiscard]] result<owner> verify_owner(rapidjson::Value const& object, hmac_key const& key);
[[nodiscard]] result<owner> verify_owner(std::string_view object_json, hmac_key const& key);

}  // namespace op::identity
