#pragma once
// Compose project <-> structured Stack spec (the reference's FromComposeConfig, without its
// defects, and its inverse used to render a structured spec as Compose YAML).
//
// from_compose never drops anything silently: what the structured spec cannot carry is either a
// warning (the key has no Kubernetes meaning, e.g. `depends_on`, `networks`) or an error when the
// service could not run as written (e.g. `build:` without `image:`).
#include "op/api/hub.hpp"
#include "op/compose/project.hpp"
#include "op/util/error.hpp"

#include <string>
#include <vector>

namespace op::conversion {

// Something the caller should show the user; the stack is still valid.
struct warning {
    std::string field_path;  // "services.web.depends_on"
    std::string message;
    friend bool operator==(warning const&, warning const&) = default;
};

struct compose_spec {
    api::stack_spec spec;
    std::vector<warning> warnings;
};

// Builds the structured spec from a loaded project (services in the project's order). Fails
// (invalid, path "services.<name>...") on: a service without image (with or without build:), a
// job deploy mode, a published port range, an unparsable placement constraint, a
// `pull_policy`/`x-pull-policy` outside Always/IfNotPresent/Never (Compose spellings accepted).
[[nodiscard]] result<compose_spec> from_compose(compose::project const& project);

// The inverse: a project that emit() can render. Never fails. v1alpha3 fields become the
// Docker CLI's extensions x-pull-secret / x-pull-policy and our x-internal-ports /
// x-internal-service-type, which from_compose reads back.
[[nodiscard]] compose::project to_compose(api::stack_spec const& spec);

}  // namespace op::conversion
