// libFuzzer target: a watch response body, split into chunks at arbitrary points (the first
// byte chooses the chunk size), through line_splitter and parse_watch_event. Properties: never
// crash; the splitter keeps no more than its line limit; ERROR events give an api_error; the
// copy without bookkeeping (what informers cache) is the full copy minus managedFields and the
// last-applied annotation, so it parses exactly when the full one does; json::dump writes what
// rapidjson::Writer writes.
#include "fuzz_check.hpp"
#include "op/kube/resource.hpp"
#include "op/kube/watch.hpp"
#include "op/util/json.hpp"
#include "writer_text.hpp"


namespace {

// The oracle, written differently from the operator's one-pass copy: copy everything, then erase.
std::string erased_bookkeeping(rapidjson::Value const& obj) {
    rapidjson::Document d;
    d.CopyFrom(obj, d.GetAllocator());
    auto meta = d.FindMember("metadata");
    if (meta != d.MemberEnd() && meta->value.IsObject()) {
        auto& m = meta->value;
        while (m.HasMember("managedFields")) m.EraseMember("managedFields");
        for (auto a = m.MemberBegin(); a != m.MemberEnd(); ++a) {
            if (a->name != "annotations" || !a->value.IsObject()) continue;
            while (a->value.HasMember(op::kube::last_applied_annotation.data()))
                a->value.EraseMember(op::kube::last_applied_annotation.data());
        }
    }
    return op::json::dump(d);
}

}  // namespace

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
            auto slim = op::kube::parse_watch_event(line, true);
            OP_FUZZ_CHECK(ev.has_value() == slim.has_value());
            if (ev) {
                OP_FUZZ_CHECK(op::json::dump(*slim->obj) == erased_bookkeeping(*ev->obj));
                OP_FUZZ_CHECK(op::json::dump(*ev->obj) == op::test::writer_text(*ev->obj));
            }
            if (ev && ev->type == op::kube::watch_event_type::error) (void)op::kube::watch_error(*ev);
        }
    }
    (void)op::kube::parse_watch_event(body);
    return 0;
}
