// Kubernetes name rules used by the mapping.
#include "names.hpp"

#include "op/mapping/names.hpp"

namespace op::mapping::detail {
namespace {

bool alnum_lower(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

std::string k8s_name(std::string_view compose_name) {
    return mapping::kube_name(compose_name, name_kind::subdomain);
}

bool is_dns1123_label(std::string_view s) {
    if (s.empty() || s.size() > 63) return false;
    if (!alnum_lower(s.front()) || !alnum_lower(s.back())) return false;
    for (char c : s) {
        if (!alnum_lower(c) && c != '-') return false;
    }
    return true;
}

bool is_dns1123_subdomain(std::string_view s) {
    if (s.empty() || s.size() > 253) return false;
    std::size_t start = 0;
    while (true) {
        auto const dot = s.find('.', start);
        auto const part = s.substr(start, dot == s.npos ? s.npos : dot - start);
        if (!is_dns1123_label(part)) return false;
        if (dot == s.npos) return true;
        start = dot + 1;
    }
}

bool is_dns1035_label(std::string_view s) {
    return is_dns1123_label(s) && s.front() >= 'a' && s.front() <= 'z';
}

result<std::string> file_object_name(api::stack const& stack, std::string const& key,
                                     api::file_object const& obj, bool created,
                                     std::string const& path) {
    if (obj.external.external || !created) {
        std::string_view const written = !obj.external.name.empty() ? obj.external.name
                                         : obj.external.external && !obj.name.empty() ? obj.name
                                                                                       : key;
        auto name = k8s_name(written);
        if (!is_dns1123_subdomain(name)) {
            return op::invalid("\"" + std::string(written) +
                                   "\" cannot be a Kubernetes object name (letters, digits, '-', "
                                   "'_' and '.')",
                               path);
        }
        return name;
    }
    if (!is_dns1123_subdomain(k8s_name(key))) {
        return op::invalid("\"" + key +
                               "\" cannot be a Kubernetes object name (letters, digits, '-', '_' "
                               "and '.')",
                           path);
    }
    auto name = mapping::stack_scoped_name(stack.metadata.name, key);
    if (!is_dns1123_subdomain(name)) {
        return op::invalid("the object name \"" + name + "\" (<stack>.<key>) has " +
                               std::to_string(name.size()) +
                               " characters, more than 253, or is not a valid Kubernetes name; "
                               "shorten the key or the stack name",
                           path);
    }
    return name;
}

}  // namespace op::mapping::detail

namespace op::mapping {

std::string kube_name(std::string_view compose_name, name_kind kind) {
    std::string out(compose_name);
    for (auto& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c == '_' || (c == '.' && kind == name_kind::label)) c = '-';
    }
    return out;
}

std::string stack_scoped_name(std::string_view stack, std::string_view compose_name) {
    return std::string(stack) + "." + kube_name(compose_name, name_kind::subdomain);
}

bool is_valid_name(std::string_view name, name_kind kind) {
    return kind == name_kind::label ? detail::is_dns1123_label(name)
                                    : detail::is_dns1123_subdomain(name);
}

}  // namespace op::mapping
