#include "op/util/error.hpp"

#include <ostream>
#include <stdexcept>

namespace op {

std::string_view to_string(errc code) noexcept {
    switch (code) {
        case errc::invalid: return "invalid";
        case errc::not_found: return "not_found";
        case errc::conflict: return "conflict";
        case errc::transient: return "transient";
        case errc::terminal: return "terminal";
        case errc::internal: return "internal";
    }
    return "unknown";
}

std::string error::what() const {
    if (field_path.empty()) return message;
    std::string out = field_path;
    out += ": ";
    out += message;
    return out;
}

std::ostream& operator<<(std::ostream& os, error const& e) { return os << e.what(); }

std::string join_path(std::string_view prefix, std::string_view rest) {
    std::string out(prefix);
    if (!prefix.empty() && !rest.empty() && rest.front() != '[') out += '.';
    out += rest;
    return out;
}

error error::under(std::string_view prefix) const& {
    error copy = *this;
    return std::move(copy).under(prefix);
}

error error::under(std::string_view prefix) && {
    field_path = join_path(prefix, field_path);
    return std::move(*this);
}

error invalid(std::string message, std::string field_path) {
    return {errc::invalid, std::move(message), std::move(field_path)};
}
error not_found(std::string message) { return {errc::not_found, std::move(message), {}}; }
error conflict(std::string message) { return {errc::conflict, std::move(message), {}}; }
error transient(std::string message) { return {errc::transient, std::move(message), {}}; }
error terminal(std::string message) { return {errc::terminal, std::move(message), {}}; }
error internal(std::string message) { return {errc::internal, std::move(message), {}}; }

void throw_exception_from_error(error const& e, boost::source_location const&) {
    throw std::runtime_error(e.what());
}

}  // namespace op
