// List+watch of 1,000 ConfigMaps over pages; changes during the watch are seen exactly once;
// a watch resumed from a too-old resourceVersion gets 410 and relists without losing anything;
// optionally, the watch survives a kube-apiserver restart.
#include <cstdlib>
#include "e2e_util.hpp"

#include <map>
#include <mutex>
#include <set>

namespace e2e {
namespace {

using namespace std::chrono_literals;

std::string cm(std::string const& ns, std::string const& name, std::string const& v) {
    return fmt::format(
        R"({{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"{}","namespace":"{}",)"
        R"("labels":{{"e2e":"kube"}}}},"data":{{"v":"{}"}}}})", name, ns, v);
}

struct counts {
    std::mutex m;
    std::map<std::string, int> adds, updates, deletes;
};

// Creates `n` objects concurrently (a batch of coroutines on the shared io_context).
void create_many(env& e, std::string const& prefix, int from, int to) {
    std::vector<std::future<op::result<op::kube::object>>> fs;
    for (int i = from; i < to; ++i) {
        fs.push_back(boost::asio::co_spawn(
            e.ioc, e.admin.async_create(configmaps, e.ns, cm(e.ns, fmt::format("{}{}", prefix, i), "0")),
            boost::asio::use_future));
        if (fs.size() == 64) {
            for (auto& f : fs) E2E_CHECK(f.get().has_value());
            fs.clear();
        }
    }
    for (auto& f : fs) E2E_CHECK(f.get().has_value());
}

// The store equals a fresh list from the server (same keys and resourceVersions).
bool store_matches_server(env& e, op::kube::informer& inf) {
    op::kube::list_options lo;
    lo.label_selector = "e2e=kube";
    auto l = e.admin.list(configmaps, e.ns, lo);
    if (!l) return false;
    if (l->items.size() != inf.cache().size()) return false;
    for (auto const& o : l->items) {
        auto s = inf.cache().get(op::kube::key_of(*o).str());
        if (!s || op::kube::meta_string(*s, "resourceVersion") !=
                      op::kube::meta_string(*o, "resourceVersion"))
            return false;
    }
    return true;
}

}  // namespace

void scenario_informer(env& e) {
    auto t0 = std::chrono::steady_clock::now();
    create_many(e, "cm-", 0, 1000);
    auto t_create = std::chrono::steady_clock::now() - t0;
    // Something the label selector must keep out of the cache.
    E2E_CHECK(e.admin.create(configmaps, e.ns,
        fmt::format(R"({{"metadata":{{"name":"other","namespace":"{}"}}}})", e.ns)).has_value());

    op::kube::informer_options io;
    io.ns = e.ns;
    io.label_selector = "e2e=kube";
    io.page_size = 100;
    io.watch_timeout_min_s = 3;  // watches end often: resumption from the last RV is exercised
    op::kube::informer inf(e.admin, configmaps, io);
    counts c;
    inf.add_handler([&](op::kube::delta const& d) {
        std::lock_guard l(c.m);
        auto key = op::kube::key_of(*d.obj).str();
        if (d.type == op::kube::delta_type::added) ++c.adds[key];
        if (d.type == op::kube::delta_type::updated) ++c.updates[key];
        if (d.type == op::kube::delta_type::deleted) ++c.deletes[key];
    });
    t0 = std::chrono::steady_clock::now();
    inf.start();
    E2E_CHECK(inf.wait_for_sync(60s));
    auto t_sync = std::chrono::steady_clock::now() - t0;
    E2E_CHECK(inf.cache().size() == 1000);
    E2E_CHECK(inf.stats().pages >= 10);
    E2E_CHECK(!inf.cache().get(e.ns + "/other"));
    E2E_CHECK(inf.cache().by_label("e2e", "kube").size() == 1000);
    fmt::print(stderr, "  created 1000 in {} ms, synced (list {} pages) in {} ms\n",
               std::chrono::duration_cast<std::chrono::milliseconds>(t_create).count(),
               inf.stats().pages, std::chrono::duration_cast<std::chrono::milliseconds>(t_sync).count());

    // Changes during the watch: 50 creates, 100 updates, 100 deletes.
    create_many(e, "new-", 0, 50);
    for (int i = 0; i < 100; ++i) {
        E2E_CHECK(e.admin.patch(configmaps, e.ns, fmt::format("cm-{}", i), op::kube::patch_type::merge,
                                R"({"data":{"v":"1"}})").has_value());
        E2E_CHECK(e.admin.remove(configmaps, e.ns, fmt::format("cm-{}", 900 + i),
                                 op::kube::propagation::background).has_value());
    }
    E2E_CHECK(eventually([&] { return inf.cache().size() == 950 && store_matches_server(e, inf); }, 30s));
    {
        std::lock_guard l(c.m);
        int bad = 0;
        for (int i = 0; i < 1000; ++i) bad += c.adds[fmt::format("{}/cm-{}", e.ns, i)] != 1;
        for (int i = 0; i < 50; ++i) bad += c.adds[fmt::format("{}/new-{}", e.ns, i)] != 1;
        for (int i = 0; i < 100; ++i) {
            bad += c.updates[fmt::format("{}/cm-{}", e.ns, i)] != 1;
            bad += c.deletes[fmt::format("{}/cm-{}", e.ns, 900 + i)] != 1;
        }
        E2E_CHECK(bad == 0);
        E2E_CHECK(c.adds.size() == 1050);
        E2E_CHECK(c.updates.size() == 100);
        E2E_CHECK(c.deletes.size() == 100);
        if (bad) fmt::print(stderr, "  {} keys not seen exactly once\n", bad);
    }
    auto v = inf.cache().get(e.ns + "/cm-5");
    E2E_CHECK(v && (*v)["data"]["v"] == "1");

    // A watch resumed from a compacted / too-old RV: 410, relist, nothing lost. Opt-in: on a
    // freshly started cluster (CI) the apiserver did not answer 410 for RV "1" within 20 s (etcd
    // compacts only every 5 minutes), so this part runs with OP_E2E_COMPACTED_RV=1 on a cluster
    // that has been up a while. The 410 -> relist path is always covered by the integration
    // test against the stub apiserver.
    if (std::getenv("OP_E2E_COMPACTED_RV") == nullptr) return;
    auto before = inf.stats();
    inf.set_resume_version_for_test("1");
    create_many(e, "late-", 0, 10);
    E2E_CHECK(eventually([&] { return inf.stats().gone > before.gone; }, 20s));
    E2E_CHECK(eventually([&] { return inf.stats().lists > before.lists; }, 20s));
    E2E_CHECK(eventually([&] { return inf.cache().size() == 960 && store_matches_server(e, inf); }, 20s));
    {
        std::lock_guard l(c.m);
        int bad = 0;
        for (int i = 0; i < 10; ++i) bad += c.adds[fmt::format("{}/late-{}", e.ns, i)] != 1;
        E2E_CHECK(bad == 0);
        E2E_CHECK(c.adds.size() == 1060);  // the relist did not re-add existing objects
    }
    auto s = inf.stats();
    fmt::print(stderr, "  stats: lists {} pages {} watches {} gone {} events {} errors {}\n", s.lists,
               s.pages, s.watches, s.gone, s.events, s.errors);
    inf.stop();
}

void scenario_restart(env& e) {
    op::kube::informer_options io;
    io.ns = e.ns;
    io.label_selector = "e2e=kube";
    io.backoff_initial = 200ms;
    op::kube::informer inf(e.admin, configmaps, io);
    inf.start();
    E2E_CHECK(inf.wait_for_sync(60s));
    std::string cmd = "bash " + e.source_dir + "/scripts/cluster.sh restart-apiserver";
    E2E_CHECK(std::system(cmd.c_str()) == 0);
    create_many(e, "after-restart-", 0, 5);
    E2E_CHECK(eventually([&] { return inf.cache().get(e.ns + "/after-restart-4") != nullptr; }, 60s));
    E2E_CHECK(eventually([&] { return store_matches_server(e, inf); }, 30s));
    auto s = inf.stats();
    fmt::print(stderr, "  after restart: watches {} errors {} gone {}\n", s.watches, s.errors, s.gone);
    inf.stop();
}

}  // namespace e2e
