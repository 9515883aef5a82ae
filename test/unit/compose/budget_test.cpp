// Every load_limits budget at its limit (accepted) and one past it (the exact error).
#include "op/compose/limits.hpp"

#include "op/compose/load.hpp"
#include "op/compose/scalars.hpp"
#include "op_catch.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

using namespace op::compose;

namespace {

std::string what(op::result<load_result> const& r) { return r ? "accepted" : r.error().what(); }

// The shortest of three runs of f (less noise from a shared machine).
template <typename F>
std::chrono::steady_clock::duration shortest_of_3(F&& f) {
    auto best = std::chrono::steady_clock::duration::max();
    for (int i = 0; i < 3; ++i) {
        auto const start = std::chrono::steady_clock::now();
        f();
        best = std::min(best, std::chrono::steady_clock::now() - start);
    }
    return best;
}

// Merging two files costs at most a few times loading each alone: a quadratic merge (every
// override entry compared with every base entry) costs hundreds of times more at these sizes.
// A ratio measured in one run, not a wall-clock limit, so sanitizer builds and a loaded machine
// do not fail it (style: speed is for bench/, tests compare within one run).
void check_merge_linear(std::string const& base, std::string const& over, load_options const& o) {
    auto const alone = shortest_of_3([&] {
        CHECK(load_files({{"base.yaml", base}}, o));
        CHECK(load_files({{"over.yaml", over}}, o));
    });
    auto const merged = shortest_of_3([&] { CHECK(load_files({{"base.yaml", base}, {"over.yaml", over}}, o)); });
    bool const linear = merged < 6 * alone + std::chrono::milliseconds(20);
    if (!linear) {
        std::fprintf(stderr, "merge not linear: each file alone %.1f ms, merged %.1f ms\n",
                     std::chrono::duration<double, std::milli>(alone).count(),
                     std::chrono::duration<double, std::milli>(merged).count());
    }
    CHECK(linear);
}

}  // namespace

TEST_CASE("budget: max_nodes counts every node, aliases at their expanded size", "[unit]") {
    // root, "x-a", [ ], 1, 2, 3 = 6; the anchor's copy +4; "x-b", [ ] = 12; two aliases +8 = 20;
    // "services", { } = 22.
    std::string const text = "x-a: &a [1, 2, 3]\nx-b: [*a, *a]\nservices: {}\n";
    auto limit = [](std::size_t n) {
        load_options o;
        o.limits.max_nodes = n;
        return o;
    };
    CHECK(what(load(text, limit(22))) == "accepted");
    CHECK(what(load(text, limit(21))) ==
          "services: the Compose document has more than 21 nodes (limit max_nodes) (line 3, column 11)");
    CHECK(what(load(text, limit(19))) ==
          "x-b[1]: alias expands the Compose document to more than 19 nodes (limit max_nodes); aliases "
          "and merge keys count at their expanded size (line 2, column 11)");
    // The default: 100000.
    CHECK(load_limits{}.max_nodes == 100'000);
}

TEST_CASE("budget: max_nodes is shared by all files of one load", "[unit]") {
    load_options o;
    o.limits.max_nodes = 6;  // each file: root, "services", { } = 3
    std::vector<source_file> const files{{"a.yaml", "services: {}\n"}, {"b.yaml", "services: {}\n"}};
    CHECK(what(load_files(files, o)) == "accepted");
    o.limits.max_nodes = 5;
    CHECK(what(load_files(files, o)) ==
          "services: the Compose document has more than 5 nodes (limit max_nodes) (b.yaml: line 1, column 11)");
}

TEST_CASE("budget: max_scalar_bytes counts keys and values, aliases expanded", "[unit]") {
    // "x-a" 3 + value 10 + the anchor's copy 10 + "x-b" 3 + two aliases 20 + "services" 8 = 54.
    std::string const text = "x-a: &a \"0123456789\"\nx-b: [*a, *a]\nservices: {}\n";
    auto limit = [](std::size_t n) {
        load_options o;
        o.limits.max_scalar_bytes = n;
        return o;
    };
    CHECK(what(load(text, limit(54))) == "accepted");
    CHECK(what(load(text, limit(53))) ==
          "services: the Compose document has more than 53 bytes of keys and values (limit "
          "max_scalar_bytes) (line 3, column 1)");
    CHECK(what(load(text, limit(45))) ==
          "x-b[1]: alias expands the Compose document to more than 45 bytes of keys and values (limit "
          "max_scalar_bytes); aliases and merge keys count at their expanded size (line 2, column 11)");
    CHECK(load_limits{}.max_scalar_bytes == 4u << 20);
}

TEST_CASE("budget: a 300 KB scalar aliased many times stops at max_scalar_bytes", "[unit]") {
    std::string text = "x-big: &a \"" + std::string(300'000, 'A') + "\"\nx-many: [";
    for (int i = 0; i < 4000; ++i) text += "*a,";
    text += "*a]\nservices: {}\n";
    auto r = load(text);
    REQUIRE_FALSE(r);
    CHECK(r.error().field_path == "x-many[11]");
    CHECK(r.error().message ==
          "alias expands the Compose document to more than 4194304 bytes of keys and values (limit "
          "max_scalar_bytes); aliases and merge keys count at their expanded size (line 2, column 43)");
}

TEST_CASE("budget: interpolation counts what it adds to max_scalar_bytes", "[unit]") {
    // "x-a" 3 + "$A$A" 4 + "services" 8 = 15 read; interpolation adds 20 - 4 = 16: 31.
    std::string const text = "x-a: \"$A$A\"\nservices: {}\n";
    load_options o;
    o.environment = {{"A", "0123456789"}};
    o.limits.max_scalar_bytes = 31;
    CHECK(what(load(text, o)) == "accepted");
    o.limits.max_scalar_bytes = 30;
    CHECK(what(load(text, o)) ==
          "x-a: interpolation makes the Compose document more than 30 bytes of keys and values (limit "
          "max_scalar_bytes) (line 1, column 6)");
}

TEST_CASE("budget: max_depth also holds for aliases of nested anchors", "[unit]") {
    load_options o;
    o.limits.max_depth = 3;
    // x-a's anchor is two levels deep; under x-b (root + 1) it is three; in x-c's list, four.
    CHECK(what(load("x-a: &a [[1]]\nx-b: *a\nservices: {}\n", o)) == "accepted");
    CHECK(what(load("x-a: &a [[1]]\nx-c: [*a]\nservices: {}\n", o)) ==
          "x-c[0]: alias nests deeper than 3 levels (limit max_depth) (line 2, column 7)");
}

TEST_CASE("budget: flow collections are bounded before the YAML parser reads them", "[unit]") {
    load_options o;
    o.limits.max_flow_items = 5;  // "[" + 3 commas + "]"
    CHECK(what(load("x-a: [1, 2, 3, 4]\nservices: {}\n", o)) == "accepted");
    CHECK(what(load("x-a: [1, 2, 3, 4, 5]\nservices: {}\n", o)) ==
          "flow collection ([...] or {...}) with more than 5 items (limit max_flow_items); the YAML "
          "parser holds all of it at once: write it in block style (line 1, column 6)");
    // Brackets in quoted strings, comments, block scalars and plain text are not items.
    std::string const text_only =
        "x-a: \"[[[,,,]]]\"\nx-b: '[,,,,'  # [,,,,,\nx-c: |\n  [,,,,,]\n  {,,,,,}\nx-d: a[,,,,,]\n"
        "services: {}\n";
    CHECK(what(load(text_only, o)) == "accepted");
    o = {};
    o.limits.max_depth = 3;
    // The root mapping is one level: [[1]] fits; [[[1]]] is too deep when the parser gets there;
    // a flow collection alone deeper than the limit is refused before it is parsed (no path).
    CHECK(what(load("x-a: [[1]]\nservices: {}\n", o)) == "accepted");
    CHECK(what(load("x-a: [[[1]]]\nservices: {}\n", o)) ==
          "x-a[0][0]: nesting deeper than 3 levels (line 1, column 8)");
    CHECK(what(load("x-a: [[[[1]]]]\nservices: {}\n", o)) ==
          "nesting deeper than 3 levels (line 1, column 9)");
    CHECK(load_limits{}.max_flow_items == 50'000);
}

TEST_CASE("budget: max_ports counts the project's ports after range expansion", "[unit]") {
    load_options o;
    o.limits.max_ports = 10;
    auto text = [](char const* second) {
        return std::string("services:\n  a: {image: x, ports: [\"1-5\"]}\n  b: {image: x, ports: [") +
               second + "]}\n";
    };
    CHECK(what(load(text("\"6-9\", {target: 10}"), o)) == "accepted");
    CHECK(what(load(text("\"6-10\", {target: 11}"), o)) ==
          "services.b.ports[1]: the project has more than 10 ports after range expansion (limit "
          "max_ports); publish smaller ranges (line 3, column 33)");
    CHECK(what(load(text("\"6-11\""), o)) ==
          "services.b.ports[0]: the project has more than 10 ports after range expansion (limit "
          "max_ports); publish smaller ranges (line 3, column 25)");
    // The 267-byte bomb of the issue: one entry is already over the default limit.
    auto bomb = load("services:\n  web:\n    image: nginx\n    ports: [\"1-65535:1-65535\", \"1-65535:1-65535\"]\n");
    REQUIRE_FALSE(bomb);
    CHECK(bomb.error().field_path == "services.web.ports[0]");
    CHECK(load_limits{}.max_ports == 10'000);
}

TEST_CASE("budget: parse_port refuses ranges past max_ports before building them", "[unit]") {
    CHECK(port_count("8000-8999:8000-8999/udp") == 1000);
    CHECK(port_count("80") == 1);
    CHECK(port_count("x") == 0);
    auto at = parse_port("1-10000");
    REQUIRE(at);
    CHECK(at->size() == 10'000);
    auto past = parse_port("1-10001");
    REQUIRE_FALSE(past);
    CHECK(past.error().message == "invalid port \"1-10001\": 10001 ports, more than the limit of 10000");
    CHECK(parse_port("1-3", 3));
    CHECK(parse_port("1-4", 3).error().message == "invalid port \"1-4\": 4 ports, more than the limit of 3");
}

TEST_CASE("budget: max_warnings keeps the first warnings and counts the rest", "[unit]") {
    load_options o;
    o.strict_keys = false;
    o.limits.max_warnings = 2;
    std::string const two = "services:\n  a: {image: x, k1: 1, k2: 2}\n";
    auto r = load(two, o);
    REQUIRE(r);
    CHECK(r->warnings == std::vector<load_warning>{{"services.a.k1", "unknown key ignored"},
                                                   {"services.a.k2", "unknown key ignored"}});
    auto past = load("services:\n  a: {image: x, k1: 1, k2: 2, k3: 3, k4: 4}\n", o);
    REQUIRE(past);
    CHECK(past->warnings ==
          std::vector<load_warning>{{"services.a.k1", "unknown key ignored"},
                                    {"services.a.k2", "unknown key ignored"},
                                    {"", "2 more warnings are not listed (limit max_warnings: 2)"}});
    CHECK(load_limits{}.max_warnings == 1'000);
}

TEST_CASE("budget: max_unresolved keeps the first records and counts the rest", "[unit]") {
    load_options o;
    o.limits.max_unresolved = 2;
    auto r = load("services:\n  a: {image: \"x$A$B\"}\n", o);
    REQUIRE(r);
    CHECK(r->unresolved.size() == 2);
    CHECK(r->warnings.empty());
    auto past = load("services:\n  a: {image: \"x$A$B$C\"}\n", o);
    REQUIRE(past);
    CHECK(past->unresolved == std::vector<unresolved_variable>{{"A", "services.a.image"},
                                                               {"B", "services.a.image"}});
    CHECK(past->warnings == std::vector<load_warning>{
                                {"", "1 more reference to a variable without a value is not listed "
                                     "(limit max_unresolved: 2)"}});
    CHECK(load_limits{}.max_unresolved == 1'000);
}

TEST_CASE("budget: merging override files stays linear in their size", "[unit]") {
    // 10000 ports in each file, each override entry matching one base entry: a quadratic merge
    // (each override entry compared with every base entry) took minutes here.
    std::string base = "services:\n  web:\n    image: x\n    ports:\n";
    std::string over = base;
    for (int i = 0; i < 10'000; ++i) {
        base += "      - \"" + std::to_string(10'000 + i % 5'000) + ":" + std::to_string(1 + i) + "\"\n";
        over += "      - \"" + std::to_string(10'000 + i % 5'000) + ":" + std::to_string(1 + i) + "\"\n";
    }
    over += "      - \"1-5000\"\n";
    load_options o;
    o.limits.max_ports = 30'000;
    check_merge_linear(base, over, o);
    auto r = load_files({{"base.yaml", base}, {"over.yaml", over}}, o);
    REQUIRE(r);
    REQUIRE(r->project.services.size() == 1);
    auto const& ports = r->project.services[0].ports;
    REQUIRE(ports.size() == 15'000);
    CHECK(ports[0].target == 1);
    CHECK(ports[0].published == port_range{10'000, 10'000});
    CHECK(ports[10'000].target == 1);  // the range was new: appended
    CHECK_FALSE(ports[10'000].published);
}

TEST_CASE("budget: merging mappings, lists and services stays linear", "[unit]") {
    std::string base = "x-list: [";
    std::string over = "x-list: [";
    for (int i = 0; i < 10'000; ++i) {
        base += "a" + std::to_string(i) + ",";
        over += "a" + std::to_string(i + 5'000) + ",";
    }
    base += "z]\nservices:\n";
    over += "z]\nservices:\n";
    for (int i = 0; i < 2'000; ++i) {
        base += "  s" + std::to_string(i) + ": {image: x, labels: [a=1, b=2]}\n";
        over += "  s" + std::to_string(i + 1'000) + ": {image: y, labels: {b: 3}}\n";
    }
    load_options o;
    o.limits.max_nodes = 1'000'000;
    o.limits.max_services = 10'000;
    check_merge_linear(base, over, o);
    auto r = load_files({{"base.yaml", base}, {"over.yaml", over}}, o);
    REQUIRE(r);
    CHECK(r->project.services.size() == 3'000);
    auto const* merged = r->project.find_service("s1500");
    REQUIRE(merged != nullptr);
    CHECK(merged->image == "y");
    CHECK(merged->labels == std::map<std::string, std::string>{{"a", "1"}, {"b", "3"}});
    CHECK(r->project.extensions.at("x-list").items.size() == 15'001);
}

TEST_CASE("budget: the fuzz regression inputs are refused quickly", "[unit]") {
    // test/fuzz/regressions/fuzz_compose_load: each of these cost gigabytes or crashed before the
    // budgets; scripts/fuzz.sh replays them under libFuzzer too. Files named emit-* load: they
    // are kept for the load(emit(p)) == p property of the fuzz target (its replay test).
    auto const dir = std::filesystem::path(OP_SOURCE_DIR) / "test/fuzz/regressions/fuzz_compose_load";
    std::size_t files = 0;
    for (auto const& e : std::filesystem::directory_iterator(dir)) {
        if (e.path().filename().string().starts_with("emit-")) continue;
        std::ifstream in(e.path(), std::ios::binary);
        std::string const text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        auto const start = std::chrono::steady_clock::now();
        auto r = load(text);
        auto const took = std::chrono::steady_clock::now() - start;
        INFO(e.path().filename().string());
        CHECK_FALSE(r);
        CHECK(took < std::chrono::seconds(1));
        ++files;
    }
    CHECK(files >= 4);
}
