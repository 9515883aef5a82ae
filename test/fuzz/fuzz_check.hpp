#pragma once
// Shared by the libFuzzer targets: the input as text, and a property check that aborts (so
// libFuzzer records the input as a crash) with a message saying which property failed.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace op::fuzz {

inline std::string_view text(std::uint8_t const* data, std::size_t size) {
    return {reinterpret_cast<char const*>(data), size};
}

[[noreturn]] inline void property_failed(char const* what, char const* file, int line) {
    std::fprintf(stderr, "%s:%d: property failed: %s\n", file, line, what);
    std::abort();
}

}  // namespace op::fuzz

#define OP_FUZZ_CHECK(cond) \
    ((cond) ? static_cast<void>(0) : ::op::fuzz::property_failed(#cond, __FILE__, __LINE__))
