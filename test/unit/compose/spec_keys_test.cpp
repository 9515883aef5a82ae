// Issue 10: profiles and the service keys of the Compose Specification beyond the reference's.
#include "op/compose/load.hpp"

#include "op/compose/emit.hpp"
#include "op_catch.hpp"

#include <algorithm>
#include <map>
#include <memory>

using namespace op::compose;

namespace {

bool has_warning(load_result const& r, std::string const& path, std::string const& part) {
    return std::any_of(r.warnings.begin(), r.warnings.end(), [&](load_warning const& w) {
        return w.field_path == path && w.message.find(part) != std::string::npos;
    });
}

std::vector<std::string> names(project const& p) {
    std::vector<std::string> out;
    for (auto const& s : p.services) out.push_back(s.name);
    return out;
}

constexpr char const* profiled = R"(services:
  web: {image: nginx}
  debug: {image: busybox, profiles: [debug]}
  tools: {image: busybox, profiles: [tools, debug]}
)";

}  // namespace

TEST_CASE("profiles: without active profiles only services without profiles load", "[unit]") {
    auto r = load(profiled);
    REQUIRE(r);
    CHECK(names(r->project) == std::vector<std::string>{"web"});
    CHECK(has_warning(*r, "services.debug", "not deployed: none of its profiles (debug) is active"));
    CHECK(has_warning(*r, "services.tools", "--profile tools"));
}

TEST_CASE("profiles: an active profile enables its services; * enables all", "[unit]") {
    load_options o;
    o.profiles = {"debug"};
    auto r = load(profiled, o);
    REQUIRE(r);
    CHECK(names(r->project) == std::vector<std::string>{"debug", "tools", "web"});
    CHECK(r->warnings.empty());
    o.profiles = {"tools"};
    CHECK(names(load(profiled, o)->project) == std::vector<std::string>{"tools", "web"});
    o.profiles = {"*"};
    CHECK(names(load(profiled, o)->project).size() == 3);
}

TEST_CASE("profiles: a required dependency on an inactive service is an error", "[unit]") {
    std::string const text = R"(services:
  web: {image: nginx, depends_on: [db]}
  db: {image: postgres, profiles: [db]}
)";
    auto r = load(text);
    REQUIRE_FALSE(r);
    CHECK(r.error().field_path == "services.web.depends_on.db");
    CHECK(r.error().message.find("--profile db") != std::string::npos);
    load_options o;
    o.profiles = {"db"};
    CHECK(load(text, o));

    auto optional = load(R"(services:
  web:
    image: nginx
    depends_on: {db: {condition: service_started, required: false}}
  db: {image: postgres, profiles: [db]}
)");
    REQUIRE(optional);
    CHECK(optional->project.services.size() == 1);
    CHECK(optional->project.services[0].depends_on.empty());
    CHECK(has_warning(*optional, "services.web.depends_on.db", "not waited for"));
}

TEST_CASE("resource keys outside deploy are typed, not unknown", "[unit]") {
    auto r = load(R"(services:
  a:
    image: x
    cpus: 0.5
    cpu_shares: 512
    mem_limit: 1g
    mem_reservation: 256m
    cgroup_parent: /custom
    shm_size: 128m
    sysctls: {net.core.somaxconn: 1024}
    group_add: ["1001", audio]
)");
    REQUIRE(r);
    auto const& a = r->project.services[0];
    CHECK(a.cpus == "0.5");
    CHECK(a.cpu_shares == 512);
    CHECK(a.mem_limit == 1024ll * 1024 * 1024);
    CHECK(a.mem_reservation == 256ll * 1024 * 1024);
    CHECK(a.cgroup_parent == "/custom");
    CHECK(a.shm_size == 128ll * 1024 * 1024);
    CHECK(a.sysctls.at("net.core.somaxconn") == "1024");
    CHECK(has_warning(*r, "services.a.cgroup_parent", "no effect"));
    CHECK_FALSE(has_warning(*r, "services.a.cpus", ""));
    CHECK_FALSE(has_warning(*r, "services.a.mem_limit", ""));
    CHECK_FALSE(has_warning(*r, "services.a.sysctls", ""));

    auto bad = load("services:\n  a: {image: x, mem_limit: lots}\n");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().field_path == "services.a.mem_limit");
    auto neg = load("services:\n  a: {image: x, cpus: \"-1\"}\n");
    REQUIRE_FALSE(neg);
    CHECK(neg.error().field_path == "services.a.cpus");
}

TEST_CASE("lifecycle hooks decode and emit back", "[unit]") {
    auto r = load(R"(services:
  a:
    image: x
    post_start:
      - command: ["sh", "-c", "echo up"]
        user: root
    pre_stop:
      - command: nginx -s quit
)");
    REQUIRE(r);
    auto const& a = r->project.services[0];
    REQUIRE(a.post_start.size() == 1);
    CHECK(a.post_start[0].command == std::vector<std::string>{"sh", "-c", "echo up"});
    CHECK(a.post_start[0].user == "root");
    REQUIRE(a.pre_stop.size() == 1);
    CHECK(a.pre_stop[0].command == std::vector<std::string>{"nginx", "-s", "quit"});
    auto again = load(emit(r->project));
    REQUIRE(again);
    CHECK(again->project == r->project);

    auto bad = load("services:\n  a: {image: x, pre_stop: [{user: root}]}\n");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().field_path == "services.a.pre_stop[0]");
    auto typo = load("services:\n  a: {image: x, pre_stop: [{comand: x}]}\n");
    REQUIRE_FALSE(typo);
    CHECK(typo.error().field_path == "services.a.pre_stop[0].comand");
}

TEST_CASE("service x-kubernetes: serviceType and expose are typed and validated", "[unit]") {
    auto r = load(R"(services:
  web:
    image: nginx
    ports: ["8080:80"]
    x-kubernetes:
      serviceType: ClusterIP
      expose:
        host: shop.example.com
        path: /api
        pathType: Exact
        port: 8080
        tlsSecret: shop-tls
        ingressClassName: nginx
  admin:
    image: x
    x-kubernetes:
      expose: [{host: "*.example.com"}, {}]
)");
    REQUIRE(r);
    auto const& web = *r->project.find_service("web");
    REQUIRE(web.kubernetes);
    CHECK(web.extensions.empty());
    CHECK(web.kubernetes->service_type == "ClusterIP");
    REQUIRE(web.kubernetes->expose.size() == 1);
    CHECK(web.kubernetes->expose[0] ==
          ingress_expose{"shop.example.com", "/api", "Exact", 8080u, "shop-tls", "nginx"});
    CHECK(r->project.find_service("admin")->kubernetes->expose.size() == 2);
    auto again = load(emit(r->project));
    REQUIRE(again);
    CHECK(again->project == r->project);

    struct bad_case {
        char const* yaml;
        char const* path;
    };
    for (auto const& b : {bad_case{"serviceType: Headless", "services.a.x-kubernetes.serviceType"},
                          bad_case{"expose: {host: Shop.Example}", "services.a.x-kubernetes.expose.host"},
                          bad_case{"expose: [{path: api}]", "services.a.x-kubernetes.expose[0].path"},
                          bad_case{"expose: {pathType: Regex}", "services.a.x-kubernetes.expose.pathType"},
                          bad_case{"expose: {port: 0}", "services.a.x-kubernetes.expose.port"},
                          bad_case{"expose: {hots: x}", "services.a.x-kubernetes.expose.hots"},
                          bad_case{"exposed: {}", "services.a.x-kubernetes.exposed"}}) {
        INFO(b.yaml);
        auto e = load(std::string("services:\n  a:\n    image: x\n    x-kubernetes: {") + b.yaml + "}\n");
        REQUIRE_FALSE(e);
        CHECK(e.error().field_path == b.path);
    }
}

namespace {
// A reader over in-memory files; `reads` counts the calls per path.
load_options with_files(std::map<std::string, std::string> files,
                        std::shared_ptr<std::map<std::string, int>> reads = nullptr) {
    load_options o;
    o.read_file = [files = std::move(files), reads](std::string const& p, std::size_t max) -> std::optional<std::string> {
        if (reads) ++(*reads)[p];
        auto it = files.find(p);
        if (it == files.end()) return std::nullopt;
        return it->second.substr(0, max + 1);
    };
    return o;
}
}  // namespace

TEST_CASE("extends in the same file merges the base under the service's own keys", "[unit]") {
    auto r = load(R"(services:
  base:
    image: nginx
    environment: {A: "1", B: "2"}
    ports: ["80"]
  mid:
    extends: base
    environment: {B: "3"}
  web:
    extends: {service: mid}
    image: nginx:1.27
)");
    REQUIRE(r);
    auto const& web = *r->project.find_service("web");
    CHECK(web.image == "nginx:1.27");
    CHECK(web.environment.at("A") == "1");
    CHECK(web.environment.at("B") == "3");
    CHECK(web.ports.size() == 1);
    CHECK(web.other.empty());  // extends is resolved, not kept

    auto cycle = load("services:\n  a: {image: x, extends: b}\n  b: {image: y, extends: a}\n");
    REQUIRE_FALSE(cycle);
    CHECK(cycle.error().message.find("extends cycle: a -> b -> a") != std::string::npos);
    CHECK(cycle.error().field_path == "services.a.extends");
    auto self = load("services:\n  a: {image: x, extends: a}\n");
    REQUIRE_FALSE(self);
    CHECK(self.error().message.find("extends cycle: a -> a") != std::string::npos);
    auto missing = load("services:\n  a: {image: x, extends: nope}\n");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().field_path == "services.a.extends");
}

TEST_CASE("extends from another file and include need the client reader", "[unit]") {
    std::string const text = R"(services:
  web:
    extends: {file: common.yaml, service: app}
    ports: ["8080:80"]
)";
    auto server = load(text);
    REQUIRE_FALSE(server);
    CHECK(server.error().field_path == "services.web.extends.file");
    CHECK(server.error().message.find("compose-operator stack deploy") != std::string::npos);

    auto o = with_files({{"common.yaml", "services:\n  app:\n    image: app:${TAG:-1}\n    environment: [X=1]\n"}});
    auto client = load(text, o);
    REQUIRE(client);
    auto const& web = *client->project.find_service("web");
    CHECK(web.image == "app:1");
    CHECK(web.environment.at("X") == "1");
    CHECK(web.ports.size() == 1);
    CHECK(client->project.find_service("app") == nullptr);  // only the base's keys come along

    std::string const inc = "include: [db.yaml]\nservices:\n  web: {image: nginx, depends_on: [db]}\n";
    auto denied = load(inc);
    REQUIRE_FALSE(denied);
    CHECK(denied.error().field_path == "include");
    CHECK(denied.error().message.find("compose-operator convert") != std::string::npos);
    auto io = with_files({{"db.yaml", "services:\n  db: {image: postgres}\nvolumes:\n  data: {}\n"}});
    auto included = load(inc, io);
    REQUIRE(included);
    CHECK(included->project.find_service("db") != nullptr);
    CHECK(included->project.volumes.contains("data"));
    auto clash = with_files({{"db.yaml", "services:\n  web: {image: other}\n"}});
    auto both = load(inc, clash);
    REQUIRE_FALSE(both);
    CHECK(both.error().field_path == "services.web");
    CHECK(both.error().message.find("defined both in \"db.yaml\"") != std::string::npos);
    auto self = with_files({{"loop.yaml", "include: [loop.yaml]\n"}});
    auto looped = load("include: [loop.yaml]\nservices: {}\n", self);
    REQUIRE_FALSE(looped);
    CHECK(looped.error().message.find("include cycle: loop.yaml -> loop.yaml") != std::string::npos);
}

TEST_CASE("extends chains are bounded by max_extends_depth and name the chain", "[unit]") {
    auto chain = [](std::size_t links) {
        std::string t = "services:\n  s0: {image: x}\n";
        for (std::size_t i = 1; i <= links; ++i) {
            t += "  s" + std::to_string(i) + ": {extends: s" + std::to_string(i - 1) + "}\n";
        }
        return t;
    };
    load_options o;
    o.limits.max_extends_depth = 3;
    auto ok = load(chain(3), o);
    REQUIRE(ok);
    CHECK(ok->project.find_service("s3")->image == "x");
    auto deep = load(chain(4), o);
    REQUIRE_FALSE(deep);
    CHECK(deep.error().field_path == "services.s4.extends");
    CHECK(deep.error().message.find("max_extends_depth") != std::string::npos);
    CHECK(deep.error().message.find("s4 -> s3 -> s2 -> s1 -> s0") != std::string::npos);
    // The same chain written the other way round (bases last) is refused the same way.
    std::string reversed = "services:\n";
    for (int i = 4; i >= 1; --i) reversed += "  s" + std::to_string(i) + ": {extends: s" + std::to_string(i - 1) + "}\n";
    reversed += "  s0: {image: x}\n";
    auto rev = load(reversed, o);
    REQUIRE_FALSE(rev);
    CHECK(rev.error().message.find("max_extends_depth") != std::string::npos);
    // Includes nest under the same limit.
    auto nested = with_files({{"a.yaml", "include: [b.yaml]\n"}, {"b.yaml", "include: [c.yaml]\n"},
                              {"c.yaml", "include: [d.yaml]\n"}, {"d.yaml", "services: {d: {image: x}}\n"}});
    nested.limits.max_extends_depth = 3;
    auto inc = load("include: [a.yaml]\nservices: {}\n", nested);
    REQUIRE_FALSE(inc);
    CHECK(inc.error().message.find("a.yaml -> b.yaml -> c.yaml -> d.yaml") != std::string::npos);
    nested.limits.max_extends_depth = 4;
    CHECK(load("include: [a.yaml]\nservices: {}\n", nested));
}

TEST_CASE("extends copies are charged to the load budget, other files are read once", "[unit]") {
    // 200 services extending one base of ~600 nodes: 120,000 nodes once copied, over max_nodes.
    std::string base = "services:\n  base:\n    image: x\n    environment:\n";
    for (int i = 0; i < 300; ++i) base += "      V" + std::to_string(i) + ": v\n";
    std::string fan = base;
    for (int i = 0; i < 200; ++i) fan += "  s" + std::to_string(i) + ": {extends: base}\n";
    auto r = load(fan);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("limit max_nodes") != std::string::npos);
    CHECK(r.error().field_path.ends_with(".extends"));
    std::string few = base;
    for (int i = 0; i < 20; ++i) few += "  s" + std::to_string(i) + ": {extends: base}\n";
    CHECK(load(few));

    // Forty services extending one other file: one read, one file of max_files.
    auto reads = std::make_shared<std::map<std::string, int>>();
    auto o = with_files({{"common.yaml", "services:\n  app: {image: app}\n"}}, reads);
    o.limits.max_files = 2;
    std::string many = "services:\n";
    for (int i = 0; i < 40; ++i) many += "  s" + std::to_string(i) + ": {extends: {file: common.yaml, service: app}}\n";
    auto m = load(many, o);
    REQUIRE(m);
    CHECK(m->project.services.size() == 40);
    CHECK(reads->at("common.yaml") == 1);
    // A third distinct file is over max_files = 2.
    auto o3 = with_files({{"a.yaml", "services: {a: {image: a}}\n"}, {"b.yaml", "services: {b: {image: b}}\n"}});
    o3.limits.max_files = 2;
    auto over = load("services:\n  x: {extends: {file: a.yaml, service: a}}\n  y: {extends: {file: b.yaml, service: b}}\n", o3);
    REQUIRE_FALSE(over);
    CHECK(over.error().field_path == "services.y.extends.file");
    CHECK(over.error().message.find("limit max_files") != std::string::npos);
    // A reader answering more than max_bytes is refused like a large top-level file.
    auto big = with_files({{"big.yaml", std::string(2000, '#')}});
    big.limits.max_bytes = 1000;
    auto b = load("services:\n  x: {extends: {file: big.yaml, service: a}}\n", big);
    REQUIRE_FALSE(b);
    CHECK(b.error().message.find("1000-byte limit") != std::string::npos);
}

TEST_CASE("paths in a file read for extends or include are relative to its folder", "[unit]") {
    auto reads = std::make_shared<std::map<std::string, int>>();
    auto o = with_files({{"sub/a.yaml", "include: [b.yaml]\nservices:\n  a: {extends: {file: ../common.yaml, service: c}}\n"},
                         {"sub/b.yaml", "services: {b: {image: b}}\n"},
                         {"common.yaml", "services: {c: {image: c}}\n"}}, reads);
    auto r = load("include: [sub/a.yaml]\nservices: {}\n", o);
    REQUIRE(r);
    CHECK(r->project.find_service("a")->image == "c");
    CHECK(r->project.find_service("b")->image == "b");
    CHECK(reads->size() == 3);
}

// Issue 10: the relative paths *inside* an included or extended file (bind sources, env_file,
// build, configs/secrets file) are relative to that file's folder, as the Compose Specification
// and compose-go resolve them; the paths of the files given to the loader stay as written.
TEST_CASE("bind, env_file, build and file paths of an included or extended file follow its folder", "[unit]") {
    auto o = with_files(
        {{"db/compose.yaml", "services:\n  db:\n    image: postgres:16\n    env_file: [db.env, {path: ../shared/more.env, required: false}]\n"
                             "    volumes:\n      - ./init:/docker-entrypoint-initdb.d\n      - data:/var/lib/postgresql/data\n"
                             "      - {type: bind, source: ../shared/ca.pem, target: /etc/ca.pem}\n"
                             "      - /srv/abs:/abs\n      - ~/home.txt:/home.txt\n      - ../../outside:/outside\n"
                             "    configs: [db_conf]\n    secrets: [db_password]\n"
                             "volumes:\n  data: {}\nconfigs:\n  db_conf: {file: ./postgresql.conf}\n"
                             "secrets:\n  db_password: {file: password.txt}\n"},
         {"common/base.yaml", "services:\n  base:\n    build: ./app\n    env_file: base.env\n"
                              "    volumes: [\"./nginx.conf:/etc/nginx/nginx.conf\"]\n"
                              "  ctx:\n    build: {dockerfile: Dockerfile.web}\n"
                              "  remote:\n    build: {context: \"https://example.com/repo.git#main\"}\n"}});
    auto r = load("include: [db/compose.yaml]\nservices:\n"
                  "  web:\n    image: nginx\n    extends: {file: common/base.yaml, service: base}\n"
                  "    volumes: [\"./site:/usr/share/nginx/html\"]\n"
                  "  web2: {image: x, extends: {file: common/base.yaml, service: ctx}}\n"
                  "  web3: {image: x, extends: {file: common/base.yaml, service: remote}}\n"
                  "  own: {image: x, build: ./own, env_file: own.env, volumes: [\"./own.conf:/own.conf\"]}\n",
                  o);
    REQUIRE(r);
    auto const& db = *r->project.find_service("db");
    REQUIRE(db.env_file.size() == 2);
    CHECK(db.env_file[0].path == "./db/db.env");
    CHECK(db.env_file[1].path == "./shared/more.env");
    REQUIRE(db.volumes.size() == 6);
    CHECK(db.volumes[0].source == "./db/init");
    CHECK(db.volumes[1].source == "data");  // a named volume is not a path
    CHECK(db.volumes[2].source == "./shared/ca.pem");
    CHECK(db.volumes[3].source == "/srv/abs");
    CHECK(db.volumes[4].source == "~/home.txt");
    CHECK(db.volumes[5].source == "../outside");  // outside the project folder: still relative
    CHECK(r->project.configs.at("db_conf").file == "./db/postgresql.conf");
    CHECK(r->project.secrets.at("db_password").file == "./db/password.txt");

    auto const& web = *r->project.find_service("web");
    REQUIRE(web.build);
    CHECK(web.build->scalar == "./common/app");
    REQUIRE(web.env_file.size() == 1);
    CHECK(web.env_file[0].path == "./common/base.env");
    std::vector<std::string> sources;
    for (auto const& v : web.volumes) sources.push_back(v.source);
    std::sort(sources.begin(), sources.end());
    CHECK(sources == std::vector<std::string>{"./common/nginx.conf", "./site"});
    auto const* ctx = r->project.find_service("web2")->build->find("context");
    REQUIRE(ctx);
    CHECK(ctx->scalar == "./common");  // the default context "." of the base file's folder
    CHECK(r->project.find_service("web3")->build->find("context")->scalar ==
          "https://example.com/repo.git#main");

    // The loader's own files: as written (the caller resolves them against the project folder).
    auto const& own = *r->project.find_service("own");
    CHECK(own.build->scalar == "./own");
    CHECK(own.env_file[0].path == "own.env");
    CHECK(own.volumes[0].source == "./own.conf");
}
