#include "op/kube/store.hpp"

#include "op/util/json.hpp"
#include "op_catch.hpp"

#include <fmt/format.h>

#include <algorithm>

using namespace op::kube;

namespace {
object obj(std::string const& ns, std::string const& name, std::string const& rv,
           std::string const& labels = "{}", std::string const& owner = "") {
    std::string refs = owner.empty() ? "" :
        fmt::format(R"(,"ownerReferences":[{{"kind":"Stack","name":"s","uid":"{}","controller":true}}])", owner);
    auto d = op::json::parse(fmt::format(
        R"({{"metadata":{{"namespace":"{}","name":"{}","resourceVersion":"{}","labels":{}{}}}}})",
        ns, name, rv, labels, refs));
    REQUIRE(d);
    return std::make_shared<rapidjson::Document const>(std::move(*d));
}
}  // namespace

TEST_CASE("store: upsert adds, updates, skips same resourceVersion", "[unit]") {
    store s;
    auto d1 = s.upsert(obj("ns", "a", "1"));
    REQUIRE(d1);
    CHECK(d1->type == delta_type::added);
    CHECK_FALSE(s.upsert(obj("ns", "a", "1")));  // same RV: no event
    auto d2 = s.upsert(obj("ns", "a", "2"));
    REQUIRE(d2);
    CHECK(d2->type == delta_type::updated);
    CHECK(meta_string(*d2->old, "resourceVersion") == "1");
    CHECK(meta_string(*s.get("ns/a"), "resourceVersion") == "2");
    CHECK(s.size() == 1);
}

TEST_CASE("store: snapshots stay valid after updates", "[unit]") {
    store s;
    (void)s.upsert(obj("ns", "a", "1"));
    auto snap = s.get("ns/a");
    (void)s.upsert(obj("ns", "a", "2"));
    (void)s.remove(*obj("ns", "a", "3"));
    CHECK(meta_string(*snap, "resourceVersion") == "1");
    CHECK_FALSE(s.get("ns/a"));
}

TEST_CASE("store: indexes by namespace, label and controller owner follow changes", "[unit]") {
    store s;
    (void)s.upsert(obj("n1", "a", "1", R"({"app":"x","tier":"web"})", "uid-1"));
    (void)s.upsert(obj("n1", "b", "1", R"({"app":"y"})", "uid-1"));
    (void)s.upsert(obj("n2", "c", "1", R"({"app":"x"})"));
    CHECK(s.by_namespace("n1").size() == 2);
    CHECK(s.by_namespace("n2").size() == 1);
    CHECK(s.by_label("app", "x").size() == 2);
    CHECK(s.by_label("tier", "web").size() == 1);
    CHECK(s.by_owner("uid-1").size() == 2);
    (void)s.upsert(obj("n1", "a", "2", R"({"app":"y"})"));  // label and owner changed
    CHECK(s.by_label("app", "x").size() == 1);
    CHECK(s.by_label("app", "y").size() == 2);
    CHECK(s.by_label("tier", "web").empty());
    CHECK(s.by_owner("uid-1").size() == 1);
    (void)s.remove(*obj("n1", "b", "9"));
    CHECK(s.by_owner("uid-1").empty());
    CHECK(s.by_namespace("n1").size() == 1);
}

TEST_CASE("store: replace yields adds, updates and deletes", "[unit]") {
    store s;
    (void)s.upsert(obj("ns", "keep", "1"));
    (void)s.upsert(obj("ns", "change", "1"));
    (void)s.upsert(obj("ns", "gone", "1"));
    auto deltas = s.replace({obj("ns", "keep", "1"), obj("ns", "change", "2"), obj("ns", "new", "1")});
    int added = 0, updated = 0, deleted = 0;
    for (auto const& d : deltas) {
        if (d.type == delta_type::added) ++added;
        if (d.type == delta_type::updated) ++updated;
        if (d.type == delta_type::deleted) ++deleted;
    }
    CHECK(added == 1);
    CHECK(updated == 1);
    CHECK(deleted == 1);
    CHECK(s.size() == 3);
    CHECK_FALSE(s.get("ns/gone"));
}

TEST_CASE("resource paths and keys", "[unit]") {
    resource cm{"", "v1", "configmaps", true};
    resource dep{"apps", "v1", "deployments", true};
    resource ns{"", "v1", "namespaces", false};
    CHECK(cm.collection_path("a") == "/api/v1/namespaces/a/configmaps");
    CHECK(cm.collection_path("") == "/api/v1/configmaps");
    CHECK(dep.object_path("a", "d") == "/apis/apps/v1/namespaces/a/deployments/d");
    CHECK(ns.object_path("ignored", "x") == "/api/v1/namespaces/x");
    CHECK(dep.api_version() == "apps/v1");
    CHECK(object_key::parse("a/b") == object_key{"a", "b"});
    CHECK(object_key::parse("b").str() == "b");
}

TEST_CASE("api errors map to op::error codes and round-trip", "[unit]") {
    auto e = to_error(api_error_from_response(
        409, R"({"kind":"Status","reason":"AlreadyExists","message":"x exists","code":409})"));
    CHECK(e.code == op::errc::conflict);
    auto back = to_api_error(e);
    REQUIRE(back);
    CHECK(back->http_code == 409);
    CHECK(back->reason == "AlreadyExists");
    CHECK(back->message == "x exists");
    CHECK(to_error(api_error{404, "NotFound", "", 0}).code == op::errc::not_found);
    CHECK(to_error(api_error{403, "Forbidden", "", 0}).code == op::errc::terminal);
    CHECK(to_error(api_error{401, "Unauthorized", "", 0}).code == op::errc::terminal);
    CHECK(to_error(api_error{422, "Invalid", "", 0}).code == op::errc::invalid);
    CHECK(to_error(api_error{400, "BadRequest", "", 0}).code == op::errc::invalid);
    CHECK(to_error(api_error{429, "TooManyRequests", "", 0}).code == op::errc::transient);
    CHECK(to_error(api_error{503, "ServiceUnavailable", "", 0}).code == op::errc::transient);
    CHECK(to_error(api_error{0, "Timeout", "", 0}).code == op::errc::transient);
    CHECK(is_gone(to_error(api_error{410, "Expired", "too old resource version: 1 (5)", 0})));
    CHECK_FALSE(is_gone(e));
    CHECK_FALSE(to_api_error(op::invalid("plain")));
    auto raw = api_error_from_response(502, "<html>bad gateway</html>");
    CHECK(raw.reason == "Unknown");
    CHECK(raw.message == "<html>bad gateway</html>");
}

TEST_CASE("micro_time formats microseconds in UTC", "[unit]") {
    using namespace std::chrono;
    auto t = sys_days{year{2026} / 11 / 25} + 10h + 8s + 123456us;
    CHECK(micro_time(t) == "2026-11-25T10:00:08.123456Z");
}

TEST_CASE("store: with only some indexes, every lookup gives the same answer", "[unit]") {
    store all;
    store some(store_indexes::labels_only({"app"}));
    store none(store_indexes::labels_only({}));
    auto const names = [](std::vector<object> v) {
        std::vector<std::string> out;
        for (auto const& o : v) out.push_back(key_of(*o).str());
        std::sort(out.begin(), out.end());
        return out;
    };
    for (auto* s : {&all, &some, &none}) {
        (void)s->upsert(obj("n1", "a", "1", R"({"app":"x","tier":"web"})", "uid-1"));
        (void)s->upsert(obj("n1", "b", "1", R"({"app":"y"})", "uid-1"));
        (void)s->upsert(obj("n2", "c", "1", R"({"app":"x"})"));
        (void)s->upsert(obj("n1", "a", "2", R"({"app":"x","tier":"db"})"));
        (void)s->remove(*obj("n1", "b", "9"));
    }
    for (auto* s : {&some, &none}) {
        CHECK(names(s->by_label("app", "x")) == names(all.by_label("app", "x")));  // indexed or not
        CHECK(names(s->by_label("app", "x")) == std::vector<std::string>{"n1/a", "n2/c"});
        CHECK(names(s->by_label("tier", "db")) == std::vector<std::string>{"n1/a"});  // a scan
        CHECK(s->by_label("tier", "web").empty());
        CHECK(names(s->by_namespace("n1")) == names(all.by_namespace("n1")));
        CHECK(s->by_owner("uid-1").empty());
        CHECK(s->size() == 2);
    }
}
