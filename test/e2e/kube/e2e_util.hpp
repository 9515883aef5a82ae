#pragma once
// Tiny harness for the kube e2e program: checks that count failures, and cluster access.
#include "op/kube/kube.hpp"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>

namespace e2e {

inline std::atomic<int> failures{0};
inline std::atomic<int> checks{0};

#define E2E_CHECK(cond)                                                                    \
    do {                                                                                   \
        ++e2e::checks;                                                                     \
        if (!(cond)) {                                                                     \
            ++e2e::failures;                                                               \
            std::fprintf(stderr, "  FAILED %s:%d: %s\n", __FILE__, __LINE__, #cond);       \
        }                                                                                  \
    } while (false)

// Polls `pred` every 50 ms until true or `timeout`; returns the final value.
inline bool eventually(std::function<bool()> pred, std::chrono::milliseconds timeout) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return pred();
}

inline op::kube::resource const configmaps{"", "v1", "configmaps", true};
inline op::kube::resource const namespaces{"", "v1", "namespaces", false};

struct env {
    boost::asio::io_context& ioc;
    op::kube::client& admin;
    op::kube::config admin_cfg;
    std::string ns;
    std::string source_dir;
    std::string cluster_dir;  // OP_CLUSTER_DIR, else <source_dir>/.cluster (scripts/cluster.sh's)
};

void scenario_informer(env& e);
void scenario_leader(env& e);
void scenario_auth(env& e);
void scenario_events(env& e);
void scenario_restart(env& e);

}  // namespace e2e
