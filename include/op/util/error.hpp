#pragma once
// op::error and op::result<T>: how every fallible function in this project reports failure.
//
// Expected failures (bad input, an unreachable server, a missing object) are values, never
// exceptions. A function that can fail returns `op::result<T>`, which is
// `boost::system::result<T, op::error>` (header-only; no Boost library is linked). An error has a
// code saying how the caller should react, a human message, and the field path of the offending
// input when there is one (`spec.services[2].ports[0]`). Propagate with OP_TRY / OP_RETURN_IF_ERROR.
#include <boost/system/result.hpp>

#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>

namespace op {

// How a caller should react to an error.
enum class errc {
    invalid,    // the input is wrong; retrying the same input fails the same way
    not_found,  // the thing asked for does not exist
    conflict,   // the thing exists, or changed under us (HTTP 409)
    transient,  // try again later (network, timeouts, 429, 5xx)
    terminal,   // the environment forbids it (403, a forged owner); retrying will not help
    internal,   // a bug in this program
};

// The lowercase name of a code, e.g. "not_found".
[[nodiscard]] std::string_view to_string(errc code) noexcept;

struct error {
    errc code = errc::internal;
    std::string message;
    std::string field_path;  // empty when the error is not about one field

    // "path: message", or just the message when there is no path.
    [[nodiscard]] std::string what() const;

    // The same error with `prefix` put in front of the field path ("spec" + "services[0]" ->
    // "spec.services[0]"; a prefix ending in ']' or a path starting with '[' joins without a dot).
    [[nodiscard]] error under(std::string_view prefix) const&;
    [[nodiscard]] error under(std::string_view prefix) &&;

    friend bool operator==(error const&, error const&) = default;
};

// Prints error::what() (used by test frameworks and boost::system::result's operator<<).
std::ostream& operator<<(std::ostream& os, error const& e);

// Joins two field-path parts the way `error::under` does.
[[nodiscard]] std::string join_path(std::string_view prefix, std::string_view rest);

// Shorthands that build an error of one code.
[[nodiscard]] error invalid(std::string message, std::string field_path = {});
[[nodiscard]] error not_found(std::string message);
[[nodiscard]] error conflict(std::string message);
[[nodiscard]] error transient(std::string message);
[[nodiscard]] error terminal(std::string message);
[[nodiscard]] error internal(std::string message);

// Called by result<T>::value() on an error: throws std::runtime_error with error::what().
// Code should test the result instead of relying on this.
[[noreturn]] void throw_exception_from_error(error const& e, boost::source_location const& loc);

template <class T>
using result = boost::system::result<T, error>;

}  // namespace op

#define OP_CONCAT_INNER_(a, b) a##b
#define OP_CONCAT_(a, b) OP_CONCAT_INNER_(a, b)

// OP_TRY(auto x, expr): evaluates expr (a result); on error returns the error from the enclosing
// function, otherwise declares `x` as the moved value.
#define OP_TRY(decl, expr) OP_TRY_IMPL_(OP_CONCAT_(op_try_tmp_, __LINE__), decl, expr)
#define OP_TRY_IMPL_(tmp, decl, expr)        \
    auto tmp = (expr);                       \
    if (!tmp) return std::move(tmp).error(); \
    decl = std::move(*tmp)

// OP_RETURN_IF_ERROR(expr): evaluates expr (a result of any type); returns its error if it has one.
#define OP_RETURN_IF_ERROR(expr)                                               \
    do {                                                                       \
        auto op_rie_tmp_ = (expr);                                             \
        if (!op_rie_tmp_) return std::move(op_rie_tmp_).error();               \
    } while (false)
