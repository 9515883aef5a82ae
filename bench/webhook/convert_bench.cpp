// Webhook throughput and latency over TLS keep-alive, driving the REAL handlers (the ones `run`
// installs, runtime::make_handlers) with real stacks: every Compose file given (default: the
// awesome-compose corpus) is converted to a stored v1beta2 Stack with realistic metadata, and
// ConversionReviews of 1, 100 and 1,000 of them are sent both ways (v1beta2 -> v1beta1, and the
// v1beta1 form -> v1beta2), next to a trivial endpoint on the same server (the transport
// ceiling). The client sets TCP_NODELAY. --cache-mib sets the per-object /convert cache as
// `run --conversion-cache-mib` does (default 16, as there; 0: every object converted each time,
// the cost of a first read). Each scenario repeats one body, so with a cache all but the first
// request are answered from it, the cost of reading the same stored stacks again.
//
// Usage: webhook_convert_bench [--clients N] [--seconds S] [--server-threads N] [--cache-mib N]
//                              [COMPOSE_FILE...]
#include "harness.hpp"
#include "op/api/versions.hpp"
#include "op/compose/load.hpp"
#include "op/conversion/convert.hpp"
#include "op/util/json.hpp"
#include "op/util/log.hpp"
#include "parts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

using namespace op::webhook;
using namespace op::webhook::test;

namespace {

struct outcome {
    double rps = 0;
    double p50_ms = 0;
    double p99_ms = 0;
    std::size_t errors = 0;
};

outcome run(test_server& s, std::string const& target, std::string const& body, int clients,
            double seconds) {
    std::vector<std::vector<double>> lat(static_cast<std::size_t>(clients));
    std::vector<std::size_t> errors(static_cast<std::size_t>(clients), 0);
    std::atomic<bool> stop{false};
    std::vector<std::thread> ts;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < clients; ++i) {
        ts.emplace_back([&, i] {
            auto c = s.client();
            c.stream().next_layer().set_option(tcp::no_delay(true));
            // At least one request each, however long it takes.
            do {
                auto t0 = std::chrono::steady_clock::now();
                auto res = c.request(target, body);
                std::chrono::duration<double, std::milli> d = std::chrono::steady_clock::now() - t0;
                if (res.result_int() != 200 ||
                    res.body().find("\"status\":\"Success\"") == std::string::npos) {
                    if (target.rfind("/convert", 0) == 0 || res.result_int() != 200) {
                        ++errors[static_cast<std::size_t>(i)];
                    }
                }
                lat[static_cast<std::size_t>(i)].push_back(d.count());
            } while (!stop.load(std::memory_order_relaxed));
        });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& t : ts) t.join();
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    std::vector<double> all;
    outcome o;
    for (std::size_t i = 0; i < lat.size(); ++i) {
        all.insert(all.end(), lat[i].begin(), lat[i].end());
        o.errors += errors[i];
    }
    std::sort(all.begin(), all.end());
    if (all.empty()) return o;
    o.rps = static_cast<double>(all.size()) / took.count();
    o.p50_ms = all[all.size() / 2];
    o.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
    return o;
}

std::string read_file(std::string const& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A stored object as the API server holds it: metadata with uid, resourceVersion, generation,
// creationTimestamp, labels and a managedFields entry.
std::string metadata_json(std::string const& name, int i) {
    return fmt::format(
        R"({{"name":"{0}-{1}","namespace":"bench","uid":"5c0d6a1e-0000-4000-8000-{1:012}",)"
        R"("resourceVersion":"{2}","generation":2,"creationTimestamp":"2026-12-02T06:00:00Z",)"
        R"("labels":{{"app.kubernetes.io/part-of":"{0}"}},)"
        R"("managedFields":[{{"manager":"kubectl","operation":"Apply","apiVersion":"compose.docker.com/v1beta2",)"
        R"("time":"2026-12-02T06:00:00Z","fieldsType":"FieldsV1","fieldsV1":{{"f:spec":{{"f:services":{{}}}}}}}}]}})",
        name, i, 1000 + i);
}

// The v1beta2 and v1beta1 JSON of each convertible file (build-only services get an image).
struct stack_docs {
    std::vector<std::string> v1beta2;
    std::vector<std::string> v1beta1;
};

stack_docs load_stacks(std::vector<std::string> const& files) {
    stack_docs out;
    for (auto const& f : files) {
        auto text = read_file(f);
        auto loaded = op::compose::load(text);
        if (!loaded) continue;
        for (auto& s : loaded->project.services) {
            if (s.image.empty()) s.image = "bench/" + s.name;
        }
        auto built = op::conversion::from_compose(loaded->project);
        if (!built) continue;
        op::api::stack hub;
        hub.metadata.name = std::filesystem::path(f).stem().string();
        hub.spec = std::move(built->spec);
        auto v2 = op::conversion::encode_from_hub(hub, op::api::version::v1beta2);
        auto v1 = op::conversion::convert(v2, op::api::version::v1beta1);
        if (!v1) continue;
        out.v1beta2.push_back(op::json::dump(v2));
        out.v1beta1.push_back(op::json::dump(v1->object));
    }
    return out;
}

// A ConversionReview of `n` objects cycled from `docs`, each with its own stored metadata.
std::string review(std::vector<std::string> const& docs, std::size_t n, char const* desired) {
    std::string out = fmt::format(
        R"({{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{{"uid":"u-{}",)"
        R"("desiredAPIVersion":"compose.docker.com/{}","objects":[)",
        n, desired);
    for (std::size_t i = 0; i < n; ++i) {
        auto doc = op::json::parse(docs[i % docs.size()], {64u << 20, 128});
        auto& d = *doc;
        auto meta = op::json::parse_value(metadata_json(d["metadata"]["name"].GetString(), int(i)),
                                          d.GetAllocator());
        d["metadata"] = std::move(*meta);
        if (i) out += ',';
        out += op::json::dump(d);
    }
    return out + "]}}";
}

}  // namespace

int main(int argc, char** argv) {
    int clients = 4;
    double seconds = 3.0;
    int server_threads = 2;
    std::size_t cache_mib = 16;
    std::vector<std::string> files;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--clients") == 0 && i + 1 < argc) {
            clients = std::atoi(argv[++i]);
        } else if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            seconds = std::atof(argv[++i]);
        } else if (std::strcmp(argv[i], "--server-threads") == 0 && i + 1 < argc) {
            server_threads = std::atoi(argv[++i]);
        } else if (std::strcmp(argv[i], "--cache-mib") == 0 && i + 1 < argc) {
            cache_mib = static_cast<std::size_t>(std::atoi(argv[++i]));
        } else {
            files.emplace_back(argv[i]);
        }
    }
    if (files.empty()) {
        for (char const* d : {"../shared/corpus/awesome-compose", "/work/shared/corpus/awesome-compose"}) {
            std::error_code ec;
            for (auto const& e : std::filesystem::directory_iterator(d, ec)) {
                if (e.path().extension() == ".yaml") files.push_back(e.path().string());
            }
            if (!files.empty()) break;
        }
        std::sort(files.begin(), files.end());
    }
    op::log::set_level(op::log::level::warn);
    auto stacks = load_stacks(files);
    if (stacks.v1beta2.empty()) {
        fmt::print("webhook_convert_bench: no convertible Compose files (give some on the command line)\n");
        return 1;
    }
    server_options opts = test_server::small_options();
    opts.threads = server_threads;
    opts.read_timeout = std::chrono::seconds(30);
    opts.write_timeout = std::chrono::seconds(30);
    auto key = op::identity::hmac_key::generate();
    if (!key) return 1;
    op::mapping::mapping_options mo;
    auto cache = cache_mib == 0 ? nullptr : std::make_shared<op::webhook::conversion_cache>(cache_mib << 20);
    handlers h = op::runtime::make_handlers(*key, mo, nullptr, cache);
    h.extra["/ping"] = [](std::string_view) { return http_reply{200, "{}", "application/json"}; };
    test_server s(std::move(h), opts);

    struct scenario {
        std::string name;
        std::string target;
        std::string body;
    };
    std::vector<scenario> scenarios = {{"trivial /ping", "/ping", "{}"}};
    for (std::size_t n : {1u, 100u, 1000u}) {
        scenarios.push_back({fmt::format("/convert {} v1beta2->v1beta1", n), "/convert?timeout=30s",
                             review(stacks.v1beta2, n, "v1beta1")});
        scenarios.push_back({fmt::format("/convert {} v1beta1->v1beta2", n), "/convert?timeout=30s",
                             review(stacks.v1beta1, n, "v1beta2")});
    }
    fmt::print("webhook_convert_bench: real handlers, {} stacks from {} files, {} client threads "
               "(TCP_NODELAY), {} server threads, {:.1f}s per scenario, TLS keep-alive on 127.0.0.1, "
               "conversion cache {} MiB\n",
               stacks.v1beta2.size(), files.size(), clients, server_threads, seconds, cache_mib);
    fmt::print("{:<30} {:>9} {:>9} {:>9} {:>7} {:>11} {:>8}\n", "scenario", "req/s", "p50 ms",
               "p99 ms", "errors", "body bytes", "vs ping");
    double ping_rps = 0;
    for (auto const& sc : scenarios) {
        auto o = run(s, sc.target, sc.body, clients, seconds);
        if (ping_rps == 0) ping_rps = o.rps;
        fmt::print("{:<30} {:>9.0f} {:>9.3f} {:>9.3f} {:>7} {:>11} {:>8.2f}\n", sc.name, o.rps,
                   o.p50_ms, o.p99_ms, o.errors, sc.body.size(), ping_rps > 0 ? o.rps / ping_rps : 0);
    }
    return 0;
}
