#include "op/compose/emit.hpp"

#include "op/compose/load.hpp"
#include "op_catch.hpp"
#include "test_files.hpp"

#include <filesystem>
#include <map>

using namespace op::compose;

namespace {

// Number of keys directly under the top-level `services:` mapping, counted from the text alone.
std::size_t count_services_in_text(std::string const& text) {
    std::size_t n = 0;
    bool in_services = false;
    std::size_t indent = 0;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        if (line[0] != ' ') {
            in_services = line.starts_with("services:");
            indent = 0;
            continue;
        }
        if (!in_services) continue;
        std::size_t const spaces = line.find_first_not_of(' ');
        if (spaces == std::string::npos || line[spaces] == '#' || line[spaces] == '-') continue;
        std::size_t const colon = line.find(':', spaces);
        if (colon == std::string::npos || line.find(' ', spaces) < colon) continue;  // "key:" only
        if (indent == 0) indent = spaces;
        if (spaces == indent) ++n;
    }
    return n;
}

// Files whose rejection is expected, with the exact message (an unset variable left a
// bind source empty; Compose rejects it the same way).
std::map<std::string, std::string> const expected_rejections{
    {"plex.yaml",
     "services.plex.volumes[0]: invalid volume \":/media/\": empty source (line 10, column 9); "
     "variables without a value: PLEX_MEDIA_PATH"}};

}  // namespace

TEST_CASE("every corpus file loads, keeps every service and round-trips through emit", "[unit]") {
    std::size_t files = 0;
    for (auto const& entry : std::filesystem::directory_iterator(test::corpus_dir())) {
        if (entry.path().extension() != ".yaml") continue;
        ++files;
        std::string const name = entry.path().filename().string();
        std::string const text = test::read_text(entry.path());
        INFO(name);
        auto r = load(text);
        if (auto it = expected_rejections.find(name); it != expected_rejections.end()) {
            REQUIRE_FALSE(r);
            CHECK(r.error().what() == it->second);
            WARN(name << " rejected: " << r.error().what());
            // With the variable set, the file loads.
            load_options o;
            o.environment = {{"PLEX_MEDIA_PATH", "/media"}};
            r = load(text, o);
        }
        REQUIRE(r);
        CHECK(r->project.services.size() == count_services_in_text(text));
        std::string const emitted = emit(r->project);
        auto again = load(emitted);
        INFO(emitted);
        REQUIRE(again);
        CHECK(again->project == r->project);
        CHECK(emit(again->project) == emitted);  // emit is a fixed point
    }
    CHECK(files == 39);
}

TEST_CASE("emit golden: full.yaml", "[unit]") {
    load_options o;
    o.environment = {{"TAG", "1.27"}, {"HOST_VAR", "h$x"}};
    o.profiles = {"*"};
    auto r = load(test::read_text(test::testdata("full.yaml")), o);
    REQUIRE(r);
    std::string const emitted = emit(r->project);
    std::string const golden = test::read_text(test::testdata("full.emitted.yaml"));
    CHECK(emitted == golden);
    load_options all;
    all.profiles = {"*"};
    auto again = load(emitted, all);
    REQUIRE(again);
    CHECK(again->project == r->project);
    CHECK(again->project.find_service("web")->environment.at("FROM_VAR") == "h$x");
}

TEST_CASE("emit writes $ as $$ and quotes ambiguous scalars", "[unit]") {
    project p;
    service s;
    s.name = "a";
    s.image = "x";
    s.environment = {{"DOLLAR", "a$b"}, {"BOOL", "true"}, {"EMPTY", ""}, {"NUL", std::nullopt},
                     {"NULLWORD", "null"}};
    p.services.push_back(s);
    std::string const text = emit(p);
    CHECK(text.find("DOLLAR: a$$b") != std::string::npos);
    CHECK(text.find("BOOL: \"true\"") != std::string::npos);
    auto r = load(text);
    REQUIRE(r);
    CHECK(r->project == p);
}
