// Tables and documents of `stack ls|services|ps` (pure). See op/cli/stack.hpp.
#include "op/api/versions.hpp"
#include "op/cli/stack.hpp"
#include "op/compose/json_to_yaml.hpp"
#include "op/mapping/labels.hpp"
#include "op/util/json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <map>

namespace op::cli {
namespace {

using rapidjson::Value;

std::string str_at(Value const& obj, std::initializer_list<std::string_view> path) {
    Value const* v = &obj;
    for (auto key : path) {
        if (!v->IsObject()) return {};
        v = json::find(*v, key);
        if (v == nullptr) return {};
    }
    return v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : std::string();
}

std::int64_t int_at(Value const& obj, std::initializer_list<std::string_view> path,
                    std::int64_t fallback = 0) {
    Value const* v = &obj;
    for (auto key : path) {
        if (!v->IsObject()) return fallback;
        v = json::find(*v, key);
        if (v == nullptr) return fallback;
    }
    return v->IsInt64() ? v->GetInt64() : fallback;
}

std::string label_of(Value const& obj, std::string_view key) {
    return str_at(obj, {"metadata", "labels", key});
}

std::optional<api::stack_status> status_of(Value const& stack) {
    auto const* st = json::find(stack, "status");
    if (st == nullptr || !st->IsObject()) return std::nullopt;
    auto s = api::decode_status(*st, "status");
    if (!s) return std::nullopt;
    return std::move(*s);
}

std::optional<api::stack_spec> spec_of(Value const& stack) {
    auto const* sp = json::find(stack, "spec");
    if (sp == nullptr || !sp->IsObject()) return std::nullopt;
    auto s = api::decode_spec(*sp, "spec");
    if (!s) return std::nullopt;
    return std::move(*s);
}

std::string short_id(std::string_view uid) {
    std::string out;
    for (char c : uid) {
        if (c != '-') out += c;
        if (out.size() == 12) break;
    }
    return out;
}

std::string ports_of(api::service_config const& svc) {
    std::string out;
    for (auto const& p : svc.ports) {
        std::string proto = p.protocol.empty() ? "tcp" : p.protocol;
        std::transform(proto.begin(), proto.end(), proto.begin(), ::tolower);
        std::string one = p.published != 0 ? fmt::format("*:{}->{}/{}", p.published, p.target, proto)
                                           : fmt::format("{}/{}", p.target, proto);
        out += (out.empty() ? "" : ", ") + one;
    }
    return out;
}

Value str_value(std::string_view s, rapidjson::Document::AllocatorType& a) {
    return json::string_value(s, a);
}

}  // namespace

std::string render_table(table const& t) {
    std::size_t const n = t.header.size();
    std::vector<std::size_t> width(n, 0);
    for (std::size_t i = 0; i < n; ++i) width[i] = t.header[i].size();
    for (auto const& r : t.rows) {
        for (std::size_t i = 0; i < n && i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
    }
    std::string out;
    auto line = [&](std::vector<std::string> const& cells) {
        std::string l;
        for (std::size_t i = 0; i < n; ++i) {
            std::string const& c = i < cells.size() ? cells[i] : std::string();
            l += c;
            if (i + 1 < n) l.append(width[i] - c.size() + 3, ' ');
        }
        while (!l.empty() && l.back() == ' ') l.pop_back();
        out += l + "\n";
    };
    line(t.header);
    for (auto const& r : t.rows) line(r);
    return out;
}

std::string age_of(std::string_view ts, std::chrono::system_clock::time_point now) {
    std::tm tm{};
    if (ts.size() < 20) return {};
    std::string s(ts.substr(0, 19));
    if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                    &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
        return {};
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    auto then = std::chrono::system_clock::from_time_t(timegm(&tm));
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(now - then).count();
    if (secs < 0) secs = 0;
    if (secs < 120) return fmt::format("{}s", secs);
    if (secs < 7200) return fmt::format("{}m", secs / 60);
    if (secs < 2 * 86400) return fmt::format("{}h", secs / 3600);
    return fmt::format("{}d", secs / 86400);
}

std::vector<stack_row> stack_rows(std::vector<Value const*> const& stacks,
                                  std::chrono::system_clock::time_point now) {
    std::vector<stack_row> rows;
    for (auto const* s : stacks) {
        stack_row r;
        r.name = str_at(*s, {"metadata", "name"});
        r.namespace_ = str_at(*s, {"metadata", "namespace"});
        r.age = age_of(str_at(*s, {"metadata", "creationTimestamp"}), now);
        auto st = status_of(*s);
        auto sp = spec_of(*s);
        r.services = sp ? static_cast<int>(sp->services.size()) : 0;
        if (st) {
            r.phase = st->phase;
            r.message = st->message;
            for (auto const& [name, c] : st->services) r.ready_services += c.ready >= c.desired ? 1 : 0;
            if (!sp && st->service_count) r.services = *st->service_count;
        }
        rows.push_back(std::move(r));
    }
    std::sort(rows.begin(), rows.end(), [](auto const& a, auto const& b) {
        return std::tie(a.namespace_, a.name) < std::tie(b.namespace_, b.name);
    });
    return rows;
}

std::vector<service_row> service_rows(Value const& stack, std::vector<Value const*> const& workloads) {
    std::vector<service_row> rows;
    auto sp = spec_of(stack);
    if (!sp) return rows;
    auto st = status_of(stack);
    std::map<std::string, Value const*> by_service;
    for (auto const* w : workloads) by_service.emplace(label_of(*w, mapping::label_service_name), w);
    for (auto const& svc : sp->services) {
        service_row r;
        r.name = svc.name;
        r.mode = svc.deploy.mode == "global" ? "global" : "replicated";
        r.image = svc.image;
        r.ports = ports_of(svc);
        r.desired = svc.deploy.replicas ? static_cast<int>(*svc.deploy.replicas) : 1;
        if (st) {
            if (auto it = st->services.find(svc.name); it != st->services.end()) {
                r.desired = it->second.desired;
                r.ready = it->second.ready;
            }
        }
        if (auto it = by_service.find(svc.name); it != by_service.end()) {
            Value const& w = *it->second;
            r.id = short_id(str_at(w, {"metadata", "uid"}));
            if (str_at(w, {"kind"}) == "DaemonSet") {
                r.desired = static_cast<int>(int_at(w, {"status", "desiredNumberScheduled"}));
                r.ready = static_cast<int>(int_at(w, {"status", "numberReady"}));
            } else {
                r.desired = static_cast<int>(int_at(w, {"spec", "replicas"}, 1));
                r.ready = static_cast<int>(int_at(w, {"status", "readyReplicas"}));
            }
        }
        rows.push_back(std::move(r));
    }
    return rows;
}

std::vector<task_row> task_rows(std::vector<Value const*> const& pods,
                                std::chrono::system_clock::time_point now) {
    std::vector<task_row> rows;
    for (auto const* p : pods) {
        Value const& pod = *p;
        task_row r;
        r.id = short_id(str_at(pod, {"metadata", "uid"}));
        r.name = str_at(pod, {"metadata", "name"});
        r.service = label_of(pod, mapping::label_service_name);
        r.node = str_at(pod, {"spec", "nodeName"});
        bool const deleting = !str_at(pod, {"metadata", "deletionTimestamp"}).empty();
        r.desired_state = deleting ? "Shutdown" : "Running";
        std::string phase = str_at(pod, {"status", "phase"});
        if (phase.empty()) phase = "Pending";
        std::string since = str_at(pod, {"status", "startTime"});
        if (since.empty()) since = str_at(pod, {"metadata", "creationTimestamp"});
        std::string age = age_of(since, now);
        r.current_state = age.empty() ? phase : fmt::format("{} {} ago", phase, age);
        if (auto const* spec = json::find(pod, "spec")) {
            if (auto const* cs = json::find(*spec, "containers"); cs && cs->IsArray() && !cs->Empty()) {
                r.image = str_at((*cs)[0], {"image"});
            }
        }
        auto const* status = json::find(pod, "status");
        auto const* statuses = status ? json::find(*status, "containerStatuses") : nullptr;
        if (statuses && statuses->IsArray()) {
            for (auto const& c : statuses->GetArray()) {
                r.restarts += static_cast<int>(int_at(c, {"restartCount"}));
                std::string why = str_at(c, {"state", "waiting", "reason"});
                if (why.empty()) why = str_at(c, {"state", "terminated", "reason"});
                if (!why.empty() && r.error.empty()) r.error = why;
            }
        }
        if (r.error.empty()) r.error = str_at(pod, {"status", "reason"});
        if (r.error.empty() && phase == "Pending" && status) {
            if (auto const* conds = json::find(*status, "conditions"); conds && conds->IsArray()) {
                for (auto const& c : conds->GetArray()) {
                    if (str_at(c, {"type"}) == "PodScheduled" && str_at(c, {"status"}) == "False") {
                        r.error = str_at(c, {"reason"});
                    }
                }
            }
        }
        rows.push_back(std::move(r));
    }
    std::sort(rows.begin(), rows.end(), [](auto const& a, auto const& b) {
        return std::tie(a.service, a.name) < std::tie(b.service, b.name);
    });
    return rows;
}

table stacks_table(std::vector<stack_row> const& rows, bool with_namespace) {
    table t;
    t.header = {"NAME", "SERVICES", "READY", "PHASE"};
    if (with_namespace) t.header.push_back("NAMESPACE");
    t.header.push_back("AGE");
    for (auto const& r : rows) {
        std::vector<std::string> row{r.name, std::to_string(r.services),
                                     fmt::format("{}/{}", r.ready_services, r.services), r.phase};
        if (with_namespace) row.push_back(r.namespace_);
        row.push_back(r.age);
        t.rows.push_back(std::move(row));
    }
    return t;
}

table services_table(std::vector<service_row> const& rows) {
    table t;
    t.header = {"ID", "NAME", "MODE", "REPLICAS", "IMAGE", "PORTS"};
    for (auto const& r : rows) {
        t.rows.push_back({r.id, r.name, r.mode, fmt::format("{}/{}", r.ready, r.desired), r.image, r.ports});
    }
    return t;
}

table tasks_table(std::vector<task_row> const& rows) {
    table t;
    t.header = {"ID", "NAME", "SERVICE", "IMAGE", "NODE", "DESIRED STATE", "CURRENT STATE",
                "RESTARTS", "ERROR"};
    for (auto const& r : rows) {
        t.rows.push_back({r.id, r.name, r.service, r.image, r.node, r.desired_state,
                          r.current_state, std::to_string(r.restarts), r.error});
    }
    return t;
}

rapidjson::Document stacks_json(std::vector<stack_row> const& rows) {
    rapidjson::Document d(rapidjson::kArrayType);
    auto& a = d.GetAllocator();
    for (auto const& r : rows) {
        Value o(rapidjson::kObjectType);
        o.AddMember("name", str_value(r.name, a), a);
        o.AddMember("namespace", str_value(r.namespace_, a), a);
        o.AddMember("services", r.services, a);
        o.AddMember("readyServices", r.ready_services, a);
        o.AddMember("phase", str_value(r.phase, a), a);
        o.AddMember("message", str_value(r.message, a), a);
        o.AddMember("age", str_value(r.age, a), a);
        d.PushBack(o, a);
    }
    return d;
}

rapidjson::Document services_json(std::vector<service_row> const& rows) {
    rapidjson::Document d(rapidjson::kArrayType);
    auto& a = d.GetAllocator();
    for (auto const& r : rows) {
        Value o(rapidjson::kObjectType);
        o.AddMember("id", str_value(r.id, a), a);
        o.AddMember("name", str_value(r.name, a), a);
        o.AddMember("mode", str_value(r.mode, a), a);
        o.AddMember("ready", r.ready, a);
        o.AddMember("desired", r.desired, a);
        o.AddMember("image", str_value(r.image, a), a);
        o.AddMember("ports", str_value(r.ports, a), a);
        d.PushBack(o, a);
    }
    return d;
}

rapidjson::Document tasks_json(std::vector<task_row> const& rows) {
    rapidjson::Document d(rapidjson::kArrayType);
    auto& a = d.GetAllocator();
    for (auto const& r : rows) {
        Value o(rapidjson::kObjectType);
        o.AddMember("id", str_value(r.id, a), a);
        o.AddMember("name", str_value(r.name, a), a);
        o.AddMember("service", str_value(r.service, a), a);
        o.AddMember("image", str_value(r.image, a), a);
        o.AddMember("node", str_value(r.node, a), a);
        o.AddMember("desiredState", str_value(r.desired_state, a), a);
        o.AddMember("currentState", str_value(r.current_state, a), a);
        o.AddMember("restarts", r.restarts, a);
        o.AddMember("error", str_value(r.error, a), a);
        d.PushBack(o, a);
    }
    return d;
}

std::vector<std::string> stale_secrets(std::vector<Value const*> const& labelled,
                                       std::vector<std::string> const& keep) {
    std::vector<std::string> out;
    for (auto const* s : labelled) {
        std::string name = str_at(*s, {"metadata", "name"});
        if (name.empty() || std::find(keep.begin(), keep.end(), name) != keep.end()) continue;
        auto const* meta = json::find(*s, "metadata");
        auto const* managed = meta && meta->IsObject() ? json::find(*meta, "managedFields") : nullptr;
        if (!managed || !managed->IsArray()) continue;
        bool ours = false;
        for (auto const& m : managed->GetArray()) {
            ours = ours || (str_at(m, {"manager"}) == stack_field_manager &&
                            str_at(m, {"operation"}) == "Apply");
        }
        if (ours) out.push_back(std::move(name));
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string render_document(Value const& doc, std::string_view output) {
    if (output == "yaml") return compose::json_to_yaml(doc);
    return json::dump_pretty(doc) + "\n";
}

}  // namespace op::cli
