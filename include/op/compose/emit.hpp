#pragma once
// project -> Compose YAML text (Compose Specification form: no `version:`, long syntax for
// ports/volumes/secrets/configs, maps for environment/labels/depends_on/networks).
#include "op/compose/project.hpp"

#include <string>

namespace op::compose {

struct emit_options {
    // Write "$" as "$$" so that load() (which interpolates) gives back the same strings.
    bool escape_dollars = true;
};

// Returns YAML text such that load(emit(p)) == p for every p produced by load(). Never fails.
[[nodiscard]] std::string emit(project const& p, emit_options const& options = {});

}  // namespace op::compose
