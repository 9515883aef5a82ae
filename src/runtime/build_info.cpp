#include "build_info.hpp"

#include "op/build_commit.hpp"
#include "op/version.hpp"

namespace op::runtime {

void register_build_info(metrics::registry& r) {
    r.get_gauge("compose_operator_build_info",
                "A metric with a constant '1' value labeled by the version and git commit of the operator.",
                {{"version", op::version}, {"git_commit", op::git_commit}})
        .set(1);
}

leader_gauges::leader_gauges(metrics::registry& r)
    : leader_(r.get_gauge("compose_operator_leader", "1 while this replica runs the reconciler")),
      master_status_(r.get_gauge("leader_election_master_status",
                                 "Gauge of if the reporting system is master of the relevant lease, 0 "
                                 "indicates backup, 1 indicates master. 'name' is the string used to "
                                 "identify the lease.",
                                 {{"name", "compose-operator"}})) {}

void leader_gauges::set(bool leading) noexcept {
    leader_.set(leading ? 1 : 0);
    master_status_.set(leading ? 1 : 0);
}

}  // namespace op::runtime
