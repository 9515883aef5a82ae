// `x-kubernetes` of top-level volumes: the compose-operator's claim settings.
#include "op/compose/emit.hpp"
#include "op/compose/load.hpp"

#include "op_catch.hpp"

using namespace op::compose;

namespace {

std::string with_claim(std::string const& block) {
    return "services:\n  db:\n    image: postgres\n    volumes: [data:/var/lib/data]\n"
           "volumes:\n  data:\n    x-kubernetes:\n" +
           block;
}

}  // namespace

TEST_CASE("x-kubernetes of a volume is decoded, taken out of extensions and emitted back",
          "[unit]") {
    auto r = load(with_claim("      size: 10Gi\n      storageClassName: fast\n"
                             "      accessModes: [ReadWriteMany, ReadOnlyMany]\n"
                             "    x-other: kept\n  logs: {}\n  none:\n    x-kubernetes:\n"));
    REQUIRE(r);
    auto const& data = r->project.volumes.at("data");
    REQUIRE(data.kubernetes.has_value());
    CHECK(data.kubernetes->size == "10Gi");
    CHECK(data.kubernetes->storage_class_name == "fast");
    CHECK(data.kubernetes->access_modes ==
          std::vector<std::string>{"ReadWriteMany", "ReadOnlyMany"});
    CHECK(data.extensions.size() == 1);
    CHECK(data.extensions.contains("x-other"));
    CHECK_FALSE(r->project.volumes.at("logs").kubernetes.has_value());
    CHECK(r->project.volumes.at("none").kubernetes == volume_claim{});

    std::string const text = emit(r->project);
    INFO(text);
    CHECK(text.find("x-kubernetes:") != std::string::npos);
    auto again = load(text);
    REQUIRE(again);
    CHECK(again->project == r->project);
}

TEST_CASE("x-kubernetes fields are all optional; an empty storage class is kept", "[unit]") {
    auto r = load(with_claim("      storageClassName: \"\"\n"));
    REQUIRE(r);
    auto const& k = r->project.volumes.at("data").kubernetes;
    REQUIRE(k.has_value());
    CHECK_FALSE(k->size.has_value());
    CHECK(k->storage_class_name == "");
    CHECK(k->access_modes.empty());
    auto again = load(emit(r->project));
    REQUIRE(again);
    CHECK(again->project.volumes.at("data").kubernetes == k);
}

TEST_CASE("valid sizes are Kubernetes quantities", "[unit]") {
    auto const size = GENERATE(as<std::string>{}, "10Gi", "1", "500Mi", "1.5Ti", "+2G", "1e9",
                               "2E3", "100k", "0.5Gi", "1Ei", ".5Gi");
    INFO(size);
    auto r = load(with_claim("      size: \"" + size + "\"\n"));
    REQUIRE(r);
    CHECK(r->project.volumes.at("data").kubernetes->size == size);
}

TEST_CASE("x-kubernetes errors carry the field path and position", "[unit]") {
    struct row {
        char const* block;
        char const* what;
    };
    auto const r = GENERATE(values<row>({
        {"      size: \"\"\n",
         "volumes.data.x-kubernetes.size: invalid size \"\" (a Kubernetes quantity greater than "
         "zero, e.g. 10Gi, 500Mi, 1T) (line 8, column 13)"},
        {"      size: 10GB\n",
         "volumes.data.x-kubernetes.size: invalid size \"10GB\" (a Kubernetes quantity greater "
         "than zero, e.g. 10Gi, 500Mi, 1T) (line 8, column 13)"},
        {"      size: -1Gi\n",
         "volumes.data.x-kubernetes.size: invalid size \"-1Gi\" (a Kubernetes quantity greater "
         "than zero, e.g. 10Gi, 500Mi, 1T) (line 8, column 13)"},
        {"      size: 0\n",
         "volumes.data.x-kubernetes.size: invalid size \"0\" (a Kubernetes quantity greater "
         "than zero, e.g. 10Gi, 500Mi, 1T) (line 8, column 13)"},
        {"      size: 1 Gi\n",
         "volumes.data.x-kubernetes.size: invalid size \"1 Gi\" (a Kubernetes quantity greater "
         "than zero, e.g. 10Gi, 500Mi, 1T) (line 8, column 13)"},
        {"      size: [10Gi]\n",
         "volumes.data.x-kubernetes.size: expected a string, got sequence (line 8, column 13)"},
        {"      accessModes: ReadWriteOnce\n",
         "volumes.data.x-kubernetes.accessModes: expected a list, got string (line 8, column 20)"},
        {"      accessModes: [ReadWriteOnce, WriteMany]\n",
         "volumes.data.x-kubernetes.accessModes[1]: invalid access mode \"WriteMany\" (expected "
         "one of ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod) (line 8, column 36)"},
        {"      storageClassName: {name: fast}\n",
         "volumes.data.x-kubernetes.storageClassName: expected a string, got mapping (line 8, "
         "column 25)"},
        {"      storage: 10Gi\n",
         "volumes.data.x-kubernetes.storage: unknown key \"storage\" (x-kubernetes takes size, "
         "storageClassName and accessModes) (line 8, column 16)"},
        {"      x-note: hi\n",
         "volumes.data.x-kubernetes.x-note: unknown key \"x-note\" (x-kubernetes takes size, "
         "storageClassName and accessModes) (line 8, column 15)"},
        {"      - 10Gi\n",
         "volumes.data.x-kubernetes: expected a mapping, got sequence (line 8, column 7)"},
    }));
    INFO(r.block);
    auto res = load(with_claim(r.block));
    REQUIRE_FALSE(res);
    CHECK(res.error().what() == r.what);
    CHECK(res.error().code == op::errc::invalid);
}

TEST_CASE("unknown x-kubernetes keys are errors even without strict keys", "[unit]") {
    load_options o;
    o.strict_keys = false;
    auto res = load(with_claim("      sizes: 1Gi\n"), o);
    REQUIRE_FALSE(res);
    CHECK(res.error().field_path == "volumes.data.x-kubernetes.sizes");
}
