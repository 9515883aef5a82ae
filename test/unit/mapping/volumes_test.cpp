#include "op/mapping/mapping.hpp"

#include "mapping_support.hpp"
#include "op_catch.hpp"

#include <map>

using namespace op;
using namespace op::mapping;
using namespace op::mapping::test;

namespace {
mapping_result map_one(api::service_config const& svc) { return map_ok(make_stack({svc})); }
}  // namespace

TEST_CASE("bind mounts: parent directory + subPath (reference 4.7 rule 4)", "[unit][volumes]") {
    struct row {
        std::string source, host_path, sub_path;
    };
    for (auto const& r : std::vector<row>{{"/var/run/postgres/postgres.sock", "/var/run/postgres",
                                           "postgres.sock"},
                                          {"/etc", "/", "etc"},
                                          {"/srv/data/", "/srv", "data"},
                                          {"/", "/", ""}}) {
        INFO(r.source);
        auto svc = make_service("web");
        svc.volumes = {{"bind", r.source, "/mnt", true}};
        auto out = map_one(svc);
        CHECK(find(out, "Deployment", "web") != nullptr);
        CHECK(at(pod_spec(out, "web"), "/volumes") ==
              canon(R"([{"name":"mount-0","hostPath":{"path":")" + r.host_path + R"("}}])"));
        auto mount = std::string(R"({"name":"mount-0","mountPath":"/mnt",)") +
                     (r.sub_path.empty() ? "" : R"("subPath":")" + r.sub_path + R"(",)") +
                     R"("readOnly":true})";
        CHECK(at(main_container(out, "web"), "/volumeMounts/0") == canon(mount));
    }
}

TEST_CASE("reference 8.4: docker.sock, two binds, tmpfs", "[unit][volumes]") {
    auto svc = make_service("web");
    svc.volumes = {{"bind", "/var/run/docker.sock", "/var/run/docker.sock", false},
                   {"bind", "/a/b", "/b", false},
                   {"tmpfs", "", "/cache", false}};
    svc.tmpfs = {"/tmp", "/run:size=64m"};
    auto r = map_one(svc);
    CHECK(at(pod_spec(r, "web"), "/volumes") ==
          canon(R"([{"name":"mount-0","hostPath":{"path":"/var/run"}},
                    {"name":"mount-1","hostPath":{"path":"/a"}},
                    {"name":"mount-2","emptyDir":{"medium":"Memory"}},
                    {"name":"tmp-0","emptyDir":{"medium":"Memory"}},
                    {"name":"tmp-1","emptyDir":{"medium":"Memory"}}])"));
    CHECK(at(main_container(r, "web"), "/volumeMounts") ==
          canon(R"([{"name":"mount-0","mountPath":"/var/run/docker.sock","subPath":"docker.sock"},
                    {"name":"mount-1","mountPath":"/b","subPath":"b"},
                    {"name":"mount-2","mountPath":"/cache"},
                    {"name":"tmp-0","mountPath":"/tmp"},
                    {"name":"tmp-1","mountPath":"/run"}])"));
    REQUIRE(r.warnings.size() == 1);
    CHECK(r.warnings[0] ==
          "spec.services[0].tmpfs[1]: tmpfs options \"size=64m\" are ignored on Kubernetes");
}

TEST_CASE("volume errors carry the field path", "[unit][volumes]") {
    struct row {
        api::volume_config v;
        std::string what;
    };
    std::vector<row> const rows = {
        {{"bind", "./data", "/data", false},
         "spec.services[0].volumes[1].source: relative bind mount source \"./data\" is not "
         "supported: the cluster has no local files; `compose-operator stack deploy` or `convert` "
         "packs it into a read-only ConfigMap"},
        {{"bind", "git@github.com:moby/moby.git", "/src", false},
         "spec.services[0].volumes[1].source: git repository volumes are not supported"},
        {{"volume", "data", "", false}, "spec.services[0].volumes[1].target: mount target is required"},
        {{"npipe", "\\\\.\\pipe\\x", "/p", false},
         "spec.services[0].volumes[1].type: volume type \"npipe\" is not supported"},
        {{"bind", "/x", "/ok", false},
         "spec.services[0].volumes[1].target: mount path \"/ok\" is also used by "
         "spec.services[0].volumes[0].target"},
        {{"volume", "Bad!Name", "/d", false},
         "spec.services[0].volumes[1].source: volume name \"Bad!Name\" cannot be a Kubernetes "
         "claim name (lowercase letters, digits and '-', at most 63 characters)"},
        {{"volume", "my-data", "/d", false},
         "spec.services[0].volumes[1].source: volume \"my-data\" and volume \"my_data\" map to "
         "the same claim name \"my-data\""},
    };
    for (auto const& r : rows) {
        INFO(r.what);
        auto svc = make_service("web");
        svc.volumes = {r.v.type == "volume" && r.v.source == "my-data"
                           ? api::volume_config{"volume", "my_data", "/ok", false}
                           : api::volume_config{"bind", "/srv", "/ok", false},
                       r.v};
        auto e = map_err(make_stack({svc}));
        CHECK(e.code == errc::invalid);
        CHECK(e.what() == r.what);
    }
}

TEST_CASE("reference 8.4: secrets", "[unit][volumes][secrets]") {
    auto svc = make_service("web");
    svc.secrets = {{"my_secret", "", "", "", std::nullopt},
                   {"file_secret", "nginx_secret", "", "", 0440},
                   {"abs", "/etc/app/key", "", "", std::nullopt}};
    auto stack = make_stack({svc});
    stack.spec.secrets["my_secret"] = {"my_secret", "", {"", true}, {}};
    stack.spec.secrets["file_secret"] = {"file_secret", "./secret.txt", {}, {}};
    stack.spec.secrets["abs"] = {"abs", "/home/me/key.pem", {}, {}};
    auto r = map_ok(stack);
    CHECK(at(pod_spec(r, "web"), "/volumes") ==
          canon(R"([{"name":"secret-0","secret":{"secretName":"my-secret",
                       "items":[{"key":"file","path":"secret-0"}]}},
                    {"name":"secret-1","secret":{"secretName":"file-secret",
                       "items":[{"key":"secret.txt","path":"secret-1","mode":288}]}},
                    {"name":"secret-2","secret":{"secretName":"abs",
                       "items":[{"key":"key.pem","path":"secret-2"}]}}])"));
    CHECK(at(main_container(r, "web"), "/volumeMounts") ==
          canon(R"([{"name":"secret-0","mountPath":"/run/secrets/my_secret","subPath":"secret-0",
                     "readOnly":true},
                    {"name":"secret-1","mountPath":"/run/secrets/nginx_secret",
                     "subPath":"secret-1","readOnly":true},
                    {"name":"secret-2","mountPath":"/etc/app/key","subPath":"secret-2",
                     "readOnly":true}])"));
    // Not external, no content: the Secret must exist; nothing is generated.
    CHECK(find(r, "Secret", "file-secret") == nullptr);
    CHECK(r.warnings ==
          std::vector<std::string>{
              "spec.secrets.abs: Secret \"abs\" with key \"key.pem\" must exist in the namespace "
              "(its content is not in the stack)",
              "spec.secrets.file_secret: Secret \"file-secret\" with key \"secret.txt\" must "
              "exist in the namespace (its content is not in the stack)"});
}

TEST_CASE("reference 8.4: configs", "[unit][volumes][configs]") {
    auto svc = make_service("web");
    svc.configs = {{"page", "/usr/share/nginx/html/index.html", "103", "103", 0440},
                   {"myconfig", "", "", "", std::nullopt},
                   {"ext", "etc/ext.conf", "", "", std::nullopt}};
    auto stack = make_stack({svc});
    stack.spec.configs["page"] = {"page", "./file.html", {}, {}};
    stack.spec.configs["myconfig"] = {"myconfig", "./my.conf", {}, {}};
    stack.spec.configs["ext"] = {"ext", "", {"", true}, {}};
    mapping_options opts;
    opts.config_contents = {{"page", "<h1>hi</h1>"}, {"myconfig", std::string("\x00\xff", 2)}};
    auto r = map_ok(stack, opts);
    CHECK(at(pod_spec(r, "web"), "/volumes") ==
          canon(R"([{"name":"config-0","configMap":{"name":"demo.page",
                       "items":[{"key":"file.html","path":"config-0","mode":288}]}},
                    {"name":"config-1","configMap":{"name":"demo.myconfig",
                       "items":[{"key":"my.conf","path":"config-1"}]}},
                    {"name":"config-2","configMap":{"name":"ext",
                       "items":[{"key":"file","path":"config-2"}]}}])"));
    CHECK(at(main_container(r, "web"), "/volumeMounts") ==
          canon(R"([{"name":"config-0","mountPath":"/usr/share/nginx/html/index.html",
                     "subPath":"config-0","readOnly":true},
                    {"name":"config-1","mountPath":"/myconfig","subPath":"config-1",
                     "readOnly":true},
                    {"name":"config-2","mountPath":"/etc/ext.conf","subPath":"config-2",
                     "readOnly":true}])"));
    REQUIRE(r.warnings.size() == 1);
    CHECK(r.warnings[0].starts_with("spec.services[0].configs[0]: uid/gid are ignored"));
    auto const* page = find(r, "ConfigMap", "demo.page");
    REQUIRE(page);
    CHECK(at(page->json, "/data") == canon(R"({"file.html":"<h1>hi</h1>"})"));
    CHECK(at(page->json, "/metadata/labels") ==
          canon(R"({"app.kubernetes.io/managed-by":"compose-operator",
                    "com.docker.stack.namespace":"demo"})"));
    auto const* bin = find(r, "ConfigMap", "demo.myconfig");
    REQUIRE(bin);
    CHECK(at(bin->json, "/binaryData") == canon(R"({"my.conf":"AP8="})"));
    CHECK(find(r, "ConfigMap", "ext") == nullptr);
}

TEST_CASE("Secret objects from inline content", "[unit][volumes][secrets]") {
    auto svc = make_service("web");
    svc.secrets = {{"db_password", "", "", "", std::nullopt}};
    auto stack = make_stack({svc});
    stack.spec.secrets["db_password"] = {"db_password", "db/password.txt", {}, {{"team", "a"}}};
    mapping_options opts;
    opts.secret_contents = {{"db_password", "hunter2"}};
    auto r = map_ok(stack, opts);
    REQUIRE(r.objects.front().kind == "Secret");
    CHECK(canon(r.objects.front().json) ==
          canon(R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"demo.db-password",
            "namespace":"ns","labels":{"app.kubernetes.io/managed-by":"compose-operator",
            "com.docker.stack.namespace":"demo","team":"a"},
            "ownerReferences":[{"apiVersion":"compose.docker.com/v1beta2","kind":"Stack",
              "name":"demo","uid":"uid-1","controller":true,"blockOwnerDeletion":true}]},
            "type":"Opaque","data":{"password.txt":"aHVudGVyMg=="}})"));
    CHECK(r.warnings.empty());
}

TEST_CASE("secret/config reference errors", "[unit][volumes][secrets]") {
    auto svc = make_service("web");
    svc.secrets = {{"missing", "", "", "", std::nullopt}};
    CHECK(map_err(make_stack({svc})).what() ==
          "spec.services[0].secrets[0].source: secret \"missing\" is not defined in spec.secrets");
    svc.secrets.clear();
    svc.configs = {{"c", "", "", "", 01000}};
    auto stack = make_stack({svc});
    stack.spec.configs["c"] = {"c", "", {"", true}, {}};
    CHECK(map_err(stack).field_path == "spec.services[0].configs[0].mode");
}

// Issue 10: a ConfigMap/Secret the operator creates from content belongs to one stack, so it is
// named `<stack>.<key>` (mapping::stack_scoped_name, as the client names packed Secrets): two
// stacks in one namespace with the same config key (or the same packed bind mount) each get
// their own. `external: true` refers to the existing object by its `name:`, else its key.
TEST_CASE("generated ConfigMaps and Secrets are named with the stack; external ones by name",
          "[unit][volumes][configs]") {
    auto svc = make_service("web");
    svc.configs = {{"nginx_conf", "/etc/nginx/nginx.conf", "", "", std::nullopt},
                   {"shared", "/etc/shared.conf", "", "", std::nullopt},
                   {"by_key", "/etc/by-key.conf", "", "", std::nullopt}};
    svc.secrets = {{"token", "", "", "", std::nullopt}, {"cert", "", "", "", std::nullopt}};
    std::map<std::string, std::string> config_names;
    for (std::string const name : {"shop", "blog"}) {
        auto stack = make_stack({svc});
        stack.metadata.name = name;
        stack.spec.configs["nginx_conf"] = {"", "", {}, {}, "events {}\n"};
        stack.spec.configs["shared"] = {"common.conf", "", {"common.conf", true}, {}};
        stack.spec.configs["by_key"] = {"", "", {"", true}, {}};
        stack.spec.secrets["token"] = {"", "", {}, {}, "s3cret"};
        stack.spec.secrets["cert"] = {"tls_cert", "", {"tls_cert", true}, {}};
        auto r = map_ok(stack);
        INFO(name);
        std::string const cm = name + ".nginx-conf";
        auto const* made = find(r, "ConfigMap", cm);
        REQUIRE(made);
        CHECK(at(made->json, "/metadata/name") == "\"" + cm + "\"");
        CHECK(at(made->json, "/metadata/ownerReferences/0/name") == "\"" + name + "\"");
        CHECK(find(r, "ConfigMap", "nginx-conf") == nullptr);
        REQUIRE(find(r, "Secret", name + ".token"));
        CHECK(find(r, "Secret", "token") == nullptr);
        // The pod mounts what was made (scoped) and what exists (external: its name, else key).
        CHECK(at(pod_spec(r, "web"), "/volumes/2/configMap/name") == "\"" + cm + "\"");
        CHECK(at(pod_spec(r, "web"), "/volumes/3/configMap/name") == "\"common.conf\"");
        CHECK(at(pod_spec(r, "web"), "/volumes/4/configMap/name") == "\"by-key\"");
        CHECK(at(pod_spec(r, "web"), "/volumes/0/secret/secretName") == "\"" + name + ".token\"");
        CHECK(at(pod_spec(r, "web"), "/volumes/1/secret/secretName") == "\"tls-cert\"");
        CHECK(find(r, "ConfigMap", "common.conf") == nullptr);
        config_names[name] = cm;
    }
    CHECK(config_names["shop"] != config_names["blog"]);
}

TEST_CASE("a stack-scoped name longer than a Kubernetes name is an error with the field path",
          "[unit][volumes][configs]") {
    auto svc = make_service("web");
    // 203 characters: a valid subdomain on its own (four labels of 50).
    std::string const key = std::string(50, 'a') + "." + std::string(50, 'b') + "." +
                            std::string(50, 'c') + "." + std::string(50, 'd');
    svc.configs = {{key, "/etc/c.conf", "", "", std::nullopt}};
    auto stack = make_stack({svc});
    stack.metadata.name = std::string(60, 's');
    stack.spec.configs[key] = {"", "", {}, {}, "x"};
    auto const e = map_err(stack);
    CHECK(e.field_path == "spec.configs." + key);
    CHECK(e.message.find("more than 253") != std::string::npos);
    // Short enough: fine.
    stack.metadata.name = "s";
    CHECK(find(map_ok(stack), "ConfigMap", "s." + key));
}
