// bench_convert [--iterations N] [--only convert|json|parse|yaml|emit|to_v1beta1|to_v1beta2]
// [--dump-json DIR] FILE...: loads each Compose file and converts it to the v1beta2 Stack JSON many
// times; also times the Stack JSON decode/encode, the bare yaml-cpp load of the same text (the
// floor), compose::emit of the loaded project (the Compose text of a v1beta1 answer), and what
// /convert does per object in each direction: parse the stored JSON, conversion::convert, dump
// (to_v1beta1: the v1beta2 JSON to v1beta1; to_v1beta2: that v1beta1 JSON back). Services with `build:`
// and no `image:` get `image: bench/<name>` so that every corpus file converts (the same work the
// Go harness in bench/gojson/ is given). --dump-json writes each file's Stack JSON to DIR (the
// input of bench/gojson). `parse` times json::parse of that JSON (its budgets, UTF-8 handling and
// the repeated-key refusal) against a bare RapidJSON Document::Parse of the same text, in the same
// run: parse_vs_raw is their ratio, what the checks cost. Prints `mean_us_per_file=<n>` last. Files that do not convert are
// reported and skipped.
#include "op/api/versions.hpp"
#include "op/compose/emit.hpp"
#include "op/compose/load.hpp"
#include "op/conversion/convert.hpp"
#include "op/util/json.hpp"

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {
using clk = std::chrono::steady_clock;

template <class F>
double mean_us(int iterations, F&& f) {
    if (iterations <= 0) return 0;
    auto start = clk::now();
    for (int i = 0; i < iterations; ++i) f();
    return std::chrono::duration<double, std::micro>(clk::now() - start).count() / iterations;
}

std::size_t sink = 0;
}  // namespace

int main(int argc, char** argv) {
    int iterations = 200;
    std::string only;
    std::string dump_dir;
    std::vector<std::string> paths;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) {
            iterations = std::atoi(argv[++i]);
        } else if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            only = argv[++i];
        } else if (std::strcmp(argv[i], "--dump-json") == 0 && i + 1 < argc) {
            dump_dir = argv[++i];
        } else {
            paths.emplace_back(argv[i]);
        }
    }
    auto runs = [&](char const* what) { return only.empty() || only == what ? iterations : 0; };
    if (!dump_dir.empty()) std::filesystem::create_directories(dump_dir);
    double total_convert = 0, total_codec = 0, total_yaml = 0, total_emit = 0, total_to_v1 = 0,
           total_to_v2 = 0, total_parse = 0, total_raw = 0;
    int files = 0;
    for (auto const& path : paths) {
        std::ifstream in(path, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        std::string const text = ss.str();
        auto convert_once = [&]() -> std::optional<std::string> {
            auto loaded = op::compose::load(text);
            if (!loaded) return std::nullopt;
            for (auto& s : loaded->project.services) {
                if (s.image.empty()) s.image = "bench/" + s.name;
            }
            auto built = op::conversion::from_compose(loaded->project);
            if (!built) return std::nullopt;
            op::api::stack hub;
            hub.metadata.name = "bench";
            hub.spec = std::move(built->spec);
            return op::json::dump(op::conversion::encode_from_hub(hub, op::api::version::v1beta2));
        };
        auto first = convert_once();
        if (!first) {
            std::printf("%s: skipped (does not convert)\n", path.c_str());
            continue;
        }
        if (!dump_dir.empty()) {
            std::ofstream out(std::filesystem::path(dump_dir) /
                                  (std::filesystem::path(path).stem().string() + ".json"),
                              std::ios::binary);
            out << *first;
        }
        double convert = mean_us(runs("convert"), [&] { sink += convert_once()->size(); });
        double codec = mean_us(runs("json"), [&] {
            auto d = op::json::parse(*first);
            auto s = op::api::decode_v1beta2(*d);
            sink += op::json::dump(op::api::encode(*s)).size();
        });
        double parse = mean_us(runs("parse"), [&] {
            auto d = op::json::parse(*first);
            sink += d->MemberCount();
        });
        double raw = mean_us(runs("parse"), [&] {
            rapidjson::Document d;
            d.Parse(first->data(), first->size());
            sink += d.MemberCount();
        });
        double yaml = mean_us(runs("yaml"), [&] {
            try {
                sink += YAML::Load(text).size();
            } catch (YAML::Exception const&) {
            }
        });
        double emit = 0;
        if (runs("emit") > 0) {
            auto loaded = op::compose::load(text);
            emit = mean_us(runs("emit"), [&] { sink += op::compose::emit(loaded->project).size(); });
        }
        auto convert_json = [](std::string const& json, op::api::version to) {
            auto d = op::json::parse(json, {64u << 20, 128});
            auto c = op::conversion::convert(*d, to);
            return c ? op::json::dump(c->object) : std::string();
        };
        std::string const v1 = convert_json(*first, op::api::version::v1beta1);
        double to_v1 = mean_us(runs("to_v1beta1"), [&] {
            sink += convert_json(*first, op::api::version::v1beta1).size();
        });
        double to_v2 = mean_us(runs("to_v1beta2"), [&] {
            sink += convert_json(v1, op::api::version::v1beta2).size();
        });
        std::printf("%s: convert_us=%.1f json_decode_encode_us=%.1f yaml_cpp_load_us=%.1f "
                    "emit_us=%.1f to_v1beta1_us=%.1f to_v1beta2_us=%.1f parse_us=%.1f raw_parse_us=%.1f "
                    "json_bytes=%zu\n",
                    path.c_str(), convert, codec, yaml, emit, to_v1, to_v2, parse, raw, first->size());
        total_parse += parse;
        total_raw += raw;
        total_to_v1 += to_v1;
        total_to_v2 += to_v2;
        total_emit += emit;
        total_convert += convert;
        total_codec += codec;
        total_yaml += yaml;
        ++files;
    }
    if (files == 0) {
        std::printf("no convertible files\nmean_us_per_file=0\n");
        return 1;
    }
    std::printf("files=%d mean_json_decode_encode_us=%.1f mean_yaml_cpp_load_us=%.1f "
                "mean_emit_us=%.1f mean_to_v1beta1_us=%.1f mean_to_v1beta2_us=%.1f "
                "convert_vs_yaml=%.2f (sink %zu)\n",
                files, total_codec / files, total_yaml / files, total_emit / files,
                total_to_v1 / files, total_to_v2 / files,
                total_yaml > 0 ? total_convert / total_yaml : 0.0, sink % 10);
    if (total_raw > 0) {
        std::printf("mean_parse_us=%.1f mean_raw_parse_us=%.1f parse_vs_raw=%.2f\n",
                    total_parse / files, total_raw / files, total_parse / total_raw);
    }
    std::printf("mean_us_per_file=%.1f\n", total_convert / files);
    return 0;
}
