#pragma once
// Include this instead of <catch2/catch.hpp> in tests: it teaches Catch2 to print op::result<T>
// (Boost's own operator<< for result requires T to be printable, which most of ours are not).
#include "op/util/error.hpp"

#include <catch2/catch.hpp>

namespace Catch {
template <class T>
struct StringMaker<boost::system::result<T, op::error>> {
    static std::string convert(boost::system::result<T, op::error> const& r) {
        if (r.has_value()) return "result{value}";
        return "result{error: " + r.error().what() + "}";
    }
};
}  // namespace Catch
