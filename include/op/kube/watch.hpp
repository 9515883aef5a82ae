#pragma once
// Decoding a watch response: newline-delimited JSON events, arriving in arbitrary chunks.
#include "op/kube/resource.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace op::kube {

enum class watch_event_type { added, modified, deleted, bookmark, error };

struct watch_event {
    watch_event_type type;
    object obj;  // the object, or a metav1.Status for error events
};

// Splits a byte stream into lines with a bounded length. Not thread-safe.
class line_splitter {
public:
    explicit line_splitter(std::size_t max_line = 16u << 20) : max_line_(max_line) {}
    // Appends `chunk` and returns the complete lines it finished (without '\n'; empty lines and
    // a trailing '\r' are dropped). Fails (invalid) once a line exceeds max_line.
    [[nodiscard]] result<std::vector<std::string>> feed(std::string_view chunk);
    // Bytes of the unfinished line.
    [[nodiscard]] std::size_t pending() const { return buf_.size(); }

private:
    std::size_t max_line_;
    std::string buf_;
};

// Parses one watch line {"type":..., "object":{...}}. Fails (invalid) on bad JSON or type.
// With drop_bookkeeping, the object is copied without managedFields and the last-applied
// annotation (see without_bookkeeping); with metadata_only, an ADDED, MODIFIED or DELETED
// event's object keeps only apiVersion, kind and metadata (an ERROR's Status is kept whole).
[[nodiscard]] result<watch_event> parse_watch_event(std::string_view line,
                                                    bool drop_bookkeeping = false,
                                                    bool metadata_only = false);

// For an ERROR event: the api_error its Status carries.
[[nodiscard]] api_error watch_error(watch_event const& ev);

}  // namespace op::kube
