// compose-operator: wiring only. Flags, construction, start order and signals live here; every
// behaviour lives in a module under src/.
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

    try {
        app.parse(argc, argv);
    } catch (CLI::ParseError const& e) {
        return app.exit(e);
    }
    if (app.get_subcommands().empty()) {
        std::fputs(app.help().c_str(), stdout);
        return 0;
    }
    return 0;
}
