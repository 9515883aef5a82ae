// bench_budget [--check] [CASE...]: what hostile Compose input costs on the server path.
//
// Each case builds a Compose file in memory (most are close to the 1 MiB per-file limit), wraps
// it in a v1beta1 Stack object and converts that to v1beta2 exactly as the conversion webhook
// does (bounded JSON parse, Compose load with an empty environment, structured spec, JSON
// encode). Every case runs in its own forked child, so the peak RSS the kernel reports for that
// child (wait4's ru_maxrss) is the cost of that one input. Prints one line per case:
//   <case> bytes=<n> ms=<wall> cpu_ms=<child's CPU> peak_rss_mib=<m> outcome=<accepted | error>
// With --check, exits 1 when a case needed more than 64 MiB or 1 s of CPU (the budget the
// loader promises: a 1 MiB input never costs more than 64 MiB and is answered within a second;
// CPU time, so that a loaded machine does not fail it) or when a child died. `baseline` (a
// one-service file) shows what the process costs by itself: the input is built in the child.
#include "op/api/versions.hpp"
#include "op/compose/load.hpp"
#include "op/conversion/convert.hpp"
#include "op/util/json.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace {

constexpr std::size_t mib = 1u << 20;
constexpr std::size_t file_budget = mib - 4096;  // stay under the per-file limit

// Repeats `unit` until `out` would pass `size`.
void fill(std::string& out, std::string_view unit, std::size_t size) {
    while (out.size() + unit.size() <= size) out += unit;
}

// One 300 KB scalar behind an anchor, then aliases to it: each alias is one node but 300 KB.
std::string laughs_scalar() {
    std::string s = "x-big: &a \"" + std::string(300'000, 'A') + "\"\nx-many: [";
    fill(s, "*a,", 400'000);
    return s + "*a]\nservices: {web: {image: nginx}}\n";
}

// The classic: nine levels, each a list of nine aliases of the level before (9^9 leaves).
std::string laughs_nested() {
    std::string s = "x-l0: &l0 [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n";
    for (int i = 1; i <= 9; ++i) {
        std::string const p = "*l" + std::to_string(i - 1);
        s += "x-l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
        for (int k = 0; k < 9; ++k) s += p + (k < 8 ? "," : "");
        s += "]\n";
    }
    return s + "services: {web: {image: nginx}}\n";
}

// Merge keys: every mapping pulls in the previous one twice over (`<<: [*a, *a]` style).
std::string merge_bomb() {
    std::string s = "x-m0: &m0 {a0: 1, b0: 2, c0: 3, d0: 4}\n";
    for (int i = 1; i <= 40; ++i) {
        std::string const p = "*m" + std::to_string(i - 1);
        s += "x-m" + std::to_string(i) + ": &m" + std::to_string(i) + " {<<: [" + p + "], k" +
             std::to_string(i) + ": [" + p + "," + p + "]}\n";
    }
    return s + "services: {web: {image: nginx}}\n";
}

// The 267-byte file of the issue: every entry a full range of host and container ports.
std::string port_bomb_small() {
    std::string s = "services:\n  web:\n    image: nginx\n    ports: [";
    fill(s, "\"1-65535:1-65535\",", 250);
    return s + "\"1-65535:1-65535\"]\n";
}

// The same idea at the size limit: ranges of 1000 ports, as many as fit.
std::string port_bomb() {
    std::string s = "services:\n  web:\n    image: nginx\n    ports: [";
    fill(s, "\"1000-1999\",", file_budget - 16);
    return s + "\"1000-1999\"]\n";
}

// Many services, each with a full port range (the limit must be per project, not per service).
std::string port_bomb_services() {
    std::string s = "services:\n";
    for (int i = 0; s.size() < file_budget - 200 && i < 1000; ++i) {
        s += "  s" + std::to_string(i) + ": {image: nginx, ports: [\"1-65535\"]}\n";
    }
    return s;
}

std::string deep_sequences() {
    std::string s = "x-deep: ";
    s += std::string(file_budget / 2 - 16, '[');
    s += std::string(file_budget / 2 - 16, ']');
    return s + "\n";
}

std::string deep_block() {
    std::string s = "x-deep:\n";
    fill(s, "- ", file_budget - 4);
    return s + "x\n";
}

// Unresolved variables: the server interpolates with an empty environment and records each.
std::string many_variables() {
    std::string s = "services:\n  web:\n    image: nginx\n    environment:\n";
    for (int i = 0; s.size() < file_budget - 4096; ++i) {
        s += "      V" + std::to_string(i) + ": \"";
        for (int k = 0; k < 20; ++k) s += "$A";
        s += "\"\n";
    }
    return s;
}

// Lots of tiny nodes: a flat flow sequence of one-character scalars.
std::string many_nodes() {
    std::string s = "x-flat: [";
    fill(s, "1,", file_budget - 8);
    return s + "1]\nservices: {web: {image: nginx}}\n";
}

// Lots of keys in one mapping (duplicate detection, key paths).
std::string many_keys() {
    std::string s = "services:\n  web:\n    image: nginx\n    labels:\n";
    for (int i = 0; s.size() < file_budget - 64; ++i) s += "      k" + std::to_string(i) + ": v\n";
    return s;
}

// The maximum number of services, every one depending on every service before it.
std::string many_services() {
    std::string s = "services:\n";
    for (int i = 0; i < 1000; ++i) {
        std::string entry = "  s" + std::to_string(i) + ": {image: nginx, depends_on: [";
        for (int k = std::max(0, i - 120); k < i; ++k) entry += "s" + std::to_string(k) + ",";
        if (entry.back() == ',') entry.pop_back();
        entry += "]}\n";
        if (s.size() + entry.size() > file_budget) break;
        s += entry;
    }
    return s;
}

// Many unknown keys (non-strict loads turn each into a warning; strict ones fail at the first).
std::string many_extension_keys() {
    std::string s = "services:\n  web:\n    image: nginx\n";
    for (int i = 0; s.size() < file_budget - 64; ++i) s += "    x-k" + std::to_string(i) + ": 1\n";
    return s;
}

// Worst cases that are still accepted: just under each limit.
std::string accepted_nodes() {  // ~99,000 nodes in block style
    std::string s = "services:\n  web:\n    image: nginx\n    labels:\n";
    for (int i = 0; i < 49'000; ++i) s += "      k" + std::to_string(i) + ": v\n";
    return s;
}

std::string accepted_flow() {  // a flow sequence the YAML parser must hold whole ("- [")
    std::string s = "x-flow:\n- [";
    for (int i = 0; i < 49'990; ++i) s += "1,";
    return s + "1]\nservices: {web: {image: nginx}}\n";
}

std::string accepted_json() {  // JSON-style: one big flow mapping of labels
    std::string s = "{\"services\": {\"web\": {\"image\": \"nginx\", \"labels\": {";
    for (int i = 0; i < 16'000; ++i) s += "\"k" + std::to_string(i) + "\": \"v\", ";
    return s + "\"z\": \"v\"}}}}\n";
}

std::string accepted_ports() {  // 10,000 ports
    return "services:\n  web:\n    image: nginx\n    ports: [\"1-10000:1-10000\"]\n";
}

std::string accepted_alias_bytes() {  // aliases up to just under 4 MiB of text
    std::string s = "x-big: &a \"" + std::string(300'000, 'A') + "\"\nx-many: [";
    for (int i = 0; i < 10; ++i) s += "*a,";
    return s + "*a]\nservices: {web: {image: nginx}}\n";
}

std::string accepted_variables() {  // as many unresolved references as the node limit allows
    std::string s = "services:\n  web:\n    image: nginx\n    environment:\n";
    for (int i = 0; i < 49'000; ++i) s += "      V" + std::to_string(i) + ": $A$B\n";
    return s;
}

struct bench_case {
    char const* name;
    std::function<std::string()> make;
    bool raw_json = false;  // make() returns the whole Stack object, not a Compose file
};

// A v1beta1 Stack object of `size` bytes whose bulk is an unknown field holding `unit` repeated
// (a JSON array of small values): what the bounded JSON parser costs at its 7 MiB limit.
std::string json_object(std::string_view unit, std::size_t size) {
    std::string s = R"({"apiVersion":"compose.docker.com/v1beta1","kind":"Stack",)"
                    R"("metadata":{"name":"bench","namespace":"default"},)"
                    R"("spec":{"composeFile":"services: {web: {image: nginx}}\n"},"x":[)";
    fill(s, unit, size - 8);
    return s + "0]}";
}

// A Stack whose member "x" is one object of `n` distinct keys (the repeated-key check sorts them),
// or, with `repeat`, of n keys where the last repeats the first (refused after the whole sort).
std::string json_keys(std::size_t n, bool repeat) {
    std::string s = R"({"apiVersion":"compose.docker.com/v1beta1","kind":"Stack",)"
                    R"("metadata":{"name":"bench","namespace":"default"},)"
                    R"("spec":{"composeFile":"services: {web: {image: nginx}}\n"},"x":{)";
    for (std::size_t i = 0; i + 1 < n; ++i) s += "\"k" + std::to_string(i) + "\":0,";
    s += "\"k" + std::to_string(repeat ? 0 : n - 1) + "\":0}}";
    return s;
}

std::vector<bench_case> const cases = {
    {"baseline", [] { return std::string("services: {web: {image: nginx}}\n"); }},
    {"largest_corpus_like", [] {  // a realistic big file: 60 services with the usual keys
         std::string s = "services:\n";
         for (int i = 0; i < 60; ++i) {
             std::string const n = std::to_string(i);
             s += "  svc" + n + ":\n    image: registry.example/app" + n + ":1.2.3\n"
                  "    ports: [\"" + std::to_string(8000 + i) + ":80\"]\n"
                  "    environment:\n      A: \"${A:-x}\"\n      B: b\n"
                  "    deploy: {replicas: 2, resources: {limits: {cpus: \"0.5\", memory: 256M}}}\n"
                  "    healthcheck: {test: [\"CMD\", \"true\"], interval: 10s}\n";
         }
         return s;
     }},
    {"laughs_scalar", laughs_scalar},
    {"laughs_nested", laughs_nested},
    {"merge_bomb", merge_bomb},
    {"port_bomb_small", port_bomb_small},
    {"port_bomb", port_bomb},
    {"port_bomb_services", port_bomb_services},
    {"deep_sequences", deep_sequences},
    {"deep_block", deep_block},
    {"many_variables", many_variables},
    {"many_nodes", many_nodes},
    {"many_keys", many_keys},
    {"many_services", many_services},
    {"many_extension_keys", many_extension_keys},
    {"accepted_nodes", accepted_nodes},
    {"accepted_flow", accepted_flow},
    {"accepted_json", accepted_json},
    {"accepted_ports", accepted_ports},
    {"accepted_alias_bytes", accepted_alias_bytes},
    {"accepted_variables", accepted_variables},
    {"json_numbers_7mib", [] { return json_object("0,", (7u << 20) - 64); }, true},
    {"json_objects_7mib", [] { return json_object("{},", (7u << 20) - 64); }, true},
    {"json_strings_7mib", [] { return json_object(R"("a",)", (7u << 20) - 64); }, true},
    // Just under json::limits::max_values (500000).
    {"json_numbers_499k", [] { return json_object("0,", 2 * 499'000); }, true},
    {"json_objects_249k", [] { return json_object("{},", 3 * 249'000); }, true},
    {"json_strings_499k", [] { return json_object(R"("aaaaaaaaaa",)", 13 * 499'000); }, true},
    {"json_keys_499k", [] { return json_keys(499'000, false); }, true},
    {"json_keys_repeated", [] { return json_keys(499'000, true); }, true},
};

std::string stack_json(std::string const& compose) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("apiVersion"); w.String("compose.docker.com/v1beta1");
    w.Key("kind"); w.String("Stack");
    w.Key("metadata"); w.StartObject(); w.Key("name"); w.String("bench"); w.Key("namespace");
    w.String("default"); w.EndObject();
    w.Key("spec"); w.StartObject(); w.Key("composeFile");
    w.String(compose.data(), static_cast<rapidjson::SizeType>(compose.size())); w.EndObject();
    w.EndObject();
    return {buf.GetString(), buf.GetSize()};
}

// Runs in the child: converts once, writes "<bytes> <ms> <outcome>" to `fd`.
void run_child(bench_case const& c, int fd) {
    std::string const made = c.make();
    std::string const object = c.raw_json ? made : stack_json(made);
    std::string const& compose = c.raw_json ? object : made;
    auto const start = std::chrono::steady_clock::now();
    auto r = op::conversion::convert(object, op::api::version::v1beta2);
    double const ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::string outcome = r ? "accepted" : r.error().what();
    if (outcome.size() > 160) outcome = outcome.substr(0, 157) + "...";
    std::string const line = std::to_string(compose.size()) + " " + std::to_string(ms) + " " + outcome;
    if (write(fd, line.data(), line.size()) < 0) _exit(3);
}

}  // namespace

int main(int argc, char** argv) {
    bool check = false;
    std::vector<std::string> wanted;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--check") == 0) {
            check = true;
        } else {
            wanted.emplace_back(argv[i]);
        }
    }
    int failures = 0;
    for (auto const& c : cases) {
        if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), c.name) == wanted.end()) continue;
        int fds[2];
        if (pipe(fds) != 0) return 2;
        std::fflush(stdout);
        pid_t const pid = fork();
        if (pid < 0) return 2;
        if (pid == 0) {
            close(fds[0]);
            // Keep a runaway case from taking the machine: 4 GiB of address space, 60 s.
            rlimit const as{4ull << 30, 4ull << 30};
            setrlimit(RLIMIT_AS, &as);
            alarm(60);
            run_child(c, fds[1]);
            _exit(0);
        }
        close(fds[1]);
        std::string report;
        char buf[512];
        for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) report.append(buf, static_cast<std::size_t>(n));
        close(fds[0]);
        int wstatus = 0;
        rusage ru{};
        wait4(pid, &wstatus, 0, &ru);
        double const rss_mib = static_cast<double>(ru.ru_maxrss) / 1024.0;
        auto tv_ms = [](timeval const& t) { return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3; };
        double const cpu_ms = tv_ms(ru.ru_utime) + tv_ms(ru.ru_stime);
        bool const died = !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0;
        std::size_t bytes = 0;
        double ms = 0;
        int consumed = 0;
        std::sscanf(report.c_str(), "%zu %lf %n", &bytes, &ms, &consumed);
        std::string const outcome = died ? "died (status " + std::to_string(wstatus) + ")"
                                         : report.substr(static_cast<std::size_t>(consumed));
        std::printf("%-20s bytes=%-8zu ms=%-7.1f cpu_ms=%-7.1f peak_rss_mib=%-6.1f outcome=%s\n", c.name,
                    bytes, ms, cpu_ms, rss_mib, outcome.c_str());
        if (died || rss_mib > 64.0 || cpu_ms > 1000.0) ++failures;
    }
    if (check) {
        std::printf("%d over budget (64 MiB, 1000 ms of CPU)\n", failures);
        return failures == 0 ? 0 : 1;
    }
    return 0;
}
