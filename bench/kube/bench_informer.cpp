// Informer hot path without a server: 10,000 ConfigMap-sized watch events are split into lines,
// decoded and applied to the store (the same code the informer runs per event). Prints events/s
// for ADDED and MODIFIED streams and the heap bytes the store holds per cached object.
//
//   bench_informer [OBJECT.json ...]
//
// With files (objects as `kubectl get -o json` prints them: managedFields and all), each is
// cached 1,000 times under distinct names the way the informers cache it, whole (the
// controller's child caches: without bookkeeping) and metadata only (the webhook's collision
// caches), with the store indexes those caches keep, and the heap per cached object is printed
// next to the object's compact JSON size (without bookkeeping).
#include "op/kube/store.hpp"
#include "op/kube/watch.hpp"
#include "op/util/json.hpp"

#include <fmt/format.h>
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace {

std::string event(char const* type, int i, int rv) {
    return fmt::format(
        R"({{"type":"{}","object":{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"cm-{}",)"
        R"("namespace":"bench","uid":"6f1c2d7e-0000-4000-8000-{:012d}","resourceVersion":"{}",)"
        R"("creationTimestamp":"2026-11-25T10:00:00Z","labels":{{"app.kubernetes.io/managed-by":)"
        R"("compose-operator","com.docker.stack.namespace":"bench"}},"ownerReferences":[{{)"
        R"("apiVersion":"compose.docker.com/v1beta2","kind":"Stack","name":"s","uid":"u-1",)"
        R"("controller":true}}]}},"data":{{"key":"value-{}","config":"a moderately sized value"}}}}}})"
        "\n",
        type, i, i, rv, rv);
}

double run(op::kube::store& s, std::string const& stream) {
    op::kube::line_splitter lines;
    auto t0 = std::chrono::steady_clock::now();
    std::size_t n = 0;
    for (std::size_t off = 0; off < stream.size(); off += 16384) {
        auto ls = lines.feed(std::string_view(stream).substr(off, 16384));
        for (auto& l : *ls) {
            auto ev = op::kube::parse_watch_event(l);
            (void)s.upsert(ev->obj);
            ++n;
        }
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return static_cast<double>(n) / secs;
}

// Heap bytes per cached copy of `text` (one object's JSON), cached `n` times under distinct names.
double heap_per_object(std::string const& text, bool metadata_only, int n) {
    auto const before = mallinfo2().uordblks;
    {
        // The indexes the operator's caches ask for: children by their stack's label, the
        // collision caches by key only.
        op::kube::store s(op::kube::store_indexes::labels_only(
            metadata_only ? std::vector<std::string>{}
                          : std::vector<std::string>{"com.docker.stack.namespace"}));
        for (int i = 0; i < n; ++i) {
            // A watch line per copy, renamed so each is a distinct cache entry.
            auto const at = text.find("\"name\":\"");
            std::string body = text;
            if (at != std::string::npos) body.insert(at + 8, fmt::format("c{}-", i));
            auto ev = op::kube::parse_watch_event(
                R"({"type":"ADDED","object":)" + body + "}", true, metadata_only);
            if (!ev) { std::fprintf(stderr, "%s\n", ev.error().what().c_str()); std::exit(1); }
            (void)s.upsert(ev->obj);
        }
        auto const after = mallinfo2().uordblks;
        return static_cast<double>(after - before) / n;
    }
}

int objects_mode(int argc, char** argv) {
    constexpr int n = 1000;
    std::printf("%-28s %10s %10s %14s %14s\n", "object", "json_B", "compact_B", "cached_B",
                "metadata_B");
    for (int i = 1; i < argc; ++i) {
        std::ifstream in(argv[i]);
        std::stringstream ss;
        ss << in.rdbuf();
        auto doc = op::json::parse(ss.str());
        if (!doc) { std::fprintf(stderr, "%s: %s\n", argv[i], doc.error().what().c_str()); return 1; }
        auto const compact = op::json::dump(*doc);
        auto const whole = std::make_shared<rapidjson::Document const>(std::move(*doc));
        auto const stripped = op::json::dump(*op::kube::without_bookkeeping(whole));
        std::printf("%-28s %10zu %10zu %14.0f %14.0f\n", argv[i], ss.str().size(), stripped.size(),
                    heap_per_object(compact, false, n), heap_per_object(compact, true, n));
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1) return objects_mode(argc, argv);
    constexpr int n = 10'000;
    std::string added, modified;
    for (int i = 0; i < n; ++i) added += event("ADDED", i, i + 1);
    for (int i = 0; i < n; ++i) modified += event("MODIFIED", i, n + i + 1);
    auto before = mallinfo2().uordblks;
    op::kube::store s;
    double add_rate = run(s, added);
    auto after = mallinfo2().uordblks;
    double mod_rate = run(s, modified);
    std::printf("objects %d, event JSON %zu bytes each\n", n, added.size() / n);
    std::printf("ADDED    %.0f events/s\n", add_rate);
    std::printf("MODIFIED %.0f events/s\n", mod_rate);
    std::printf("store heap %.0f bytes per cached object\n",
                static_cast<double>(after - before) / n);
    return s.size() == n ? 0 : 1;
}
