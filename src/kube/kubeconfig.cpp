// kubeconfig loading and merging (client-go tools/clientcmd loader.go rules). yaml-cpp is used
// here only, for kubeconfig files; the compose module owns all other YAML.
#include "op/kube/config.hpp"

#include "op/util/base64.hpp"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace op::kube {
namespace {

namespace fs = std::filesystem;

struct entry {
    YAML::Node node;
    std::string dir;  // for relative paths
};

struct merged {
    std::map<std::string, entry> clusters, users, contexts;
    std::string current_context;
};

result<std::string> read_file(std::string const& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return invalid("cannot read " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string resolve(std::string const& p, std::string const& dir) {
    if (p.empty() || fs::path(p).is_absolute() || dir.empty()) return p;
    return (fs::path(dir) / p).string();
}

result<std::string> b64(std::string const& s, std::string const& what) {
    auto out = base64::decode(s);
    if (!out) return invalid("bad base64 in " + what + " (" + out.error().message + ")");
    return std::move(*out);
}

// n[key] when n is a mapping, else an undefined node (yaml-cpp's operator[] throws on a scalar,
// e.g. a list item written as `- name` instead of `- name: x`).
YAML::Node child(YAML::Node const& n, char const* key) {
    return n.IsMap() ? n[key] : YAML::Node(YAML::NodeType::Undefined);
}

std::string str(YAML::Node const& n, char const* key) {
    auto v = child(n, key);
    return v && v.IsScalar() ? v.Scalar() : std::string{};
}

// Adds one file's named lists; the first file to define a name wins.
result<void> merge_text(merged& m, std::string const& yaml, std::string const& dir) {
    YAML::Node root;
    try {
        root = YAML::Load(yaml);
    } catch (YAML::Exception const& e) {
        return invalid(std::string("kubeconfig is not valid YAML: ") + e.what());
    }
    if (!root.IsDefined() || root.IsNull()) return {};
    if (!root.IsMap()) return invalid("kubeconfig is not a mapping");
    auto add = [&](char const* list, char const* inner,
                   std::map<std::string, entry>& into) -> result<void> {
        auto l = root[list];
        if (!l) return {};
        if (!l.IsSequence()) return invalid(std::string(list) + " is not a list", list);
        for (auto const& item : l) {
            std::string name = str(item, "name");
            if (name.empty() || !child(item, inner)) continue;
            into.try_emplace(name, entry{child(item, inner), dir});
        }
        return {};
    };
    OP_RETURN_IF_ERROR(add("clusters", "cluster", m.clusters));
    OP_RETURN_IF_ERROR(add("users", "user", m.users));
    OP_RETURN_IF_ERROR(add("contexts", "context", m.contexts));
    if (m.current_context.empty()) m.current_context = str(root, "current-context");
    return {};
}

result<config> build(merged const& m, std::string const& ctx_override, util::clock& clk) {
    std::string ctx_name = ctx_override.empty() ? m.current_context : ctx_override;
    if (ctx_name.empty()) return invalid("kubeconfig has no current-context");
    auto ctx = m.contexts.find(ctx_name);
    if (ctx == m.contexts.end()) return invalid("context " + ctx_name + " not found");
    std::string cluster_name = str(ctx->second.node, "cluster");
    std::string user_name = str(ctx->second.node, "user");
    auto cl = m.clusters.find(cluster_name);
    if (cl == m.clusters.end()) return invalid("cluster " + cluster_name + " not found");
    config cfg;
    if (auto ns = str(ctx->second.node, "namespace"); !ns.empty()) cfg.default_namespace = ns;
    auto const& c = cl->second.node;
    cfg.server = str(c, "server");
    OP_TRY(auto hp, parse_server(cfg.server));
    cfg.host = hp.host;
    cfg.port = hp.port;
    cfg.insecure_skip_tls_verify = str(c, "insecure-skip-tls-verify") == "true";
    cfg.tls_server_name = str(c, "tls-server-name");
    if (auto d = str(c, "certificate-authority-data"); !d.empty()) {
        OP_TRY(cfg.ca_pem, b64(d, "certificate-authority-data"));
    } else if (auto f = str(c, "certificate-authority"); !f.empty()) {
        OP_TRY(cfg.ca_pem, read_file(resolve(f, cl->second.dir)));
    }
    if (user_name.empty()) return cfg;
    auto us = m.users.find(user_name);
    if (us == m.users.end()) return invalid("user " + user_name + " not found");
    auto const& u = us->second.node;
    std::string const& udir = us->second.dir;
    if (auto d = str(u, "client-certificate-data"); !d.empty()) {
        OP_TRY(cfg.client_cert_pem, b64(d, "client-certificate-data"));
    } else if (auto f = str(u, "client-certificate"); !f.empty()) {
        OP_TRY(cfg.client_cert_pem, read_file(resolve(f, udir)));
    }
    if (auto d = str(u, "client-key-data"); !d.empty()) {
        OP_TRY(cfg.client_key_pem, b64(d, "client-key-data"));
    } else if (auto f = str(u, "client-key"); !f.empty()) {
        OP_TRY(cfg.client_key_pem, read_file(resolve(f, udir)));
    }
    if (cfg.client_cert_pem.empty() != cfg.client_key_pem.empty())
        return invalid("user " + user_name + " has a client certificate without a key or vice versa");
    if (auto t = str(u, "token"); !t.empty()) {
        cfg.token = token_source::fixed(t);
    } else if (auto f = str(u, "tokenFile"); !f.empty()) {
        cfg.token = token_source::file(resolve(f, udir), clk);
        OP_RETURN_IF_ERROR(cfg.token->token());  // fail early on a missing file
    } else if (auto e = child(u, "exec"); e && e.IsMap()) {
        exec_config x;
        x.command = str(e, "command");
        if (x.command.find('/') != std::string::npos) x.command = resolve(x.command, udir);
        if (x.command.empty()) return invalid("exec plugin without command", "users.exec");
        if (auto a = str(e, "apiVersion"); !a.empty()) x.api_version = a;
        if (auto args = e["args"]; args && args.IsSequence()) {
            for (auto const& a : args) {
                if (!a.IsScalar()) return invalid("exec plugin args must be strings", "users.exec.args");
                x.args.push_back(a.Scalar());
            }
        }
        if (auto env = e["env"]; env && env.IsSequence())
            for (auto const& kv : env) x.env.emplace_back(str(kv, "name"), str(kv, "value"));
        cfg.token = token_source::exec(std::move(x), clk);
    }
    cfg.basic_user = str(u, "username");
    cfg.basic_password = str(u, "password");
    return cfg;
}

}  // namespace

result<host_port> parse_server(std::string_view server) {
    constexpr std::string_view scheme = "https://";
    if (!server.starts_with(scheme)) return invalid("server must be an https:// URL", "server");
    auto rest = server.substr(scheme.size());
    rest = rest.substr(0, rest.find('/'));
    host_port hp;
    if (!rest.empty() && rest.front() == '[') {  // [ipv6]:port
        auto close = rest.find(']');
        if (close == std::string_view::npos) return invalid("bad server address", "server");
        hp.host = std::string(rest.substr(1, close - 1));
        auto after = rest.substr(close + 1);
        hp.port = after.starts_with(":") ? std::string(after.substr(1)) : "443";
    } else {
        auto colon = rest.rfind(':');
        hp.host = std::string(rest.substr(0, colon));
        hp.port = colon == std::string_view::npos ? "443" : std::string(rest.substr(colon + 1));
    }
    if (hp.host.empty() || hp.port.empty()) return invalid("bad server address", "server");
    return hp;
}

result<config> load_kubeconfig_text(std::string const& yaml, std::string const& dir,
                                    std::string const& context, util::clock& clk) {
    merged m;
    OP_RETURN_IF_ERROR(merge_text(m, yaml, dir));
    return build(m, context, clk);
}

result<config> load_kubeconfig(kubeconfig_options const& opts, util::clock& clk) {
    std::vector<std::string> files;
    if (!opts.explicit_path.empty()) {
        files.push_back(opts.explicit_path);
    } else if (!opts.kubeconfig_env.empty()) {
        std::string_view env = opts.kubeconfig_env;
        while (!env.empty()) {
            auto colon = env.find(':');
            auto f = env.substr(0, colon);
            if (!f.empty()) files.emplace_back(f);
            if (colon == std::string_view::npos) break;
            env.remove_prefix(colon + 1);
        }
    } else if (!opts.home.empty()) {
        files.push_back(opts.home + "/.kube/config");
    }
    merged m;
    bool any = false;
    for (auto const& f : files) {
        auto text = read_file(f);
        if (!text) {
            if (!opts.explicit_path.empty()) return text.error();  // an explicit file must exist
            continue;  // KUBECONFIG entries that do not exist are skipped, as clientcmd does
        }
        any = true;
        OP_RETURN_IF_ERROR(merge_text(m, *text, fs::path(f).parent_path().string()));
    }
    if (!any) return invalid("no kubeconfig file found");
    return build(m, opts.context, clk);
}

result<config> in_cluster_config(std::string const& root, util::clock& clk) {
    char const* host = std::getenv("KUBERNETES_SERVICE_HOST");
    char const* port = std::getenv("KUBERNETES_SERVICE_PORT");
    if (!host || !port || !*host || !*port)
        return not_found("KUBERNETES_SERVICE_HOST/PORT not set: not running in a cluster");
    config cfg;
    std::string h = host;
    cfg.host = h;
    cfg.port = port;
    cfg.server = "https://" + (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" + port;
    OP_TRY(cfg.ca_pem, read_file(root + "/ca.crt"));
    cfg.token = token_source::file(root + "/token", clk);
    OP_RETURN_IF_ERROR(cfg.token->token());
    if (auto ns = read_file(root + "/namespace"); ns && !ns->empty()) cfg.default_namespace = *ns;
    return cfg;
}

}  // namespace op::kube
