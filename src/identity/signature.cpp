// The HMAC key, owner signatures and their verification (identity.hpp).
#include "op/identity/identity.hpp"

#include "detail.hpp"
#include "op/util/openssl_error.hpp"
#include "op/util/base64.hpp"
#include "op/util/json.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <charconv>
#include <initializer_list>

namespace op::identity {
namespace {

std::string length_prefixed(std::initializer_list<std::string_view> parts) {
    std::string out;
    for (auto p : parts) out += fmt::format("{}:{}\n", p.size(), p);
    return out;
}

}  // namespace

// ---- keys --------------------------------------------------------------------------------------

hmac_key::hmac_key(std::string b) : bytes_(std::move(b)) {
    detail::hasher h;
    h.part("compose.docker.com/owner-key-id");
    h.part(bytes_);
    id_ = h.hex_digest().substr(0, 16);
}

result<hmac_key> hmac_key::generate() {
    std::string b(32, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(b.data()), static_cast<int>(b.size())) != 1) {
        return op::internal(openssl_error("RAND_bytes failed"));
    }
    return hmac_key(std::move(b));
}

result<hmac_key> hmac_key::from_bytes(std::string_view bytes) {
    if (bytes.size() < 32) {
        return invalid(fmt::format("HMAC key has {} bytes; at least 32 are required", bytes.size()));
    }
    return hmac_key(std::string(bytes));
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

}  // namespace op::identity
