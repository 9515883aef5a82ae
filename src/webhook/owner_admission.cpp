// The owner patch of a Stack write and the spec-validation decision (owner.hpp); the owner
// JSON, digests and signatures come from op::identity.
#include "op/webhook/owner.hpp"

#include "op/util/json.hpp"

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>

namespace op::webhook {
namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put(writer& w, std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

// RFC 6901: '~' -> "~0", '/' -> "~1".
std::string pointer_token(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '~') out += "~0";
        else if (c == '/') out += "~1";
        else out += c;
    }
    return out;
}

bool being_deleted(rapidjson::Value const& object) {
    if (!object.IsObject()) return false;
    auto const* md = json::find(object, "metadata");
    auto const* ts = md && md->IsObject() ? json::find(*md, "deletionTimestamp") : nullptr;
    return ts && !ts->IsNull();
}

// The annotations the patch sets: key -> wanted value (nullopt: absent).
using wanted = std::vector<std::pair<std::string_view, std::optional<std::string>>>;

std::string render_patch(rapidjson::Value const& object, wanted const& want) {
    rapidjson::StringBuffer buf;
    writer w(buf);
    w.StartArray();
    auto const* md = json::find(object, "metadata");
    auto const* ann = md ? json::find(*md, "annotations") : nullptr;
    if (!ann || !ann->IsObject()) {
        bool any = std::any_of(want.begin(), want.end(), [](auto const& kv) { return kv.second.has_value(); });
        if (any) {
            w.StartObject();
            put(w, "op"); put(w, md && ann ? "replace" : "add");
            put(w, "path"); put(w, md ? "/metadata/annotations" : "/metadata");
            put(w, "value");
            w.StartObject();
            if (!md) {
                put(w, "annotations");
                w.StartObject();
            }
            for (auto const& [k, v] : want) {
                if (v) {
                    put(w, k);
                    put(w, *v);
                }
            }
            if (!md) w.EndObject();
            w.EndObject();
            w.EndObject();
        }
    } else {
        for (auto const& [k, v] : want) {
            auto const* cur = json::find(*ann, k);
            bool const present = cur != nullptr;
            if (v && cur && cur->IsString() && std::string_view(cur->GetString(), cur->GetStringLength()) == *v) continue;
            if (!v && !present) continue;
            w.StartObject();
            put(w, "op");
            put(w, !v ? "remove" : (present ? "replace" : "add"));
            put(w, "path"); put(w, "/metadata/annotations/" + pointer_token(k));
            if (v) {
                put(w, "value");
                put(w, *v);
            }
            w.EndObject();
        }
    }
    w.EndArray();
    return {buf.GetString(), buf.GetSize()};
}

// A copy of `object` whose conversion annotations are exactly `conv`.
rapidjson::Document with_conversion_annotations(rapidjson::Value const& object, wanted const& conv) {
    rapidjson::Document d;
    d.CopyFrom(object, d.GetAllocator());
    auto& a = d.GetAllocator();
    auto* md = json::find(d, "metadata");
    if (!md || !md->IsObject()) return d;
    auto* ann = json::find(*md, "annotations");
    if (!ann || !ann->IsObject()) {
        if (md->HasMember("annotations")) md->RemoveMember("annotations");
        md->AddMember("annotations", rapidjson::Value(rapidjson::kObjectType), a);
        ann = json::find(*md, "annotations");
    }
    for (auto const& [k, v] : conv) {
        ann->RemoveMember(rapidjson::StringRef(k.data(), k.size()));
        if (v) {
            ann->AddMember(json::string_value(k, a), json::string_value(*v, a), a);
        }
    }
    return d;
}

}  // namespace

result<owner_plan> plan_owner(admission_request const& req, identity::hmac_key const& key,
                              std::int64_t now) {
    owner_plan plan;
    if (req.operation != "CREATE" && req.operation != "UPDATE") return plan;
    if (!req.object.IsObject()) return invalid("the request has no object", "request.object");
    auto const* md = json::find(req.object, "metadata");
    if (md && !md->IsObject()) return invalid("metadata must be an object", "metadata");
    std::string name = req.name;
    std::string ns = req.namespace_;
    if (md) {
        OP_TRY(auto n, json::get_string(*md, "name", "metadata"));
        OP_TRY(auto s, json::get_string(*md, "namespace", "metadata"));
        if (name.empty() && n) name = std::string(*n);
        if (ns.empty() && s) ns = std::string(*s);
    }
    if (name.empty()) {
        return invalid("a Stack needs metadata.name: generateName is not supported because the "
                       "owner signature binds the name", "metadata.name");
    }
    bool const update = req.operation == "UPDATE";
    if (update && !req.old_object.IsObject()) {
        return invalid("UPDATE without oldObject", "request.oldObject");
    }
    auto const* new_ann = identity::annotations_of(req.object);
    auto const* old_ann = update ? identity::annotations_of(req.old_object) : nullptr;

    // Conversion annotations: only the operator's own (the old object's, unchanged) survive.
    wanted conv;
    for (auto k : identity::conversion_annotations) {
        auto sent = identity::annotation(new_ann, k);
        bool const present = new_ann && new_ann->IsObject() && json::find(*new_ann, k);
        auto old = identity::annotation(old_ann, k);
        if (update && sent == old) {
            conv.emplace_back(k, sent);
            continue;
        }
        if (update && !req.sub_resource.empty()) {
            conv.emplace_back(k, old);  // the API server keeps the old metadata anyway
            continue;
        }
        conv.emplace_back(k, std::nullopt);
        if (present) {
            plan.warnings.push_back(fmt::format(
                "metadata.annotations[{}]: written only by the operator (it keeps round trips "
                "between versions lossless); the value sent was dropped",
                k));
        }
    }

    bool resign = !update;
    std::string digest;
    if (update && req.sub_resource.empty()) {
        auto const sanitized = with_conversion_annotations(req.object, conv);
        digest = identity::effective_spec_digest(sanitized);
        resign = digest != identity::effective_spec_digest(req.old_object);
    } else if (!update) {
        digest = identity::effective_spec_digest(with_conversion_annotations(req.object, conv));
    }

    wanted want;
    if (resign) {
        if (auto ok = identity::check_identity(req.user); !ok) {
            return std::move(ok).error().under("request");
        }
        auto who = identity::owner_json(req.user);
        auto sig = identity::sign_owner(key, ns, name, who, digest, now);
        want.emplace_back(identity::owner_annotation, std::move(who));
        want.emplace_back(identity::owner_signature_annotation, std::move(sig));
        plan.resigned = true;
    } else {
        for (auto k : {identity::owner_annotation, identity::owner_signature_annotation}) {
            want.emplace_back(k, identity::annotation(old_ann, k));
        }
    }
    for (auto& c : conv) want.push_back(std::move(c));
    plan.patch = render_patch(req.object, want);
    return plan;
}

result<std::string> owner_patch(admission_request const& req, identity::hmac_key const& key) {
    auto now = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    OP_TRY(auto plan, plan_owner(req, key, now));
    return std::move(plan.patch);
}

admission_response mutate_owner(admission_request const& req, identity::hmac_key const& key) {
    auto now = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    auto plan = plan_owner(req, key, now);
    if (!plan) return denied(plan.error().what(), 400);
    auto resp = plan->patch == "[]" ? allowed() : patched(std::move(plan->patch));
    resp.warnings = std::move(plan->warnings);
    return resp;
}

bool needs_spec_validation(admission_request const& req) {
    if (req.operation == "CREATE") return true;
    if (req.operation != "UPDATE" || !req.sub_resource.empty()) return false;
    if (being_deleted(req.old_object) || being_deleted(req.object)) return false;
    if (!req.old_object.IsObject() || !req.object.IsObject()) return true;
    return identity::effective_spec_digest(req.object) !=
           identity::effective_spec_digest(req.old_object);
}

}  // namespace op::webhook
