// libFuzzer target: a watch response body, split into chunks at arbitrary points (the first
// byte chooses the chunk size), through line_splitter and parse_watch_event. Properties: never
// crash; the splitter keeps no more than its line limit; ERROR events give an api_error.
#include "fuzz_check.hpp"
#include "op/kube/watch.hpp"

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    if (size == 0) return 0;
    std::size_t const chunk = 1 + data[0] % 64;
    std::string_view const body = op::fuzz::text(data + 1, size - 1);
    op::kube::line_splitter lines(4096);
    for (std::size_t at = 0; at < body.size(); at += chunk) {
        auto got = lines.feed(body.substr(at, chunk));
        if (!got) break;
        OP_FUZZ_CHECK(lines.pending() <= 4096);
        for (auto const& line : *got) {
            auto ev = op::kube::parse_watch_event(line);
            if (ev && ev->type == op::kube::watch_event_type::error) (void)op::kube::watch_error(*ev);
        }
    }
    (void)op::kube::parse_watch_event(body);
    return 0;
}
