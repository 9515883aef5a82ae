#pragma once
// Stack ownership (design.md "Identity"). The mutating webhook records who created a Stack, or
// last changed its spec, in annotation compose.docker.com/owner (the requester's userInfo as JSON)
// plus compose.docker.com/owner-signature, an HMAC-SHA256 over namespace, name and that JSON keyed
// by a Secret only the operator reads. Metadata-only and status updates keep the old annotations.
// The reconciler calls verify_owner before impersonating the owner. Pure: no I/O.
#include "op/util/error.hpp"
#include "op/webhook/review.hpp"

#include <rapidjson/document.h>

#include <string>
#include <string_view>

namespace op::webhook {

inline constexpr std::string_view owner_annotation = "compose.docker.com/owner";
inline constexpr std::string_view owner_signature_annotation = "compose.docker.com/owner-signature";

using owner = user_info;

// The HMAC key: at least 32 bytes.
class hmac_key {
public:
    // 32 fresh random bytes from OpenSSL RAND_bytes; fails (internal) if the RNG fails.
    [[nodiscard]] static result<hmac_key> generate();
    // Wraps existing key bytes (e.g. read from the Secret); fails (invalid) if shorter than 32.
    [[nodiscard]] static result<hmac_key> from_bytes(std::string_view bytes);
    [[nodiscard]] std::string_view bytes() const noexcept { return bytes_; }

private:
    explicit hmac_key(std::string b) : bytes_(std::move(b)) {}
    std::string bytes_;
};

// The owner's canonical JSON: {"username","uid","groups":[...],"extra":{k:[...]}} with extra keys
// sorted and group order kept. Deterministic for equal owners.
[[nodiscard]] std::string owner_json(owner const& o);
// Parses owner_json output (or any JSON of that shape); fails (invalid) on another shape.
[[nodiscard]] result<owner> parse_owner(std::string_view json_text);
// base64(HMAC-SHA256(key, canonical string binding namespace, name and owner JSON)).
[[nodiscard]] std::string sign_owner(hmac_key const& key, std::string_view ns, std::string_view name,
                                     std::string_view owner_json_text);

// The RFC 6902 patch (JSON array text) that puts the right owner annotations on req.object:
// CREATE and spec-changing UPDATEs get the requester; other UPDATEs (metadata-only, subResource
// status) get the old object's annotations back exactly (removed if it had none). "[]" when
// nothing changes; DELETE/CONNECT give "[]". Fails (invalid) when the object is missing or not a
// Stack-shaped object, or has no name (generateName cannot be signed).
[[nodiscard]] result<std::string> owner_patch(admission_request const& req, hmac_key const& key);

// The mutating handler around owner_patch: allowed (with the patch when not empty), or an errored
// 400 review when owner_patch fails.
[[nodiscard]] admission_response mutate_owner(admission_request const& req, hmac_key const& key);

// Reads and checks the owner annotations of a stored object (namespace and name from its
// metadata). Fails (terminal) when unsigned, unparsable, tampered, or signed for another
// namespace/name. Signature comparison is constant-time.
[[nodiscard]] result<owner> verify_owner(rapidjson::Value const& object, hmac_key const& key);
[[nodiscard]] result<owner> verify_owner(std::string_view object_json, hmac_key const& key);

}  // namespace op::webhook
