// Owner annotations: canonical JSON, HMAC signature, JSON patch, verification (design "Identity").
#include "op/webhook/identity.hpp"

#include "crypto.hpp"
#include "op/util/base64.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <optional>

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

std::optional<std::string> annotation(rapidjson::Value const* annotations, std::string_view key) {
    if (!annotations || !annotations->IsObject()) return std::nullopt;
    auto const* v = json::find(*annotations, key);
    if (!v || !v->IsString()) return std::nullopt;
    return std::string(v->GetString(), v->GetStringLength());
}

rapidjson::Value const* annotations_of(rapidjson::Value const& object) {
    auto const* md = json::find(object, "metadata");
    return md ? json::find(*md, "annotations") : nullptr;
}

bool same_spec(rapidjson::Value const& a, rapidjson::Value const& b) {
    static rapidjson::Value const null_value;
    auto const* sa = json::find(a, "spec");
    auto const* sb = json::find(b, "spec");
    return (sa ? *sa : null_value) == (sb ? *sb : null_value);  // member order is ignored
}

struct wanted {
    std::optional<std::string> owner;
    std::optional<std::string> signature;
};

std::string render_patch(rapidjson::Value const& object, wanted const& want) {
    rapidjson::StringBuffer buf;
    writer w(buf);
    w.StartArray();
    auto const* md = json::find(object, "metadata");
    auto const* ann = md ? json::find(*md, "annotations") : nullptr;
    std::pair<std::string_view, std::optional<std::string> const*> keys[] = {
        {owner_annotation, &want.owner}, {owner_signature_annotation, &want.signature}};
    if (!ann || !ann->IsObject()) {
        bool any = want.owner || want.signature;
        if (any) {
            w.StartObject();
            put(w, "op"); put(w, "add");
            put(w, "path"); put(w, md ? "/metadata/annotations" : "/metadata");
            put(w, "value");
            w.StartObject();
            if (!md) {
                put(w, "annotations");
                w.StartObject();
            }
            for (auto const& [k, v] : keys) {
                if (*v) {
                    put(w, k);
                    put(w, **v);
                }
            }
            if (!md) w.EndObject();
            w.EndObject();
            w.EndObject();
        }
    } else {
        for (auto const& [k, v] : keys) {
            auto current = annotation(ann, k);
            bool present = json::find(*ann, k) != nullptr;
            std::string path = "/metadata/annotations/" + pointer_token(k);
            if (*v && current == **v) continue;
            if (!*v && !present) continue;
            w.StartObject();
            put(w, "op");
            put(w, !*v ? "remove" : (present ? "replace" : "add"));
            put(w, "path"); put(w, path);
            if (*v) {
                put(w, "value");
                put(w, **v);
            }
            w.EndObject();
        }
    }
    w.EndArray();
    return {buf.GetString(), buf.GetSize()};
}

}  // namespace

result<hmac_key> hmac_key::generate() {
    std::string b(32, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(b.data()), static_cast<int>(b.size())) != 1) {
        return op::internal(detail::openssl_error("RAND_bytes failed"));
    }
    return hmac_key(std::move(b));
}

result<hmac_key> hmac_key::from_bytes(std::string_view bytes) {
    if (bytes.size() < 32) {
        return invalid(fmt::format("HMAC key has {} bytes; at least 32 are required", bytes.size()));
    }
    return hmac_key(std::string(bytes));
}

std::string owner_json(owner const& o) {
    rapidjson::StringBuffer buf;
    writer w(buf);
    w.StartObject();
    put(w, "username"); put(w, o.username);
    put(w, "uid"); put(w, o.uid);
    put(w, "groups");
    w.StartArray();
    for (auto const& g : o.groups) put(w, g);
    w.EndArray();
    put(w, "extra");
    w.StartObject();
    for (auto const& [k, vs] : o.extra) {  // std::map: sorted keys
        put(w, k);
        w.StartArray();
        for (auto const& v : vs) put(w, v);
        w.EndArray();
    }
    w.EndObject();
    w.EndObject();
    return {buf.GetString(), buf.GetSize()};
}

result<owner> parse_owner(std::string_view json_text) {
    OP_TRY(auto doc, json::parse(json_text, json::limits{64u << 10, 8}));
    if (!doc.IsObject()) return invalid("owner must be a JSON object");
    owner o;
    OP_TRY(auto username, json::get_string(doc, "username", "owner"));
    OP_TRY(auto uid, json::get_string(doc, "uid", "owner"));
    o.username = std::string(username.value_or(""));
    o.uid = std::string(uid.value_or(""));
    OP_TRY(auto groups, json::get_array(doc, "groups", "owner"));
    if (groups) {
        for (auto const& g : groups->GetArray()) {
            if (!g.IsString()) return invalid("expected strings", "owner.groups");
            o.groups.emplace_back(g.GetString(), g.GetStringLength());
        }
    }
    OP_TRY(auto extra, json::get_object(doc, "extra", "owner"));
    if (extra) {
        for (auto const& m : extra->GetObject()) {
            std::string key(m.name.GetString(), m.name.GetStringLength());
            if (!m.value.IsArray()) return invalid("expected an array", "owner.extra." + key);
            auto& vs = o.extra[key];
            for (auto const& v : m.value.GetArray()) {
                if (!v.IsString()) return invalid("expected strings", "owner.extra." + key);
                vs.emplace_back(v.GetString(), v.GetStringLength());
            }
        }
    }
    if (o.username.empty()) return invalid("owner has no username", "owner.username");
    return o;
}

std::string sign_owner(hmac_key const& key, std::string_view ns, std::string_view name,
                       std::string_view owner_json_text) {
    // Length-prefixed fields, so no choice of namespace/name can collide with another.
    std::string canonical = fmt::format("compose.docker.com/owner-signature/v1\n{}:{}\n{}:{}\n{}:{}",
                                        ns.size(), ns, name.size(), name, owner_json_text.size(),
                                        owner_json_text);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    auto k = key.bytes();
    HMAC(EVP_sha256(), k.data(), static_cast<int>(k.size()),
         reinterpret_cast<unsigned char const*>(canonical.data()), canonical.size(), mac, &len);
    return base64::encode(std::string_view(reinterpret_cast<char const*>(mac), len));
}

result<std::string> owner_patch(admission_request const& req, hmac_key const& key) {
    if (req.operation != "CREATE" && req.operation != "UPDATE") return std::string("[]");
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
    bool resign = req.operation == "CREATE";
    if (req.operation == "UPDATE" && req.sub_resource.empty()) {
        if (!req.old_object.IsObject()) return invalid("UPDATE without oldObject", "request.oldObject");
        resign = !same_spec(req.old_object, req.object);
    }
    wanted want;
    if (resign) {
        want.owner = owner_json(req.user);
        want.signature = sign_owner(key, ns, name, *want.owner);
    } else if (req.old_object.IsObject()) {
        auto const* old_ann = annotations_of(req.old_object);
        want.owner = annotation(old_ann, owner_annotation);
        want.signature = annotation(old_ann, owner_signature_annotation);
    }
    return render_patch(req.object, want);
}

admission_response mutate_owner(admission_request const& req, hmac_key const& key) {
    auto patch = owner_patch(req, key);
    if (!patch) return errored(400, patch.error());
    if (*patch == "[]") return allowed();
    return patched(std::move(*patch));
}

result<owner> verify_owner(rapidjson::Value const& object, hmac_key const& key) {
    if (!object.IsObject()) return op::terminal("owner check: the object is not a JSON object");
    auto const* md = json::find(object, "metadata");
    if (!md || !md->IsObject()) return op::terminal("owner check: the object has no metadata");
    auto const* ann = json::find(*md, "annotations");
    auto owner_text = annotation(ann, owner_annotation);
    auto signature = annotation(ann, owner_signature_annotation);
    if (!owner_text || !signature) {
        return op::terminal("the Stack has no signed owner annotation; it was not admitted by "
                            "this operator's webhook");
    }
    auto name = json::get_string(*md, "name", "metadata");
    auto ns = json::get_string(*md, "namespace", "metadata");
    if (!name || !ns || !*name) return op::terminal("owner check: metadata.name is missing");
    std::string expected = sign_owner(key, ns->value_or(""), **name, *owner_text);
    if (expected.size() != signature->size() ||
        CRYPTO_memcmp(expected.data(), signature->data(), expected.size()) != 0) {
        return op::terminal("the owner signature does not match (tampered, copied from another "
                            "Stack, or signed with another key)");
    }
    auto o = parse_owner(*owner_text);
    if (!o) return op::terminal("the signed owner annotation is malformed: " + o.error().what());
    return std::move(*o);
}

result<owner> verify_owner(std::string_view object_json, hmac_key const& key) {
    auto doc = json::parse(object_json);
    if (!doc) return op::terminal("owner check: " + doc.error().what());
    return verify_owner(*doc, key);
}

}  // namespace op::webhook
