#include "op/mapping/mapping.hpp"

#include "mapping_support.hpp"
#include "op_catch.hpp"

using namespace op;
using namespace op::mapping;
using namespace op::mapping::test;

namespace {
mapping_result map_one(api::service_config const& svc) { return map_ok(make_stack({svc})); }
}  // namespace

TEST_CASE("reference 8.4: ports, command, args, workingDir, tty, stdin", "[unit][pod]") {
    auto svc = make_service("redis", "redis:alpine");
    svc.entrypoint = {"sh", "-c"};
    svc.command = {"echo", "hello"};
    svc.working_dir = "/code";
    svc.ports = {{"", 443, 0, ""}, {"", 80, 8080, "tcp"}, {"ingress", 443, 4443, "udp"},
                 {"", 9000, 0, "sctp"}, {"", 80, 8081, "tcp"}};
    svc.tty = true;
    svc.stdin_open = true;
    auto r = map_one(svc);
    CHECK(canon(main_container(r, "redis")) == canon(R"({"name":"redis","image":"redis:alpine",
        "command":["sh","-c"],"args":["echo","hello"],"workingDir":"/code",
        "ports":[{"containerPort":443,"protocol":"TCP"},{"containerPort":80,"protocol":"TCP"},
                 {"containerPort":443,"protocol":"UDP"},{"containerPort":9000,"protocol":"SCTP"}],
        "stdin":true,"tty":true})"));
}

TEST_CASE("image pull policy: Kubernetes default unless set (fixes untagged defect)",
          "[unit][pod]") {
    struct row {
        std::string image, policy, expected;
    };
    for (auto const& r : std::vector<row>{{"nginx:specific", "", "<absent>"},
                                          {"nginx:latest", "", "<absent>"},
                                          {"nginx", "", "<absent>"},
                                          {"nginx", "Never", "\"Never\""},
                                          {"nginx:1", "Always", "\"Always\""},
                                          {"nginx:1", "IfNotPresent", "\"IfNotPresent\""}}) {
        INFO(r.image << " " << r.policy);
        auto svc = make_service("web", r.image);
        svc.pull_policy = r.policy;
        CHECK(at(main_container(map_one(svc), "web"), "/imagePullPolicy") == r.expected);
    }
    auto svc = make_service("web");
    svc.pull_policy = "Invalid";
    CHECK(map_err(make_stack({svc})).what() ==
          "spec.services[0].pull_policy: invalid pull policy \"Invalid\", must be \"Always\", "
          "\"IfNotPresent\" or \"Never\"");
}

TEST_CASE("pull_secret", "[unit][pod]") {
    auto svc = make_service("web");
    CHECK(at(pod_spec(map_one(svc), "web"), "/imagePullSecrets") == "<absent>");
    svc.pull_secret = "regcred";
    CHECK(at(pod_spec(map_one(svc), "web"), "/imagePullSecrets") ==
          canon(R"([{"name":"regcred"}])"));
}

TEST_CASE("environment sorted by name; value-less key is an error", "[unit][pod]") {
    auto svc = make_service("web");
    svc.environment = {{"SHOW", "true"}, {"RACK_ENV", "development"}, {"EMPTY", ""}};
    CHECK(at(main_container(map_one(svc), "web"), "/env") ==
          canon(R"([{"name":"EMPTY"},{"name":"RACK_ENV","value":"development"},
                    {"name":"SHOW","value":"true"}])"));
    svc.environment["UNSET"] = std::nullopt;
    CHECK(map_err(make_stack({svc})).what() ==
          "spec.services[0].environment.UNSET: UNSET has no value; unsetting an environment "
          "variable is not supported");
}

TEST_CASE("healthcheck -> liveness and readiness probes", "[unit][pod][probe]") {
    auto svc = make_service("web");
    svc.healthcheck = api::health_check{{"CMD", "curl", "-f", "http://localhost"}, 10s, 90s, 3, {}};
    auto const probe = canon(R"({"exec":{"command":["curl","-f","http://localhost"]},
        "periodSeconds":90,"timeoutSeconds":10,"failureThreshold":3})");
    auto const r_mc = map_one(svc);
    auto const& mc = main_container(r_mc, "web");
    CHECK(at(mc, "/livenessProbe") == probe);
    CHECK(at(mc, "/readinessProbe") == probe);  // reference: liveness only
    CHECK(at(mc, "/startupProbe") == "<absent>");

    // CMD-SHELL and Docker's defaults (30s/30s/3; the reference used aggressive 1s/1s).
    svc.healthcheck = api::health_check{{"CMD-SHELL", "curl -f http://localhost"}, {}, {}, {}, {}};
    CHECK(at(main_container(map_one(svc), "web"), "/livenessProbe") ==
          canon(R"({"exec":{"command":["sh","-c","curl -f http://localhost"]},
                    "periodSeconds":30,"timeoutSeconds":30,"failureThreshold":3})"));

    for (std::vector<std::string> none : {std::vector<std::string>{},
                                          std::vector<std::string>{"NONE"}}) {
        svc.healthcheck = api::health_check{none, 1s, 1s, 1, {}};
        auto const r_m = map_one(svc);
        auto const& m = main_container(r_m, "web");
        CHECK(at(m, "/livenessProbe") == "<absent>");
        CHECK(at(m, "/readinessProbe") == "<absent>");
    }
}

TEST_CASE("healthcheck: sub-second rounds up, start_period gives a startupProbe",
          "[unit][pod][probe]") {
    auto svc = make_service("web");
    svc.healthcheck = api::health_check{{"CMD", "true"}, 500ms, 1500ms, 0, 25s};
    auto const r_m = map_one(svc);
    auto const& m = main_container(r_m, "web");
    // reference: 0 s (truncated), which Kubernetes rejects or defaults.
    CHECK(at(m, "/livenessProbe") == canon(R"({"exec":{"command":["true"]},
        "periodSeconds":2,"timeoutSeconds":1,"failureThreshold":3})"));
    // start_period 25 s at period 2 s: 13 periods of grace, then the 3 retries.
    CHECK(at(m, "/startupProbe") == canon(R"({"exec":{"command":["true"]},
        "periodSeconds":2,"timeoutSeconds":1,"failureThreshold":16})"));
    CHECK(at(m, "/livenessProbe/initialDelaySeconds") == "<absent>");
}

TEST_CASE("healthcheck errors", "[unit][pod][probe]") {
    auto svc = make_service("web");
    svc.healthcheck = api::health_check{{"curl"}, {}, {}, {}, {}};
    CHECK(map_err(make_stack({svc})).field_path == "spec.services[0].health_check.test[0]");
    svc.healthcheck = api::health_check{{"CMD"}, {}, {}, {}, {}};
    CHECK(map_err(make_stack({svc})).field_path == "spec.services[0].health_check.test");
}

TEST_CASE("resources -> requests/limits", "[unit][pod]") {
    auto svc = make_service("web");
    svc.deploy.resources_.limits = api::resource{"0.001", 50 * 1024 * 1024};
    svc.deploy.resources_.reservations = api::resource{"0.0001", 20 * 1024 * 1024};
    CHECK(at(main_container(map_one(svc), "web"), "/resources") ==
          canon(R"({"limits":{"cpu":"1m","memory":"50Mi"},
                    "requests":{"cpu":"1m","memory":"20Mi"}})"));
    struct row {
        std::string cpus, expected;
    };
    for (auto const& r : std::vector<row>{{"0.5", "\"500m\""}, {"2", "\"2\""}, {"1.25", "\"1250m\""},
                                          {".25", "\"250m\""}, {"0", "<absent>"},
                                          {"", "<absent>"}}) {
        INFO(r.cpus);
        svc.deploy.resources_.limits = api::resource{r.cpus, 0};
        svc.deploy.resources_.reservations.reset();
        CHECK(at(main_container(map_one(svc), "web"), "/resources/limits/cpu") == r.expected);
    }
    svc.deploy.resources_.limits = api::resource{"half", 0};
    CHECK(map_err(make_stack({svc})).field_path == "spec.services[0].deploy.resources.limits.cpus");
    svc.deploy.resources_.limits = api::resource{"1", -1};
    CHECK(map_err(make_stack({svc})).field_path ==
          "spec.services[0].deploy.resources.limits.memory");
}

TEST_CASE("reference 8.4: security context rows", "[unit][pod]") {
    struct row {
        char const* name;
        void (*set)(api::service_config&);
        char const* expected;
    };
    std::vector<row> const rows = {
        {"caps", [](api::service_config& s) { s.cap_add = {"ALL"}; s.cap_drop = {"NET_ADMIN", "CAP_SYS_ADMIN"}; },
         R"({"capabilities":{"add":["ALL"],"drop":["NET_ADMIN","SYS_ADMIN"]}})"},
        {"read_only", [](api::service_config& s) { s.read_only = true; },
         R"({"readOnlyRootFilesystem":true})"},
        {"privileged", [](api::service_config& s) { s.privileged = true; },
         R"({"privileged":true})"},
        {"user", [](api::service_config& s) { s.user = 1000; }, R"({"runAsUser":1000})"},
        {"user+group", [](api::service_config& s) { s.user = 1000; s.group = 50; },
         R"({"runAsUser":1000,"runAsGroup":50})"},
    };
    for (auto const& r : rows) {
        INFO(r.name);
        auto svc = make_service("web");
        r.set(svc);
        CHECK(at(main_container(map_one(svc), "web"), "/securityContext") == canon(r.expected));
    }
    CHECK(at(main_container(map_one(make_service("web")), "web"), "/securityContext") ==
          "<absent>");
}

TEST_CASE("reference 8.4: hostIPC, hostPID, hostname, stop_grace_period", "[unit][pod]") {
    auto svc = make_service("web");
    svc.ipc = "host";
    svc.pid = "host";
    svc.hostname = "foo";
    svc.stop_grace_period = 100s;
    auto const r_spec = map_one(svc);
    auto const& spec = pod_spec(r_spec, "web");
    CHECK(at(spec, "/hostIPC") == "true");
    CHECK(at(spec, "/hostPID") == "true");
    CHECK(at(spec, "/hostname") == "\"foo\"");
    CHECK(at(spec, "/terminationGracePeriodSeconds") == "100");

    svc.ipc = "shareable";
    svc.pid = "container:x";
    svc.stop_grace_period = 1500ms;  // reference: truncated to 1; we round up
    auto const r_spec2 = map_one(svc);
    auto const& spec2 = pod_spec(r_spec2, "web");
    CHECK(at(spec2, "/hostIPC") == "<absent>");
    CHECK(at(spec2, "/hostPID") == "<absent>");
    CHECK(at(spec2, "/terminationGracePeriodSeconds") == "2");
    svc.stop_grace_period = 0s;
    CHECK(at(pod_spec(map_one(svc), "web"), "/terminationGracePeriodSeconds") == "0");
}

TEST_CASE("reference 8.4: extra_hosts grouped by IP, sorted", "[unit][pod]") {
    auto svc = make_service("web");
    svc.extra_hosts = {"somehost2:162.242.195.82", "otherhost:50.31.209.229",
                       "somehost:162.242.195.82", "v6host:::1", "eqhost=10.0.0.1"};
    CHECK(at(pod_spec(map_one(svc), "web"), "/hostAliases") ==
          canon(R"([{"ip":"10.0.0.1","hostnames":["eqhost"]},
                    {"ip":"162.242.195.82","hostnames":["somehost","somehost2"]},
                    {"ip":"50.31.209.229","hostnames":["otherhost"]},
                    {"ip":"::1","hostnames":["v6host"]}])"));
    svc.extra_hosts = {"ok:1.2.3.4", "broken"};
    CHECK(map_err(make_stack({svc})).what() ==
          "spec.services[0].extra_hosts[1]: malformed host \"broken\" (want host:ip)");
}

TEST_CASE("placement -> node affinity (no default pinning, GA keys, sorted labels)",
          "[unit][pod][placement]") {
    auto svc = make_service("web");
    CHECK(at(pod_spec(map_one(svc), "web"), "/affinity") == "<absent>");  // reference: linux/amd64

    api::constraints c;
    c.operating_system = api::constraint{"linux", "=="};
    c.architecture = api::constraint{"x86_64", "!="};
    c.hostname = api::constraint{"node-1", "=="};
    c.match_labels = {{"zeta", {"z", "!="}}, {"alpha", {"a", "=="}}, {"gpu", {"2", ">"}}};
    svc.deploy.placement_.constraints_ = c;
    CHECK(at(pod_spec(map_one(svc), "web"), "/affinity") ==
          canon(R"({"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{
            "nodeSelectorTerms":[{"matchExpressions":[
              {"key":"kubernetes.io/os","operator":"In","values":["linux"]},
              {"key":"kubernetes.io/arch","operator":"NotIn","values":["amd64"]},
              {"key":"kubernetes.io/hostname","operator":"In","values":["node-1"]},
              {"key":"alpha","operator":"In","values":["a"]},
              {"key":"gpu","operator":"Gt","values":["2"]},
              {"key":"zeta","operator":"NotIn","values":["z"]}]}]}}})"));

    api::constraints only_arch;
    only_arch.architecture = api::constraint{"arm64", "=="};
    svc.deploy.placement_.constraints_ = only_arch;
    CHECK(at(pod_spec(map_one(svc), "web"),
             "/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/"
             "nodeSelectorTerms/0/matchExpressions") ==
          canon(R"([{"key":"kubernetes.io/arch","operator":"In","values":["arm64"]}])"));

    api::constraints bad;
    bad.match_labels = {{"disk", {"ssd", "~="}}};
    svc.deploy.placement_.constraints_ = bad;
    CHECK(map_err(make_stack({svc})).what() ==
          "spec.services[0].deploy.placement.constraints.MatchLabels.disk.Operator: operator "
          "\"~=\" is not supported (use ==, !=, > or <)");
    bad.match_labels = {{"gpu", {"many", "<"}}};
    svc.deploy.placement_.constraints_ = bad;
    CHECK(map_err(make_stack({svc})).field_path ==
          "spec.services[0].deploy.placement.constraints.MatchLabels.gpu.Value");
}
