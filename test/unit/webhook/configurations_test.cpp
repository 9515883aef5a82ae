#include "op/webhook/configurations.hpp"

#include "op/util/json.hpp"
#include "op_catch.hpp"

#include <rapidjson/pointer.h>

#include <fstream>
#include <sstream>

using namespace op::webhook;
namespace json = op::json;

namespace {

std::string source_file(char const* path) {
    std::ifstream in(std::string(OP_SOURCE_DIR) + "/" + path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string indented(std::string const& text, int by) {
    std::string out;
    std::string const pad(static_cast<std::size_t>(by), ' ');
    std::size_t start = 0;
    while (start < text.size()) {
        auto nl = text.find('\n', start);
        out += pad + text.substr(start, nl - start + 1);
        start = nl == std::string::npos ? text.size() : nl + 1;
    }
    return out;
}

std::string at(rapidjson::Value const& doc, char const* pointer) {
    auto const* v = rapidjson::Pointer(pointer).Get(doc);
    if (v == nullptr) return "<absent>";
    if (v->IsNull()) return "<null>";
    return v->IsString() ? std::string(v->GetString()) : json::dump(*v);
}

}  // namespace

TEST_CASE("manifests/50-webhooks.yaml is the operator's own rendering", "[unit][webhook]") {
    // Regenerate with: build/src/compose-operator manifests webhooks > manifests/50-webhooks.yaml
    CHECK(source_file("manifests/50-webhooks.yaml") == webhooks_manifest());
}

TEST_CASE("the CRD's conversion stanza is the operator's own rendering", "[unit][webhook]") {
    auto crd = source_file("crds/stacks.compose.docker.com.yaml");
    auto stanza = indented(crd_conversion_yaml(), 2);  // under spec:
    INFO(stanza);
    CHECK(crd.find("\nspec:\n") != std::string::npos);
    CHECK(crd.find(stanza) != std::string::npos);
}

TEST_CASE("webhook configurations: URL form with a CA, the Service form nulled", "[unit][webhook]") {
    endpoint e;
    e.url = "https://127.0.0.1:9443";
    e.ca_pem = "PEM";
    e.null_other = true;
    auto doc = json::parse(webhook_configuration(admission_kind::mutating, e), {});
    REQUIRE(doc);
    CHECK(at(*doc, "/kind") == "MutatingWebhookConfiguration");
    CHECK(at(*doc, "/webhooks/0/name") == "owner.stacks.compose.docker.com");
    CHECK(at(*doc, "/webhooks/0/clientConfig/url") == "https://127.0.0.1:9443/mutate");
    CHECK(at(*doc, "/webhooks/0/clientConfig/service") == "<null>");
    CHECK(at(*doc, "/webhooks/0/clientConfig/caBundle") == "UEVN");
    CHECK(at(*doc, "/webhooks/0/reinvocationPolicy") == "IfNeeded");
    CHECK(at(*doc, "/webhooks/0/rules/0/apiVersions") == R"(["v1beta1","v1beta2","v1alpha3"])");

    auto v = json::parse(webhook_configuration(admission_kind::validating, {}), {});
    REQUIRE(v);
    CHECK(at(*v, "/kind") == "ValidatingWebhookConfiguration");
    CHECK(at(*v, "/webhooks/0/clientConfig/service/path") == "/validate");
    CHECK(at(*v, "/webhooks/0/clientConfig/url") == "<absent>");
    CHECK(at(*v, "/webhooks/0/clientConfig/caBundle") == "<absent>");
    CHECK(at(*v, "/webhooks/0/reinvocationPolicy") == "<absent>");
}

TEST_CASE("the CRD conversion patch: another Service, the URL form nulled", "[unit][webhook]") {
    endpoint e;
    e.service_namespace = "ops";
    e.service_name = "hooks";
    e.null_other = true;
    auto doc = json::parse(crd_conversion_patch(e), {});
    REQUIRE(doc);
    CHECK(at(*doc, "/spec/conversion/strategy") == "Webhook");
    CHECK(at(*doc, "/spec/conversion/webhook/conversionReviewVersions") == R"(["v1"])");
    CHECK(at(*doc, "/spec/conversion/webhook/clientConfig/service") ==
          R"({"namespace":"ops","name":"hooks","path":"/convert","port":443})");
    CHECK(at(*doc, "/spec/conversion/webhook/clientConfig/url") == "<null>");
}
