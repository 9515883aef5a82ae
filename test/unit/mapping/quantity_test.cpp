// Quantities in the API server's spelling: tables of input -> the string the server serves back
// (apimachinery resource.Quantity rules), and their use in the mapping output.
#include "op/mapping/quantity.hpp"

#include "mapping_support.hpp"
#include "op/mapping/mapping.hpp"
#include "op_catch.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using namespace op;
using namespace op::mapping;
using namespace op::mapping::test;

namespace {

struct row {
    std::string in;
    std::string out;
};

std::string canonical_or_error(std::string const& in) {
    auto r = canonical_quantity(in, "p");
    return r ? *r : "error: " + r.error().what();
}

}  // namespace

TEST_CASE("canonical_quantity: the server's spelling", "[unit][quantity]") {
    for (auto const& r : std::vector<row>{
             // decimal SI: largest suffix without a fraction
             {"0", "0"},
             {"0.5", "500m"},
             {"1.5", "1500m"},
             {"0.001", "1m"},
             {"0.0001", "100u"},  // the server keeps nano precision (cpu_quantity rounds to 1m)
             {"100m", "100m"},
             {"1000m", "1"},
             {"2", "2"},
             {"1G", "1G"},
             {"1000M", "1G"},
             {"1500000", "1500k"},
             {"128974848", "128974848"},
             {"0.1n", "1n"},  // rounded up to nano
             {"1000E", "error: p: quantity \"1000E\" is out of the supported range"},
             {"-0.5", "-500m"},
             {"000", "0"},
             // decimal exponent: kept, exponent a multiple of 3
             {"1e3", "1e3"},
             {"129e6", "129e6"},
             {"1e-1", "100e-3"},
             {"12e4", "120e3"},
             {"1E3", "1E3"},  // already canonical-looking: kept verbatim
             // binary SI: largest exact 1024 power; below 1024 or a fraction -> decimal
             {"1024Mi", "1Gi"},
             {"1536Mi", "1536Mi"},
             {"0.5Gi", "512Mi"},
             {"123Mi", "123Mi"},
             {"1.5Ki", "1536"},
             {"0.5Ki", "512"},
             {"1Ei", "1Ei"},
             {"8Ei", "9223372036854775807"},  // capped at 2^63-1
             {"976.5625Ki", "1M"},            // "1000000" once stored, "1M" when read back
             // inputs the server keeps as written
             {"1.500", "1.500"},
             {"+1", "+1"},
             {" 1Gi\n", "1Gi"},
             // apimachinery quantity_test.go (TestQuantityString alternates, TestQuantityParseEmit)
             {"307200Ki", "300Mi"},
             {"1025024Mi", "1001Gi"},
             {"1024Gi", "1Ti"},
             {"5000m", "5"},
             {"0.001T", "1G"},
             {"1000u", "1m"},
             {"1.08", "1080m"},
             {"1080000000n", "1080m"},
             {".001e12", "1e9"},
             {"0.001e0", "1e-3"},
             {"1000e-12", "1e-9"},
             {"00", "0"},
             {".001Ki", "1024m"},
             {".000001Ki", "1024u"},
             {".000000000001Ki", "2n"},
             {"-1024Mi", "-1Gi"},
         }) {
        INFO(r.in);
        CHECK(canonical_or_error(r.in) == r.out);
        if (!r.out.starts_with("error")) {
            CHECK(canonical_or_error(r.out) == r.out);  // a fixed point: nothing left to change
        }
    }
}

TEST_CASE("canonical_quantity: invalid inputs", "[unit][quantity]") {
    for (std::string const in :
         {"", "half", "1.2.3", "1K", "1ki", "1KiB", "1e", "1e+", "1 Gi", "--1", "1e1000000", "0x10",
          "1Mi5", "Inf",
          // apimachinery quantity_test.go (TestQuantityParse invalid)
          "1.1.M", "1+1.0M", "0.1mi", "0.1am", "aoeu", ".5i", "1i", "-3.01i", "-3.01e-"}) {
        INFO(in);
        auto r = canonical_quantity(in, "spec.x");
        REQUIRE_FALSE(r);
        CHECK(r.error().code == errc::invalid);
        CHECK(r.error().field_path == "spec.x");
        CHECK(r.error().message.find("\"" + in + "\"") != std::string::npos);
    }
}

TEST_CASE("cpu_quantity: whole millicores, rounded up", "[unit][quantity]") {
    for (auto const& r : std::vector<row>{
             {"0.5", "500m"},
             {"1.5", "1500m"},
             {"0.001", "1m"},
             {"0.0001", "1m"},
             {"0.0015", "2m"},
             {".25", "250m"},
             {"100m", "100m"},
             {"1000m", "1"},
             {"2", "2"},
             {"2.0", "2"},
             {"1000", "1k"},
             {"1e3", "1e3"},
             {"0", "0"},
             {"0.000", "0"},
         }) {
        INFO(r.in);
        auto q = cpu_quantity(r.in, "p");
        REQUIRE(q);
        CHECK(*q == r.out);
        CHECK(canonical_or_error(*q) == *q);
    }
    for (std::string const in : {"half", "-1", "-0.5", "1.2.3", ""}) {
        INFO(in);
        auto r = cpu_quantity(in, "spec.services[0].deploy.resources.limits.cpus");
        REQUIRE_FALSE(r);
        CHECK(r.error().field_path == "spec.services[0].deploy.resources.limits.cpus");
    }
}

TEST_CASE("memory_quantity: bytes, binary when a multiple of 1024", "[unit][quantity]") {
    struct bytes_row {
        std::int64_t in;
        std::string out;
    };
    for (auto const& r : std::vector<bytes_row>{
             {0, "0"},
             {1, "1"},
             {1023, "1023"},
             {1024, "1Ki"},
             {1536, "1536"},
             {50ll * 1024 * 1024, "50Mi"},
             {1536ll * 1024 * 1024, "1536Mi"},
             {1024ll * 1024 * 1024, "1Gi"},
             {128974848, "123Mi"},
             {1000000000, "1G"},
             {1500000, "1500k"},
             {1ll << 62, "4Ei"},
             {std::numeric_limits<std::int64_t>::max(), "9223372036854775807"},
         }) {
        INFO(r.in);
        auto q = memory_quantity(r.in, "p");
        REQUIRE(q);
        CHECK(*q == r.out);
        CHECK(canonical_or_error(*q) == *q);
    }
    auto neg = memory_quantity(-1, "spec.services[0].deploy.resources.limits.memory");
    REQUIRE_FALSE(neg);
    CHECK(neg.error().field_path == "spec.services[0].deploy.resources.limits.memory");
}

TEST_CASE("mapping writes resources and claim sizes in the server's spelling",
          "[unit][quantity][pod]") {
    auto svc = make_service("db");
    svc.volumes = {{"volume", "data", "/data", false}};
    svc.deploy.resources_.limits = api::resource{"1.5", 1024ll * 1024 * 1024};
    svc.deploy.resources_.reservations = api::resource{"0.25", 1000000000};
    mapping_options opts;
    opts.volume_size = "1024Mi";
    auto r = map_ok(make_stack({svc}), opts);
    CHECK(at(main_container(r, "db"), "/resources") ==
          canon(R"({"limits":{"cpu":"1500m","memory":"1Gi"},
                    "requests":{"cpu":"250m","memory":"1G"}})"));
    CHECK(at(workload(r, "db"), "/spec/volumeClaimTemplates/0/spec/resources/requests/storage") ==
          "\"1Gi\"");

    for (std::string const bad : {"lots", "0", "-1Gi"}) {
        INFO(bad);
        opts.volume_size = bad;
        CHECK(map_err(make_stack({svc}), opts).field_path == "mapping_options.volume_size");
    }
    svc.deploy.resources_.limits = api::resource{"-1", 0};
    CHECK(map_err(make_stack({svc})).field_path ==
          "spec.services[0].deploy.resources.limits.cpus");
}
