// libFuzzer target: the Compose loader on arbitrary text, as the conversion webhook calls it
// (empty environment) and as the CLI does (an environment, unknown keys as warnings). Properties:
// never crashes, stays inside load_limits, and load(emit(project)) gives back the project.
#include "fuzz_check.hpp"
#include "op/compose/emit.hpp"
#include "op/compose/load.hpp"

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    using namespace op::compose;
    std::string_view const text = op::fuzz::text(data, size);
    load_options server;  // what v1beta1 -> hub uses
    auto r = load(text, server);
    if (r) {
        OP_FUZZ_CHECK(r->warnings.size() <= server.limits.max_warnings + 2);
        OP_FUZZ_CHECK(r->unresolved.size() <= server.limits.max_unresolved);
        std::size_t ports = 0;
        for (auto const& s : r->project.services) ports += s.ports.size();
        OP_FUZZ_CHECK(ports <= server.limits.max_ports);
        // emit() promises load(emit(p)) == p for every p that load() produced.
        auto again = load(emit(r->project), server);
        OP_FUZZ_CHECK(again.has_value());
        OP_FUZZ_CHECK(again->project == r->project);
    }
    load_options client;
    client.strict_keys = false;
    client.environment = {{"A", "a"}, {"EMPTY", ""}, {"PORT", "8080"}, {"LONG", std::string(64, 'x')}};
    client.working_dir = "/work";
    client.home = "/home/u";
    (void)load(text, client);
    // Two files: the input split at its middle line, merged as an override.
    if (std::size_t const nl = text.find('\n', text.size() / 2); nl != std::string_view::npos) {
        (void)load_files({{"a.yaml", std::string(text.substr(0, nl))},
                          {"b.yaml", std::string(text.substr(nl + 1))}},
                         client);
    }
    return 0;
}
