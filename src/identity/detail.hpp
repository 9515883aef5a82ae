#pragma once
// Private helpers of the identity sources: JSON writing and SHA-256 over length-prefixed parts.
#include <fmt/format.h>
#include <openssl/evp.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace op::identity::detail {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

inline void put(writer& w, std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

inline std::string hex(unsigned char const* p, std::size_t n) {
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

}  // namespace op::identity::detail
