#include "op/webhook/review.hpp"

#include "fixture.hpp"
#include "op/util/base64.hpp"
#include "op_catch.hpp"

#include <stdexcept>

using namespace op::webhook;
using op::webhook::test::fixture;
using op::webhook::test::parse;

namespace {

// The decoded patch, or an error text that fails the comparison.
std::string unbase64(std::string const& in) {
    auto out = op::base64::decode(in);
    return out ? *out : "<bad base64: " + out.error().message + ">";
}

conversion_result copy_converter(conversion_request const& req) {
    std::vector<std::string> out;
    for (auto const& o : req.objects) {
        rapidjson::Document d;
        d.CopyFrom(o, d.GetAllocator());
        op::json::set(d, "apiVersion", op::json::string_value(req.desired_api_version, d.GetAllocator()),
                      d.GetAllocator());
        out.push_back(op::json::dump(d));
    }
    return out;
}

}  // namespace

TEST_CASE("decode a recorded ConversionReview", "[unit][webhook]") {
    auto req = decode_conversion_review(fixture("conversion_review_v1.json"));
    REQUIRE(req);
    CHECK(req->uid == "2f1c6a57-0b8e-4f5e-9d3c-7d1a0f1e9a11");
    CHECK(req->desired_api_version == "compose.docker.com/v1beta2");
    REQUIRE(req->objects.size() == 2);
    CHECK(std::string(req->objects[1]["metadata"]["name"].GetString()) == "db");
}

TEST_CASE("serve_conversion echoes the uid and keeps order", "[unit][webhook]") {
    auto reply = serve_conversion(fixture("conversion_review_v1.json"), copy_converter);
    REQUIRE(reply.status == 200);
    CHECK_FALSE(reply.error);
    auto doc = parse(reply.body);
    CHECK(std::string(doc["apiVersion"].GetString()) == "apiextensions.k8s.io/v1");
    CHECK(std::string(doc["kind"].GetString()) == "ConversionReview");
    auto const& resp = doc["response"];
    CHECK(std::string(resp["uid"].GetString()) == "2f1c6a57-0b8e-4f5e-9d3c-7d1a0f1e9a11");
    CHECK(std::string(resp["result"]["status"].GetString()) == "Success");
    REQUIRE(resp["convertedObjects"].Size() == 2);
    CHECK(std::string(resp["convertedObjects"][0]["apiVersion"].GetString()) ==
          "compose.docker.com/v1beta2");
    CHECK(std::string(resp["convertedObjects"][1]["metadata"]["name"].GetString()) == "db");
}

TEST_CASE("a failed conversion is result.status Failure with HTTP 200", "[unit][webhook]") {
    auto reply = serve_conversion(fixture("conversion_review_v1.json"), [](auto const&) {
        return conversion_result(op::invalid("cannot parse composeFile", "spec.composeFile"));
    });
    REQUIRE(reply.status == 200);
    auto doc = parse(reply.body);
    CHECK(std::string(doc["response"]["result"]["status"].GetString()) == "Failure");
    CHECK(std::string(doc["response"]["result"]["message"].GetString()) ==
          "spec.composeFile: cannot parse composeFile");
    CHECK(doc["response"]["convertedObjects"].Size() == 0);
}

// Found by fuzz_conversion_review: an answer must be JSON, so UTF-8, whatever a message or a
// converted object quotes from the input.
TEST_CASE("conversion and admission answers are UTF-8 when a message is not", "[unit][webhook]") {
    auto reply = serve_conversion(fixture("conversion_review_v1.json"), [](auto const&) {
        return conversion_result(op::invalid("unknown escape character: \xC3", "spec.composeFile"));
    });
    auto doc = parse(reply.body);
    CHECK(std::string(doc["response"]["result"]["message"].GetString()) ==
          "spec.composeFile: unknown escape character: \xEF\xBF\xBD");
    admission_response denied_bad = denied("bad \x85 value", 400);
    denied_bad.uid = "u";
    denied_bad.warnings = {"warn \xA0"};
    auto adm = parse(encode_admission_review(denied_bad));
    CHECK(std::string(adm["response"]["status"]["message"].GetString()) == "bad \xEF\xBF\xBD value");
    CHECK(std::string(adm["response"]["warnings"][0].GetString()) == "warn \xEF\xBF\xBD");
}

TEST_CASE("conversion handler exceptions and wrong counts become Failure", "[unit][webhook]") {
    auto thrown = serve_conversion(fixture("conversion_review_v1.json"),
                                   [](auto const&) -> conversion_result { throw std::runtime_error("boom"); });
    CHECK(thrown.status == 200);
    CHECK(thrown.error);
    CHECK(std::string(parse(thrown.body)["response"]["result"]["status"].GetString()) == "Failure");
    auto short_list = serve_conversion(fixture("conversion_review_v1.json"), [](auto const&) {
        return conversion_result(std::vector<std::string>{});
    });
    CHECK(std::string(parse(short_list.body)["response"]["result"]["status"].GetString()) == "Failure");
}

TEST_CASE("undecodable ConversionReviews are HTTP 400", "[unit][webhook]") {
    auto h = copy_converter;
    CHECK(serve_conversion("{not json", h).status == 400);
    CHECK(serve_conversion(R"({"apiVersion":"apiextensions.k8s.io/v1beta1","kind":"ConversionReview","request":{"uid":"a","desiredAPIVersion":"x/v1","objects":[]}})", h).status == 400);
    CHECK(serve_conversion(R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"a","desiredAPIVersion":"x/v1"}})", h).status == 400);
    CHECK(serve_conversion(R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"desiredAPIVersion":"x/v1"}})", h).status == 400);
    CHECK(serve_conversion(R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"uid":"a","desiredAPIVersion":"x/v1","objects":[1]}})", h).status == 400);
    std::string deep(100000, '[');
    CHECK(serve_conversion(deep, h).status == 400);
    CHECK(serve_conversion("{\"apiVersion\":\"\xff\xfe\"}", h).status == 400);
    auto bad = serve_conversion("[]", h);
    CHECK(std::string(parse(bad.body)["kind"].GetString()) == "Status");
    CHECK(parse(bad.body)["code"].GetInt() == 400);
}

TEST_CASE("decode a recorded AdmissionReview CREATE", "[unit][webhook]") {
    auto req = decode_admission_review(fixture("admission_create.json"), {});
    REQUIRE(req);
    CHECK(req->uid == "705ab4f5-6393-11e8-b7cc-42010a800002");
    CHECK(req->kind.kind == "Stack");
    CHECK(req->kind.version == "v1beta2");
    CHECK(req->resource.resource == "stacks");
    CHECK(req->sub_resource.empty());
    CHECK(req->operation == "CREATE");
    CHECK(req->name == "web");
    CHECK(req->namespace_ == "demo");
    CHECK(req->user.username == "alice");
    CHECK(req->user.uid == "014fbff9a07c");
    CHECK(req->user.groups == std::vector<std::string>{"system:authenticated", "dev"});
    CHECK(req->user.extra.at("scopes.example.com/scope") == std::vector<std::string>{"read", "write"});
    CHECK(req->object.IsObject());
    CHECK(req->old_object.IsNull());
    CHECK_FALSE(req->dry_run);
}

TEST_CASE("decode a DELETE with dryRun", "[unit][webhook]") {
    auto req = decode_admission_review(fixture("admission_delete.json"), {});
    REQUIRE(req);
    CHECK(req->object.IsNull());
    CHECK(req->old_object.IsObject());
    CHECK(req->dry_run);
}

TEST_CASE("serve_admission echoes the uid and encodes patches", "[unit][webhook]") {
    auto reply = serve_admission(fixture("admission_create.json"), [](admission_request const&) {
        return with_warning(patched(R"([{"op":"add","path":"/metadata/annotations","value":{}}])"),
                            "v1beta1 is deprecated");
    }, true);
    REQUIRE(reply.status == 200);
    auto doc = parse(reply.body);
    CHECK(std::string(doc["apiVersion"].GetString()) == "admission.k8s.io/v1");
    CHECK(std::string(doc["kind"].GetString()) == "AdmissionReview");
    auto const& r = doc["response"];
    CHECK(std::string(r["uid"].GetString()) == "705ab4f5-6393-11e8-b7cc-42010a800002");
    CHECK(r["allowed"].GetBool());
    CHECK(std::string(r["patchType"].GetString()) == "JSONPatch");
    CHECK(unbase64(r["patch"].GetString()) == R"([{"op":"add","path":"/metadata/annotations","value":{}}])");
    CHECK(std::string(r["patch"].GetString()) ==
          "W3sib3AiOiJhZGQiLCJwYXRoIjoiL21ldGFkYXRhL2Fubm90YXRpb25zIiwidmFsdWUiOnt9fV0=");
    CHECK(std::string(r["warnings"][0].GetString()) == "v1beta1 is deprecated");
}

TEST_CASE("denied and errored answers", "[unit][webhook]") {
    auto denied_doc = parse(serve_admission(fixture("admission_create.json"), [](auto const&) {
        return denied("spec.services[0].image: required", 422);
    }, false).body);
    auto d = denied_doc["response"].GetObject();
    CHECK_FALSE(d["allowed"].GetBool());
    CHECK(d["status"]["code"].GetInt() == 422);
    CHECK(std::string(d["status"]["reason"].GetString()) == "Invalid");
    CHECK(std::string(d["status"]["status"].GetString()) == "Failure");
    CHECK(std::string(d["status"]["message"].GetString()) == "spec.services[0].image: required");
    CHECK(denied("x", 200).code == 403);
    auto e = errored(500, op::internal("bug"));
    CHECK_FALSE(e.allowed);
    CHECK(e.code == 500);
    CHECK(e.message == "bug");
    auto allowed_doc = parse(encode_admission_review(allowed()));
    auto a = allowed_doc["response"].GetObject();
    CHECK(a["allowed"].GetBool());
    CHECK_FALSE(a.HasMember("patch"));
}

TEST_CASE("admission exceptions and validating patches become errored 500", "[unit][webhook]") {
    auto thrown = serve_admission(fixture("admission_create.json"),
                                  [](auto const&) -> admission_response { throw std::runtime_error("boom"); }, true);
    CHECK(thrown.status == 200);
    CHECK(thrown.error);
    auto r = parse(thrown.body);
    CHECK(std::string(r["response"]["uid"].GetString()) == "705ab4f5-6393-11e8-b7cc-42010a800002");
    CHECK(r["response"]["status"]["code"].GetInt() == 500);
    auto patch = parse(serve_admission(fixture("admission_create.json"),
                                       [](auto const&) { return patched("[]"); }, false).body);
    CHECK_FALSE(patch["response"]["allowed"].GetBool());
    CHECK_FALSE(patch["response"].HasMember("patch"));
}

TEST_CASE("undecodable AdmissionReviews", "[unit][webhook]") {
    auto ok = [](auto const&) { return allowed(); };
    CHECK(serve_admission("", ok, true).status == 400);
    CHECK(serve_admission("{\"a\":", ok, true).status == 400);
    CHECK(serve_admission(fixture("admission_v1beta1.json"), ok, true).status == 400);
    CHECK(serve_admission(fixture("admission_no_uid.json"), ok, true).status == 400);
    // The uid is known: an errored review with code 400 that echoes it.
    auto bad = serve_admission(fixture("admission_bad_object.json"), ok, true);
    REQUIRE(bad.status == 200);
    auto doc = parse(bad.body);
    CHECK(std::string(doc["response"]["uid"].GetString()) == "u-bad");
    CHECK_FALSE(doc["response"]["allowed"].GetBool());
    CHECK(doc["response"]["status"]["code"].GetInt() == 400);
    CHECK(std::string(doc["response"]["status"]["message"].GetString()).find("request.object") !=
          std::string::npos);
}
