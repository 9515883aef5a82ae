#include "op/cli/stack.hpp"

#include "op/kube/resource.hpp"
#include "op/util/json.hpp"
#include "op_catch.hpp"

using namespace op;
using namespace op::cli;

namespace {

rapidjson::Document doc(std::string_view text) {
    auto d = json::parse(text);
    REQUIRE(d);
    return std::move(*d);
}

auto const now = std::chrono::system_clock::from_time_t(1'800'000'000);  // 2027-01-15T08:00:00Z

char const* const stack_json = R"({
  "apiVersion": "compose.docker.com/v1beta2", "kind": "Stack",
  "metadata": {"name": "shop", "namespace": "demo", "creationTimestamp": "2027-01-15T07:57:00Z"},
  "spec": {"services": [
    {"name": "web", "image": "nginx:1.27", "deploy": {"replicas": 3},
     "ports": [{"target": 80, "published": 8080, "protocol": "tcp"}, {"target": 9000, "protocol": "UDP"}]},
    {"name": "agent", "image": "busybox", "deploy": {"mode": "global"}},
    {"name": "db", "image": "postgres:16"}]},
  "status": {"observedGeneration": 2, "phase": "Progressing", "message": "Stack is starting",
    "services": {"web": {"desired": 3, "ready": 1, "updated": 3},
                 "agent": {"desired": 1, "ready": 1, "updated": 1},
                 "db": {"desired": 1, "ready": 1, "updated": 1}}}
})";

}  // namespace

TEST_CASE("render_table pads columns with three spaces and trims line ends", "[unit][cli]") {
    table t{{"NAME", "SERVICES"}, {{"shop", "3"}, {"a-much-longer-name", ""}}};
    CHECK(render_table(t) ==
          "NAME                 SERVICES\n"
          "shop                 3\n"
          "a-much-longer-name\n");
}

TEST_CASE("age_of prints kubectl-style ages", "[unit][cli]") {
    CHECK(age_of("2027-01-15T07:59:50Z", now) == "10s");
    CHECK(age_of("2027-01-15T07:57:00Z", now) == "3m");
    CHECK(age_of("2027-01-15T05:00:00Z", now) == "3h");
    CHECK(age_of("2027-01-10T08:00:00Z", now) == "5d");
    CHECK(age_of("2027-01-15T09:00:00Z", now) == "0s");  // clock skew
    CHECK(age_of("garbage", now) == "");
    CHECK(age_of("", now) == "");
}

TEST_CASE("stack ls rows and table", "[unit][cli]") {
    auto s = doc(stack_json);
    auto other = doc(R"({"metadata": {"name": "blog", "namespace": "demo"}})");  // not reconciled yet
    auto rows = stack_rows({&s, &other}, now);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].name == "blog");  // sorted
    CHECK(rows[0].services == 0);
    CHECK(rows[1].services == 3);
    CHECK(rows[1].ready_services == 2);
    CHECK(rows[1].phase == "Progressing");
    CHECK(render_table(stacks_table(rows, false)) ==
          "NAME   SERVICES   READY   PHASE         AGE\n"
          "blog   0          0/0\n"
          "shop   3          2/3     Progressing   3m\n");
    CHECK(stacks_table(rows, true).header ==
          std::vector<std::string>{"NAME", "SERVICES", "READY", "PHASE", "NAMESPACE", "AGE"});
    auto j = stacks_json(rows);
    CHECK(json::dump(j[1]) ==
          R"({"name":"shop","namespace":"demo","services":3,"readyServices":2,"phase":"Progressing","message":"Stack is starting","age":"3m"})");
}

TEST_CASE("stack services rows: spec, live workloads, status fallback", "[unit][cli]") {
    auto s = doc(stack_json);
    auto web = doc(R"({"metadata": {"name": "web", "uid": "8a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9",
        "labels": {"com.docker.service.name": "web"}},
        "spec": {"replicas": 3}, "status": {"readyReplicas": 2}})");
    auto agent = doc(R"({"kind": "DaemonSet", "metadata": {"name": "agent", "uid": "u2",
        "labels": {"com.docker.service.name": "agent"}},
        "status": {"desiredNumberScheduled": 4, "numberReady": 3}})");
    auto rows = service_rows(s, {&web, &agent});
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].id == "8a1b2c3d4e5f");
    CHECK(rows[0].ready == 2);  // the live workload beats the status
    CHECK(rows[0].ports == "*:8080->80/tcp, 9000/udp");
    CHECK(rows[1].mode == "global");
    CHECK(rows[1].desired == 4);
    CHECK(rows[1].ready == 3);
    CHECK(rows[2].id == "");  // no workload yet: status counts
    CHECK(rows[2].ready == 1);
    CHECK(render_table(services_table(rows)) ==
          "ID             NAME    MODE         REPLICAS   IMAGE         PORTS\n"
          "8a1b2c3d4e5f   web     replicated   2/3        nginx:1.27    *:8080->80/tcp, 9000/udp\n"
          "u2             agent   global       3/4        busybox\n"
          "               db      replicated   1/1        postgres:16\n");
    CHECK(render_document(services_json(rows), "yaml").find("- id: \"8a1b2c3d4e5f\"\n  name: web\n") == 0);
}

TEST_CASE("stack ps rows: node, state, restarts, error", "[unit][cli]") {
    auto running = doc(R"({"metadata": {"name": "web-1", "uid": "aaaa", "labels": {"com.docker.service.name": "web"}},
        "spec": {"nodeName": "node-0", "containers": [{"image": "nginx:1.27"}]},
        "status": {"phase": "Running", "startTime": "2027-01-15T07:59:00Z",
                   "containerStatuses": [{"restartCount": 2, "state": {"running": {}}}]}})");
    auto crashing = doc(R"({"metadata": {"name": "db-0", "uid": "bbbb", "labels": {"com.docker.service.name": "db"}},
        "spec": {"nodeName": "node-1", "containers": [{"image": "postgres"}]},
        "status": {"phase": "Running", "containerStatuses": [
            {"restartCount": 5, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}})");
    auto pending = doc(R"({"metadata": {"name": "db-1", "uid": "cccc", "deletionTimestamp": "2027-01-15T07:59:59Z",
        "labels": {"com.docker.service.name": "db"}},
        "spec": {"containers": [{"image": "postgres"}]},
        "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]}})");
    auto rows = task_rows({&running, &crashing, &pending}, now);
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].name == "db-0");
    CHECK(rows[0].restarts == 5);
    CHECK(rows[0].error == "CrashLoopBackOff");
    CHECK(rows[1].desired_state == "Shutdown");
    CHECK(rows[1].error == "Unschedulable");
    CHECK(rows[1].node == "");
    CHECK(rows[2].current_state == "Running 60s ago");
    CHECK(rows[2].restarts == 2);
    auto t = tasks_table(rows);
    CHECK(t.header == std::vector<std::string>{"ID", "NAME", "SERVICE", "IMAGE", "NODE", "DESIRED STATE",
                                               "CURRENT STATE", "RESTARTS", "ERROR"});
    CHECK(t.rows[2] == std::vector<std::string>{"aaaa", "web-1", "web", "nginx:1.27", "node-0", "Running",
                                                "Running 60s ago", "2", ""});
    auto j = tasks_json(rows);
    CHECK(render_document(j, "json").find("\"restarts\": 5") != std::string::npos);
}

TEST_CASE("rows tolerate objects of the wrong shape", "[unit][cli]") {
    auto junk = doc(R"({"metadata": 3, "spec": {"services": "x"}, "status": []})");
    CHECK(stack_rows({&junk}, now).size() == 1);
    CHECK(service_rows(junk, {&junk}).empty());
    auto rows = task_rows({&junk}, now);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].current_state == "Pending");
}

TEST_CASE("explain_error: 403 names the user, the right and the remedy", "[unit][cli]") {
    auto e = kube::to_error({403, "Forbidden",
                             "stacks.compose.docker.com \"shop\" is forbidden: User \"bob\" cannot patch "
                             "resource \"stacks\" in API group \"compose.docker.com\" in the namespace \"demo\""});
    auto m = explain_error(e, "apply stack.compose.docker.com/shop in namespace demo");
    CHECK(m.find("user \"bob\" lacks the right to patch stacks.compose.docker.com in namespace \"demo\"") !=
          std::string::npos);
    CHECK(m.find("kubectl create rolebinding bob-edit --clusterrole=edit --user=bob --namespace demo") !=
          std::string::npos);

    auto cluster = kube::to_error({403, "Forbidden",
                                   "namespaces is forbidden: User \"system:serviceaccount:ci:deployer\" cannot "
                                   "list resource \"namespaces\" in API group \"\" at the cluster scope"});
    m = explain_error(cluster, "list namespaces");
    CHECK(m.find("lacks the right to list namespaces cluster-wide") != std::string::npos);

    auto webhook = kube::to_error({403, "Forbidden",
                                   "admission webhook \"validate.stacks.compose.docker.com\" denied the request: "
                                   "spec.services[0].image: required"});
    m = explain_error(webhook, "apply stack");
    CHECK(m.find("the cluster refused it: admission webhook") != std::string::npos);
    CHECK(m.find("spec.services[0].image") != std::string::npos);
}

TEST_CASE("explain_error: other API failures", "[unit][cli]") {
    CHECK(explain_error(kube::to_error({0, "", "connection refused"}), "list stacks")
              .find("the API server cannot be reached (connection refused)") != std::string::npos);
    CHECK(explain_error(kube::to_error({401, "Unauthorized", "Unauthorized"}), "list stacks")
              .find("did not accept the credentials") != std::string::npos);
    CHECK(explain_error(kube::to_error({404, "NotFound", "the server could not find the requested resource"}),
                        "list stacks")
              .find("does not serve stacks.compose.docker.com") != std::string::npos);
    CHECK(explain_error(kube::to_error({404, "NotFound", "namespaces \"shop\" not found"}), "apply stack")
              .find("namespace \"shop\" does not exist; create it (kubectl create namespace shop)") !=
          std::string::npos);
    CHECK(explain_error(kube::to_error({422, "Invalid", "spec.services: Invalid value"}), "apply stack")
              .find("rejected it: spec.services") != std::string::npos);
    CHECK(explain_error(invalid("bad pem"), "connect") == "cannot connect: bad pem");
}

TEST_CASE("stale_secrets: only the client's own Secrets that the deploy no longer writes", "[unit][cli]") {
    auto ours = doc(R"({"metadata": {"name": "shop-old", "managedFields": [
        {"manager": "compose-operator-cli", "operation": "Apply"}]}})");
    auto kept = doc(R"({"metadata": {"name": "shop-db", "managedFields": [
        {"manager": "compose-operator-cli", "operation": "Apply"}]}})");
    auto operators = doc(R"({"metadata": {"name": "shop-config", "managedFields": [
        {"manager": "compose-operator", "operation": "Apply"}]}})");
    auto edited = doc(R"({"metadata": {"name": "shop-hand", "managedFields": [
        {"manager": "compose-operator-cli", "operation": "Update"}]}})");
    auto bare = doc(R"({"metadata": {"name": "shop-bare"}})");
    CHECK(stale_secrets({&ours, &kept, &operators, &edited, &bare}, {"shop-db"}) ==
          std::vector<std::string>{"shop-old"});
    CHECK(stale_secrets({&ours}, {"shop-old"}).empty());
}
