#pragma once
// Private: merging of Compose files (Compose Specification "Merge and override").
#include "op/compose/node.hpp"

namespace op::compose::detail {

// `over` (a later file's top-level mapping) merged into `base`: mappings are merged key by key,
// ports/volumes/secrets/configs by their identity (ip+target+published+protocol, target,
// target), environment/labels/extra_hosts/sysctls list-or-map by name, command/entrypoint/
// healthcheck.test replaced, other sequences appended without duplicates, scalars replaced.
// The tags !reset (remove) and !override (replace whole) are honoured.
[[nodiscard]] node merge_files(node base, node const& over);

// One service's mapping `over` merged into `base` with the same rules (used by `extends`).
[[nodiscard]] node merge_service_nodes(node base, node const& over);

}  // namespace op::compose::detail
