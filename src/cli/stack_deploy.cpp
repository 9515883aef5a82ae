// `compose-operator stack deploy`: resolve the project, pack it into a Stack (+ Secrets),
// server-side apply them, and optionally wait for Ready with live progress.
#include "op/api/versions.hpp"
#include "op/cli/convert.hpp"
#include "op/cli/pack.hpp"
#include "op/compose/load.hpp"
#include "op/mapping/labels.hpp"
#include "op/util/json.hpp"
#include "stack_session.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <sys/ioctl.h>
#include <unistd.h>

extern char** environ;

namespace op::cli {
namespace {

namespace fs = std::filesystem;
using namespace detail;
using clock_type = std::chrono::steady_clock;

std::optional<std::string> read_text(std::string const& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return std::nullopt;
    return std::move(ss).str();
}

file_access real_files() {
    return {[](std::string const& p) {
                std::error_code ec;
                return fs::is_regular_file(p, ec);
            },
            read_text};
}

compose::environment_map process_environment() {
    compose::environment_map env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        std::string_view kv(*e);
        auto eq = kv.find('=');
        if (eq != std::string_view::npos) env[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
    }
    return env;
}

// What deploy writes: the Stack and the Secrets it needs, in apply order.
struct packed {
    std::string name;
    rapidjson::Document stack;
    std::vector<rapidjson::Document> secrets;
    std::vector<std::string> warnings;
};

result<packed> pack_project(project_inputs const& in, deploy_options const& o, std::string const& ns) {
    std::vector<compose::source_file> files;
    for (auto const& f : in.files) {
        auto text = read_text(f);
        if (!text) return invalid(fmt::format("cannot read {}", f), "--compose-file");
        files.push_back({f, std::move(*text)});
    }
    compose::load_options lo;
    lo.environment = in.environment;
    lo.profiles = in.profiles;
    lo.home = env_or_empty("HOME");
    fs::path const base(in.working_dir);
    lo.read_file = compose_file_reader(base);
    OP_TRY(auto loaded, compose::load_files(files, lo));
    pack_options po;
    // docker compose's precedence: COMPOSE_PROJECT_NAME, then the file's name:, then the folder.
    po.project_name = project_name(in.project_name.empty() ? loaded.project.name : in.project_name,
                                   "", base.filename().string());
    po.stack_name = !o.name.empty() ? o.name : stack_name_from(po.project_name);
    if (po.stack_name.empty()) {
        return invalid("cannot derive a stack name from the project; give NAME", "NAME");
    }
    po.namespace_ = ns;
    po.image_prefix = o.image_prefix;
    po.version = api::version::v1beta2;
    OP_TRY(auto pk, pack(std::move(loaded), base, po));
    packed p;
    p.name = po.stack_name;
    p.stack = std::move(pk.stack);
    p.secrets = std::move(pk.secrets);
    p.warnings = std::move(pk.warnings);
    return p;
}

std::string kind_name(rapidjson::Value const& obj) {
    auto const* k = json::find(obj, "kind");
    std::string kind = k && k->IsString() ? k->GetString() : "";
    std::string name(kube::meta_string(obj, "name"));
    if (kind == "Stack") return "stack.compose.docker.com/" + name;
    std::string lower = kind;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower + "/" + name;
}

std::int64_t generation_of(rapidjson::Value const& obj) {
    auto const* m = json::find(obj, "metadata");
    auto const* g = m ? json::find(*m, "generation") : nullptr;
    return g && g->IsInt64() ? g->GetInt64() : 0;
}

// One top-level field of each service that differs, by service name: "web: image, ports".
std::vector<std::string> service_changes(rapidjson::Value const& before, rapidjson::Value const& after) {
    auto by_name = [](rapidjson::Value const& stack) {
        std::map<std::string, rapidjson::Value const*> out;
        auto const* spec = json::find(stack, "spec");
        auto const* svcs = spec ? json::find(*spec, "services") : nullptr;
        if (svcs && svcs->IsArray()) {
            for (auto const& s : svcs->GetArray()) {
                auto const* n = s.IsObject() ? json::find(s, "name") : nullptr;
                if (n && n->IsString()) out.emplace(n->GetString(), &s);
            }
        }
        return out;
    };
    auto b = by_name(before), a = by_name(after);
    std::vector<std::string> out;
    for (auto const& [name, v] : a) {
        auto it = b.find(name);
        if (it == b.end()) {
            out.push_back(fmt::format("  + service {}", name));
            continue;
        }
        std::vector<std::string> keys;
        for (auto const& m : v->GetObject()) {
            auto const* old = json::find(*it->second, m.name.GetString());
            if (!old || *old != m.value) keys.emplace_back(m.name.GetString());
        }
        for (auto const& m : it->second->GetObject()) {
            if (!json::find(*v, m.name.GetString())) keys.emplace_back(m.name.GetString());
        }
        if (!keys.empty()) {
            std::string all;
            for (auto const& k : keys) all += (all.empty() ? "" : ", ") + k;
            out.push_back(fmt::format("  ~ service {}: {}", name, all));
        }
    }
    for (auto const& [name, v] : b) {
        if (!a.count(name)) out.push_back(fmt::format("  - service {}", name));
    }
    return out;
}

// Applies one object; prints what happened ("created", "configured", "unchanged", with
// "(server dry run)"). Returns the object the server returned.
result<kube::object> apply_one(session& s, kube::resource const& r, rapidjson::Value const& obj,
                               bool dry_run) {
    std::string name(kube::meta_string(obj, "name"));
    std::string what = kind_name(obj);
    std::string action = fmt::format("apply {} in namespace {}", what, s.ns);
    auto before = s.client->get(r, s.ns, name);
    if (!before && before.error().code != errc::not_found) return error{before.error().code, explain_error(before.error(), action), {}};
    kube::apply_options ao;
    ao.field_manager = std::string(stack_field_manager);
    ao.force = true;
    ao.dry_run = dry_run;
    auto after = s.client->apply(r, s.ns, name, json::dump(obj), ao);
    if (!after) return error{after.error().code, explain_error(after.error(), action), {}};
    std::string verb;
    std::vector<std::string> detail;
    if (!before) {
        verb = "created";
    } else if (r.plural == "stacks") {
        bool changed = generation_of(**before) != generation_of(**after);
        verb = changed ? "configured" : "unchanged";
        if (changed) detail = service_changes(**before, **after);
    } else {
        auto const* d0 = json::find(**before, "data");
        auto const* d1 = json::find(**after, "data");
        bool same = (d0 == nullptr && d1 == nullptr) || (d0 && d1 && *d0 == *d1);
        verb = same ? "unchanged" : "configured";
    }
    std::printf("%s %s%s\n", what.c_str(), verb.c_str(), dry_run ? " (server dry run)" : "");
    for (auto const& l : detail) std::printf("%s\n", l.c_str());
    return after;
}

// Deletes the Secrets an earlier deploy of this stack wrote and this one does not.
result<void> prune_secrets(session& s, packed const& p, bool dry_run) {
    kube::list_options lo;
    lo.label_selector = fmt::format("{}={}", mapping::label_stack_namespace, p.name);
    auto got = s.client->list(secrets_resource, s.ns, lo);
    if (!got) {
        // Reading Secrets may be forbidden to someone allowed to write them: then nothing is pruned.
        if (got.error().code == errc::terminal) return {};
        return error{got.error().code, explain_error(got.error(), "list the stack's Secrets"), {}};
    }
    std::vector<std::string> keep;
    for (auto const& sec : p.secrets) keep.emplace_back(kube::meta_string(sec, "name"));
    std::vector<rapidjson::Value const*> items;
    for (auto const& it : got->items) items.push_back(it.get());
    for (auto const& name : stale_secrets(items, keep)) {
        if (!dry_run) {
            auto r = s.client->remove(secrets_resource, s.ns, name);
            if (!r && r.error().code != errc::not_found) {
                return error{r.error().code, explain_error(r.error(), "delete secret/" + name), {}};
            }
        }
        std::printf("secret/%s %s\n", name.c_str(), dry_run ? "would be pruned (dry run)" : "pruned");
    }
    return {};
}

bool stdout_is_terminal() {
    if (!isatty(STDOUT_FILENO)) return false;
    auto term = env_or_empty("TERM");
    return term != "dumb";
}

std::size_t terminal_width() {
    winsize w{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 0) return w.ws_col;
    return 0;
}

// The pods of the services that are not ready, with their state and error (best effort).
void print_stuck_pods(session& s, std::string const& name, progress_snapshot const& snap) {
    kube::list_options lo;
    lo.label_selector = fmt::format("{}={}", mapping::label_stack_namespace, name);
    auto pods = s.client->list(pods_resource, s.ns, lo);
    if (!pods) return;
    std::vector<rapidjson::Value const*> items;
    for (auto const& p : pods->items) items.push_back(p.get());
    for (auto const& t : task_rows(items, std::chrono::system_clock::now())) {
        bool service_ready = false;
        for (auto const& p : snap.services) service_ready = service_ready || (p.name == t.service && p.known && p.ready >= p.desired);
        if (service_ready || (t.error.empty() && t.current_state.starts_with("Running"))) continue;
        std::fprintf(stderr, "  pod %s (service %s): %s%s%s\n", t.name.c_str(), t.service.c_str(),
                     t.current_state.c_str(), t.error.empty() ? "" : ", ", t.error.c_str());
    }
}

// Waits until the stack is Ready at `generation`, Stalled, or the deadline passes.
int wait_ready(session& s, std::string const& name, std::int64_t generation,
               std::chrono::milliseconds timeout) {
    bool const tty = stdout_is_terminal();
    auto const t0 = clock_type::now();
    auto const deadline = t0 + timeout;
    std::optional<progress_snapshot> previous;
    std::size_t drawn = 0;
    std::string last_error;
    while (true) {
        auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(clock_type::now() - t0);
        auto got = s.client->get(stacks_resource, s.ns, name);
        if (!got) {
            if (got.error().code != errc::transient) {
                return fail(explain_error(got.error(), fmt::format("read stack {} in namespace {}", name, s.ns)));
            }
            last_error = got.error().what();
        } else {
            auto snap = snapshot_of(**got, generation);
            if (tty) {
                auto text = redraw(drawn, progress_lines(snap, name, elapsed), terminal_width());
                drawn = 1 + snap.services.size();
                std::fputs(text.c_str(), stdout);
            } else {
                for (auto const& l : progress_changes(previous, snap, elapsed)) std::printf("%s\n", l.c_str());
            }
            std::fflush(stdout);
            previous = snap;
            if (snap.state == stack_state::ready) {
                std::printf("Stack %s is Ready (%llds)\n", name.c_str(),
                            static_cast<long long>(elapsed.count()));
                return exit_ok;
            }
            if (snap.state == stack_state::failed) {
                std::fprintf(stderr, "error: stack %s failed (%s): %s\n", name.c_str(),
                             snap.reason.c_str(), snap.message.c_str());
                for (auto const& l : not_ready_report(snap)) std::fprintf(stderr, "  %s\n", l.c_str());
                return exit_failed;
            }
        }
        auto now = clock_type::now();
        if (now >= deadline) {
            std::fprintf(stderr, "error: stack %s is not Ready after %llds\n", name.c_str(),
                         static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()));
            if (previous) {
                for (auto const& l : not_ready_report(*previous)) std::fprintf(stderr, "  %s\n", l.c_str());
                print_stuck_pods(s, name, *previous);
            }
            if (!last_error.empty()) std::fprintf(stderr, "  last error: %s\n", last_error.c_str());
            return exit_failed;
        }
        auto step = std::min<clock_type::duration>(std::chrono::milliseconds(1000), deadline - now);
        std::this_thread::sleep_for(step);
    }
}

}  // namespace

int run_stack_deploy(deploy_options const& o) {
    auto waiting = wait_timeout(o.wait, o.timeout_given, o.timeout);
    if (!waiting) {
        std::fprintf(stderr, "error: %s\n", waiting.error().what().c_str());
        return exit_usage;
    }
    bool const wait = waiting->has_value();
    auto const timeout = waiting->value_or(std::chrono::milliseconds(0));
    if (!o.name.empty()) {
        if (auto why = invalid_stack_name(o.name); !why.empty()) {
            std::fprintf(stderr, "error: NAME: %s\n", why.c_str());
            return exit_usage;
        }
    }
    if (o.dry_run && wait) {
        std::fprintf(stderr, "error: --dry-run: cannot be combined with --wait/--timeout (nothing is deployed)\n");
        return exit_usage;
    }
    std::error_code ec;
    std::string cwd = fs::current_path(ec).string();
    auto inputs = resolve_project(o, cwd, process_environment(), real_files());
    if (!inputs) {
        std::fprintf(stderr, "error: %s\n", inputs.error().what().c_str());
        auto const& path = inputs.error().field_path;
        return path.starts_with("--") ? exit_usage : exit_failed;
    }
    for (auto const& w : inputs->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());

    auto s = open_session(o.cluster);
    if (!s) return fail(s.error().what());
    auto p = pack_project(*inputs, o, (*s)->ns);
    if (!p) return fail(p.error().what());
    for (auto const& w : p->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());

    for (auto const& secret : p->secrets) {
        auto r = apply_one(**s, secrets_resource, secret, o.dry_run);
        if (!r) return fail(r.error().message);
    }
    auto applied = apply_one(**s, stacks_resource, p->stack, o.dry_run);
    if (!applied) return fail(applied.error().message);
    if (auto pruned = prune_secrets(**s, *p, o.dry_run); !pruned) return fail(pruned.error().message);
    if (o.dry_run || !wait) return exit_ok;
    return wait_ready(**s, p->name, generation_of(**applied), timeout);
}

}  // namespace op::cli
