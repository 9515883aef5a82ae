#pragma once
// Private to runtime: the operator's own gauges on /metrics that belong to no module.
#include "op/metrics/registry.hpp"

namespace op::runtime {

// compose_operator_build_info{version,git_commit} 1 (the Prometheus build_info convention).
void register_build_info(metrics::registry& r);

// Whether this replica leads: compose_operator_leader (documented since the first release) and
// client-go's leader_election_master_status{name="compose-operator"}, set together.
class leader_gauges {
public:
    explicit leader_gauges(metrics::registry& r);
    void set(bool leading) noexcept;

private:
    metrics::gauge& leader_;
    metrics::gauge& master_status_;
};

}  // namespace op::runtime
