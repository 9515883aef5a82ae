#include "mapping_support.hpp"

#include "op/util/json.hpp"
#include "op_catch.hpp"

#include <rapidjson/pointer.h>

#include <algorithm>
#include <sstream>

namespace op::mapping::test {
namespace {

rapidjson::Value sorted_copy(rapidjson::Value const& v, rapidjson::Document::AllocatorType& a) {
    if (v.IsObject()) {
        std::vector<rapidjson::Value::ConstMemberIterator> members;
        for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) members.push_back(it);
        std::sort(members.begin(), members.end(), [](auto l, auto r) {
            return std::string_view(l->name.GetString(), l->name.GetStringLength()) <
                   std::string_view(r->name.GetString(), r->name.GetStringLength());
        });
        rapidjson::Value out(rapidjson::kObjectType);
        for (auto it : members) {
            out.AddMember(rapidjson::Value(it->name, a), sorted_copy(it->value, a), a);
        }
        return out;
    }
    if (v.IsArray()) {
        rapidjson::Value out(rapidjson::kArrayType);
        for (auto const& e : v.GetArray()) out.PushBack(sorted_copy(e, a), a);
        return out;
    }
    return rapidjson::Value(v, a);
}

std::vector<std::string> lines(std::string const& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

}  // namespace

api::stack make_stack(std::vector<api::service_config> services) {
    api::stack s;
    s.metadata.name = "demo";
    s.metadata.namespace_ = "ns";
    s.metadata.uid = "uid-1";
    s.spec.services = std::move(services);
    return s;
}

api::service_config make_service(std::string name, std::string image) {
    api::service_config s;
    s.name = std::move(name);
    s.image = std::move(image);
    return s;
}

mapping_result map_ok(api::stack const& stack, mapping_options const& options) {
    auto r = map_stack(stack, options);
    INFO((r ? std::string("ok") : r.error().what()));
    REQUIRE(r.has_value());
    return std::move(*r);
}

op::error map_err(api::stack const& stack, mapping_options const& options) {
    auto r = map_stack(stack, options);
    REQUIRE_FALSE(r.has_value());
    return r.error();
}

k8s_object const* find(mapping_result const& r, std::string_view kind, std::string_view name) {
    for (auto const& o : r.objects) {
        if (o.kind == kind && o.name == name) return &o;
    }
    return nullptr;
}

rapidjson::Value const& workload(mapping_result const& r, std::string_view name) {
    for (auto const& o : r.objects) {
        if (o.name == name && o.api_version == "apps/v1") return o.json;
    }
    FAIL("no workload " << name);
    throw 0;  // unreachable
}

rapidjson::Value const& pod_spec(mapping_result const& r, std::string_view name) {
    return workload(r, name)["spec"]["template"]["spec"];
}

rapidjson::Value const& main_container(mapping_result const& r, std::string_view name) {
    return pod_spec(r, name)["containers"][0];
}

std::string canon(rapidjson::Value const& v) {
    rapidjson::Document d;
    auto copy = sorted_copy(v, d.GetAllocator());
    return json::dump(copy);
}

std::string canon(std::string_view json_text) {
    auto d = json::parse(json_text);
    if (!d) return "<bad JSON literal: " + d.error().what() + ">";
    return canon(*d);
}

std::string at(rapidjson::Value const& v, char const* ptr) {
    auto const* found = rapidjson::Pointer(ptr).Get(v);
    return found ? canon(*found) : std::string("<absent>");
}

std::string json_diff(rapidjson::Value const& expected, rapidjson::Value const& actual) {
    rapidjson::Document d;
    auto e = lines(json::dump_pretty(sorted_copy(expected, d.GetAllocator())));
    auto a = lines(json::dump_pretty(sorted_copy(actual, d.GetAllocator())));
    // Longest common subsequence, then a unified-style listing of the differences.
    std::vector<std::vector<int>> lcs(e.size() + 1, std::vector<int>(a.size() + 1, 0));
    for (std::size_t i = e.size(); i-- > 0;) {
        for (std::size_t j = a.size(); j-- > 0;) {
            lcs[i][j] = e[i] == a[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
        }
    }
    std::string out;
    std::size_t i = 0, j = 0;
    bool differs = false;
    while (i < e.size() || j < a.size()) {
        if (i < e.size() && j < a.size() && e[i] == a[j]) {
            out += "  " + e[i] + "\n";
            ++i, ++j;
        } else if (j < a.size() && (i == e.size() || lcs[i][j + 1] >= lcs[i + 1][j])) {
            out += "+ " + a[j++] + "\n";
            differs = true;
        } else {
            out += "- " + e[i++] + "\n";
            differs = true;
        }
    }
    return differs ? out : std::string();
}

}  // namespace op::mapping::test
