#include "op/reconcile/status.hpp"

#include "op/util/json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace op::reconcile {
namespace {

// An integer at obj.<section>.<field>, or nullopt when absent or not an integer.
std::optional<std::int64_t> int_at(rapidjson::Value const& obj, std::string_view section,
                                   std::string_view field) {
    auto const* s = json::find(obj, section);
    if (!s) return std::nullopt;
    auto const* v = json::find(*s, field);
    if (!v || !v->IsInt64()) return std::nullopt;
    return v->GetInt64();
}

std::int32_t clamp32(std::int64_t v) {
    return static_cast<std::int32_t>(
        std::clamp<std::int64_t>(v, 0, std::numeric_limits<std::int32_t>::max()));
}

api::condition make_condition(std::optional<api::stack_status> const& previous,
                              std::string_view type, bool value, std::string reason,
                              std::string message, std::int64_t generation,
                              std::chrono::system_clock::time_point now) {
    api::condition c;
    c.type = std::string(type);
    c.status = value ? "True" : "False";
    c.reason = std::move(reason);
    c.message = std::move(message);
    c.observed_generation = generation;
    api::condition const* old = previous ? find_condition(*previous, type) : nullptr;
    c.last_transition_time =
        (old && old->status == c.status && !old->last_transition_time.empty())
            ? old->last_transition_time
            : rfc3339(now);
    return c;
}

std::string progress_message(std::map<std::string, workload_state> const& services) {
    std::string waiting;
    int count = 0;
    for (auto const& [name, st] : services) {
        if (st.ready) continue;
        if (count++) waiting += ", ";
        waiting += fmt::format("{} (ready {}/{}, updated {}/{})", name, st.counts.ready,
                               st.counts.desired, st.counts.updated, st.counts.desired);
    }
    return fmt::format("waiting for {} of {} services: {}", count, services.size(), waiting);
}

}  // namespace

workload_state workload_state_of(child_kind kind, rapidjson::Value const& obj) {
    workload_state st;
    auto const generation = int_at(obj, "metadata", "generation").value_or(0);
    auto const observed = int_at(obj, "status", "observedGeneration");
    bool const current = observed && *observed == generation;
    std::int64_t total = 0;
    if (kind == child_kind::daemon_set) {
        st.counts.desired = clamp32(int_at(obj, "status", "desiredNumberScheduled").value_or(0));
        st.counts.ready = clamp32(int_at(obj, "status", "numberReady").value_or(0));
        st.counts.updated =
            current ? clamp32(int_at(obj, "status", "updatedNumberScheduled").value_or(0)) : 0;
        total = int_at(obj, "status", "currentNumberScheduled").value_or(0);
    } else {
        st.counts.desired = clamp32(int_at(obj, "spec", "replicas").value_or(1));
        st.counts.ready = clamp32(int_at(obj, "status", "readyReplicas").value_or(0));
        st.counts.updated =
            current ? clamp32(int_at(obj, "status", "updatedReplicas").value_or(0)) : 0;
        total = int_at(obj, "status", "replicas").value_or(0);
    }
    // Old pods still running (total > updated) mean the rollout is not finished (kstatus).
    st.ready = current && st.counts.updated >= st.counts.desired &&
               st.counts.ready >= st.counts.desired && total <= st.counts.updated;
    return st;
}

workload_state missing_workload_state(child_kind kind, rapidjson::Value const& desired) {
    workload_state st;
    if (kind != child_kind::daemon_set)
        st.counts.desired = clamp32(int_at(desired, "spec", "replicas").value_or(1));
    return st;
}

api::stack_status next_status(std::optional<api::stack_status> const& previous,
                              std::int64_t generation,
                              std::map<std::string, workload_state> const& services,
                              std::optional<stall> const& failure,
                              std::chrono::system_clock::time_point now) {
    api::stack_status s;
    s.observed_generation = generation;
    for (auto const& [name, st] : services) s.services[name] = st.counts;
    bool const all_ready = std::all_of(services.begin(), services.end(),
                                       [](auto const& e) { return e.second.ready; });

    std::string ready_reason, ready_message;
    bool reconciling = false;
    if (failure) {
        s.phase = api::phase_failure;
        s.message = failure->message;
        ready_reason = failure->reason;
        ready_message = failure->message;
    } else if (all_ready) {
        s.phase = api::phase_available;
        s.message = message_started;
        ready_reason = "Available";
        ready_message = fmt::format("all {} services are ready", services.size());
    } else {
        s.phase = api::phase_progressing;
        s.message = message_starting;
        ready_reason = "Progressing";
        ready_message = progress_message(services);
        reconciling = true;
    }
    bool const ready = !failure && all_ready;
    s.conditions.push_back(make_condition(previous, api::condition_ready, ready, ready_reason,
                                          ready_message, generation, now));
    s.conditions.push_back(make_condition(previous, api::condition_reconciling, reconciling,
                                          reconciling ? "Progressing" : ready_reason,
                                          reconciling ? ready_message : "", generation, now));
    s.conditions.push_back(make_condition(
        previous, api::condition_stalled, failure.has_value(),
        failure ? failure->reason : ready_reason, failure ? failure->message : "", generation, now));
    if (previous) {
        for (auto const& c : previous->conditions) {
            if (c.type != api::condition_ready && c.type != api::condition_reconciling &&
                c.type != api::condition_stalled)
                s.conditions.push_back(c);
        }
    }
    return api::summarized(std::move(s));
}

api::condition const* find_condition(api::stack_status const& status, std::string_view type) {
    for (auto const& c : status.conditions) {
        if (c.type == type) return &c;
    }
    return nullptr;
}

bool condition_true(std::optional<api::stack_status> const& status, std::string_view type) {
    if (!status) return false;
    auto const* c = find_condition(*status, type);
    return c && c->status == "True";
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    auto const secs = floor<seconds>(t);
    auto const days = floor<std::chrono::days>(secs);
    year_month_day const ymd{days};
    hh_mm_ss const hms{secs - days};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(ymd.year()),
                       static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                       hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

}  // namespace op::reconcile
