// Leader election, impersonation, server-side apply conflicts, token and client-cert auth, events.
#include "e2e_util.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace e2e {
namespace {

using namespace std::chrono_literals;
using clk = std::chrono::steady_clock;

struct candidate {
    std::unique_ptr<op::kube::client> c;
    std::unique_ptr<op::kube::leader_elector> el;
    std::atomic<bool> leading{false};
    std::atomic<int> stopped{0};
    std::jthread th;

    candidate(env& e, std::string const& lease, std::string const& id, bool release = true) {
        c = std::move(op::kube::client::create(e.ioc, e.admin_cfg).value());
        op::kube::lease_config lc;
        lc.ns = e.ns;
        lc.name = lease;
        lc.identity = id;
        lc.lease_duration = 6s;
        lc.renew_deadline = 4s;
        lc.retry_period = 1s;
        lc.release_on_cancel = release;
        op::kube::leader_callbacks cb;
        cb.on_started_leading = [this](std::stop_token lost) {
            leading = true;
            while (!lost.stop_requested()) std::this_thread::sleep_for(10ms);  // "work"
            leading = false;
        };
        cb.on_stopped_leading = [this] { ++stopped; };
        el = std::move(op::kube::leader_elector::create(*c, lc, cb).value());
        th = std::jthread([this](std::stop_token st) { el->run(st); });
    }
    void stop() {
        th.request_stop();
        th.join();
    }
};

std::string read_file(std::string const& p) {
    std::ifstream in(p);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

void scenario_leader(env& e) {
    auto lease = "e2e-lease";
    auto ms = [](clk::duration d) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
    };
    // `a` leads first; it will be "killed" (stopped without releasing the Lease).
    auto a = std::make_unique<candidate>(e, lease, "a", false);
    E2E_CHECK(eventually([&] { return a->leading.load(); }, 10s));
    auto b = std::make_unique<candidate>(e, lease, "b", true);
    std::this_thread::sleep_for(2500ms);
    E2E_CHECK(a->leading && !b->leading);  // exactly one leads
    auto t0 = clk::now();
    a->stop();
    E2E_CHECK(eventually([&] { return b->leading.load(); }, 12s));
    auto takeover = clk::now() - t0;
    fmt::print(stderr, "  takeover after abandoned leader: {} ms (lease 6000 ms, retry 1000 ms)\n",
               ms(takeover));
    // Lease duration counted from when `b` first saw the last renewal, plus b's polling (retry
    // period with 1.2 jitter), as in client-go.
    E2E_CHECK(takeover <= 6s + 4500ms);
    E2E_CHECK(b->el->observed_leader() == "b");
    // A clean stop of the leader releases the Lease: `c` takes over at once.
    auto c = std::make_unique<candidate>(e, lease, "c", true);
    std::this_thread::sleep_for(1500ms);
    E2E_CHECK(!c->leading);
    t0 = clk::now();
    b->stop();
    E2E_CHECK(b->stopped == 1);
    E2E_CHECK(eventually([&] { return c->leading.load(); }, 10s));
    auto handover = clk::now() - t0;
    fmt::print(stderr, "  handover after clean stop: {} ms\n", ms(handover));
    E2E_CHECK(handover < 3s);  // one retry period (with jitter), far below the lease duration
    // Leadership lost (someone else wrote the Lease): work stops promptly.
    op::kube::resource leases{"coordination.k8s.io", "v1", "leases", true};
    auto cur = e.admin.get(leases, e.ns, lease);
    E2E_CHECK(cur.has_value());
    if (cur) {
        auto now = op::kube::micro_time(std::chrono::system_clock::now());
        auto body = fmt::format(
            R"({{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{{"name":"{}",)"
            R"("namespace":"{}","resourceVersion":"{}"}},"spec":{{"holderIdentity":"intruder",)"
            R"("leaseDurationSeconds":60,"acquireTime":"{}","renewTime":"{}"}}}})",
            lease, e.ns, op::kube::meta_string(**cur, "resourceVersion"), now, now);
        E2E_CHECK(e.admin.update(leases, e.ns, lease, body).has_value());
        t0 = clk::now();
        E2E_CHECK(eventually([&] { return !c->leading.load(); }, 5s));
        fmt::print(stderr, "  work stopped {} ms after the lease was taken\n", ms(clk::now() - t0));
        E2E_CHECK(eventually([&] { return c->stopped == 1; }, 2s));
    }
    c->stop();
}

void scenario_auth(env& e) {
    op::kube::request_options as_alice;
    as_alice.as = op::kube::impersonation{"alice", "", {}, {}};
    // Before a RoleBinding: alice may not list or create ConfigMaps.
    auto denied = e.admin.list(configmaps, e.ns, {}, as_alice);
    E2E_CHECK(!denied && denied.error().code == op::errc::terminal);
    if (!denied) {
        auto ae = op::kube::to_api_error(denied.error());
        E2E_CHECK(ae && ae->http_code == 403 && ae->reason == "Forbidden");
        E2E_CHECK(denied.error().message.find("alice") != std::string::npos);
    }
    // Grant get/list/create on configmaps in the namespace (not delete).
    op::kube::resource roles{"rbac.authorization.k8s.io", "v1", "roles", true};
    op::kube::resource bindings{"rbac.authorization.k8s.io", "v1", "rolebindings", true};
    E2E_CHECK(e.admin.create(roles, e.ns, fmt::format(
        R"({{"metadata":{{"name":"cm-rw","namespace":"{}"}},"rules":[{{"apiGroups":[""],)"
        R"("resources":["configmaps"],"verbs":["get","list","create","patch"]}}]}})", e.ns)).has_value());
    E2E_CHECK(e.admin.create(bindings, e.ns, fmt::format(
        R"({{"metadata":{{"name":"alice-cm","namespace":"{}"}},"roleRef":{{"apiGroup":)"
        R"("rbac.authorization.k8s.io","kind":"Role","name":"cm-rw"}},"subjects":[{{"kind":"User",)"
        R"("apiGroup":"rbac.authorization.k8s.io","name":"alice"}}]}})", e.ns)).has_value());
    E2E_CHECK(eventually([&] { return e.admin.list(configmaps, e.ns, {}, as_alice).has_value(); }, 10s));
    auto made = e.admin.create(configmaps, e.ns,
        fmt::format(R"({{"metadata":{{"name":"by-alice","namespace":"{}"}}}})", e.ns), as_alice);
    E2E_CHECK(made.has_value());
    auto del = e.admin.remove(configmaps, e.ns, "by-alice", op::kube::propagation::unset, as_alice);
    E2E_CHECK(!del && del.error().code == op::errc::terminal);  // exactly alice's rights
    op::kube::resource secrets{"", "v1", "secrets", true};
    E2E_CHECK(!e.admin.list(secrets, e.ns, {}, as_alice));
    // bob (same groups, no binding) still has nothing.
    op::kube::request_options as_bob;
    as_bob.as = op::kube::impersonation{"bob", "", {"developers"}, {{"scopes", {"x"}}}};
    E2E_CHECK(!e.admin.list(configmaps, e.ns, {}, as_bob));

    // A token kubeconfig of its own (alice.kubeconfig) gets alice's rights too.
    op::kube::kubeconfig_options ko;
    ko.explicit_path = e.cluster_dir + "/alice.kubeconfig";
    auto acfg = op::kube::load_kubeconfig(ko);
    E2E_CHECK(acfg.has_value());
    if (acfg) {
        auto ac = op::kube::client::create(e.ioc, *acfg);
        E2E_CHECK(ac && (*ac)->get(configmaps, e.ns, "by-alice").has_value());
        E2E_CHECK(ac && !(*ac)->get(secrets, e.ns, "x").has_value());
    }

    // Client certificate signed by the cluster's client CA: CN=carol authenticates (403, not 401).
    std::string pki = e.cluster_dir + "/pki";
    std::string dir = "/tmp/kube-e2e-cert-" + e.ns;
    std::string cmd = fmt::format(
        "mkdir -p {0} && cd {0} && openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
        "-keyout carol.key -out carol.csr -subj '/CN=carol/O=developers' 2>/dev/null && "
        "openssl x509 -req -in carol.csr -CA {1}/client-ca.crt -CAkey {1}/client-ca.key "
        "-CAcreateserial -out carol.crt -days 1 2>/dev/null", dir, pki);
    if (std::system(cmd.c_str()) == 0) {
        auto ccfg = e.admin_cfg;
        ccfg.token.reset();
        ccfg.client_cert_pem = read_file(dir + "/carol.crt");
        ccfg.client_key_pem = read_file(dir + "/carol.key");
        auto cc = op::kube::client::create(e.ioc, ccfg);
        E2E_CHECK(cc.has_value());
        if (cc) {
            auto r = (*cc)->get(configmaps, e.ns, "by-alice");
            auto ae = r ? std::nullopt : op::kube::to_api_error(r.error());
            E2E_CHECK(ae && ae->http_code == 403 && r.error().message.find("carol") != std::string::npos);
        }
    } else {
        fmt::print(stderr, "  (openssl could not sign a client cert; cert auth not checked)\n");
        E2E_CHECK(false);
    }
    (void)std::system(("rm -rf " + dir).c_str());

    // Server-side apply: two managers conflict; force resolves.
    auto body = [&](char const* v) {
        return fmt::format(R"({{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"ssa",)"
                           R"("namespace":"{}"}},"data":{{"k":"{}"}}}})", e.ns, v);
    };
    E2E_CHECK(e.admin.apply(configmaps, e.ns, "ssa", body("a"), {"mgr-a", false}).has_value());
    auto clash = e.admin.apply(configmaps, e.ns, "ssa", body("b"), {"mgr-b", false});
    E2E_CHECK(!clash && clash.error().code == op::errc::conflict);
    auto forced = e.admin.apply(configmaps, e.ns, "ssa", body("b"), {"mgr-b", true});
    E2E_CHECK(forced && (**forced)["data"]["k"] == "b");
    // JSON patch and delete propagation.
    E2E_CHECK(e.admin.patch(configmaps, e.ns, "ssa", op::kube::patch_type::json,
                            R"([{"op":"add","path":"/data/j","value":"1"}])").has_value());
    E2E_CHECK(e.admin.remove(configmaps, e.ns, "ssa", op::kube::propagation::foreground).has_value());
    // Foreground deletion finishes once the garbage collector has run.
    E2E_CHECK(eventually([&] {
        auto gone = e.admin.get(configmaps, e.ns, "ssa");
        return !gone && gone.error().code == op::errc::not_found;
    }, 20s));
}

void scenario_events(env& e) {
    auto target = e.admin.get(namespaces, "", e.ns);
    E2E_CHECK(target.has_value());
    if (!target) return;
    op::kube::event_recorder rec(e.admin, {"kube-e2e", "e2e-1"});
    auto ref = op::kube::object_ref::of(**target);
    ref.ns = e.ns;  // events about a cluster-scoped object go to the test namespace
    for (int i = 0; i < 3; ++i)
        E2E_CHECK(rec.record_sync(ref, op::kube::event_type::warning, "Repeated", "Test", "same note")
                      .has_value());
    E2E_CHECK(rec.record_sync(ref, op::kube::event_type::normal, "Other", "Test", "x").has_value());
    op::kube::resource events{"events.k8s.io", "v1", "events", true};
    auto l = e.admin.list(events, e.ns, {});
    E2E_CHECK(l.has_value());
    if (!l) return;
    int repeated = 0, count = 0;
    for (auto const& ev : l->items) {
        if ((*ev)["reason"] == "Repeated") {
            ++repeated;
            if (ev->HasMember("series")) count = (*ev)["series"]["count"].GetInt();
        }
    }
    E2E_CHECK(repeated == 1);
    E2E_CHECK(count == 3);
    E2E_CHECK(rec.tracked() == 2);
}

}  // namespace e2e
