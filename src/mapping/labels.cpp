// Labels, selectors and the owner reference of generated objects (reference section 4.2).
#include "op/mapping/labels.hpp"

#include "detail.hpp"

namespace op::mapping {

label_map selector_labels(std::string_view stack, std::string_view service) {
    std::string id(stack);
    id += '-';
    id += service;
    return {
        {std::string(label_stack_namespace), std::string(stack)},
        {std::string(label_service_name), std::string(service)},
        {std::string(label_service_id), std::move(id)},
    };
}

label_map standard_labels(std::string_view stack, std::string_view service) {
    auto labels = selector_labels(stack, service);
    labels.emplace(label_managed_by, managed_by_value);
    return labels;
}

bool is_reserved_label(std::string_view key) {
    return key == label_stack_namespace || key == label_service_name ||
           key == label_service_id || key == label_managed_by;
}

label_map object_labels(std::string_view stack, api::service_config const& svc) {
    auto labels = standard_labels(stack, svc.name);
    for (auto const& [k, v] : svc.deploy.labels) {
        if (!is_reserved_label(k)) labels.emplace(k, v);
    }
    return labels;
}

label_map stack_labels(std::string_view stack) {
    return {
        {std::string(label_stack_namespace), std::string(stack)},
        {std::string(label_managed_by), std::string(managed_by_value)},
    };
}

std::string to_selector(label_map const& labels) {
    std::string out;
    for (auto const& [k, v] : labels) {
        if (!out.empty()) out += ',';
        out += k;
        out += '=';
        out += v;
    }
    return out;
}

std::string stack_selector(std::string_view stack) {
    // Written in this order (not key order) so it reads "which stack, made by whom".
    std::string out(label_stack_namespace);
    out += '=';
    out += stack;
    out += ',';
    out += label_managed_by;
    out += '=';
    out += managed_by_value;
    return out;
}

std::string service_selector(std::string_view stack, std::string_view service) {
    return to_selector(selector_labels(stack, service));
}

rapidjson::Value owner_reference(api::stack const& stack,
                                 rapidjson::Document::AllocatorType& alloc) {
    using detail::put;
    rapidjson::Value ref(rapidjson::kObjectType);
    put(ref, "apiVersion", owner_api_version, alloc);
    put(ref, "kind", api::kind, alloc);
    put(ref, "name", stack.metadata.name, alloc);
    put(ref, "uid", stack.metadata.uid, alloc);
    detail::put_bool(ref, "controller", true, alloc);
    detail::put_bool(ref, "blockOwnerDeletion", true, alloc);
    return ref;
}

}  // namespace op::mapping
