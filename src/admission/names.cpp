#include "op/admission/validate.hpp"

#include <fmt/format.h>

namespace op::admission {
namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }

}  // namespace

std::string check_label_value(std::string_view name) {
    if (name.size() > 63) return fmt::format("must be no more than 63 characters (it has {})", name.size());
    if (name.empty()) return {};
    if (!is_alnum(name.front()) || !is_alnum(name.back())) {
        return "must start and end with a letter or digit";
    }
    for (char c : name) {
        if (!is_alnum(c) && c != '-' && c != '_' && c != '.') {
            return fmt::format("must consist of letters, digits, '-', '_' or '.' (found '{}')", c);
        }
    }
    return {};
}

std::string check_dns1123_label(std::string_view name) {
    if (name.empty()) return "must not be empty";
    if (name.size() > 63) return fmt::format("must be no more than 63 characters (it has {})", name.size());
    if (!is_lower_alnum(name.front()) || !is_lower_alnum(name.back())) {
        return "must start and end with a lowercase letter or digit";
    }
    for (char c : name) {
        if (!is_lower_alnum(c) && c != '-') {
            return fmt::format("must consist of lowercase letters, digits and '-' (found '{}')", c);
        }
    }
    return {};
}

std::string check_dns1035_label(std::string_view name) {
    if (auto why = check_dns1123_label(name); !why.empty()) return why;
    if (name.front() < 'a' || name.front() > 'z') return "must start with a lowercase letter";
    return {};
}

std::string check_dns1123_subdomain(std::string_view name) {
    if (name.empty()) return "must not be empty";
    if (name.size() > 253) return fmt::format("must be no more than 253 characters (it has {})", name.size());
    std::size_t start = 0;
    while (start <= name.size()) {
        auto dot = name.find('.', start);
        auto part = name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (part.empty()) return "must not have empty parts between dots";
        if (!is_lower_alnum(part.front()) || !is_lower_alnum(part.back())) {
            return "each dot-separated part must start and end with a lowercase letter or digit";
        }
        for (char c : part) {
            if (!is_lower_alnum(c) && c != '-') {
                return fmt::format("must consist of lowercase letters, digits, '-' and '.' (found '{}')", c);
            }
        }
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    return {};
}

}  // namespace op::admission
