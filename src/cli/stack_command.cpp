// The `stack` subcommands' flags (CLI11). See op/cli/stack.hpp.
#include "op/cli/stack.hpp"

#include <CLI/CLI.hpp>

namespace op::cli {
namespace {

void cluster_flags(CLI::App* cmd, cluster_options& c) {
    cmd->add_option("-n,--namespace", c.namespace_,
                    "Namespace (default: the kubeconfig context's namespace)");
    cmd->add_option("--kubeconfig", c.kubeconfig,
                    "kubeconfig file (default: KUBECONFIG, then ~/.kube/config)");
    cmd->add_option("--context", c.context, "kubeconfig context (default: its current-context)");
}

void output_flag(CLI::App* cmd, query_options& q) {
    cmd->add_option("-o,--output", q.output, "table, json or yaml")
        ->check(CLI::IsMember({"table", "json", "yaml"}))
        ->capture_default_str();
}

}  // namespace

stack_runner add_stack_command(CLI::App& app, stack_command_options& o) {
    auto* stack = app.add_subcommand(
        "stack", "Deploy and inspect Compose applications on a cluster (like `docker stack`)");
    stack->require_subcommand(1);

    auto* deploy = stack->add_subcommand(
        "deploy", "Deploy a new stack or update an existing one from Compose file(s)");
    deploy->add_option("NAME", o.deploy.name,
                       "Stack name (default: COMPOSE_PROJECT_NAME, the file's name:, or its folder)");
    deploy->add_option("-c,--compose-file", o.deploy.files,
                       "Compose file; repeat to merge overrides (default: COMPOSE_FILE, else "
                       "compose.yaml/compose.yml/docker-compose.yml/docker-compose.yaml here or in "
                       "a parent folder, plus its override file)");
    deploy->add_option("--profile", o.deploy.profiles,
                       "Activate a profile; repeatable (default: COMPOSE_PROFILES)");
    deploy->add_option("--env-file", o.deploy.env_files,
                       "Variables for interpolation; repeatable (default: .env in the project "
                       "folder); the environment wins");
    deploy->add_option("--image-prefix", o.deploy.image_prefix,
                       "Registry path for services with build: and no image: "
                       "(<prefix>/<project>-<service>, as docker compose build names them)");
    deploy->add_flag("--wait", o.deploy.wait, "Wait until the stack is Ready, showing progress");
    deploy->add_option("--timeout", o.deploy.timeout, "How long --wait waits (implies --wait)")
        ->capture_default_str()
        ->each([&o](std::string const&) { o.deploy.timeout_given = true; });
    deploy->add_flag("--dry-run", o.deploy.dry_run,
                     "Server-side dry run: validate and print what would change, write nothing");
    cluster_flags(deploy, o.deploy.cluster);

    auto* ls = stack->add_subcommand("ls", "List stacks");
    ls->alias("list");
    ls->add_flag("-A,--all-namespaces", o.ls.all_namespaces, "List stacks in every namespace");
    output_flag(ls, o.ls);
    cluster_flags(ls, o.ls.cluster);

    auto* services = stack->add_subcommand("services", "List the services of a stack");
    services->add_option("NAME", o.services.name, "Stack name")->required();
    output_flag(services, o.services);
    cluster_flags(services, o.services.cluster);

    auto* ps = stack->add_subcommand("ps", "List the pods (tasks) of a stack");
    ps->add_option("NAME", o.ps.name, "Stack name")->required();
    output_flag(ps, o.ps);
    cluster_flags(ps, o.ps.cluster);

    auto* rm = stack->add_subcommand("rm", "Remove one or more stacks");
    rm->alias("remove");
    rm->add_option("NAME", o.rm.names, "Stack name(s)")->required();
    rm->add_flag("--wait", o.rm.wait,
                 "Wait until the stack's workloads and pods are gone (volume claims are kept)");
    rm->add_option("--timeout", o.rm.timeout, "How long --wait waits (implies --wait)")
        ->capture_default_str()
        ->each([&o](std::string const&) { o.rm.timeout_given = true; });
    cluster_flags(rm, o.rm.cluster);

    return [=, &o]() -> std::optional<int> {
        if (!stack->parsed()) return std::nullopt;
        if (deploy->parsed()) return run_stack_deploy(o.deploy);
        if (ls->parsed()) return run_stack_ls(o.ls);
        if (services->parsed()) return run_stack_services(o.services);
        if (ps->parsed()) return run_stack_ps(o.ps);
        if (rm->parsed()) return run_stack_rm(o.rm);
        return exit_usage;
    };
}

}  // namespace op::cli
