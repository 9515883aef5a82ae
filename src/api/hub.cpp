#include "op/api/hub.hpp"

#include <string>

namespace op::api {

stack_status summarized(stack_status status) {
    std::int32_t ready = 0;
    for (auto const& [name, counts] : status.services) {
        if (counts.ready >= counts.desired) ++ready;
    }
    auto const total = static_cast<std::int32_t>(status.services.size());
    status.service_count = total;
    status.ready = std::to_string(ready) + "/" + std::to_string(total);
    return status;
}

service_config const* find_service(stack_spec const& spec, std::string const& name) {
    for (auto const& s : spec.services) {
        if (s.name == name) return &s;
    }
    return nullptr;
}

}  // namespace op::api
