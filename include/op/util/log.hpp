#pragma once
// Structured logging: one line per event, `text` (human) or `json` (machines), to stderr.
//
// The default level is `info`, which stays quiet in normal operation: start, stop, leadership and
// errors. `debug` adds per-request and per-reconcile lines. Fields are key/value pairs; values are
// strings (use std::to_string or fmt::format for numbers). Thread-safe: a line is written whole.
#include <initializer_list>
#include <string>
#include <string_view>

namespace op::log {

enum class level { debug = 0, info = 1, warn = 2, error = 3 };
enum class format { text, json };

struct field {
    std::string_view key;
    std::string value;
};

// Parses "debug", "info", "warn"/"warning", "error"; returns false on anything else.
[[nodiscard]] bool parse_level(std::string_view text, level& out);
// Parses "text" or "json"; returns false on anything else.
[[nodiscard]] bool parse_format(std::string_view text, format& out);

void set_level(level l);
void set_format(format f);
[[nodiscard]] bool enabled(level l);

// Renders one line without writing it (used by the logger and its tests). `ts` is RFC 3339.
[[nodiscard]] std::string render(format f, std::string_view ts, level l, std::string_view msg,
                                 std::initializer_list<field> fields);

void write(level l, std::string_view msg, std::initializer_list<field> fields = {});
inline void debug(std::string_view msg, std::initializer_list<field> fields = {}) {
    if (enabled(level::debug)) write(level::debug, msg, fields);
}
inline void info(std::string_view msg, std::initializer_list<field> fields = {}) {
    write(level::info, msg, fields);
}
inline void warn(std::string_view msg, std::initializer_list<field> fields = {}) {
    write(level::warn, msg, fields);
}
inline void error(std::string_view msg, std::initializer_list<field> fields = {}) {
    write(level::error, msg, fields);
}

}  // namespace op::log
