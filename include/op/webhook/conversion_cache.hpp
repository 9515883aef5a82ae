#pragma once
// A bounded memo of /convert answers: an object's converted JSON, keyed by the SHA-256 of the
// desired apiVersion and the object's whole JSON text (metadata included). Conversion is a pure
// function of those two (v1beta1 Compose text is parsed with an empty environment), so an entry
// is right for any input with that key; a forged key needs a SHA-256 collision. The API server
// sends the same stored objects on every LIST and watch of a version other than the storage
// version, which is what this saves. Once the texts exceed the byte budget, the least recently
// used entries go first. Thread-safe: a lookup holds a mutex for a hash probe and a copy.
#include <array>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace op::webhook {

class conversion_cache {
public:
    using key = std::array<unsigned char, 32>;

    struct stats {
        std::uint64_t hits = 0, misses = 0, evictions = 0;
        std::size_t entries = 0, bytes = 0;
    };

    // max_bytes: the budget for stored texts and their keys; 0 stores nothing.
    explicit conversion_cache(std::size_t max_bytes) : max_bytes_(max_bytes) {}

    // nullopt only when OpenSSL cannot digest (then the object is converted without the cache).
    [[nodiscard]] static std::optional<key> key_of(std::string_view desired_api_version,
                                                   std::string_view object_json);

    // The stored text, counted as a hit, or nullopt (a miss).
    [[nodiscard]] std::optional<std::string> get(key const& k);
    // Stores (or refreshes) an answer; a text larger than the whole budget is not kept.
    void put(key const& k, std::string text);

    [[nodiscard]] stats snapshot() const;

private:
    struct entry {
        key k;
        std::string text;
    };
    struct key_hash {
        std::size_t operator()(key const& k) const noexcept;
    };
    static std::size_t cost(entry const& e) { return e.text.size() + sizeof(entry) + 64; }

    std::size_t const max_bytes_;
    mutable std::mutex mutex_;
    std::list<entry> lru_;  // most recently used first
    std::unordered_map<key, std::list<entry>::iterator, key_hash> index_;
    stats stats_;
};

}  // namespace op::webhook
