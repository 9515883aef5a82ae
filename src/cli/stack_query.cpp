// `compose-operator stack ls|services|ps|rm`. See op/cli/stack.hpp.
#include "op/mapping/labels.hpp"
#include "op/util/json.hpp"
#include "stack_session.hpp"

#include <fmt/format.h>

#include <thread>

namespace op::cli {
namespace {

using namespace detail;

std::vector<rapidjson::Value const*> pointers(std::vector<kube::object> const& items) {
    std::vector<rapidjson::Value const*> out;
    out.reserve(items.size());
    for (auto const& o : items) out.push_back(o.get());
    return out;
}

std::string stack_selector(std::string const& name) {
    return fmt::format("{}={}", mapping::label_stack_namespace, name);
}

int print(std::string const& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return exit_ok;
}

// The stack named in `o`, or an explained error.
result<kube::object> get_stack(session& s, std::string const& name) {
    auto got = s.client->get(stacks_resource, s.ns, name);
    if (got) return got;
    if (got.error().code == errc::not_found && kube::to_api_error(got.error()) &&
        kube::to_api_error(got.error())->message.find("could not find the requested resource") ==
            std::string::npos) {
        return not_found(fmt::format("stack {} not found in namespace {}", name, s.ns));
    }
    return error{got.error().code,
                 explain_error(got.error(), fmt::format("read stack {} in namespace {}", name, s.ns)), {}};
}

// Everything of one kind labelled with the stack, or an explained error.
result<std::vector<kube::object>> list_labelled(session& s, kube::resource const& r,
                                                std::string const& name) {
    kube::list_options lo;
    lo.label_selector = stack_selector(name);
    auto got = s.client->list(r, s.ns, lo);
    if (!got) {
        return error{got.error().code,
                     explain_error(got.error(), fmt::format("list {} of stack {} in namespace {}",
                                                            r.plural, name, s.ns)),
                     {}};
    }
    return std::move(got->items);
}

}  // namespace

int run_stack_ls(query_options const& o) {
    auto s = open_session(o.cluster);
    if (!s) return fail(s.error().what());
    std::string ns = o.all_namespaces ? "" : (*s)->ns;
    auto got = (*s)->client->list(stacks_resource, ns, {});
    if (!got) {
        return fail(explain_error(got.error(), o.all_namespaces ? "list stacks in all namespaces"
                                                                : "list stacks in namespace " + ns));
    }
    auto rows = stack_rows(pointers(got->items), std::chrono::system_clock::now());
    if (o.output != "table") return print(render_document(stacks_json(rows), o.output));
    if (rows.empty()) {
        std::fprintf(stderr, "No stacks found%s.\n",
                     o.all_namespaces ? "" : fmt::format(" in namespace {}", ns).c_str());
        return exit_ok;
    }
    return print(render_table(stacks_table(rows, o.all_namespaces)));
}

int run_stack_services(query_options const& o) {
    auto s = open_session(o.cluster);
    if (!s) return fail(s.error().what());
    auto stack = get_stack(**s, o.name);
    if (!stack) return fail(stack.error().message);
    std::vector<kube::object> workloads;
    for (auto const* r : {&deployments_resource, &statefulsets_resource, &daemonsets_resource}) {
        auto items = list_labelled(**s, *r, o.name);
        if (!items) return fail(items.error().message);
        for (auto& it : *items) {
            // List items lack kind; service_rows needs it to read a DaemonSet's counts.
            if (r == &daemonsets_resource) {
                auto copy = std::make_shared<rapidjson::Document>();
                copy->CopyFrom(*it, copy->GetAllocator());
                json::set(*copy, "kind", json::string_value("DaemonSet", copy->GetAllocator()),
                          copy->GetAllocator());
                it = std::move(copy);
            }
            workloads.push_back(std::move(it));
        }
    }
    auto rows = service_rows(**stack, pointers(workloads));
    if (o.output != "table") return print(render_document(services_json(rows), o.output));
    return print(render_table(services_table(rows)));
}

int run_stack_ps(query_options const& o) {
    auto s = open_session(o.cluster);
    if (!s) return fail(s.error().what());
    auto stack = get_stack(**s, o.name);
    if (!stack) return fail(stack.error().message);
    auto pods = list_labelled(**s, pods_resource, o.name);
    if (!pods) return fail(pods.error().message);
    auto rows = task_rows(pointers(*pods), std::chrono::system_clock::now());
    if (o.output != "table") return print(render_document(tasks_json(rows), o.output));
    if (rows.empty()) {
        std::fprintf(stderr, "No pods found for stack %s.\n", o.name.c_str());
        return exit_ok;
    }
    return print(render_table(tasks_table(rows)));
}

int run_stack_rm(rm_options const& o) {
    auto waiting = wait_timeout(o.wait, o.timeout_given, o.timeout);
    if (!waiting) {
        std::fprintf(stderr, "error: %s\n", waiting.error().what().c_str());
        return exit_usage;
    }
    bool const wait = waiting->has_value();
    auto const timeout = waiting->value_or(std::chrono::milliseconds(0));
    auto s = open_session(o.cluster);
    if (!s) return fail(s.error().what());
    int status = exit_ok;
    std::vector<std::string> removing;
    for (auto const& name : o.names) {
        auto r = (*s)->client->remove(stacks_resource, (*s)->ns, name, kube::propagation::background);
        if (!r && r.error().code == errc::not_found) {
            std::fprintf(stderr, "error: stack %s not found in namespace %s\n", name.c_str(), (*s)->ns.c_str());
            status = exit_failed;
            continue;
        }
        if (!r) {
            fail(explain_error(r.error(), fmt::format("remove stack {} in namespace {}", name, (*s)->ns)));
            status = exit_failed;
            continue;
        }
        std::printf("Removing stack %s\n", name.c_str());
        removing.push_back(name);
        // The Secrets `stack deploy` wrote beside it (the operator adopts them, so they would go
        // with the stack anyway; this covers a stack removed before it was reconciled).
        kube::list_options lo;
        lo.label_selector = stack_selector(name);
        if (auto secrets = (*s)->client->list(secrets_resource, (*s)->ns, lo)) {
            for (auto const& sec : stale_secrets(pointers(secrets->items), {})) {
                auto d = (*s)->client->remove(secrets_resource, (*s)->ns, sec);
                if (d || d.error().code == errc::not_found) std::printf("Removing secret %s\n", sec.c_str());
            }
        }
    }
    if (!wait || removing.empty()) return status;

    // Gone means: the Stack is gone and no workload or pod labelled with it is left (claims
    // are kept on purpose: data is never deleted implicitly).
    auto const deadline = std::chrono::steady_clock::now() + timeout;
    auto t0 = std::chrono::steady_clock::now();
    std::string left;
    while (true) {
        left.clear();
        for (auto const& name : removing) {
            auto st = (*s)->client->get(stacks_resource, (*s)->ns, name);
            if (st) {
                left += fmt::format(" stack/{}", name);
                continue;
            }
            for (auto const* r : {&deployments_resource, &statefulsets_resource, &daemonsets_resource,
                                  &pods_resource}) {
                auto items = list_labelled(**s, *r, name);
                if (!items) return fail(items.error().message);
                for (auto const& it : *items) left += fmt::format(" {}/{}", r->plural, kube::meta_string(*it, "name"));
            }
        }
        if (left.empty()) {
            std::printf("Removed (%llds); volume claims, if any, are kept\n",
                        static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(
                                                   std::chrono::steady_clock::now() - t0)
                                                   .count()));
            return status;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return fail(fmt::format("not removed after {}s; still there:{}",
                                    std::chrono::duration_cast<std::chrono::seconds>(timeout).count(), left));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
}

}  // namespace op::cli
