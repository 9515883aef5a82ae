// bench_convert FILE...: loads each Compose file and converts it to the v1beta2 Stack JSON many
// times; also times the Stack JSON decode/encode and the bare yaml-cpp load of the same text (the
// floor). Prints `mean_us_per_file=<n>` last. Files that do not convert are reported and skipped.
#include "op/api/versions.hpp"
#include "op/compose/load.hpp"
#include "op/conversion/convert.hpp"
#include "op/util/json.hpp"

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {
using clk = std::chrono::steady_clock;

template <class F>
double mean_us(int iterations, F&& f) {
    auto start = clk::now();
    for (int i = 0; i < iterations; ++i) f();
    return std::chrono::duration<double, std::micro>(clk::now() - start).count() / iterations;
}

std::size_t sink = 0;
}  // namespace

int main(int argc, char** argv) {
    int const iterations = 200;
    double total_convert = 0, total_codec = 0, total_yaml = 0;
    int files = 0;
    for (int i = 1; i < argc; ++i) {
        std::ifstream in(argv[i], std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        std::string const text = ss.str();
        auto convert_once = [&]() -> std::optional<std::string> {
            auto loaded = op::compose::load(text);
            if (!loaded) return std::nullopt;
            auto built = op::conversion::from_compose(loaded->project);
            if (!built) return std::nullopt;
            op::api::stack hub;
            hub.metadata.name = "bench";
            hub.spec = std::move(built->spec);
            return op::json::dump(op::conversion::encode_from_hub(hub, op::api::version::v1beta2));
        };
        auto first = convert_once();
        if (!first) {
            std::printf("%s: skipped (does not convert)\n", argv[i]);
            continue;
        }
        double convert = mean_us(iterations, [&] { sink += convert_once()->size(); });
        auto doc = op::json::parse(*first);
        double codec = mean_us(iterations, [&] {
            auto d = op::json::parse(*first);
            auto s = op::api::decode_v1beta2(*d);
            sink += op::json::dump(op::api::encode(*s)).size();
        });
        double yaml = mean_us(iterations, [&] {
            try {
                sink += YAML::Load(text).size();
            } catch (YAML::Exception const&) {
            }
        });
        std::printf("%s: convert_us=%.1f json_decode_encode_us=%.1f yaml_cpp_load_us=%.1f\n",
                    argv[i], convert, codec, yaml);
        total_convert += convert;
        total_codec += codec;
        total_yaml += yaml;
        ++files;
    }
    if (files == 0) {
        std::printf("no convertible files\nmean_us_per_file=0\n");
        return 1;
    }
    std::printf("files=%d mean_json_decode_encode_us=%.1f mean_yaml_cpp_load_us=%.1f (sink %zu)\n",
                files, total_codec / files, total_yaml / files, sink % 10);
    std::printf("mean_us_per_file=%.1f\n", total_convert / files);
    return 0;
}
