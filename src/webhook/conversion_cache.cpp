#include "op/webhook/conversion_cache.hpp"

#include <openssl/evp.h>

#include <cstring>

namespace op::webhook {

std::optional<conversion_cache::key> conversion_cache::key_of(std::string_view desired_api_version,
                                                              std::string_view object_json) {
    key k{};
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    unsigned int n = 0;
    // The version is length-prefixed, so no (version, object) pair reads as another.
    auto const prefix = std::to_string(desired_api_version.size()) + ":";
    bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
              EVP_DigestUpdate(ctx, prefix.data(), prefix.size()) == 1 &&
              EVP_DigestUpdate(ctx, desired_api_version.data(), desired_api_version.size()) == 1 &&
              EVP_DigestUpdate(ctx, object_json.data(), object_json.size()) == 1 &&
              EVP_DigestFinal_ex(ctx, k.data(), &n) == 1 && n == k.size();
    EVP_MD_CTX_free(ctx);
    if (!ok) return std::nullopt;  // no key: the caller converts without the cache
    return k;
}

std::size_t conversion_cache::key_hash::operator()(key const& k) const noexcept {
    std::size_t h = 0;
    std::memcpy(&h, k.data(), sizeof h);  // already uniform: a SHA-256 prefix
    return h;
}

std::optional<std::string> conversion_cache::get(key const& k) {
    std::lock_guard lock(mutex_);
    auto it = index_.find(k);
    if (it == index_.end()) {
        ++stats_.misses;
        return std::nullopt;
    }
    ++stats_.hits;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->text;
}

void conversion_cache::put(key const& k, std::string text) {
    std::lock_guard lock(mutex_);
    if (auto it = index_.find(k); it != index_.end()) {
        stats_.bytes -= cost(*it->second);
        lru_.erase(it->second);
        index_.erase(it);
    }
    entry e{k, std::move(text)};
    if (cost(e) > max_bytes_) return;
    stats_.bytes += cost(e);
    lru_.push_front(std::move(e));
    index_.emplace(k, lru_.begin());
    while (stats_.bytes > max_bytes_ && !lru_.empty()) {
        stats_.bytes -= cost(lru_.back());
        index_.erase(lru_.back().k);
        lru_.pop_back();
        ++stats_.evictions;
    }
}

conversion_cache::stats conversion_cache::snapshot() const {
    std::lock_guard lock(mutex_);
    auto s = stats_;
    s.entries = index_.size();
    return s;
}

}  // namespace op::webhook
