#include "op/api/hub.hpp"

#include "op_catch.hpp"

using namespace op::api;

TEST_CASE("summarized counts ready services", "[unit][api]") {
    stack_status s;
    s.services["a"] = {2, 2, 2};
    s.services["b"] = {3, 1, 3};
    s.services["c"] = {0, 0, 0};
    auto out = summarized(s);
    CHECK(out.service_count == 3);
    CHECK(out.ready == "2/3");
    CHECK(summarized({}).ready == "0/0");
}

TEST_CASE("find_service", "[unit][api]") {
    stack_spec spec;
    service_config web;
    web.name = "web";
    spec.services.push_back(web);
    CHECK(find_service(spec, "web") == &spec.services[0]);
    CHECK(find_service(spec, "db") == nullptr);
}
