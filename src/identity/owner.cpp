// The owner's canonical JSON, its parser and the identity check (identity.hpp).
#include "op/identity/identity.hpp"

#include "detail.hpp"
#include "op/util/json.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace op::identity {
namespace {

using detail::put;
using detail::writer;

bool control_char(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7f;
    });
}

std::string quoted(std::string_view s) {
    std::string out;
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) out += fmt::format("\\x{:02x}", u);
        else out += c;
    }
    return out;
}

}  // namespace

std::string owner_json(owner const& o) {
    rapidjson::StringBuffer buf;
    writer w(buf);
    w.StartObject();
    put(w, "username"); put(w, o.username);
    put(w, "uid"); put(w, o.uid);
    put(w, "groups");
    w.StartArray();
    for (auto const& g : o.groups) put(w, g);
    w.EndArray();
    put(w, "extra");
    w.StartObject();
    for (auto const& [k, vs] : o.extra) {  // std::map: sorted keys
        put(w, k);
        w.StartArray();
        for (auto const& v : vs) put(w, v);
        w.EndArray();
    }
    w.EndObject();
    w.EndObject();
    return {buf.GetString(), buf.GetSize()};
}

result<void> check_identity(user_info const& u) {
    auto refuse = [](std::string const& path, std::string_view value) -> result<void> {
        return invalid(fmt::format("the requester's identity has a control character (\"{}\"); the "
                                   "operator cannot record or act as such an identity: use an "
                                   "account whose name, groups and extras are printable",
                                   quoted(value)),
                       path);
    };
    if (control_char(u.username)) return refuse("userInfo.username", u.username);
    if (control_char(u.uid)) return refuse("userInfo.uid", u.uid);
    for (std::size_t i = 0; i < u.groups.size(); ++i) {
        if (control_char(u.groups[i])) return refuse(fmt::format("userInfo.groups[{}]", i), u.groups[i]);
    }
    for (auto const& [k, vs] : u.extra) {
        if (control_char(k)) return refuse("userInfo.extra", k);
        if (k.empty()) return invalid("the requester's identity has an empty extra key", "userInfo.extra");
        for (std::size_t i = 0; i < vs.size(); ++i) {
            if (control_char(vs[i])) return refuse(fmt::format("userInfo.extra.{}[{}]", k, i), vs[i]);
        }
    }
    return {};
}

result<owner> parse_owner(std::string_view json_text) {
    OP_TRY(auto doc, json::parse(json_text, json::limits{64u << 10, 8}));
    if (!doc.IsObject()) return invalid("owner must be a JSON object");
    owner o;
    OP_TRY(auto username, json::get_string(doc, "username", "owner"));
    OP_TRY(auto uid, json::get_string(doc, "uid", "owner"));
    o.username = std::string(username.value_or(""));
    o.uid = std::string(uid.value_or(""));
    OP_TRY(auto groups, json::get_array(doc, "groups", "owner"));
    if (groups) {
        for (auto const& g : groups->GetArray()) {
            if (!g.IsString()) return invalid("expected strings", "owner.groups");
            o.groups.emplace_back(g.GetString(), g.GetStringLength());
        }
    }
    OP_TRY(auto extra, json::get_object(doc, "extra", "owner"));
    if (extra) {
        for (auto const& m : extra->GetObject()) {
            std::string key(m.name.GetString(), m.name.GetStringLength());
            if (!m.value.IsArray()) return invalid("expected an array", "owner.extra." + key);
            auto& vs = o.extra[key];
            for (auto const& v : m.value.GetArray()) {
                if (!v.IsString()) return invalid("expected strings", "owner.extra." + key);
                vs.emplace_back(v.GetString(), v.GetStringLength());
            }
        }
    }
    if (o.username.empty()) return invalid("owner has no username", "owner.username");
    OP_RETURN_IF_ERROR(check_identity(o));
    return o;
}

}  // namespace op::identity
