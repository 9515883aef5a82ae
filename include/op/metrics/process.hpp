#pragma once
// Process metrics as the Prometheus client libraries name them (client_golang's process
// collector): process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_start_time_seconds, process_open_fds, process_max_fds.
// Read from Linux's /proc at scrape time; the parsers are pure and tested on captured text.
#include "op/metrics/registry.hpp"

#include <optional>
#include <string_view>

namespace op::metrics {

struct process_stats {
    double cpu_seconds = 0;        // user + system time
    double resident_bytes = 0;
    double virtual_bytes = 0;
    double start_time_seconds = 0;  // since the Unix epoch
    double open_fds = 0;
    double max_fds = 0;             // the soft limit
};

// The fields of /proc/<pid>/stat this collector needs, in the units of that file.
struct proc_stat {
    double utime_ticks = 0;
    double stime_ticks = 0;
    double starttime_ticks = 0;  // since boot
    double vsize_bytes = 0;
    double rss_pages = 0;
};

// Parses /proc/<pid>/stat (the command name in parentheses may hold spaces and ')'); nullopt
// when the text is malformed.
[[nodiscard]] std::optional<proc_stat> parse_proc_stat(std::string_view text);
// The "btime" line of /proc/stat (boot time, seconds since the epoch); nullopt when absent.
[[nodiscard]] std::optional<double> parse_boot_time(std::string_view proc_stat_text);
// The soft limit of "Max open files" in /proc/<pid>/limits; nullopt when absent or unlimited.
[[nodiscard]] std::optional<double> parse_max_open_files(std::string_view limits_text);

// This process's figures from /proc/self; fields that cannot be read stay 0.
[[nodiscard]] process_stats read_process_stats();

// Registers the process_* families on `r`; they are refreshed from /proc at every render while
// the returned handle lives.
[[nodiscard]] collector_handle register_process_collector(registry& r);

}  // namespace op::metrics
