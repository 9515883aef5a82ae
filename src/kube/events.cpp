#include "op/kube/events.hpp"

#include "op/util/json.hpp"
#include "op/util/log.hpp"

#include <boost/asio/detached.hpp>
#include <fmt/format.h>

namespace op::kube {

namespace {

resource const events_resource{"events.k8s.io", "v1", "events", true};
constexpr std::size_t max_note = 1024;

void put(rapidjson::Value& o, char const* k, std::string_view v, rapidjson::Document& d) {
    json::set(o, k, json::string_value(v, d.GetAllocator()), d.GetAllocator());
}

}  // namespace

object_ref object_ref::of(rapidjson::Value const& obj) {
    object_ref r;
    auto s = [&](char const* k) {
        auto v = json::get_string(obj, k, "");
        return v && *v ? std::string(**v) : std::string{};
    };
    r.api_version = s("apiVersion");
    r.kind = s("kind");
    r.ns = std::string(meta_string(obj, "namespace"));
    r.name = std::string(meta_string(obj, "name"));
    r.uid = std::string(meta_string(obj, "uid"));
    r.resource_version = std::string(meta_string(obj, "resourceVersion"));
    return r;
}

event_recorder::event_recorder(client& c, recorder_options opts, util::clock& clk)
    : state_(new state{c, std::move(opts), &clk, {}, {}, {}}) {}

std::size_t event_recorder::tracked() const {
    std::lock_guard lock(state_->mutex);
    return state_->series_by_key.size();
}

void event_recorder::record(object_ref const& regarding, event_type type, std::string reason,
                            std::string action, std::string note) {
    net::co_spawn(state_->c.io(),
                  write(state_, regarding, type, std::move(reason), std::move(action), std::move(note)),
                  [](std::exception_ptr, result<object> r) {
                      if (!r) log::warn("event write failed", {{"error", r.error().what()}});
                  });
}

result<object> event_recorder::record_sync(object_ref const& regarding, event_type type,
                                           std::string reason, std::string action,
                                           std::string note) {
    return state_->c.run(write(state_, regarding, type, std::move(reason), std::move(action),
                               std::move(note)));
}

net::awaitable<result<object>> event_recorder::write(std::shared_ptr<state> s, object_ref regarding,
                                                     event_type type, std::string reason,
                                                     std::string action, std::string note) {
    if (note.size() > max_note) note.resize(max_note);
    std::string ns = regarding.ns.empty() ? "default" : regarding.ns;
    std::string key = fmt::format("{}|{}|{}|{}|{}|{}|{}|{}", regarding.uid, ns, regarding.kind,
                                  regarding.name, static_cast<int>(type), reason, action, note);
    auto now_wall = s->clock->wall_now();
    std::string repeat_name;
    int count = 0;
    {
        std::lock_guard lock(s->mutex);
        auto it = s->series_by_key.find(key);
        if (it != s->series_by_key.end() && s->clock->now() - it->second.first < s->opts.window) {
            count = ++it->second.count;
            repeat_name = it->second.event_name;
            s->lru.splice(s->lru.end(), s->lru, it->second.lru);
        }
    }
    if (!repeat_name.empty()) {
        std::string patch = fmt::format(R"({{"series":{{"count":{},"lastObservedTime":"{}"}}}})",
                                        count, micro_time(now_wall));
        auto r = co_await s->c.async_patch(events_resource, ns, repeat_name, patch_type::merge,
                                              std::move(patch));
        if (r || r.error().code != errc::not_found) co_return r;
        // The Event expired on the server (TTL): start a new series below.
    }
    auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now_wall.time_since_epoch());
    std::string name = fmt::format("{}.{:x}", regarding.name.empty() ? "event" : regarding.name,
                                   nanos.count());
    rapidjson::Document d(rapidjson::kObjectType);
    put(d, "apiVersion", "events.k8s.io/v1", d);
    put(d, "kind", "Event", d);
    rapidjson::Value meta(rapidjson::kObjectType);
    put(meta, "name", name, d);
    put(meta, "namespace", ns, d);
    json::set(d, "metadata", std::move(meta), d.GetAllocator());
    put(d, "eventTime", micro_time(now_wall), d);
    put(d, "reportingController", s->opts.reporting_controller, d);
    put(d, "reportingInstance",
        s->opts.reporting_instance.empty() ? s->opts.reporting_controller : s->opts.reporting_instance, d);
    put(d, "action", action, d);
    put(d, "reason", reason, d);
    put(d, "note", note, d);
    put(d, "type", type == event_type::warning ? "Warning" : "Normal", d);
    rapidjson::Value ref(rapidjson::kObjectType);
    if (!regarding.api_version.empty()) put(ref, "apiVersion", regarding.api_version, d);
    if (!regarding.kind.empty()) put(ref, "kind", regarding.kind, d);
    if (!regarding.ns.empty()) put(ref, "namespace", regarding.ns, d);
    if (!regarding.name.empty()) put(ref, "name", regarding.name, d);
    if (!regarding.uid.empty()) put(ref, "uid", regarding.uid, d);
    if (!regarding.resource_version.empty())
        put(ref, "resourceVersion", regarding.resource_version, d);
    json::set(d, "regarding", std::move(ref), d.GetAllocator());
    auto r = co_await s->c.async_create(events_resource, ns, json::dump(d));
    if (!r) co_return r;
    std::lock_guard lock(s->mutex);
    auto it = s->series_by_key.find(key);
    if (it != s->series_by_key.end()) {
        s->lru.erase(it->second.lru);
        s->series_by_key.erase(it);
    }
    s->lru.push_back(key);
    s->series_by_key.emplace(key, series{name, ns, 1, s->clock->now(), std::prev(s->lru.end())});
    while (s->series_by_key.size() > s->opts.max_tracked) {
        s->series_by_key.erase(s->lru.front());
        s->lru.pop_front();
    }
    co_return r;
}

}  // namespace op::kube
