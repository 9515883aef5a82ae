#include "op/metrics/process.hpp"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace op::metrics {
namespace {

std::optional<double> to_number(std::string_view s) {
    double v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return v;
}

std::vector<std::string_view> fields(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) ++i;
        std::size_t j = i;
        while (j < s.size() && s[j] != ' ' && s[j] != '\t' && s[j] != '\n') ++j;
        if (j > i) out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

// At most 64 KiB of a /proc file ("" when it cannot be read).
std::string read_small(char const* path) {
    std::ifstream in(path, std::ios::binary);
    std::string out;
    char buf[4096];
    while (in && out.size() < (64u << 10)) {
        in.read(buf, sizeof buf);
        out.append(buf, static_cast<std::size_t>(in.gcount()));
    }
    return out;
}

}  // namespace

std::optional<proc_stat> parse_proc_stat(std::string_view text) {
    auto close = text.rfind(')');
    if (close == std::string_view::npos) return std::nullopt;
    auto f = fields(text.substr(close + 1));
    // f[0] is field 3 (state) of proc(5); utime is field 14, stime 15, starttime 22, vsize 23,
    // rss 24.
    auto at = [&](int field) { return to_number(f[static_cast<std::size_t>(field - 3)]); };
    if (f.size() < 22) return std::nullopt;
    auto ut = at(14), st = at(15), start = at(22), vs = at(23), rss = at(24);
    if (!ut || !st || !start || !vs || !rss) return std::nullopt;
    return proc_stat{*ut, *st, *start, *vs, *rss};
}

std::optional<double> parse_boot_time(std::string_view text) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        auto line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        auto f = fields(line);
        if (f.size() == 2 && f[0] == "btime") return to_number(f[1]);
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
    }
    return std::nullopt;
}

std::optional<double> parse_max_open_files(std::string_view text) {
    constexpr std::string_view key = "Max open files";
    auto at = text.find(key);
    if (at == std::string_view::npos) return std::nullopt;
    auto rest = text.substr(at + key.size());
    auto f = fields(rest.substr(0, rest.find('\n')));
    if (f.empty()) return std::nullopt;
    return to_number(f[0]);  // "unlimited" is not a number: nullopt
}

process_stats read_process_stats() {
    process_stats s;
    static long const ticks = sysconf(_SC_CLK_TCK);
    static long const page = sysconf(_SC_PAGESIZE);
    if (auto st = parse_proc_stat(read_small("/proc/self/stat")); st && ticks > 0) {
        s.cpu_seconds = (st->utime_ticks + st->stime_ticks) / static_cast<double>(ticks);
        s.virtual_bytes = st->vsize_bytes;
        s.resident_bytes = st->rss_pages * static_cast<double>(page);
        if (auto boot = parse_boot_time(read_small("/proc/stat"))) {
            s.start_time_seconds = *boot + st->starttime_ticks / static_cast<double>(ticks);
        }
    }
    std::error_code ec;
    std::filesystem::directory_iterator it("/proc/self/fd", ec);
    if (!ec) s.open_fds = static_cast<double>(std::distance(it, std::filesystem::directory_iterator{}));
    if (auto m = parse_max_open_files(read_small("/proc/self/limits"))) s.max_fds = *m;
    return s;
}

collector_handle register_process_collector(registry& r) {
    auto& cpu = r.get_counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.");
    auto& rss = r.get_gauge("process_resident_memory_bytes", "Resident memory size in bytes.");
    auto& vsz = r.get_gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.");
    auto& start = r.get_gauge("process_start_time_seconds",
                              "Start time of the process since unix epoch in seconds.");
    auto& open = r.get_gauge("process_open_fds", "Number of open file descriptors.");
    auto& max = r.get_gauge("process_max_fds", "Maximum number of open file descriptors.");
    return r.add_collector([&cpu, &rss, &vsz, &start, &open, &max] {
        auto s = read_process_stats();
        cpu.advance_to(s.cpu_seconds);
        rss.set(s.resident_bytes);
        vsz.set(s.virtual_bytes);
        start.set(s.start_time_seconds);
        open.set(s.open_fds);
        max.set(s.max_fds);
    });
}

}  // namespace op::metrics
