#pragma once
// The mutating webhook's half of Stack ownership: the owner patch of a Stack write and whether
// the write needs its spec validated. The annotations, the key, the digests and the signatures
// are op::identity's (op/identity/identity.hpp, where the scheme is described).
//
// "Effective spec changed" is decided on the hub (op::conversion::decode_to_hub of the old and
// new objects, the very functions storage conversion uses), never on the request's `spec`.
// The conversion annotations (compose-file, compose-file-spec-hash, structured-spec,
// structured-spec-compose-hash) are the operator's alone: a CREATE never keeps them, and an
// UPDATE keeps one only when it is byte-identical to the old object's (which the API server got
// from the operator's own conversion); any other value is dropped (with a warning) before the
// decision is made, so what the webhook decides on is what storage keeps.
// Pure: no I/O.
#include "op/identity/identity.hpp"
#include "op/util/error.hpp"
#include "op/webhook/review.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace op::webhook {

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
[[nodiscard]] result<owner_plan> plan_owner(admission_request const& req,
                                            identity::hmac_key const& key, std::int64_t now);
// plan_owner(...).patch with the system clock.
[[nodiscard]] result<std::string> owner_patch(admission_request const& req,
                                              identity::hmac_key const& key);

// The mutating handler around plan_owner: allowed (with the patch when not empty, and the
// warnings), or a denied 400 review naming the problem when plan_owner fails.
[[nodiscard]] admission_response mutate_owner(admission_request const& req,
                                              identity::hmac_key const& key);

// True when an admission request needs the spec validated: CREATE, and UPDATEs of the main
// resource that change the effective spec of a stack not being deleted. Metadata, finalizer and
// status updates, and any update of a stack with deletionTimestamp set, never do, so a stack
// whose spec no longer validates can always be deleted.
[[nodiscard]] bool needs_spec_validation(admission_request const& req);

}  // namespace op::webhook
