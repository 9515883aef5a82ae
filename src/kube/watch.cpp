#include "op/kube/watch.hpp"

#include "object_alloc.hpp"
#include "op/util/json.hpp"

namespace op::kube {

result<std::vector<std::string>> line_splitter::feed(std::string_view chunk) {
    std::vector<std::string> lines;
    while (!chunk.empty()) {
        auto nl = chunk.find('\n');
        std::string_view part = nl == std::string_view::npos ? chunk : chunk.substr(0, nl);
        if (buf_.size() + part.size() > max_line_) {
            buf_.clear();
            return invalid("watch event line longer than " + std::to_string(max_line_) + " bytes");
        }
        buf_.append(part);
        if (nl == std::string_view::npos) break;
        chunk.remove_prefix(nl + 1);
        if (!buf_.empty() && buf_.back() == '\r') buf_.pop_back();
        if (!buf_.empty()) lines.push_back(std::move(buf_));
        buf_.clear();
    }
    return lines;
}

result<watch_event> parse_watch_event(std::string_view line, bool drop_bookkeeping,
                                     bool metadata_only) {
    OP_TRY(auto doc, json::parse(line, {.max_bytes = 64u << 20, .max_depth = 128}));
    if (!doc.IsObject()) return invalid("watch event is not an object");
    OP_TRY(auto type, json::get_string(doc, "type", ""));
    if (!type) return invalid("watch event without type", "type");
    watch_event ev{};
    if (*type == "ADDED") ev.type = watch_event_type::added;
    else if (*type == "MODIFIED") ev.type = watch_event_type::modified;
    else if (*type == "DELETED") ev.type = watch_event_type::deleted;
    else if (*type == "BOOKMARK") ev.type = watch_event_type::bookmark;
    else if (*type == "ERROR") ev.type = watch_event_type::error;
    else return invalid("unknown watch event type " + std::string(*type), "type");
    auto* o = json::find(doc, "object");
    if (!o || !o->IsObject()) return invalid("watch event without object", "object");
    bool const object_event = ev.type == watch_event_type::added ||
                              ev.type == watch_event_type::modified ||
                              ev.type == watch_event_type::deleted;
    ev.obj = detail::copy_object(
        *o, {.drop_bookkeeping = drop_bookkeeping, .metadata_only = metadata_only && object_event,
             .api_version = {}});
    return ev;
}

api_error watch_error(watch_event const& ev) {
    api_error e;
    e.http_code = 500;
    if (!ev.obj) return e;
    if (auto c = json::get_int(*ev.obj, "code", ""); c && *c) e.http_code = static_cast<int>(**c);
    if (auto r = json::get_string(*ev.obj, "reason", ""); r && *r) e.reason = std::string(**r);
    if (auto m = json::get_string(*ev.obj, "message", ""); m && *m) e.message = std::string(**m);
    if (e.reason.empty()) e.reason = "Unknown";
    return e;
}

}  // namespace op::kube
