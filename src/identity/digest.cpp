// Effective-spec digests: of a hub, or of any Stack-shaped object (identity.hpp).
#include "op/identity/identity.hpp"

#include "detail.hpp"
#include "op/api/versions.hpp"
#include "op/conversion/convert.hpp"
#include "op/util/json.hpp"

#include <algorithm>
#include <vector>

namespace op::identity {
namespace {

using detail::hasher;
using detail::put;
using detail::writer;

// JSON with every object's members sorted by name: equal for documents that differ only in member
// order. Depth is bounded by the parser's limits.
void write_sorted(writer& w, rapidjson::Value const& v) {
    if (v.IsObject()) {
        std::vector<rapidjson::Value::ConstMemberIterator> members;
        members.reserve(v.MemberCount());
        for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) members.push_back(it);
        std::sort(members.begin(), members.end(), [](auto a, auto b) {
            return std::string_view(a->name.GetString(), a->name.GetStringLength()) <
                   std::string_view(b->name.GetString(), b->name.GetStringLength());
        });
        w.StartObject();
        for (auto it : members) {
            w.Key(it->name.GetString(), it->name.GetStringLength());
            write_sorted(w, it->value);
        }
        w.EndObject();
    } else if (v.IsArray()) {
        w.StartArray();
        for (auto const& e : v.GetArray()) write_sorted(w, e);
        w.EndArray();
    } else {
        v.Accept(w);
    }
}

}  // namespace

rapidjson::Value const* annotations_of(rapidjson::Value const& object) {
    auto const* md = json::find(object, "metadata");
    return md && md->IsObject() ? json::find(*md, "annotations") : nullptr;
}

std::optional<std::string> annotation(rapidjson::Value const* annotations, std::string_view key) {
    if (!annotations || !annotations->IsObject()) return std::nullopt;
    auto const* v = json::find(*annotations, key);
    if (!v || !v->IsString()) return std::nullopt;
    return std::string(v->GetString(), v->GetStringLength());
}

std::string spec_digest(api::stack const& hub) {
    hasher h;
    h.part("compose.docker.com/effective-spec/v1");
    h.part(api::canonical_json(hub.spec));
    if (hub.compose_file) {
        h.part("compose-file");
        h.part(*hub.compose_file);
    } else {
        h.part("no-compose-file");
    }
    return "sha256:" + h.hex_digest();
}

std::string effective_spec_digest(rapidjson::Value const& object) {
    if (object.IsObject()) {
        if (auto hub = conversion::decode_to_hub(object)) return spec_digest(hub->stack);
    }
    hasher h;
    h.part("compose.docker.com/raw-spec/v1");
    rapidjson::StringBuffer buf;
    writer w(buf);
    w.StartArray();
    if (object.IsObject()) {
        if (auto const* v = json::find(object, "apiVersion")) write_sorted(w, *v);
        if (auto const* s = json::find(object, "spec")) write_sorted(w, *s);
        auto const* ann = annotations_of(object);
        for (auto k : conversion_annotations) {
            auto a = annotation(ann, k);
            put(w, a ? *a : std::string_view("<absent>"));
        }
    }
    w.EndArray();
    h.part(std::string_view(buf.GetString(), buf.GetSize()));
    return "raw-sha256:" + h.hex_digest();
}

}  // namespace op::identity
