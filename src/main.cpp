// compose-operator: wiring only. Flags, construction, start order and signals live here; every
// behaviour lives in a module under src/.
#include "op/cli/convert.hpp"
#include "op/cli/stack.hpp"
#include "op/runtime/operator.hpp"
#include "op/version.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>
#include <string_view>

int main(int argc, char** argv) {
    CLI::App app{
        "compose-operator runs Docker Compose applications on Kubernetes as Stack resources\n"
        "(compose.docker.com). It serves the Stack CRD's conversion and admission webhooks and\n"
        "reconciles each Stack into Deployments, StatefulSets, DaemonSets and Services.",
        "compose-operator"};
    app.set_version_flag("--version", std::string("compose-operator ") + op::version);
    app.require_subcommand(0, 1);

    op::cli::convert_options convert_options;
    auto* convert = op::cli::add_convert_command(app, convert_options);
    op::cli::stack_command_options stack_options;
    auto run_stack = op::cli::add_stack_command(app, stack_options);
    op::runtime::run_options run_options;
    auto* run = op::runtime::add_run_command(app, run_options);
    std::string manifest;
    auto* manifests = op::runtime::add_manifests_command(app, manifest);

    try {
        app.parse(argc, argv);
    } catch (CLI::ParseError const& e) {
        int rc = app.exit(e);
        // `stack` follows the Docker CLI: a usage error exits 2 (CLI11's message names the flag).
        if (rc != 0 && argc > 1 && std::string_view(argv[1]) == "stack") rc = op::cli::exit_usage;
        return rc;
    }
    if (auto rc = run_stack()) return *rc;
    if (convert->parsed()) return op::cli::run_convert(convert_options);
    if (run->parsed()) return op::runtime::run(run_options);
    if (manifests->parsed()) return op::runtime::print_manifests(manifest);
    if (app.get_subcommands().empty()) {
        std::fputs(app.help().c_str(), stdout);
        return 0;
    }
    return 0;
}
