// A service's `x-kubernetes.expose` -> networking.k8s.io/v1 Ingresses owned by the stack (one per
// entry: `<svc>`, then `<svc>-1`, `<svc>-2`, ...), routing to the Service that carries the port:
// `<svc>-published` for a published port (matched by published or target number),
// `<svc>-random-ports` for a target-only port, or the in-stack ClusterIP Service for an
// internal port. Without `port`, the service's first TCP port.
#include "detail.hpp"
#include "names.hpp"

#include <string>

namespace op::mapping::detail {
namespace {

struct backend {
    std::string service;
    std::uint32_t port = 0;
};

bool tcp(std::string_view proto) { return proto.empty() || proto == "tcp" || proto == "TCP"; }

result<backend> backend_for(service_ctx const& ctx, api::ingress_expose const& e,
                            std::string const& path) {
    auto const& svc = ctx.svc;
    for (auto const& p : svc.ports) {
        if (!tcp(p.protocol)) continue;
        if (e.port && *e.port != p.published && *e.port != p.target) continue;
        if (p.published != 0) return backend{svc.name + "-published", p.published};
        return backend{svc.name + "-random-ports", p.target};
    }
    bool const cluster_ip = svc.internal_service_type == "ClusterIP" ||
                            (svc.internal_service_type.empty() && !svc.internal_ports.empty());
    if (cluster_ip) {
        for (auto const& ip : svc.internal_ports) {
            if (!tcp(ip.protocol) || ip.port < 1 || ip.port > 65535) continue;
            auto const port = static_cast<std::uint32_t>(ip.port);
            if (!e.port || *e.port == port) return backend{svc.name, port};
        }
    }
    if (e.port) {
        return op::invalid("port " + std::to_string(*e.port) + " is not a TCP port of the service "
                           "(ports or internal_ports)",
                           path + ".port");
    }
    return op::invalid("the service has no TCP port to route to; add one to ports (e.g. \"80\" "
                       "or \"8080:80\")",
                       path);
}

result<void> check_name(std::string const& value, std::string const& what, std::string const& path) {
    if (value.empty() || is_dns1123_subdomain(value)) return {};
    return op::invalid(what + " \"" + value + "\" is not a valid Kubernetes name (lowercase "
                       "letters, digits, '-' and '.')",
                       path);
}

}  // namespace

result<std::vector<k8s_object>> ingresses(service_ctx const& ctx) {
    std::vector<k8s_object> out;
    if (!ctx.svc.kubernetes) return out;
    auto const& list = ctx.svc.kubernetes->expose;
    for (std::size_t i = 0; i < list.size(); ++i) {
        auto const& e = list[i];
        auto const path = index_path(ctx.path + ".kubernetes", "expose", i);
        std::string const name = i == 0 ? ctx.svc.name : ctx.svc.name + "-" + std::to_string(i);
        OP_TRY(auto to, backend_for(ctx, e, path));
        std::string const path_type = e.path_type.empty() ? "Prefix" : e.path_type;
        if (path_type != "Prefix" && path_type != "Exact" && path_type != "ImplementationSpecific") {
            return op::invalid("pathType \"" + path_type + "\" is not Prefix, Exact or "
                               "ImplementationSpecific",
                               path + ".pathType");
        }
        std::string const url_path = e.path.empty() ? "/" : e.path;
        if (!url_path.starts_with('/')) {
            return op::invalid("path \"" + url_path + "\" must start with /", path + ".path");
        }
        auto host = e.host;
        std::string const bare = host.starts_with("*.") ? host.substr(2) : host;
        if (!host.empty() && !is_dns1123_subdomain(bare)) {
            return op::invalid("host \"" + host + "\" is not a DNS name", path + ".host");
        }
        OP_RETURN_IF_ERROR(check_name(e.tls_secret, "tlsSecret", path + ".tlsSecret"));
        OP_RETURN_IF_ERROR(check_name(e.ingress_class_name, "ingressClassName", path + ".ingressClassName"));

        auto doc = new_object("networking.k8s.io/v1", "Ingress", ctx.stack, name,
                              object_labels(ctx.stack.metadata.name, ctx.svc), true);
        auto& a = doc.GetAllocator();
        value spec(rapidjson::kObjectType);
        if (!e.ingress_class_name.empty()) put(spec, "ingressClassName", e.ingress_class_name, a);
        if (!e.tls_secret.empty()) {
            value tls(rapidjson::kObjectType);
            if (!host.empty()) put(tls, "hosts", string_array({host}, a), a);
            put(tls, "secretName", e.tls_secret, a);
            value tls_list(rapidjson::kArrayType);
            tls_list.PushBack(std::move(tls), a);
            put(spec, "tls", std::move(tls_list), a);
        }
        value port(rapidjson::kObjectType);
        put_int(port, "number", to.port, a);
        value service(rapidjson::kObjectType);
        put(service, "name", to.service, a);
        put(service, "port", std::move(port), a);
        value back(rapidjson::kObjectType);
        put(back, "service", std::move(service), a);
        value p(rapidjson::kObjectType);
        put(p, "path", url_path, a);
        put(p, "pathType", path_type, a);
        put(p, "backend", std::move(back), a);
        value paths(rapidjson::kArrayType);
        paths.PushBack(std::move(p), a);
        value http(rapidjson::kObjectType);
        put(http, "paths", std::move(paths), a);
        value rule(rapidjson::kObjectType);
        if (!host.empty()) put(rule, "host", host, a);
        put(rule, "http", std::move(http), a);
        value rules(rapidjson::kArrayType);
        rules.PushBack(std::move(rule), a);
        put(spec, "rules", std::move(rules), a);
        put(doc, "spec", std::move(spec), a);
        out.push_back(k8s_object{"networking.k8s.io/v1", "Ingress", ctx.stack.metadata.namespace_,
                                 name, std::move(doc)});
    }
    return out;
}

}  // namespace op::mapping::detail
