#pragma once
// Kubernetes resource quantities ("500m", "1Gi", "129e6") in the form the API server stores.
//
// The server parses every quantity it receives and serves it back in a canonical spelling
// (apimachinery `resource.Quantity`: "0.5" -> "500m", "1024Mi" -> "1Gi", "1000M" -> "1G",
// "1.5Ki" -> "1536"); a format chosen by the input's suffix (decimal SI, binary SI or decimal
// exponent) is kept, and some already-canonical inputs are kept verbatim ("1.500", "+1").
// The reconciler compares desired and live objects field by field, so mapping must write
// exactly that spelling or it re-applies on every pass. The functions below return the string
// the server serves after the value has been stored and read back (a fixed point of its
// parse-then-print; the one case that needs two passes is a binary value that is not a multiple
// of 1024: "976.5625Ki" -> "1000000" -> "1M").
//
// Deliberate limits: values whose exact magnitude needs more than 128 bits or exponents beyond
// +-10000 are refused as out of range, as are decimal values of 10^21 or more (the server would
// print them without a suffix, i.e. as a different number).
#include "op/util/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace op::mapping {

// The server's spelling of the quantity `text` (leading/trailing blanks ignored, as the server
// does). Fails (invalid, at `path`) when `text` is not a quantity or is out of range.
[[nodiscard]] result<std::string> canonical_quantity(std::string_view text,
                                                     std::string const& path);

// A CPU amount (compose `cpus`: "0.5", "2", "1e-1", or a quantity such as "250m") rounded up to
// whole millicores ("0.0001" -> "1m"), in the server's spelling. "0" for zero. Fails when `text`
// is not a quantity or is negative.
[[nodiscard]] result<std::string> cpu_quantity(std::string_view text, std::string const& path);

// A storage request (volumeClaimTemplates `storage`): canonical_quantity() that must also be
// greater than zero.
[[nodiscard]] result<std::string> storage_quantity(std::string_view text, std::string const& path);

// A number of bytes (compose `memory`, already converted) as a quantity: binary suffix when it is
// a non-zero multiple of 1024 (536870912 -> "512Mi"), else decimal (1000000000 -> "1G").
// Fails when `bytes` is negative.
[[nodiscard]] result<std::string> memory_quantity(std::int64_t bytes, std::string const& path);

}  // namespace op::mapping
