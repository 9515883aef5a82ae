// Owner annotations: canonical JSON, effective-spec digests, HMAC signatures, the admission patch
// and verification (design "Identity"; the reasoning is in identity.hpp).
#include "op/webhook/identity.hpp"

#include "crypto.hpp"
#include "op/api/versions.hpp"
#include "op/conversion/convert.hpp"
#include "op/util/base64.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <optional>

namespace op::webhook {
namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

// The annotations storage conversion reads to keep round trips lossless: the operator's alone.
constexpr std::array<std::string_view, 4> conversion_annotations = {
    conversion::compose_file_annotation, conversion::compose_file_hash_annotation,
    conversion::structured_spec_annotation, conversion::structured_spec_hash_annotation};

void put(writer& w, std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

std::string hex(unsigned char const* p, std::size_t n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * n);
    for (std::size_t i = 0; i < n; ++i) {
        out += digits[p[i] >> 4];
        out += digits[p[i] & 0xf];
    }
    return out;
}

// Incremental SHA-256 over length-prefixed parts, so no choice of parts collides with another.
class hasher {
public:
    hasher() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
    ~hasher() { EVP_MD_CTX_free(ctx_); }
    hasher(hasher const&) = delete;
    hasher& operator=(hasher const&) = delete;
    void raw(std::string_view s) { EVP_DigestUpdate(ctx_, s.data(), s.size()); }
    void part(std::string_view s) {
        raw(fmt::format("{}:", s.size()));
        raw(s);
        raw("\n");
    }
    std::string hex_digest() {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        EVP_DigestFinal_ex(ctx_, md, &len);
        return hex(md, len);
    }

private:
    EVP_MD_CTX* ctx_;
};

std::string length_prefixed(std::initializer_list<std::string_view> parts) {
    std::string out;
    for (auto p : parts) out += fmt::format("{}:{}\n", p.size(), p);
    return out;
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
    return md && md->IsObject() ? json::find(*md, "annotations") : nullptr;
}

bool being_deleted(rapidjson::Value const& object) {
    if (!object.IsObject()) return false;
    auto const* md = json::find(object, "metadata");
    auto const* ts = md && md->IsObject() ? json::find(*md, "deletionTimestamp") : nullptr;
    return ts && !ts->IsNull();
}

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

bool control_char(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7f;
    });
}

std::string quoted(std::string_view s) {
    std::string out;
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) out += fmt::format("\\x{:02x}", u);
        else out += c;
    }
    return out;
}

}  // namespace

// ---- keys, owners, digests -------------------------------------------------------------------

hmac_key::hmac_key(std::string b) : bytes_(std::move(b)) {
    hasher h;
    h.part("compose.docker.com/owner-key-id");
    h.part(bytes_);
    id_ = h.hex_digest().substr(0, 16);
}

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

result<void> check_identity(user_info const& u) {
    auto refuse = [](std::string const& path, std::string_view value) -> result<void> {
        return invalid(fmt::format("the requester's identity has a control character (\"{}\"); the "
                                   "operator cannot record or act as such an identity: use an "
                                   "account whose name, groups and extras are printable",
                                   quoted(value)),
                       path);
    };
    if (control_char(u.username)) return refuse("userInfo.username", u.username);
    if (control_char(u.uid)) return refuse("userInfo.uid", u.uid);
    for (std::size_t i = 0; i < u.groups.size(); ++i) {
        if (control_char(u.groups[i])) return refuse(fmt::format("userInfo.groups[{}]", i), u.groups[i]);
    }
    for (auto const& [k, vs] : u.extra) {
        if (control_char(k)) return refuse("userInfo.extra", k);
        if (k.empty()) return invalid("the requester's identity has an empty extra key", "userInfo.extra");
        for (std::size_t i = 0; i < vs.size(); ++i) {
            if (control_char(vs[i])) return refuse(fmt::format("userInfo.extra.{}[{}]", k, i), vs[i]);
        }
    }
    return {};
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
    OP_RETURN_IF_ERROR(check_identity(o));
    return o;
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

// ---- signatures --------------------------------------------------------------------------------

std::string sign_owner(hmac_key const& key, std::string_view ns, std::string_view name,
                       std::string_view owner_json_text, std::string_view spec_digest_text,
                       std::int64_t issued_at) {
    auto const iat = std::to_string(issued_at);
    std::string canonical = "compose.docker.com/owner-signature/v2\n" +
                            length_prefixed({ns, name, owner_json_text, key.id(), iat, spec_digest_text});
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    auto k = key.bytes();
    HMAC(EVP_sha256(), k.data(), static_cast<int>(k.size()),
         reinterpret_cast<unsigned char const*>(canonical.data()), canonical.size(), mac, &len);
    return fmt::format("v2;kid={};iat={};spec={};mac={}", key.id(), iat, spec_digest_text,
                       base64::encode(std::string_view(reinterpret_cast<char const*>(mac), len)));
}

result<owner_signature> parse_owner_signature(std::string_view value) {
    auto bad = [] {
        return invalid("the owner signature is not of the form v2;kid=...;iat=...;spec=...;mac=... "
                       "(an older operator signed it, or it was edited by hand)");
    };
    std::array<std::string_view, 5> fields;
    std::size_t n = 0;
    while (n < fields.size()) {
        auto semi = value.find(';');
        fields[n++] = value.substr(0, semi);
        if (semi == std::string_view::npos) {
            value = {};
            break;
        }
        value.remove_prefix(semi + 1);
        if (n == fields.size()) return bad();  // a sixth field
    }
    if (n != fields.size() || fields[0] != "v2") return bad();
    auto take = [&](std::string_view f, std::string_view prefix, std::string& out) {
        if (f.substr(0, prefix.size()) != prefix || f.size() == prefix.size()) return false;
        out = std::string(f.substr(prefix.size()));
        return true;
    };
    owner_signature s;
    std::string iat;
    if (!take(fields[1], "kid=", s.key_id) || !take(fields[2], "iat=", iat) ||
        !take(fields[3], "spec=", s.spec_digest) || !take(fields[4], "mac=", s.mac)) {
        return bad();
    }
    auto [p, ec] = std::from_chars(iat.data(), iat.data() + iat.size(), s.issued_at);
    if (ec != std::errc() || p != iat.data() + iat.size() || s.issued_at < 0) return bad();
    return s;
}

// ---- admission -----------------------------------------------------------------------------------

result<owner_plan> plan_owner(admission_request const& req, hmac_key const& key, std::int64_t now) {
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
    auto const* new_ann = annotations_of(req.object);
    auto const* old_ann = update ? annotations_of(req.old_object) : nullptr;

    // Conversion annotations: only the operator's own (the old object's, unchanged) survive.
    wanted conv;
    for (auto k : conversion_annotations) {
        auto sent = annotation(new_ann, k);
        bool const present = new_ann && new_ann->IsObject() && json::find(*new_ann, k);
        auto old = annotation(old_ann, k);
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
        digest = effective_spec_digest(sanitized);
        resign = digest != effective_spec_digest(req.old_object);
    } else if (!update) {
        digest = effective_spec_digest(with_conversion_annotations(req.object, conv));
    }

    wanted want;
    if (resign) {
        if (auto ok = check_identity(req.user); !ok) return std::move(ok).error().under("request");
        auto who = owner_json(req.user);
        auto sig = sign_owner(key, ns, name, who, digest, now);
        want.emplace_back(owner_annotation, std::move(who));
        want.emplace_back(owner_signature_annotation, std::move(sig));
        plan.resigned = true;
    } else {
        want.emplace_back(owner_annotation, annotation(old_ann, owner_annotation));
        want.emplace_back(owner_signature_annotation, annotation(old_ann, owner_signature_annotation));
    }
    for (auto& c : conv) want.push_back(std::move(c));
    plan.patch = render_patch(req.object, want);
    return plan;
}

result<std::string> owner_patch(admission_request const& req, hmac_key const& key) {
    auto now = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    OP_TRY(auto plan, plan_owner(req, key, now));
    return std::move(plan.patch);
}

admission_response mutate_owner(admission_request const& req, hmac_key const& key) {
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
    return effective_spec_digest(req.object) != effective_spec_digest(req.old_object);
}

// ---- verification --------------------------------------------------------------------------------

result<owner> verify_owner(rapidjson::Value const& object, hmac_key const& key,
                           std::string_view spec_digest_text) {
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
    auto sig = parse_owner_signature(*signature);
    if (!sig) return op::terminal(sig.error().what());
    auto name = json::get_string(*md, "name", "metadata");
    auto ns = json::get_string(*md, "namespace", "metadata");
    if (!name || !ns || !*name) return op::terminal("owner check: metadata.name is missing");
    if (sig->key_id != key.id()) {
        return op::terminal(fmt::format("the owner signature was made with another key (key id {}; "
                                        "this operator's is {})",
                                        sig->key_id, key.id()));
    }
    std::string expected =
        sign_owner(key, ns->value_or(""), **name, *owner_text, sig->spec_digest, sig->issued_at);
    if (expected.size() != signature->size() ||
        CRYPTO_memcmp(expected.data(), signature->data(), expected.size()) != 0) {
        return op::terminal("the owner signature does not match (tampered, copied from another "
                            "Stack, or signed with another key)");
    }
    if (sig->spec_digest != spec_digest_text) {
        return op::terminal("the stack's spec is not the one its owner's signature covers (it was "
                            "changed without passing the operator's admission webhook)");
    }
    auto o = parse_owner(*owner_text);
    if (!o) return op::terminal("the signed owner annotation is malformed: " + o.error().what());
    return std::move(*o);
}

result<owner> verify_owner(rapidjson::Value const& object, hmac_key const& key) {
    return verify_owner(object, key, effective_spec_digest(object));
}

result<owner> verify_owner(std::string_view object_json, hmac_key const& key) {
    auto doc = json::parse(object_json);
    if (!doc) return op::terminal("owner check: " + doc.error().what());
    return verify_owner(*doc, key);
}

}  // namespace op::webhook
