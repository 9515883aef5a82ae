// Where `stack deploy` takes its Compose files, environment, profiles and names from (pure;
// the file system is behind file_access). See op/cli/stack.hpp.
#include "op/cli/convert.hpp"
#include "op/cli/stack.hpp"
#include "op/mapping/names.hpp"

#include <fmt/format.h>

#include <cctype>
#include <filesystem>

namespace op::cli {
namespace {

namespace fs = std::filesystem;

std::string absolute(std::string const& cwd, std::string const& p) {
    fs::path path(p);
    if (!path.is_absolute()) path = fs::path(cwd) / path;
    return path.lexically_normal().string();
}

std::string parent_of(std::string const& file) {
    return fs::path(file).parent_path().string();
}

std::vector<std::string> split(std::string_view s, std::string_view sep) {
    std::vector<std::string> out;
    if (sep.empty()) sep = ":";
    while (true) {
        auto at = s.find(sep);
        std::string_view part = s.substr(0, at);
        while (!part.empty() && std::isspace(static_cast<unsigned char>(part.front()))) part.remove_prefix(1);
        while (!part.empty() && std::isspace(static_cast<unsigned char>(part.back()))) part.remove_suffix(1);
        if (!part.empty()) out.emplace_back(part);
        if (at == std::string_view::npos) break;
        s.remove_prefix(at + sep.size());
    }
    return out;
}

// Reads the env files (in order; later files win) or, when none is given, `<dir>/.env` if it
// exists.
result<compose::environment_map> read_env_files(deploy_options const& o, std::string const& cwd,
                                                std::string const& dir, file_access const& fs) {
    compose::environment_map out;
    auto merge = [&](std::string const& path, std::string_view flag) -> result<void> {
        auto text = fs.read(path);
        if (!text) return invalid(fmt::format("cannot read env file {}", path), std::string(flag));
        OP_TRY(auto vars, parse_env_file(*text, path));
        for (auto& [k, v] : vars) out[k] = std::move(v);
        return {};
    };
    if (!o.env_files.empty()) {
        for (auto const& f : o.env_files) OP_RETURN_IF_ERROR(merge(absolute(cwd, f), "--env-file"));
    } else if (std::string dotenv = (fs::path(dir) / ".env").string(); fs.is_file(dotenv)) {
        OP_RETURN_IF_ERROR(merge(dotenv, ".env"));
    }
    return out;
}

// Process environment over the env files.
compose::environment_map layered(compose::environment_map files,
                                 compose::environment_map const& process_env) {
    for (auto const& [k, v] : process_env) files[k] = v;
    return files;
}

std::optional<std::string> lookup(compose::environment_map const& env, std::string const& key) {
    auto it = env.find(key);
    if (it == env.end()) return std::nullopt;
    return it->second;
}

// The first default file in `dir` or its nearest parent that has one, plus its override.
std::vector<std::string> discover(std::string const& cwd, file_access const& fs,
                                  std::vector<std::string>& warnings) {
    fs::path dir = fs::path(cwd).lexically_normal();
    while (true) {
        auto first_of = [&](auto const& names, std::string_view what) -> std::optional<std::string> {
            std::vector<std::string> found;
            for (char const* n : names) {
                std::string p = (dir / n).string();
                if (fs.is_file(p)) found.push_back(p);
            }
            if (found.empty()) return std::nullopt;
            if (found.size() > 1) {
                std::string all;
                for (auto const& f : found) all += (all.empty() ? "" : ", ") + f;
                warnings.push_back(fmt::format("found several {} files ({}); using {}", what, all,
                                               found.front()));
            }
            return found.front();
        };
        if (auto main = first_of(default_compose_files, "Compose")) {
            std::vector<std::string> files{*main};
            if (auto over = first_of(default_override_files, "override")) files.push_back(*over);
            return files;
        }
        if (!dir.has_parent_path() || dir.parent_path() == dir) return {};
        dir = dir.parent_path();
    }
}

}  // namespace

result<project_inputs> resolve_project(deploy_options const& o, std::string const& cwd,
                                       compose::environment_map const& process_env,
                                       file_access const& fs) {
    project_inputs in;
    compose::environment_map file_env;
    if (!o.files.empty()) {
        for (auto const& f : o.files) {
            std::string p = absolute(cwd, f);
            if (!fs.is_file(p)) return invalid(fmt::format("{}: no such file", f), "--compose-file");
            in.files.push_back(std::move(p));
        }
        in.working_dir = parent_of(in.files.front());
        OP_TRY(file_env, read_env_files(o, cwd, in.working_dir, fs));
    } else {
        // COMPOSE_FILE may come from the current folder's .env (or --env-file).
        OP_TRY(auto here_env, read_env_files(o, cwd, cwd, fs));
        auto env = layered(here_env, process_env);
        if (auto list = lookup(env, "COMPOSE_FILE"); list && !list->empty()) {
            auto sep = lookup(env, "COMPOSE_PATH_SEPARATOR").value_or(":");
            for (auto const& f : split(*list, sep)) {
                std::string p = absolute(cwd, f);
                if (!fs.is_file(p)) {
                    return invalid(fmt::format("{}: no such file", f), "COMPOSE_FILE");
                }
                in.files.push_back(std::move(p));
            }
        } else {
            in.files = discover(cwd, fs, in.warnings);
        }
        if (in.files.empty()) {
            return invalid(
                fmt::format("no Compose file in {} or any parent folder (looked for compose.yaml, "
                            "compose.yml, docker-compose.yml, docker-compose.yaml); pass one with -c",
                            cwd),
                "--compose-file");
        }
        in.working_dir = parent_of(in.files.front());
        if (in.working_dir == fs::path(cwd).lexically_normal().string() || !o.env_files.empty()) {
            file_env = std::move(here_env);
        } else {
            OP_TRY(file_env, read_env_files(o, cwd, in.working_dir, fs));
        }
    }
    in.environment = layered(std::move(file_env), process_env);
    in.profiles = o.profiles;
    if (in.profiles.empty()) {
        if (auto p = lookup(in.environment, "COMPOSE_PROFILES")) in.profiles = split(*p, ",");
    }
    in.project_name = lookup(in.environment, "COMPOSE_PROJECT_NAME").value_or("");
    return in;
}

std::string stack_name_from(std::string_view s) {
    std::string out;
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u)) out += static_cast<char>(std::tolower(u));
        else if (!out.empty() && out.back() != '-') out += '-';
    }
    if (out.size() > 63) out.resize(63);
    while (!out.empty() && out.back() == '-') out.pop_back();
    return out;
}

std::string invalid_stack_name(std::string_view name) {
    if (mapping::is_valid_name(name, mapping::name_kind::label)) return {};
    if (name.empty()) return "is empty";
    if (name.size() > 63) return fmt::format("\"{}\" is longer than 63 characters", name);
    return fmt::format(
        "\"{}\" must be a DNS label: lower-case letters, digits and '-', starting and ending "
        "with a letter or digit (try \"{}\")",
        name, stack_name_from(name));
}

result<std::optional<std::chrono::milliseconds>> wait_timeout(bool wait, bool timeout_given,
                                                              std::string_view timeout) {
    if (!wait && !timeout_given) return std::optional<std::chrono::milliseconds>();
    OP_TRY(auto t, parse_timeout(timeout, "--timeout"));
    return std::optional<std::chrono::milliseconds>(t);
}

result<std::chrono::milliseconds> parse_timeout(std::string_view text, std::string_view flag) {
    auto bad = [&] {
        return invalid(fmt::format("expected a duration such as 90s, 5m or 1m30s, got \"{}\"", text),
                       std::string(flag));
    };
    if (text.empty()) return bad();
    double total_ms = 0;
    std::string_view s = text;
    bool plain = s.find_first_not_of("0123456789") == std::string_view::npos;
    if (plain) {
        if (s.size() > 9) return bad();
        total_ms = std::stod(std::string(s)) * 1000;
    } else {
        while (!s.empty()) {
            std::size_t digits = 0;
            while (digits < s.size() && (std::isdigit(static_cast<unsigned char>(s[digits])) || s[digits] == '.')) ++digits;
            if (digits == 0 || digits > 9) return bad();
            double value = 0;
            try {
                value = std::stod(std::string(s.substr(0, digits)));
            } catch (std::exception const&) {
                return bad();
            }
            s.remove_prefix(digits);
            double unit = 0;
            if (s.starts_with("ms")) unit = 1, s.remove_prefix(2);
            else if (s.starts_with("s")) unit = 1000, s.remove_prefix(1);
            else if (s.starts_with("m")) unit = 60'000, s.remove_prefix(1);
            else if (s.starts_with("h")) unit = 3'600'000, s.remove_prefix(1);
            else return bad();
            total_ms += value * unit;
        }
    }
    if (total_ms < 1 || total_ms > 7.0 * 24 * 3'600'000) {
        return invalid(fmt::format("must be between 1ms and 168h, got \"{}\"", text), std::string(flag));
    }
    return std::chrono::milliseconds(static_cast<std::int64_t>(total_ms));
}

}  // namespace op::cli
