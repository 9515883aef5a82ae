// `stack deploy --wait` progress over Stack status snapshots (pure). See op/cli/stack.hpp.
#include "op/api/versions.hpp"
#include "op/cli/stack.hpp"
#include "op/util/json.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace op::cli {
namespace {

bool current(api::condition const& c, std::optional<std::int64_t> observed, std::int64_t generation) {
    auto g = c.observed_generation ? c.observed_generation : observed;
    return g && *g >= generation && c.status == "True";
}

std::string state_text(progress_snapshot const& s) {
    switch (s.state) {
        case stack_state::waiting: return "waiting for the operator";
        case stack_state::progressing: return s.phase.empty() ? "Progressing" : s.phase;
        case stack_state::ready: return "Ready";
        case stack_state::failed: return fmt::format("Failed ({})", s.reason.empty() ? s.phase : s.reason);
    }
    return {};
}

std::string service_word(service_progress const& p) {
    if (!p.known) return "waiting";
    if (p.ready >= p.desired) return "ready";
    if (p.updated < p.desired) return fmt::format("starting ({}/{} updated)", p.updated, p.desired);
    return "starting";
}

std::string counts(service_progress const& p) {
    if (!p.known) return "-/-";
    return fmt::format("{}/{}", p.ready, p.desired);
}

std::string stamp(std::chrono::seconds elapsed) { return fmt::format("[{:>4}s]", elapsed.count()); }

}  // namespace

progress_snapshot snapshot_of(rapidjson::Value const& stack, std::int64_t generation) {
    progress_snapshot s;
    if (auto const* spec = json::find(stack, "spec"); spec && spec->IsObject()) {
        if (auto const* svcs = json::find(*spec, "services"); svcs && svcs->IsArray()) {
            for (auto const& v : svcs->GetArray()) {
                if (!v.IsObject()) continue;
                auto const* n = json::find(v, "name");
                if (n && n->IsString()) s.services.push_back({n->GetString(), 0, 0, 0, false});
            }
        }
    }
    auto const* st = json::find(stack, "status");
    if (st == nullptr || !st->IsObject()) return s;
    auto status = api::decode_status(*st, "status");
    if (!status) return s;
    if (!status->observed_generation || *status->observed_generation < generation) return s;
    s.phase = status->phase;
    s.message = status->message;
    s.state = stack_state::progressing;
    for (auto& p : s.services) {
        if (auto it = status->services.find(p.name); it != status->services.end()) {
            p.desired = it->second.desired;
            p.ready = it->second.ready;
            p.updated = it->second.updated;
            p.known = true;
        }
    }
    for (auto const& c : status->conditions) {
        if (c.type == api::condition_stalled && current(c, status->observed_generation, generation)) {
            s.state = stack_state::failed;
            s.reason = c.reason;
            if (!c.message.empty()) s.message = c.message;
            return s;
        }
    }
    for (auto const& c : status->conditions) {
        if (c.type == api::condition_ready && current(c, status->observed_generation, generation)) {
            s.state = stack_state::ready;
        }
    }
    return s;
}

std::vector<std::string> progress_lines(progress_snapshot const& s, std::string_view stack_name,
                                        std::chrono::seconds elapsed) {
    std::vector<std::string> lines;
    lines.push_back(fmt::format("Stack {}: {} ({}s)", stack_name, state_text(s), elapsed.count()));
    std::size_t w = 0;
    for (auto const& p : s.services) w = std::max(w, p.name.size());
    for (auto const& p : s.services) {
        lines.push_back(fmt::format("  {:<{}}  {:>7}  {}", p.name, w, counts(p), service_word(p)));
    }
    return lines;
}

std::string redraw(std::size_t previous_lines, std::vector<std::string> const& lines,
                   std::size_t width) {
    std::string out;
    if (previous_lines > 0) out += fmt::format("\x1b[{}A", previous_lines);
    for (auto const& l : lines) {
        out += "\r\x1b[2K";
        out += width > 1 && l.size() >= width ? l.substr(0, width - 1) : l;
        out += '\n';
    }
    out += "\x1b[J";
    return out;
}

std::vector<std::string> progress_changes(std::optional<progress_snapshot> const& previous,
                                          progress_snapshot const& next,
                                          std::chrono::seconds elapsed) {
    std::vector<std::string> out;
    bool const state_changed = !previous || previous->state != next.state ||
                               previous->phase != next.phase ||
                               (next.state == stack_state::failed && previous->message != next.message);
    if (state_changed) out.push_back(fmt::format("{} stack: {}", stamp(elapsed), state_text(next)));
    for (auto const& p : next.services) {
        if (!p.known) continue;
        service_progress const* before = nullptr;
        if (previous) {
            for (auto const& q : previous->services) {
                if (q.name == p.name) before = &q;
            }
        }
        if (before && *before == p) continue;
        out.push_back(fmt::format("{} {}: {} {}", stamp(elapsed), p.name, counts(p), service_word(p)));
    }
    return out;
}

std::vector<std::string> not_ready_report(progress_snapshot const& s) {
    std::vector<std::string> out;
    if (s.state == stack_state::waiting) {
        out.push_back("the operator has not reported on this version of the stack yet (is it running?)");
    } else if (!s.message.empty() && s.state != stack_state::failed) {
        out.push_back(fmt::format("stack status: {}{}", s.phase.empty() ? "" : s.phase + ": ", s.message));
    }
    for (auto const& p : s.services) {
        if (p.known && p.ready >= p.desired) continue;
        out.push_back(fmt::format("service {} is not ready: {} {}", p.name, counts(p), service_word(p)));
    }
    return out;
}

}  // namespace op::cli
