#include "op/kube/config.hpp"

#include "op/kube/client.hpp"
#include "op/util/base64.hpp"
#include "op_catch.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace op::kube;
using namespace std::chrono_literals;

namespace {

struct temp_dir {
    fs::path path;
    temp_dir() {
        path = fs::temp_directory_path() /
               ("kube_config_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++));
        fs::create_directories(path);
    }
    ~temp_dir() { fs::remove_all(path); }
    static int& counter() { static int c = 0; return c; }
    std::string write(std::string const& name, std::string const& text) const {
        auto p = path / name;
        std::ofstream(p) << text;
        return p.string();
    }
};

std::string b64(std::string const& s) { return op::base64::encode(s); }

// A self-signed certificate and key made with OpenSSL (no subprocess).
std::pair<std::string, std::string> make_cert() {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* x = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    auto* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<unsigned char const*>("alice"), -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509_sign(x, key, EVP_sha256());
    auto to_pem = [](auto write) {
        BIO* b = BIO_new(BIO_s_mem());
        write(b);
        char* data = nullptr;
        long n = BIO_get_mem_data(b, &data);
        std::string s(data, static_cast<std::size_t>(n));
        BIO_free(b);
        return s;
    };
    std::string cert = to_pem([&](BIO* b) { PEM_write_bio_X509(b, x); });
    std::string pkey = to_pem([&](BIO* b) {
        PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
    });
    X509_free(x);
    EVP_PKEY_free(key);
    return {cert, pkey};
}

std::string two_contexts(std::string const& user_a, std::string const& cluster_extra = "") {
    return R"(apiVersion: v1
kind: Config
current-context: ctx-a
clusters:
- name: c1
  cluster:
    server: https://127.0.0.1:6443
)" + cluster_extra + R"(
- name: c2
  cluster:
    server: https://[::1]:7443/
    insecure-skip-tls-verify: true
contexts:
- name: ctx-a
  context: {cluster: c1, user: ua, namespace: team}
- name: ctx-b
  context: {cluster: c2, user: ub}
users:
- name: ua
  user:
)" + user_a + R"(
- name: ub
  user:
    token: token-b
)";
}

}  // namespace

TEST_CASE("kubeconfig: token, current-context and context override", "[unit]") {
    auto cfg = load_kubeconfig_text(two_contexts("    token: token-a"), "/tmp");
    REQUIRE(cfg);
    CHECK(cfg->host == "127.0.0.1");
    CHECK(cfg->port == "6443");
    CHECK(cfg->default_namespace == "team");
    REQUIRE(cfg->token);
    CHECK(cfg->token->token().value() == "token-a");
    auto b = load_kubeconfig_text(two_contexts("    token: token-a"), "/tmp", "ctx-b");
    REQUIRE(b);
    CHECK(b->host == "::1");
    CHECK(b->port == "7443");
    CHECK(b->insecure_skip_tls_verify);
    CHECK(b->token->token().value() == "token-b");
    CHECK_FALSE(load_kubeconfig_text(two_contexts("    token: a"), "/tmp", "nope"));
    CHECK_FALSE(load_kubeconfig_text("clusters: [", "/tmp"));
}

TEST_CASE("kubeconfig: items of the wrong shape are skipped or an error, never thrown", "[unit]") {
    // Found by fuzz_kubeconfig: yaml-cpp's operator[] on a scalar threw YAML::BadSubscript out of
    // load_kubeconfig_text (test/fuzz/regressions/fuzz_kubeconfig/).
    auto skipped = load_kubeconfig_text(R"(current-context: c
clusters:
- just-a-name
- name: k
  cluster: {server: "https://127.0.0.1:6443"}
contexts:
- name: c
  context: {cluster: k, user: u}
- [a, list]
users:
- name: u
  user: scalar-user
- u2
)", "/tmp");
    REQUIRE(skipped);
    CHECK(skipped->host == "127.0.0.1");
    CHECK_FALSE(skipped->token);
    CHECK(skipped->basic_user.empty());
    auto args = load_kubeconfig_text(
        two_contexts("    exec: {command: ./p, args: [a, {b: c}], env: [x]}"), "/tmp");
    REQUIRE_FALSE(args);
    CHECK(args.error().message == "exec plugin args must be strings");
    CHECK(args.error().field_path == "users.exec.args");
}

TEST_CASE("kubeconfig: tokenFile relative to the file is re-read after a minute", "[unit]") {
    temp_dir dir;
    dir.write("tok", "first\n");
    op::util::manual_clock clk;
    auto cfg = load_kubeconfig_text(two_contexts("    tokenFile: tok"), dir.path.string(), "", clk);
    REQUIRE(cfg);
    CHECK(cfg->token->token().value() == "first");
    dir.write("tok", "second");
    CHECK(cfg->token->token().value() == "first");  // cached
    clk.advance(61s);
    CHECK(cfg->token->token().value() == "second");  // rotated
    CHECK_FALSE(load_kubeconfig_text(two_contexts("    tokenFile: missing"), dir.path.string()));
}

TEST_CASE("kubeconfig: client cert/key and CA as data or files", "[unit]") {
    temp_dir dir;
    auto [cert, key] = make_cert();
    auto data = load_kubeconfig_text(
        two_contexts("    client-certificate-data: " + b64(cert) + "\n    client-key-data: " + b64(key),
                     "    certificate-authority-data: " + b64(cert) + "\n"),
        "/tmp");
    REQUIRE(data);
    CHECK(data->client_cert_pem == cert);
    CHECK(data->client_key_pem == key);
    CHECK(data->ca_pem == cert);
    CHECK_FALSE(data->token);
    dir.write("c.crt", cert);
    dir.write("c.key", key);
    dir.write("ca.crt", cert);
    auto files = load_kubeconfig_text(
        two_contexts("    client-certificate: c.crt\n    client-key: " + (dir.path / "c.key").string(),
                     "    certificate-authority: ca.crt\n"),
        dir.path.string());
    REQUIRE(files);
    CHECK(files->client_cert_pem == cert);
    CHECK(files->ca_pem == cert);
    // The TLS context accepts them (no socket is opened).
    boost::asio::io_context ioc;
    CHECK(client::create(ioc, *files));
    auto bad = *files;
    bad.client_key_pem = "garbage";
    CHECK_FALSE(client::create(ioc, bad));
    // A certificate without a key is a configuration error.
    CHECK_FALSE(load_kubeconfig_text(two_contexts("    client-certificate: c.crt"), dir.path.string()));
}

TEST_CASE("kubeconfig: KUBECONFIG merges files in order, first value wins", "[unit]") {
    temp_dir dir;
    auto first = dir.write("one", R"(current-context: x
users:
- name: u
  user: {token: from-one}
)");
    auto second = dir.write("two", R"(current-context: y
clusters:
- name: c
  cluster: {server: "https://10.0.0.1"}
contexts:
- name: x
  context: {cluster: c, user: u}
users:
- name: u
  user: {token: from-two}
)");
    kubeconfig_options o;
    o.kubeconfig_env = first + ":" + (dir.path / "absent").string() + ":" + second;
    auto cfg = load_kubeconfig(o);
    REQUIRE(cfg);
    CHECK(cfg->host == "10.0.0.1");
    CHECK(cfg->port == "443");
    CHECK(cfg->token->token().value() == "from-one");
    // --kubeconfig wins over KUBECONFIG, and must exist.
    o.explicit_path = second;
    o.context = "x";
    CHECK(load_kubeconfig(o)->token->token().value() == "from-two");
    o.explicit_path = (dir.path / "absent").string();
    CHECK_FALSE(load_kubeconfig(o));
    // ~/.kube/config fallback.
    fs::create_directories(dir.path / ".kube");
    dir.write(".kube/config", two_contexts("    token: home"));
    kubeconfig_options h;
    h.home = dir.path.string();
    CHECK(load_kubeconfig(h)->token->token().value() == "home");
}

TEST_CASE("kubeconfig: exec plugin token is cached until expirationTimestamp", "[unit]") {
    temp_dir dir;
    auto counter = (dir.path / "count").string();
    auto script = dir.write("plugin.sh", "#!/bin/sh\necho x >> " + counter + R"(
n=$(wc -l < )" + counter + R"()
echo "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"tok-$n-$MY_ENV-$1\",\"expirationTimestamp\":\"2026-01-01T01:00:00Z\"}}"
)");
    fs::permissions(script, fs::perms::owner_all);
    op::util::manual_clock clk;  // wall time starts at 2026-01-01T00:00:00Z
    auto cfg = load_kubeconfig_text(two_contexts(R"(    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./plugin.sh
      args: [arg1]
      env: [{name: MY_ENV, value: e}])"),
                                    dir.path.string(), "", clk);
    REQUIRE(cfg);
    CHECK(cfg->token->token().value() == "tok-1-e-arg1");
    clk.advance(30min);
    CHECK(cfg->token->token().value() == "tok-1-e-arg1");  // still valid
    clk.advance(30min);
    CHECK(cfg->token->token().value() == "tok-2-e-arg1");  // expired: run again
    auto failing = dir.write("fail.sh", "#!/bin/sh\nexit 3\n");
    fs::permissions(failing, fs::perms::owner_all);
    auto bad = load_kubeconfig_text(two_contexts("    exec: {command: ./fail.sh}"),
                                    dir.path.string());
    REQUIRE(bad);
    auto t = bad->token->token();
    REQUIRE_FALSE(t);
    CHECK(t.error().code == op::errc::terminal);
}

TEST_CASE("in-cluster config reads the service account and env", "[unit]") {
    temp_dir dir;
    dir.write("token", "sa-token\n");
    dir.write("ca.crt", "CA");
    dir.write("namespace", "ops");
    ::unsetenv("KUBERNETES_SERVICE_HOST");
    CHECK(in_cluster_config(dir.path.string()).error().code == op::errc::not_found);
    ::setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
    ::setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    auto cfg = in_cluster_config(dir.path.string());
    ::unsetenv("KUBERNETES_SERVICE_HOST");
    ::unsetenv("KUBERNETES_SERVICE_PORT");
    REQUIRE(cfg);
    CHECK(cfg->server == "https://10.96.0.1:443");
    CHECK(cfg->token->token().value() == "sa-token");
    CHECK(cfg->default_namespace == "ops");
    CHECK(cfg->ca_pem == "CA");
}

TEST_CASE("parse_server", "[unit]") {
    CHECK(parse_server("https://h:1/").value().port == "1");
    CHECK(parse_server("https://h").value().port == "443");
    CHECK_FALSE(parse_server("http://h"));
    CHECK_FALSE(parse_server("https://"));
}

TEST_CASE("token_source::refresh: re-read at once when the refused token is the current one", "[unit]") {
    temp_dir dir;
    dir.write("tok", "first\n");
    op::util::manual_clock clk;
    auto src = token_source::file((dir.path / "tok").string(), clk);
    CHECK(src->token().value() == "first");
    CHECK_FALSE(src->refresh("first"));  // re-read: still the refused token, a retry is pointless
    dir.write("tok", "second");
    CHECK(src->refresh("first"));  // re-read before the minute is up
    CHECK(src->token().value() == "second");
    dir.write("tok", "third");
    CHECK(src->refresh("first"));  // another request already moved on: no re-read needed
    CHECK(src->token().value() == "second");
    CHECK_FALSE(token_source::fixed("t")->refresh("t"));
}
