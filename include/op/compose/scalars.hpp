#pragma once
// Compose scalar syntaxes shared by the loader, the emitter and downstream converters:
// Go durations, byte sizes, shell-word splitting, port and volume short syntax.
#include "op/compose/limits.hpp"
#include "op/compose/project.hpp"
#include "op/util/error.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace op::compose {

// Parses a Go duration ("1m30s", "500ms", "1h", "10us", "1.5s", "0"). Fails on a missing unit
// (except "0"), an unknown unit, a negative value or overflow. The message names the value.
[[nodiscard]] result<duration> parse_duration(std::string_view text);
// Formats like Go's time.Duration.String() ("1m30s", "500ms", "0s"); parse_duration reads it back.
[[nodiscard]] std::string format_duration(duration d);

// Parses a byte size: plain number of bytes, or a number with unit b/k/m/g/t/p (binary, 1024),
// optional "i"/"b" suffix, case-insensitive ("50M", "1gb", "512k", "1.5GiB"). Fails on junk,
// negatives and overflow.
[[nodiscard]] result<std::int64_t> parse_byte_size(std::string_view text);

// Splits a command line into words like Go's shlex: whitespace separates, single quotes are
// literal, a backslash (outside single quotes) makes the next character literal; "#" is not a
// comment. Fails on an unterminated quote or a trailing backslash.
[[nodiscard]] result<std::vector<std::string>> split_shell_words(std::string_view text);

// Parses a short-syntax port "[ip:][published[-end]:]target[-end][/proto]"; a target range
// yields one port per target. Fails with `invalid port "<text>": <reason>`, also when the range
// stands for more than `max_ports` ports (checked before any is built).
[[nodiscard]] result<std::vector<service_port>> parse_port(
    std::string_view text, std::size_t max_ports = load_limits{}.max_ports);
// How many ports parse_port(text) would build, without building them; 0 when it would fail.
[[nodiscard]] std::size_t port_count(std::string_view text);

// Parses a short-syntax volume "[source:]target[:options]" (options: ro, rw, z, Z, nocopy,
// propagation, consistency). Type is bind for sources starting with '/', '.' or '~', otherwise
// volume. Fails with `invalid volume "<text>": <reason>`.
[[nodiscard]] result<service_volume> parse_volume(std::string_view text);

}  // namespace op::compose
