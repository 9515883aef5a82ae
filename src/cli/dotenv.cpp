// dotenv parsing for `convert` (the Docker CLI's .env rules, simplified: no interpolation
// inside values, no multi-line values).
#include "op/cli/convert.hpp"

#include <fmt/format.h>

namespace op::cli {
namespace {
std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}
}  // namespace

result<compose::environment_map> parse_env_file(std::string_view text,
                                                std::string_view file_name) {
    compose::environment_map out;
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        auto nl = text.find('\n');
        std::string_view line = trim(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        if (line.empty() || line.front() == '#') continue;
        if (line.starts_with("export ")) line = trim(line.substr(7));
        auto eq = line.find('=');
        if (eq == std::string_view::npos) {
            return invalid(fmt::format("expected KEY=VALUE, got \"{}\"", line),
                           fmt::format("{}:{}", file_name, line_no));
        }
        std::string key(trim(line.substr(0, eq)));
        std::string_view value = trim(line.substr(eq + 1));
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
            value.back() == value.front()) {
            value = value.substr(1, value.size() - 2);
        } else if (auto hash = value.find(" #"); hash != std::string_view::npos) {
            value = trim(value.substr(0, hash));
        }
        out[key] = std::string(value);
    }
    return out;
}

}  // namespace op::cli
