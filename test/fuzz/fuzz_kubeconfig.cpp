// libFuzzer target: kubeconfig YAML through load_kubeconfig_text. Exec plugins are configured
// but never run (nothing here asks for a token from one), and inputs naming device or proc
// files are skipped so a run reads no more than small regular files. Property: never crash.
#include "fuzz_check.hpp"
#include "op/kube/config.hpp"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    std::string const yaml(op::fuzz::text(data, size));
    for (char const* skip : {"/dev", "/proc", "/sys"}) {
        if (yaml.find(skip) != std::string::npos) return 0;
    }
    auto cfg = op::kube::load_kubeconfig_text(yaml, "/nonexistent-fuzz-dir");
    if (cfg) (void)op::kube::parse_server(cfg->server);
    (void)op::kube::load_kubeconfig_text(yaml, "/nonexistent-fuzz-dir", "other");
    (void)op::kube::parse_server(yaml);
    return 0;
}
