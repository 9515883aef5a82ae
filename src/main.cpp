// compose-operator: wiring only. Flags, construction, start order and signals live here; every
// behaviour lives in a module under src/.
#include "op/cli/convert.hpp"
#include "op/runtime/operator.hpp"
#include "op/version.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>

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
    op::runtime::run_options run_options;
    auto* run = op::runtime::add_run_command(app, run_options);

    try {
        app.parse(argc, argv);
    } catch (CLI::ParseError const& e) {
        return app.exit(e);
    }
    if (convert->parsed()) return op::cli::run_convert(convert_options);
    if (run->parsed()) return op::runtime::run(run_options);
    if (app.get_subcommands().empty()) {
        std::fputs(app.help().c_str(), stdout);
        return 0;
    }
    return 0;
}
