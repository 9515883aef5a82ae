// The copy every informer makes of each listed or watched object (src/kube/object_alloc.hpp):
// what it keeps, and that it is built at its exact size in one pool chunk.
#include "object_alloc.hpp"

#include "op/kube/watch.hpp"
#include "op/util/json.hpp"
#include "op_catch.hpp"

#include <fmt/format.h>

using op::kube::detail::copy_filter;
using op::kube::detail::copy_object;

namespace {

// A Deployment as the API server lists it (managedFields, last-applied, defaults and status),
// with strings of every length around rapidjson's inline limit.
std::string deployment(std::string const& extra = "") {
    std::string labels;
    for (int n = 1; n <= 30; ++n) labels += fmt::format(R"("l{}":"{}",)", n, std::string(n, 'v'));
    return fmt::format(
        R"({{"apiVersion":"apps/v1","kind":"Deployment","metadata":{{"name":"web","namespace":"ns",)"
        R"("uid":"6f1c2d7e-0000-4000-8000-000000000001","resourceVersion":"42","generation":1,)"
        R"("labels":{{{}"com.docker.stack.namespace":"s1"}},)"
        R"("annotations":{{"kubectl.kubernetes.io/last-applied-configuration":"{{\"a\":1}}",)"
        R"("compose.docker.com/desired-hash":"0123456789abcdef"}},)"
        R"("managedFields":[{{"manager":"compose-operator","operation":"Apply","fieldsV1":{{"f:spec":{{}}}}}}],)"
        R"("ownerReferences":[{{"apiVersion":"compose.docker.com/v1beta2","kind":"Stack","name":"s1",)"
        R"("uid":"u-1","controller":true,"blockOwnerDeletion":true}}]{}}},)"
        R"("spec":{{"replicas":2,"selector":{{"matchLabels":{{"com.docker.service.id":"s1-web"}}}},)"
        R"("template":{{"spec":{{"containers":[{{"name":"web","image":"nginx:1.27","ports":[)"
        R"({{"containerPort":80,"protocol":"TCP"}}],"resources":{{}}}}],"dnsPolicy":"ClusterFirst",)"
        R"("terminationGracePeriodSeconds":30,"x":-1.5,"big":18446744073709551615,"neg":-9007199254740993,)"
        R"("empty":[],"none":{{}},"t":true,"f":false,"n":null}}}}}},)"
        R"("status":{{"observedGeneration":1,"replicas":2,"readyReplicas":2}}}})",
        labels, extra);
}

rapidjson::Document parsed(std::string const& text) {
    auto d = op::json::parse(text);
    REQUIRE(d);
    return std::move(*d);
}

// Every byte of the pool is used: one chunk, sized beforehand, no slack.
void check_exact(op::kube::object const& o) {
    auto& pool = const_cast<rapidjson::Document&>(*o).GetAllocator();
    CHECK(pool.Size() == pool.Capacity());
}

}  // namespace

TEST_CASE("copy_object: a whole copy equals the source and fills its pool exactly", "[unit]") {
    auto const src = parsed(deployment());
    auto const o = copy_object(src);
    CHECK(op::json::dump(*o) == op::json::dump(src));
    CHECK(*o == src);  // types too: numbers keep their int/uint/double kinds
    check_exact(o);
}

TEST_CASE("copy_object: without bookkeeping drops managedFields and last-applied only", "[unit]") {
    auto const src = parsed(deployment());
    auto const o = copy_object(src, {.drop_bookkeeping = true, .metadata_only = false, .api_version = {}});
    auto const text = op::json::dump(*o);
    CHECK(text.find("managedFields") == std::string::npos);
    CHECK(text.find("last-applied") == std::string::npos);
    // The rest, in order: the oracle erases from a whole copy.
    rapidjson::Document want;
    want.CopyFrom(src, want.GetAllocator());
    want["metadata"].EraseMember("managedFields");
    want["metadata"]["annotations"].EraseMember("kubectl.kubernetes.io/last-applied-configuration");
    CHECK(text == op::json::dump(want));
    check_exact(o);
}

TEST_CASE("copy_object: metadata only keeps apiVersion, kind and metadata", "[unit]") {
    auto const src = parsed(deployment(R"(,"deletionTimestamp":"2026-12-04T01:00:00Z")"));
    auto const o = copy_object(src, {.drop_bookkeeping = true, .metadata_only = true, .api_version = {}});
    rapidjson::Document want;
    want.CopyFrom(src, want.GetAllocator());
    want.EraseMember("spec");
    want.EraseMember("status");
    want["metadata"].EraseMember("managedFields");
    want["metadata"]["annotations"].EraseMember("kubectl.kubernetes.io/last-applied-configuration");
    CHECK(op::json::dump(*o) == op::json::dump(want));
    check_exact(o);
}

TEST_CASE("copy_object: a list item gains apiVersion first, unless it has one", "[unit]") {
    auto item = parsed(R"({"metadata":{"name":"a","namespace":"ns","resourceVersion":"1"},"data":{"k":"v"}})");
    auto const o = copy_object(item, {.drop_bookkeeping = true, .metadata_only = false,
                                      .api_version = "networking.k8s.io/v1"});
    CHECK(op::json::dump(*o) ==
          R"({"apiVersion":"networking.k8s.io/v1","metadata":{"name":"a","namespace":"ns","resourceVersion":"1"},"data":{"k":"v"}})");
    check_exact(o);
    auto const has = parsed(R"({"apiVersion":"v1","metadata":{"name":"b"}})");
    auto const same = copy_object(has, {.drop_bookkeeping = false, .metadata_only = false, .api_version = "apps/v1"});
    CHECK(op::json::dump(*same) == R"({"apiVersion":"v1","metadata":{"name":"b"}})");
}

TEST_CASE("copy_object: odd shapes are copied as they are", "[unit]") {
    for (auto const* text : {R"({"metadata":[1],"x":2})", R"({"metadata":{"annotations":"x"}})", R"({})",
                             R"({"metadata":{}})"}) {
        auto const src = parsed(text);
        auto const o = copy_object(src, {.drop_bookkeeping = true, .metadata_only = false, .api_version = {}});
        CHECK(op::json::dump(*o) == text);
        auto& pool = const_cast<rapidjson::Document&>(*o).GetAllocator();
        CHECK(pool.Size() <= pool.Capacity());
    }
}
