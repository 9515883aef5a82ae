#include "op/webhook/router.hpp"

#include "fixture.hpp"
#include "op_catch.hpp"

using namespace op::webhook;
using op::webhook::test::fixture;

TEST_CASE("the router routes on the path, ignoring the query", "[unit][webhook]") {
    op::metrics::registry m;
    handlers h;
    h.validate = [](auto const&) { return allowed(); };
    h.extra["/ping"] = [](std::string_view) { return http_reply{200, "pong", "text/plain"}; };
    router r(std::move(h), m, {});
    CHECK(target_path("/validate?timeout=10s") == "/validate");
    CHECK(r.handle("POST", "/validate?timeout=10s", fixture("admission_create.json")).status == 200);
    CHECK(r.handle("POST", "/ping", "").body == "pong");
    CHECK(r.handle("POST", "/convert", "").status == 404);  // no converter plugged in
    CHECK(r.handle("POST", "/nope", "").status == 404);
    CHECK(r.handle("GET", "/validate", "").status == 405);
    CHECK(r.handle("POST", "/validate", "{").status == 400);
    auto text = m.render();
    CHECK(text.find("controller_runtime_webhook_requests_total{webhook=\"/validate\",code=\"200\"} 1") != std::string::npos);
    CHECK(text.find("controller_runtime_webhook_requests_total{webhook=\"/validate\",code=\"400\"} 1") != std::string::npos);
    CHECK(text.find("controller_runtime_webhook_requests_total{webhook=\"unknown\",code=\"404\"} 2") != std::string::npos);
    CHECK(text.find("compose_operator_webhook_request_errors_total{webhook=\"/validate\"} 2") != std::string::npos);
    // Latency by webhook and code, for requests that reached a handler (not the 405).
    CHECK(text.find("controller_runtime_webhook_latency_seconds_count{webhook=\"/validate\",code=\"200\"} 1") !=
          std::string::npos);
    CHECK(text.find("controller_runtime_webhook_latency_seconds_count{webhook=\"/validate\",code=\"400\"} 1") !=
          std::string::npos);
    CHECK(text.find("controller_runtime_webhook_latency_seconds_count{webhook=\"/validate\",code=\"405\"}") ==
          std::string::npos);
    CHECK(text.find("controller_runtime_webhook_requests_in_flight{webhook=\"/validate\"} 0") != std::string::npos);
}
