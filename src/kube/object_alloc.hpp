#pragma once
// Private: cached objects with a right-sized allocator. A default rapidjson::Document grabs a
// 64 KiB pool chunk, which would cost ~66 KB per cached object; this keeps the pool at ~1 KiB
// chunks while handing out the usual shared_ptr<const Document> (aliasing the owner).
#include "op/kube/resource.hpp"

namespace op::kube::detail {

struct owned_document {
    rapidjson::MemoryPoolAllocator<> pool{1024};
    rapidjson::Document doc{&pool};
};

// Deep-copies `v` into `out` (allocated from `a`), leaving out metadata.managedFields and the
// last-applied annotation: one pass, so what informers cache is never copied twice
// (resource.cpp). With metadata_only, only apiVersion, kind and metadata are copied.
void copy_without_bookkeeping(rapidjson::Value& out, rapidjson::Value const& v,
                              rapidjson::MemoryPoolAllocator<>& a, bool metadata_only = false);

// A deep copy of `v` as an immutable object; without bookkeeping (above) when asked.
inline object copy_object(rapidjson::Value const& v, bool drop_bookkeeping = false,
                          bool metadata_only = false) {
    auto owner = std::make_shared<owned_document>();
    if (drop_bookkeeping || metadata_only)
        copy_without_bookkeeping(owner->doc, v, owner->doc.GetAllocator(), metadata_only);
    else owner->doc.CopyFrom(v, owner->doc.GetAllocator());
    return object(owner, &owner->doc);
}

// A mutable holder for building an object before publishing it with publish().
inline std::shared_ptr<owned_document> new_object() { return std::make_shared<owned_document>(); }
inline object publish(std::shared_ptr<owned_document> const& o) { return object(o, &o->doc); }

}  // namespace op::kube::detail
