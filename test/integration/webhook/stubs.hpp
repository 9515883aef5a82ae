#pragma once
// Stub typed handlers for the integration tests and the benchmark.
#include "op/webhook/review.hpp"

namespace op::webhook::test {

// Copies each object and sets apiVersion to the desired one.
inline conversion_result copy_converter(conversion_request const& req) {
    std::vector<std::string> out;
    out.reserve(req.objects.size());
    for (auto const& o : req.objects) {
        rapidjson::Document d;
        d.CopyFrom(o, d.GetAllocator());
        json::set(d, "apiVersion", json::string_value(req.desired_api_version, d.GetAllocator()),
                  d.GetAllocator());
        out.push_back(json::dump(d));
    }
    return out;
}

// Denies objects named "deny", allows the rest.
inline admission_response stub_validate(admission_request const& req) {
    if (req.name == "deny") return denied("name \"deny\" is not allowed", 422);
    return allowed();
}

inline admission_response stub_mutate(admission_request const&) {
    return patched(R"([{"op":"add","path":"/metadata/labels/mutated","value":"yes"}])");
}

inline handlers stub_handlers() {
    handlers h;
    h.convert = copy_converter;
    h.mutate = stub_mutate;
    h.validate = stub_validate;
    return h;
}

inline std::string admission_review(std::string const& uid, std::string const& name) {
    return R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":")" +
           uid + R"(","kind":{"group":"compose.docker.com","version":"v1beta2","kind":"Stack"},)" +
           R"("resource":{"group":"compose.docker.com","version":"v1beta2","resource":"stacks"},)" +
           R"("name":")" + name + R"(","namespace":"demo","operation":"CREATE",)" +
           R"("userInfo":{"username":"alice","groups":["system:authenticated"]},)" +
           R"("object":{"apiVersion":"compose.docker.com/v1beta2","kind":"Stack","metadata":{"name":")" +
           name + R"(","namespace":"demo"},"spec":{"services":[]}}}})";
}

inline std::string conversion_review(std::string const& uid, int objects) {
    std::string out = R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"uid":")" +
                      uid + R"(","desiredAPIVersion":"compose.docker.com/v1beta2","objects":[)";
    for (int i = 0; i < objects; ++i) {
        if (i) out += ',';
        out += R"({"apiVersion":"compose.docker.com/v1beta1","kind":"Stack","metadata":{"name":"s)" +
               std::to_string(i) +
               R"(","namespace":"demo","uid":"0000-1111","resourceVersion":"812","generation":3},)" +
               R"("spec":{"composeFile":"services:\n  web:\n    image: nginx\n    ports: [\"80:80\"]\n"}})";
    }
    return out + "]}}";
}

}  // namespace op::webhook::test
