#pragma once
// Stack ownership (design.md "Identity"). The mutating webhook records who created a Stack, or
// last changed its EFFECTIVE spec, in annotation compose.docker.com/owner (the requester's
// userInfo as canonical JSON) plus compose.docker.com/owner-signature:
//   v2;kid=<key id>;iat=<unix seconds>;spec=sha256:<hex>;mac=<base64 HMAC-SHA256>
// where the MAC covers namespace, name, the owner JSON, the key id, the issue time and the digest
// of the effective spec (the hub's canonical spec plus the kept Compose text, whatever version
// the object is written in). The reconciler recomputes that digest from what it is about to map
// and refuses a stack whose spec and signature disagree, so a write that bypassed the webhook
// fails closed.
//
// "Effective spec changed" is decided on the hub (op::conversion::decode_to_hub of the old and
// new objects, the very functions storage conversion uses), never on the request's `spec`.
// The conversion annotations (compose-file, compose-file-spec-hash, structured-spec,
// structured-spec-compose-hash) are the operator's alone: a CREATE never keeps them, and an
// UPDATE keeps one only when it is byte-identical to the old object's (which the API server got
// from the operator's own conversion); any other value is dropped (with a warning) before the
// decision is made, so what the webhook decides on is what storage keeps.
// Pure: no I/O.
#include "op/api/hub.hpp"
#include "op/util/error.hpp"
#include "op/webhook/review.hpp"

#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

// "sha256:<64 hex>" of the effective spec of a hub: its canonical spec JSON and the kept Compose
// text (when there is one). Equal for equal hubs (spec and compose_file).
[[nodiscard]] std::string spec_digest(api::stack const& hub);

// What an object's effective spec is, for comparisons: "sha256:..." (spec_digest of its hub) when
// the object decodes, otherwise "raw-sha256:..." over its spec with object keys sorted and its
// conversion annotations (such a stack cannot be reconciled; the digest only tells whether an
// UPDATE changed it). Linear in the object's size.
[[nodiscard]] std::string effective_spec_digest(rapidjson::Value const& object);

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

// What the mutating webhook does to a Stack write.
struct owner_plan {
    std::string patch = "[]";           // RFC 6902 JSON array text
    std::vector<std::string> warnings;  // e.g. a dropped conversion annotation
    bool resigned = false;              // the requester became the owner
};

// The patch that puts the right owner and conversion annotations on req.object: CREATE and
// UPDATEs whose effective spec changes get the requester; other UPDATEs (metadata-only, finalizers,
// subResource status) get the old object's owner annotations back exactly (removed if it had none).
// DELETE/CONNECT give "[]". Fails (invalid) when the object is missing or not Stack-shaped, has no
// name (generateName cannot be signed), or when a requester who would become the owner has an
// identity check_identity refuses. `now` is the issue time written into a new signature.
[[nodiscard]] result<owner_plan> plan_owner(admission_request const& req, hmac_key const& key,
                                            std::int64_t now);
// plan_owner(...).patch with the system clock.
[[nodiscard]] result<std::string> owner_patch(admission_request const& req, hmac_key const& key);

// The mutating handler around plan_owner: allowed (with the patch when not empty, and the
// warnings), or a denied 400 review naming the problem when plan_owner fails.
[[nodiscard]] admission_response mutate_owner(admission_request const& req, hmac_key const& key);

// True when an admission request needs the spec validated: CREATE, and UPDATEs of the main
// resource that change the effective spec of a stack not being deleted. Metadata, finalizer and
// status updates, and any update of a stack with deletionTimestamp set, never do, so a stack
// whose spec no longer validates can always be deleted.
[[nodiscard]] bool needs_spec_validation(admission_request const& req);

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

}  // namespace op::webhook
