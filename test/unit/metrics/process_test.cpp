#include "op/metrics/process.hpp"

#include "op_catch.hpp"

using namespace op::metrics;

TEST_CASE("/proc/<pid>/stat: the fields after the command name", "[unit][metrics]") {
    // A command name with spaces and a ')' (only the last ')' ends it).
    std::string const stat =
        "4242 (compose op) x) S 1 4242 4242 0 -1 4194560 1200 0 0 0 350 150 0 0 20 0 7 0 "
        "123456 104857600 2560 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
    auto s = parse_proc_stat(stat);
    REQUIRE(s);
    CHECK(s->utime_ticks == 350);
    CHECK(s->stime_ticks == 150);
    CHECK(s->starttime_ticks == 123456);
    CHECK(s->vsize_bytes == 104857600);
    CHECK(s->rss_pages == 2560);
    CHECK_FALSE(parse_proc_stat("4242 (truncated"));
    CHECK_FALSE(parse_proc_stat("4242 (x) S 1 2 3"));
    CHECK_FALSE(parse_proc_stat("4242 (x) S 1 4242 4242 0 -1 4194560 1200 0 0 0 abc 150 0 0 20 0 7 0 1 2 3"));
}

TEST_CASE("/proc/stat btime and /proc/<pid>/limits open files", "[unit][metrics]") {
    CHECK(parse_boot_time("cpu  1 2 3\nintr 5\nbtime 1796227000\nprocesses 9\n") == 1796227000.0);
    CHECK_FALSE(parse_boot_time("cpu  1 2 3\n"));
    std::string const limits =
        "Limit                     Soft Limit           Hard Limit           Units     \n"
        "Max processes             63704                63704                processes \n"
        "Max open files            1024                 524288               files     \n";
    CHECK(parse_max_open_files(limits) == 1024.0);
    CHECK_FALSE(parse_max_open_files("Max open files            unlimited            unlimited            files\n"));
    CHECK_FALSE(parse_max_open_files(""));
}

TEST_CASE("the process collector exposes client_golang's process_* families", "[unit][metrics]") {
    registry r;
    auto handle = register_process_collector(r);
    auto text = r.render();
    for (auto const* family : {"process_cpu_seconds_total", "process_resident_memory_bytes",
                               "process_virtual_memory_bytes", "process_start_time_seconds",
                               "process_open_fds", "process_max_fds"}) {
        INFO(family);
        CHECK(text.find(std::string("# TYPE ") + family) != std::string::npos);
    }
    CHECK(text.find("# TYPE process_cpu_seconds_total counter") != std::string::npos);
    CHECK(text.find("# TYPE process_resident_memory_bytes gauge") != std::string::npos);
}

TEST_CASE("this process's figures are read from /proc/self", "[unit][metrics]") {
    auto s = read_process_stats();
    CHECK(s.resident_bytes > 0);
    CHECK(s.virtual_bytes >= s.resident_bytes);
    CHECK(s.open_fds >= 3);  // stdin, stdout, stderr (and the directory being listed)
    CHECK(s.max_fds >= s.open_fds);
    CHECK(s.start_time_seconds > 1.5e9);  // after 2017
}
