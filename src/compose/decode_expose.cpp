// `x-kubernetes` of a service: the type of its published Service and the Ingresses that expose
// it, checked here so a bad value fails at load time with its position (the mapping checks the
// structured form again).
#include "decode.hpp"

#include <algorithm>
#include <array>

namespace op::compose::detail {
namespace {

constexpr std::array<std::string_view, 3> service_types = {"ClusterIP", "NodePort", "LoadBalancer"};
constexpr std::array<std::string_view, 3> path_types = {"Prefix", "Exact", "ImplementationSpecific"};

template <std::size_t N>
bool one_of(std::array<std::string_view, N> const& list, std::string_view v) {
    return std::find(list.begin(), list.end(), v) != list.end();
}

// A host name as an Ingress rule takes it: lowercase DNS labels, optionally "*." first.
bool valid_host(std::string_view h) {
    if (h.starts_with("*.")) h.remove_prefix(2);
    if (h.empty() || h.size() > 253 || h.front() == '.' || h.back() == '.') return false;
    std::size_t label = 0;
    for (std::size_t i = 0; i < h.size(); ++i) {
        char const ch = h[i];
        if (ch == '.') {
            if (label == 0 || h[i - 1] == '-') return false;
            label = 0;
            continue;
        }
        bool const ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || (ch == '-' && label > 0);
        if (!ok || ++label > 63) return false;
    }
    return h.back() != '-';
}

result<ingress_expose> decode_expose(context const& c, node const& n, std::string const& p) {
    ingress_expose e;
    OP_RETURN_IF_ERROR(walk(c, n, p, {"host", "path", "pathType", "port", "tlsSecret", "ingressClassName"},
        nullptr, [&](std::string const& k, node const& v, std::string const& vp) -> status {
            if (k == "port") {
                OP_TRY(auto port, as_uint(c, v, vp));
                if (port < 1 || port > 65535) return c.fail(v, vp, "port must be between 1 and 65535");
                e.port = static_cast<std::uint32_t>(port);
                return {};
            }
            OP_TRY(auto s, as_string(c, v, vp));
            if (k == "host") {
                if (!valid_host(s)) {
                    return c.fail(v, vp, "invalid host " + quoted(s) +
                                             " (a lowercase DNS name such as shop.example.com, or *.example.com)");
                }
                e.host = std::move(s);
            } else if (k == "path") {
                if (!s.starts_with('/')) return c.fail(v, vp, "path " + quoted(s) + " must start with /");
                e.path = std::move(s);
            } else if (k == "pathType") {
                if (!one_of(path_types, s)) {
                    return c.fail(v, vp, "invalid pathType " + quoted(s) +
                                             " (Prefix, Exact or ImplementationSpecific)");
                }
                e.path_type = std::move(s);
            } else if (k == "tlsSecret") {
                e.tls_secret = std::move(s);
            } else {
                e.ingress_class_name = std::move(s);
            }
            return {};
        }));
    return e;
}

}  // namespace

result<service_kubernetes> decode_service_kubernetes(context const& c, node const& n,
                                                     std::string const& p) {
    service_kubernetes out;
    if (n.is_null()) return out;
    OP_RETURN_IF_ERROR(expect_mapping(c, n, p));
    for (auto const& [k, v] : n.entries) {
        std::string const kp = key_path(p, k);
        if (k == "serviceType") {
            OP_TRY(out.service_type, as_string(c, v, kp));
            if (!one_of(service_types, out.service_type)) {
                return c.fail(v, kp, "invalid serviceType " + quoted(out.service_type) +
                                         " (ClusterIP, NodePort or LoadBalancer)");
            }
        } else if (k == "expose") {
            if (v.is_mapping()) {
                OP_TRY(auto e, decode_expose(c, v, kp));
                out.expose.push_back(std::move(e));
            } else if (v.is_sequence()) {
                for (std::size_t i = 0; i < v.items.size(); ++i) {
                    OP_TRY(auto e, decode_expose(c, v.items[i], index_path(kp, i)));
                    out.expose.push_back(std::move(e));
                }
            } else {
                return c.fail(v, kp, "expected a mapping {host, path, ...} or a list of them");
            }
        } else {
            return c.fail(v, kp, "unknown key " + quoted(k) +
                                     " (a service's x-kubernetes takes serviceType and expose)");
        }
    }
    return out;
}

}  // namespace op::compose::detail
