// Informer hot path without a server: 10,000 ConfigMap-sized watch events are split into lines,
// decoded and applied to the store (the same code the informer runs per event). Prints events/s
// for ADDED and MODIFIED streams and the heap bytes the store holds per cached object.
#include "op/kube/store.hpp"
#include "op/kube/watch.hpp"

#include <fmt/format.h>
#include <malloc.h>

#include <chrono>
#include <cstdio>

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

}  // namespace

int main() {
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
