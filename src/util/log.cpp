#include "op/util/log.hpp"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace op::log {
namespace {

std::atomic<level> g_level{level::info};
std::atomic<format> g_format{format::text};
std::mutex g_write_mutex;

std::string_view level_name(level l) {
    switch (l) {
        case level::debug: return "debug";
        case level::info: return "info";
        case level::warn: return "warn";
        case level::error: return "error";
    }
    return "info";
}

void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    out += fmt::format("\\u{:04x}", c);
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += '"';
}

bool needs_quotes(std::string_view v) {
    if (v.empty()) return true;
    for (char c : v) {
        if (c == ' ' || c == '"' || c == '=' || c == '\n' || c == '\t') return true;
    }
    return false;
}

std::string now_rfc3339() {
    using namespace std::chrono;
    auto now = system_clock::now();
    auto secs = time_point_cast<seconds>(now);
    auto ms = duration_cast<milliseconds>(now - secs).count();
    std::time_t t = system_clock::to_time_t(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

}  // namespace

bool parse_level(std::string_view text, level& out) {
    if (text == "debug") out = level::debug;
    else if (text == "info") out = level::info;
    else if (text == "warn" || text == "warning") out = level::warn;
    else if (text == "error") out = level::error;
    else return false;
    return true;
}

bool parse_format(std::string_view text, format& out) {
    if (text == "text") out = format::text;
    else if (text == "json") out = format::json;
    else return false;
    return true;
}

void set_level(level l) { g_level.store(l); }
void set_format(format f) { g_format.store(f); }
bool enabled(level l) { return l >= g_level.load(std::memory_order_relaxed); }

std::string render(format f, std::string_view ts, level l, std::string_view msg,
                   std::initializer_list<field> fields) {
    std::string out;
    out.reserve(128);
    if (f == format::json) {
        out += "{\"ts\":";
        append_json_string(out, ts);
        out += ",\"level\":";
        append_json_string(out, level_name(l));
        out += ",\"msg\":";
        append_json_string(out, msg);
        for (auto const& fl : fields) {
            out += ',';
            append_json_string(out, fl.key);
            out += ':';
            append_json_string(out, fl.value);
        }
        out += '}';
    } else {
        out += ts;
        out += ' ';
        out += level_name(l);
        out += ' ';
        out += msg;
        for (auto const& fl : fields) {
            out += ' ';
            out += fl.key;
            out += '=';
            if (needs_quotes(fl.value)) {
                append_json_string(out, fl.value);
            } else {
                out += fl.value;
            }
        }
    }
    out += '\n';
    return out;
}

void write(level l, std::string_view msg, std::initializer_list<field> fields) {
    if (!enabled(l)) return;
    std::string line = render(g_format.load(), now_rfc3339(), l, msg, fields);
    std::lock_guard lock(g_write_mutex);
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

}  // namespace op::log
