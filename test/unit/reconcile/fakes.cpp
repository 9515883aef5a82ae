#include "fakes.hpp"

#include "op/api/versions.hpp"
#include "op/util/json.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace op::reconcile::testing {
namespace {

using doc = rapidjson::Document;

std::shared_ptr<doc> copy(rapidjson::Value const& v) {
    auto d = std::make_shared<doc>();
    d->CopyFrom(v, d->GetAllocator());
    return d;
}

rapidjson::Value& member(rapidjson::Value& obj, char const* key, doc::AllocatorType& a) {
    if (!obj.HasMember(key)) obj.AddMember(rapidjson::StringRef(key), rapidjson::Value(rapidjson::kObjectType), a);
    return obj[key];
}

void set_int(rapidjson::Value& obj, char const* key, std::int64_t v, doc::AllocatorType& a) {
    json::set(obj, key, rapidjson::Value(v), a);
}

std::string who(std::optional<author> const& as) {
    return as && !as->empty() ? as->user : std::string("operator");
}

std::string labels(std::string const& stack, std::string const& svc) {
    return fmt::format(R"({{"com.docker.stack.namespace":"{}","com.docker.service.name":"{}"}})",
                       stack, svc);
}

}  // namespace

kube::object parse(std::string const& text) {
    auto r = json::parse(text);
    if (!r) throw std::runtime_error("bad test JSON: " + r.error().what() + ": " + text);
    return std::make_shared<doc>(std::move(*r));
}

std::string stack_json(std::vector<service_spec> const& services, std::int64_t generation) {
    std::string svcs;
    for (auto const& s : services) {
        if (!svcs.empty()) svcs += ",";
        std::string deploy = fmt::format(R"("replicas":{})", s.replicas);
        if (s.global) deploy += R"(,"mode":"global")";
        std::string vols = s.volume ? R"(,"volumes":[{"type":"volume","source":"data","target":"/data"}])" : "";
        svcs += fmt::format(R"({{"name":"{}","image":"nginx","deploy":{{{}}}{}}})", s.name, deploy,
                            vols);
    }
    return fmt::format(
        R"({{"apiVersion":"compose.docker.com/v1beta2","kind":"Stack","metadata":{{"name":"app",)"
        R"("namespace":"ns","uid":"stack-uid","generation":{},"resourceVersion":"1"}},)"
        R"("spec":{{"services":[{}]}}}})",
        generation, svcs);
}

std::vector<mapping::k8s_object> fake_map(api::stack const& s) {
    std::vector<mapping::k8s_object> out;
    auto const& stack = s.metadata.name;
    auto const& ns = s.metadata.namespace_;
    for (auto const& svc : s.spec.services) {
        bool const global = svc.deploy.mode == "global";
        bool const volume = !svc.volumes.empty();
        std::string const kind = global ? "DaemonSet" : volume ? "StatefulSet" : "Deployment";
        std::string const replicas =
            global ? "" : fmt::format(R"("replicas":{},)", svc.deploy.replicas.value_or(1));
        auto w = fmt::format(
            R"({{"apiVersion":"apps/v1","kind":"{}","metadata":{{"name":"{}","namespace":"{}",)"
            R"("labels":{}}},"spec":{{{}"template":{{"spec":{{"containers":[{{"name":"{}",)"
            R"("image":"{}"}}]}}}}}}}})",
            kind, svc.name, ns, labels(stack, svc.name), replicas, svc.name, svc.image);
        auto v = fmt::format(
            R"({{"apiVersion":"v1","kind":"Service","metadata":{{"name":"{}","namespace":"{}",)"
            R"("labels":{}}},"spec":{{"clusterIP":"None","selector":{}}}}})",
            svc.name, ns, labels(stack, svc.name), labels(stack, svc.name));
        for (auto const& [k, body] : {std::pair{kind, w}, std::pair{std::string("Service"), v}}) {
            mapping::k8s_object o;
            o.api_version = k == "Service" ? "v1" : "apps/v1";
            o.kind = k;
            o.namespace_ = ns;
            o.name = svc.name;
            auto parsed = json::parse(body);
            if (!parsed) throw std::runtime_error("fake_map: " + parsed.error().what() + body);
            o.json = std::move(*parsed);
            out.push_back(std::move(o));
        }
    }
    return out;
}

std::string fake_cluster::key(child_kind kind, std::string const& ns,
                              std::string const& name) const {
    return fmt::format("{} {}/{}", kind_name(kind), ns, name);
}

kube::object fake_cluster::get_stack(kube::object_key const& k) const {
    auto it = stacks_.find(k.str());
    return it == stacks_.end() ? nullptr : it->second;
}

std::vector<kube::object> fake_cluster::list_labelled(child_kind kind, std::string const& ns,
                                                      std::string const& stack) const {
    std::vector<kube::object> out;
    auto const prefix = std::string(kind_name(kind)) + " " + ns + "/";
    for (auto const& [k, o] : objects_) {
        if (k.rfind(prefix, 0) != 0) continue;
        auto const& meta = (*o)["metadata"];
        if (!meta.HasMember("labels")) continue;
        auto const& l = meta["labels"];
        if (l.HasMember("com.docker.stack.namespace") &&
            stack == l["com.docker.stack.namespace"].GetString())
            out.push_back(o);
    }
    return out;
}

result<kube::object> fake_cluster::get_child(child_kind kind, kube::object_key const& k) const {
    auto it = objects_.find(key(kind, k.ns, k.name));
    return it == objects_.end() ? kube::object{} : it->second;
}

result<kube::object> fake_cluster::apply(child_kind kind, kube::object_key const& k,
                                         std::string body, std::optional<author> const& as) {
    auto const line = fmt::format("apply {} as {}", key(kind, k.ns, k.name), who(as));
    actions.push_back(line);
    if (inject) {
        if (auto e = inject(line)) return *e;
    }
    auto d = std::make_shared<doc>();
    auto parsed = json::parse(body);
    if (!parsed) return internal("fake apply: bad body");
    *d = std::move(*parsed);
    auto& a = d->GetAllocator();
    auto& meta = (*d)["metadata"];
    auto const id = key(kind, k.ns, k.name);
    auto it = objects_.find(id);
    std::int64_t generation = 1;
    std::string uid = "uid-" + k.name;
    if (it != objects_.end()) {
        auto const& old = *it->second;
        uid = old["metadata"]["uid"].GetString();
        generation = old["metadata"]["generation"].GetInt64();
        bool const same = old.HasMember("spec") && d->HasMember("spec") &&
                          old["spec"] == (*d)["spec"];
        if (!same) ++generation;
        if (old.HasMember("status")) {
            rapidjson::Value st;
            st.CopyFrom(old["status"], a);
            json::set(*d, "status", std::move(st), a);
        }
    }
    json::set(meta, "uid", json::string_value(uid, a), a);
    set_int(meta, "generation", generation, a);
    json::set(meta, "resourceVersion", json::string_value(std::to_string(++rv_), a), a);
    if (mirror) objects_[id] = d;
    return kube::object(d);
}

result<void> fake_cluster::remove(child_kind kind, kube::object_key const& k,
                                  std::optional<author> const& as) {
    auto const line = fmt::format("delete {} as {}", key(kind, k.ns, k.name), who(as));
    actions.push_back(line);
    if (inject) {
        if (auto e = inject(line)) return *e;
    }
    auto it = objects_.find(key(kind, k.ns, k.name));
    if (it == objects_.end()) return not_found("fake: not found");
    if (mirror) objects_.erase(it);
    return {};
}

result<void> fake_cluster::update_status(kube::object const& stack,
                                         api::stack_status const& status,
                                         std::optional<author> const& as) {
    auto const k = kube::key_of(*stack);
    auto const line = fmt::format("status {} as {}", k.str(), who(as));
    actions.push_back(line);
    if (inject) {
        if (auto e = inject(line)) return *e;
    }
    statuses.push_back(status);
    if (!mirror) return {};
    auto d = copy(*stack);
    auto& a = d->GetAllocator();
    json::set(*d, "status", api::encode_status(status, a), a);
    json::set((*d)["metadata"], "resourceVersion", json::string_value(std::to_string(++rv_), a), a);
    stacks_[k.str()] = d;
    return {};
}

void fake_cluster::put_stack(std::string const& text) {
    auto o = parse(text);
    auto const k = kube::key_of(*o).str();
    // Like the API server: a spec write keeps the status subresource's content.
    if (auto old = stacks_.find(k); old != stacks_.end() && !o->HasMember("status") &&
                                    old->second->HasMember("status")) {
        auto d = copy(*o);
        auto& a = d->GetAllocator();
        rapidjson::Value status((*old->second)["status"], a);
        d->AddMember("status", std::move(status), a);
        o = d;
    }
    stacks_[k] = o;
}

void fake_cluster::put(child_kind kind, std::string const& text) {
    auto o = parse(text);
    auto const k = kube::key_of(*o);
    objects_[key(kind, k.ns, k.name)] = o;
}

kube::object fake_cluster::get(child_kind kind, std::string const& name) const {
    auto it = objects_.find(key(kind, "ns", name));
    return it == objects_.end() ? nullptr : it->second;
}

void fake_cluster::set_ready(child_kind kind, std::string const& name, std::optional<int> ready) {
    auto const id = key(kind, "ns", name);
    auto d = copy(*objects_.at(id));
    auto& a = d->GetAllocator();
    auto& st = member(*d, "status", a);
    set_int(st, "observedGeneration", (*d)["metadata"]["generation"].GetInt64(), a);
    if (kind == child_kind::daemon_set) {
        set_int(st, "desiredNumberScheduled", 2, a);
        set_int(st, "currentNumberScheduled", 2, a);
        set_int(st, "updatedNumberScheduled", 2, a);
        set_int(st, "numberReady", ready.value_or(2), a);
    } else {
        auto const& spec = (*d)["spec"];
        std::int64_t const n = spec.HasMember("replicas") ? spec["replicas"].GetInt64() : 1;
        set_int(st, "replicas", n, a);
        set_int(st, "updatedReplicas", n, a);
        set_int(st, "readyReplicas", ready.value_or(static_cast<int>(n)), a);
    }
    objects_[id] = d;
}

void fake_cluster::set_spec_int(child_kind kind, std::string const& name, char const* field,
                                int value) {
    auto const id = key(kind, "ns", name);
    auto d = copy(*objects_.at(id));
    auto& a = d->GetAllocator();
    set_int(member(*d, "spec", a), field, value, a);
    objects_[id] = d;
}

void fake_events::record(kube::object const&, event_type type, std::string_view reason,
                         std::string_view message) {
    lines.push_back(fmt::format("{} {}: {}", type == event_type::warning ? "Warning" : "Normal",
                                reason, message));
}

result<author> fake_verifier::verify(rapidjson::Value const&) const {
    ++calls;
    return answer;
}

}  // namespace op::reconcile::testing
