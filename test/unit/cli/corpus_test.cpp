// Every real Compose file of the corpus through `convert` (render_stack), the admission
// validation and the mapping: none may accept what another rejects. The corpus holds only the
// Compose files, not their folders, so each file gets a scratch folder with generated stand-ins
// for the local files it names (the rule test/e2e/corpus/scaffold.py applies too): a relative
// bind source or secret/config file whose last component has a '.' becomes a small text file,
// anything else a directory holding one small file.
#include "op/admission/validate.hpp"
#include "op/api/versions.hpp"
#include "op/cli/convert.hpp"
#include "op/compose/load.hpp"
#include "op/conversion/convert.hpp"
#include "op/mapping/mapping.hpp"
#include "op/util/json.hpp"
#include "op_catch.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace op;
namespace fs = std::filesystem;

namespace {

fs::path corpus_dir() {
    auto p = fs::path(OP_SOURCE_DIR) / ".." / "shared" / "corpus" / "awesome-compose";
    if (fs::exists(p)) return p;
    return "/work/shared/corpus/awesome-compose";
}

std::string read(fs::path const& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void stand_in(fs::path const& dir, std::string const& rel) {
    if (rel.empty() || rel.front() == '/' || rel.front() == '~') return;
    auto const p = (dir / rel).lexically_normal();
    if (fs::exists(p)) return;
    if (p.filename().string().find('.') != std::string::npos) {
        fs::create_directories(p.parent_path());
        std::ofstream(p) << "stand-in for " << rel << "\n";
    } else {
        fs::create_directories(p);
        std::ofstream(p / "stand-in.txt") << "stand-in for " << rel << "\n";
    }
}

// A scratch folder named after the file, holding it as compose.yaml plus stand-ins.
fs::path scaffold(fs::path const& file, compose::environment_map const& env) {
    auto const dir = fs::temp_directory_path() / ("op-corpus-" + std::to_string(::getpid())) / file.stem();
    fs::remove_all(dir);
    fs::create_directories(dir);
    fs::copy_file(file, dir / "compose.yaml");
    compose::load_options lo;
    lo.environment = env;
    auto loaded = compose::load(read(file), lo);
    if (!loaded) return dir;
    for (auto const& svc : loaded->project.services) {
        for (auto const& v : svc.volumes) {
            if (v.type == "bind") stand_in(dir, v.source);
        }
    }
    for (auto const& [_, s] : loaded->project.secrets) stand_in(dir, s.file);
    for (auto const& [_, c] : loaded->project.configs) stand_in(dir, c.file);
    return dir;
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

TEST_CASE("corpus: convert, admission and mapping agree on every file", "[unit][cli][corpus]") {
    std::size_t files = 0, converted = 0, raw_allowed = 0, round_trips = 0;
    // plex names its media folder with a variable; the user sets it, as Docker requires.
    compose::environment_map const env = {{"PLEX_MEDIA_PATH", "/srv/media"}};
    for (auto const& entry : fs::directory_iterator(corpus_dir())) {
        if (entry.path().extension() != ".yaml") continue;
        ++files;
        auto const name = entry.path().stem().string();
        INFO(name);
        auto const dir = scaffold(entry.path(), env);
        cli::convert_options o;
        o.name = lower(name);
        o.namespace_ = "corpus";
        o.image_prefix = "registry.example/demo";
        o.output = "json";
        auto r = cli::render_stack({{"compose.yaml", read(dir / "compose.yaml")}}, o, env, dir);
        INFO((r ? std::string("converted") : r.error().what()));
        CHECK(r);  // the goal: every file converts
        if (r) {
            ++converted;
            auto doc = json::parse(r->manifest);
            REQUIRE(doc);
            rapidjson::Value const* stack = &*doc;
            if (doc->HasMember("items")) stack = &(*doc)["items"][(*doc)["items"].Size() - 1];
            auto verdict = admission::validate(*stack);
            INFO(verdict.message());
            CHECK(verdict.allowed);
            auto hub = conversion::decode_to_hub(*stack);
            REQUIRE(hub);
            auto mapped = mapping::map_stack(hub->stack);
            INFO((mapped ? std::string() : mapped.error().what()));
            CHECK(mapped);
            // The same file packed as v1beta1 (the Compose text with the packed content inline)
            // is the same stack: same hub spec, same objects.
            o.api_version = "v1beta1";
            auto r1 = cli::render_stack({{"compose.yaml", read(dir / "compose.yaml")}}, o, env, dir);
            INFO((r1 ? std::string() : r1.error().what()));
            REQUIRE(r1);
            auto doc1 = json::parse(r1->manifest);
            REQUIRE(doc1);
            rapidjson::Value const* stack1 = &*doc1;
            if (doc1->HasMember("items")) stack1 = &(*doc1)["items"][(*doc1)["items"].Size() - 1];
            auto hub1 = conversion::decode_to_hub(*stack1);
            REQUIRE(hub1);
            CHECK(api::canonical_json(hub1->stack.spec) == api::canonical_json(hub->stack.spec));
            auto mapped1 = mapping::map_stack(hub1->stack);
            REQUIRE(mapped1);
            if (mapped) {
                CHECK(mapping::to_json_list(mapped1->objects) == mapping::to_json_list(mapped->objects));
                ++round_trips;
            }
        }
        // The raw file as a v1beta1 Stack (server side: no environment, no files).
        rapidjson::Document raw;
        raw.SetObject();
        auto& a = raw.GetAllocator();
        json::set(raw, "apiVersion", json::string_value("compose.docker.com/v1beta1", a), a);
        json::set(raw, "kind", json::string_value("Stack", a), a);
        rapidjson::Value meta(rapidjson::kObjectType);
        json::set(meta, "name", json::string_value(lower(name), a), a);
        json::set(meta, "namespace", json::string_value("corpus", a), a);
        json::set(raw, "metadata", std::move(meta), a);
        rapidjson::Value spec(rapidjson::kObjectType);
        json::set(spec, "composeFile", json::string_value(read(entry.path()), a), a);
        json::set(raw, "spec", std::move(spec), a);
        auto const verdict = admission::validate(raw);
        if (verdict.allowed) {
            ++raw_allowed;
            // What the webhook admits, the mapping (the reconciler) takes, and convert takes too.
            auto hub = conversion::decode_to_hub(raw);
            REQUIRE(hub);
            CHECK(mapping::map_stack(hub->stack));
            CHECK(r);
        } else {
            // A denial must say what to do: pack with the client, or build the image.
            auto const msg = verdict.message();
            INFO(msg);
            bool const actionable = msg.find("compose-operator") != std::string::npos ||
                                    msg.find("--image-prefix") != std::string::npos ||
                                    msg.find("variables without a value") != std::string::npos;
            CHECK(actionable);
        }
    }
    CHECK(files == 39);
    CHECK(round_trips == converted);
    WARN("corpus: " << converted << "/" << files << " convert and are admitted (" << round_trips
                    << " the same stack as v1beta1); raw v1beta1: "
                    << raw_allowed << " admitted, " << files - raw_allowed << " denied with advice");
}
