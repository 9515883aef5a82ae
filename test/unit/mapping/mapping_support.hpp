#pragma once
// Test helpers for the mapping tests: building hub stacks in code, finding generated objects and
// comparing JSON independently of member order (with a readable diff on mismatch).
#include "op/api/hub.hpp"
#include "op/mapping/mapping.hpp"

#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <vector>

namespace op::mapping::test {

using namespace std::chrono_literals;

// A stack "demo" in namespace "ns" with uid "uid-1" and the given services.
[[nodiscard]] api::stack make_stack(std::vector<api::service_config> services);
// A service with a name and an image.
[[nodiscard]] api::service_config make_service(std::string name, std::string image = "nginx:1.25");

// map_stack() that must succeed (REQUIREs it).
[[nodiscard]] mapping_result map_ok(api::stack const& stack, mapping_options const& options = {});
// The error of a map_stack() that must fail.
[[nodiscard]] op::error map_err(api::stack const& stack, mapping_options const& options = {});

// The object of `kind` called `name`, or nullptr.
[[nodiscard]] k8s_object const* find(mapping_result const& r, std::string_view kind,
                                     std::string_view name);
// The workload / pod spec / main container of service `name` (REQUIREs that it exists).
[[nodiscard]] rapidjson::Value const& workload(mapping_result const& r, std::string_view name);
[[nodiscard]] rapidjson::Value const& pod_spec(mapping_result const& r, std::string_view name);
[[nodiscard]] rapidjson::Value const& main_container(mapping_result const& r,
                                                     std::string_view name);

// Canonical text (object keys sorted, compact) of the value at JSON pointer `ptr` under `v`, or
// "<absent>".
[[nodiscard]] std::string at(rapidjson::Value const& v, char const* ptr);
// Canonical text of a JSON literal.
[[nodiscard]] std::string canon(std::string_view json_text);
[[nodiscard]] std::string canon(rapidjson::Value const& v);

// Line diff between two pretty-printed canonical JSON values ("" when equal).
[[nodiscard]] std::string json_diff(rapidjson::Value const& expected,
                                    rapidjson::Value const& actual);

}  // namespace op::mapping::test
