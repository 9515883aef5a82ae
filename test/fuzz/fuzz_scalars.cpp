// libFuzzer target: the scalar parsers (Go durations, byte sizes, ports, volumes, shell words,
// Kubernetes quantities). Properties: never crash; format_duration(parse_duration(x)) parses
// back to the same value; parse_port builds exactly port_count() ports; canonical quantities
// are fixed points.
#include "fuzz_check.hpp"
#include "op/compose/scalars.hpp"
#include "op/mapping/quantity.hpp"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    using namespace op::compose;
    std::string_view const text = op::fuzz::text(data, size);
    if (auto d = parse_duration(text)) {
        auto back = parse_duration(format_duration(*d));
        OP_FUZZ_CHECK(back.has_value());
        OP_FUZZ_CHECK(*back == *d);
    }
    if (auto bytes = parse_byte_size(text)) {
        if (auto q = op::mapping::memory_quantity(*bytes, "memory")) {
            auto again = op::mapping::canonical_quantity(*q, "memory");
            OP_FUZZ_CHECK(again.has_value());
            OP_FUZZ_CHECK(*again == *q);
        }
    }
    auto ports = parse_port(text);
    OP_FUZZ_CHECK(ports ? ports->size() == port_count(text) : true);
    if (!ports && port_count(text) == 0) {
        OP_FUZZ_CHECK(!ports.error().message.empty());
    }
    (void)parse_volume(text);
    (void)split_shell_words(text);
    if (auto q = op::mapping::canonical_quantity(text, "q")) {
        auto again = op::mapping::canonical_quantity(*q, "q");
        OP_FUZZ_CHECK(again.has_value());
        OP_FUZZ_CHECK(*again == *q);
    }
    (void)op::mapping::cpu_quantity(text, "cpus");
    (void)op::mapping::storage_quantity(text, "storage");
    return 0;
}
