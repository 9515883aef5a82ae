#pragma once
// Private: cached objects with a right-sized allocator. A default rapidjson::Document grabs a
// 64 KiB pool chunk, which would cost ~66 KB per cached object; copy_object sizes the pool to
// the object while handing out the usual shared_ptr<const Document> (aliasing the owner).
#include "op/kube/resource.hpp"

namespace op::kube::detail {

struct owned_document {
    owned_document() = default;
    // A pool whose first chunk holds `capacity` bytes: sized exactly by copy_object, so a cached
    // object is one allocation with no slack (a fixed 1 KiB chunk wasted ~half a chunk each).
    explicit owned_document(std::size_t capacity) : pool(capacity) {}
    rapidjson::MemoryPoolAllocator<> pool{1024};
    rapidjson::Document doc{&pool};
};

// What copy_object leaves out. drop_bookkeeping: metadata.managedFields and the last-applied
// annotation (the operator reads neither). metadata_only: everything but apiVersion, kind and
// metadata (the webhook's collision caches read labels and owners only). api_version: added
// first when the object has none (items of a LIST response carry neither apiVersion nor kind).
struct copy_filter {
    bool drop_bookkeeping = false;
    bool metadata_only = false;
    std::string_view api_version;
};

// A deep copy of `v` as an immutable object, filtered as asked, in one pass that writes each
// value once (so what informers cache is never copied twice) and builds every object and array
// at its exact size, in a pool sized beforehand to hold them all (resource.cpp).
[[nodiscard]] object copy_object(rapidjson::Value const& v, copy_filter const& f = {});

// A mutable holder for building an object before publishing it with publish().
inline std::shared_ptr<owned_document> new_object() { return std::make_shared<owned_document>(); }
inline object publish(std::shared_ptr<owned_document> const& o) { return object(o, &o->doc); }

}  // namespace op::kube::detail
