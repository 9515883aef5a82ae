#pragma once
// Client configuration: where the API server is and how to authenticate to it.
// Loaded from kubeconfig files (clientcmd rules: --kubeconfig, else KUBECONFIG with several
// files merged in order where the first file to set a value wins, else ~/.kube/config) or from
// the in-cluster service account. kubeconfig YAML is parsed with yaml-cpp: the one allowed
// use outside the compose module.
#include "op/util/clock.hpp"
#include "op/util/error.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace op::kube {

// An exec credential plugin (client.authentication.k8s.io/v1 or v1beta1).
struct exec_config {
    std::string command;
    std::vector<std::string> args;
    std::vector<std::pair<std::string, std::string>> env;
    std::string api_version = "client.authentication.k8s.io/v1";
    // The plugin is killed (and the token request fails, transient) when it has not exited by then.
    std::chrono::milliseconds timeout{10'000};
};

// Who to act as on one request (Impersonate-* headers). An empty user means no impersonation.
struct impersonation {
    std::string user;
    std::string uid;
    std::vector<std::string> groups;
    std::map<std::string, std::vector<std::string>> extra;
    [[nodiscard]] bool empty() const { return user.empty(); }
};

// Produces the bearer token for each request: a fixed token, a file re-read every minute (bound
// service-account tokens rotate), or an exec plugin cached until its expirationTimestamp.
// Thread-safe.
class token_source {
public:
    static std::shared_ptr<token_source> fixed(std::string token);
    static std::shared_ptr<token_source> file(std::string path, util::clock& clk);
    static std::shared_ptr<token_source> exec(exec_config cfg, util::clock& clk);
    // The current token. Fails (terminal) when the file cannot be read or the plugin fails.
    [[nodiscard]] result<std::string> token();
    // After the API server refused `refused` (401): re-reads the file or re-runs the plugin now,
    // unless the current token is already another one. True when the next token() differs from
    // `refused`, so one retry may succeed; always false for a fixed token.
    [[nodiscard]] bool refresh(std::string const& refused);
    // True when token() or refresh() may block for long: an exec plugin may run (up to its
    // timeout). The client then calls them on a thread of its own, never on an I/O thread.
    [[nodiscard]] bool may_block() const noexcept { return kind_ == kind::exec; }

private:
    enum class kind { fixed, file, exec };
    token_source(kind k, util::clock& clk) : kind_(k), clock_(&clk) {}
    kind kind_;
    util::clock* clock_;
    std::string path_;
    exec_config exec_;
    std::mutex mutex_;
    std::string cached_;
    std::optional<std::chrono::system_clock::time_point> expires_;  // wall time
    std::chrono::steady_clock::time_point read_at_{};
    bool have_ = false;
};

struct config {
    std::string server;  // "https://host:port"
    std::string host;    // parsed from server
    std::string port = "443";
    std::string ca_pem;  // empty: system default verify paths
    bool insecure_skip_tls_verify = false;
    std::string tls_server_name;
    std::string client_cert_pem;
    std::string client_key_pem;
    std::shared_ptr<token_source> token;  // null: no bearer token
    std::string basic_user, basic_password;
    std::string default_namespace = "default";
    std::string user_agent = "compose-operator";
    double qps = 5;  // client-go defaults
    int burst = 10;
    std::chrono::milliseconds request_timeout{30'000};
    int max_retries = 10;  // for 429/5xx carrying Retry-After
    // Asked right before every attempt of every request goes on the wire (retries, a fresh
    // connection after a stale pooled one, a re-read token): false fails the request (transient)
    // unsent. The operator gives its writer client the write fence (runtime/fence.hpp), so no
    // retry of a write is sent once the Lease is lost. Null: always send. Called on the client's
    // I/O thread: it must be cheap and must not block.
    std::function<bool()> send_gate;
};

struct kubeconfig_options {
    std::string explicit_path;   // --kubeconfig; wins over KUBECONFIG
    std::string kubeconfig_env;  // value of KUBECONFIG (':'-separated); empty: unset
    std::string home;            // $HOME, for ~/.kube/config
    std::string context;         // overrides current-context when non-empty
};

// Loads and merges kubeconfig files. Fails (invalid) when no file exists, YAML is malformed,
// the context/cluster/user is missing, or a referenced file cannot be read.
[[nodiscard]] result<config> load_kubeconfig(kubeconfig_options const& opts,
                                             util::clock& clk = util::system_clock());
// Same, from one YAML text; relative file paths resolve against `dir`.
[[nodiscard]] result<config> load_kubeconfig_text(std::string const& yaml, std::string const& dir,
                                                  std::string const& context = {},
                                                  util::clock& clk = util::system_clock());
// The in-cluster service-account config. `root` is normally
// /var/run/secrets/kubernetes.io/serviceaccount. Fails (not_found) outside a cluster.
[[nodiscard]] result<config> in_cluster_config(std::string const& root,
                                               util::clock& clk = util::system_clock());
struct host_port {
    std::string host;
    std::string port;
};
// Splits "https://host[:port][/]" (port defaults to 443). Fails (invalid) on other schemes.
[[nodiscard]] result<host_port> parse_server(std::string_view server);

}  // namespace op::kube
