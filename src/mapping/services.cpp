// The Kubernetes Services of one compose service (reference section 4.10).
#include "detail.hpp"
#include "names.hpp"

#include <set>
#include <string>
#include <utility>

namespace op::mapping::detail {
namespace {

std::string lower(std::string s) {
    for (auto& c : s) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return s;
}

value port(std::string const& name, std::optional<std::uint32_t> node_port, std::uint32_t port,
           std::uint32_t target, std::string const& proto, alloc_t& a) {
    value p(rapidjson::kObjectType);
    put(p, "name", name, a);
    if (node_port) put_int(p, "nodePort", *node_port, a);
    put_int(p, "port", port, a);
    put_int(p, "targetPort", target, a);
    put(p, "protocol", proto, a);
    return p;
}

result<k8s_object> make_service(service_ctx const& ctx, std::string const& name,
                                std::string_view type, value ports) {
    if (!is_dns1035_label(name)) {
        return op::invalid("Service name \"" + name +
                               "\" is not a valid DNS-1035 label (at most 63 characters)",
                           ctx.path + ".name");
    }
    auto doc = new_object("v1", "Service", ctx.stack, name,
                          object_labels(ctx.stack.metadata.name, ctx.svc), true);
    auto& a = doc.GetAllocator();
    value spec(rapidjson::kObjectType);
    if (type == "None") {
        put(spec, "clusterIP", "None", a);
    } else if (!type.empty()) {
        put(spec, "type", type, a);
    }
    put(spec, "selector", label_object(selector_labels(ctx.stack.metadata.name, ctx.svc.name), a),
        a);
    // `ports` was built with another allocator: copy it into this document.
    put(spec, "ports", value(ports, a), a);
    put(doc, "spec", std::move(spec), a);
    return k8s_object{"v1", "Service", ctx.stack.metadata.namespace_, name, std::move(doc)};
}

result<k8s_object> internal_service(service_ctx const& ctx, alloc_t& a) {
    auto const& svc = ctx.svc;
    auto const& type = svc.internal_service_type;
    bool headless = false;
    if (type.empty()) {
        headless = svc.internal_ports.empty();
    } else if (type == "Headless") {
        headless = true;
        if (!svc.internal_ports.empty()) {
            ctx.warnings.add(ctx.path + ".internal_ports",
                             "internal_ports are ignored with internal_service_type Headless");
        }
    } else if (type == "ClusterIP") {
        if (svc.internal_ports.empty()) {
            return op::invalid("internal_service_type ClusterIP needs internal_ports",
                               ctx.path + ".internal_service_type");
        }
    } else {
        return op::invalid("internal_service_type \"" + type +
                               "\" is not supported (Headless, ClusterIP or empty)",
                           ctx.path + ".internal_service_type");
    }
    value ports(rapidjson::kArrayType);
    if (headless) {
        ports.PushBack(port("headless", std::nullopt, 55555, 55555, "TCP", a), a);
        return make_service(ctx, svc.name, "None", std::move(ports));
    }
    std::set<std::pair<std::int32_t, std::string>> seen;
    for (std::size_t i = 0; i < svc.internal_ports.size(); ++i) {
        auto const& ip = svc.internal_ports[i];
        auto const path = index_path(ctx.path, "internal_ports", i);
        if (ip.port < 1 || ip.port > 65535) {
            return op::invalid("port must be between 1 and 65535", path + ".port");
        }
        OP_TRY(auto proto, k8s_protocol(ip.protocol, path + ".protocol"));
        if (!seen.emplace(ip.port, proto).second) {
            return op::invalid("duplicate internal port", path);
        }
        auto const p = static_cast<std::uint32_t>(ip.port);
        ports.PushBack(port(std::to_string(p) + "-" + lower(proto), std::nullopt, p, p, proto, a),
                       a);
    }
    return make_service(ctx, svc.name, "", std::move(ports));
}

}  // namespace

result<std::vector<k8s_object>> services(service_ctx const& ctx) {
    rapidjson::Document scratch;  // allocator for the port lists before they are copied
    auto& a = scratch.GetAllocator();
    std::vector<k8s_object> out;
    OP_TRY(auto internal, internal_service(ctx, a));
    out.push_back(std::move(internal));

    // x-kubernetes.serviceType of this service, else the operator's default.
    std::string_view published_type =
        ctx.options.published_type == published_service_type::node_port ? "NodePort" : "LoadBalancer";
    if (ctx.svc.kubernetes && !ctx.svc.kubernetes->service_type.empty()) {
        published_type = ctx.svc.kubernetes->service_type;
        if (published_type != "ClusterIP" && published_type != "NodePort" &&
            published_type != "LoadBalancer") {
            return op::invalid("serviceType \"" + ctx.svc.kubernetes->service_type +
                                   "\" is not ClusterIP, NodePort or LoadBalancer",
                               ctx.path + ".kubernetes.serviceType");
        }
    }
    bool const node_port = published_type == "NodePort";
    value published(rapidjson::kArrayType);
    value random(rapidjson::kArrayType);
    std::set<std::pair<std::uint32_t, std::string>> seen_published;
    std::set<std::pair<std::uint32_t, std::string>> seen_random;
    for (std::size_t i = 0; i < ctx.svc.ports.size(); ++i) {
        auto const& p = ctx.svc.ports[i];
        auto const path = index_path(ctx.path, "ports", i);
        OP_TRY(auto proto, k8s_protocol(p.protocol, path + ".protocol"));
        if (p.mode == "host") {
            ctx.warnings.add(path + ".mode", "port mode \"host\" is ignored; the port is exposed "
                                             "through a Service");
        }
        if (p.published != 0) {
            if (p.published > 65535) {
                return op::invalid("published port must be between 1 and 65535",
                                   path + ".published");
            }
            if (!seen_published.emplace(p.published, proto).second) {
                return op::invalid("published port " + std::to_string(p.published) + "/" +
                                       lower(proto) + " is used twice",
                                   path + ".published");
            }
            auto name = std::to_string(p.published) + "-" + lower(proto);
            // nodePort equals the published port in NodePort mode (written as two calls: GCC 12
            // at -O2 warns "maybe uninitialized" about an optional built with ?:).
            if (node_port) {
                published.PushBack(port(name, p.published, p.published, p.target, proto, a), a);
            } else {
                published.PushBack(port(name, std::nullopt, p.published, p.target, proto, a), a);
            }
        } else if (seen_random.emplace(p.target, proto).second) {
            auto name = std::to_string(p.target) + "-" + lower(proto);
            random.PushBack(port(name, std::nullopt, p.target, p.target, proto, a), a);
        }
    }
    if (!published.Empty()) {
        OP_TRY(auto s, make_service(ctx, ctx.svc.name + "-published",
                                    published_type, std::move(published)));
        out.push_back(std::move(s));
    }
    if (!random.Empty()) {
        OP_TRY(auto s, make_service(ctx, ctx.svc.name + "-random-ports", "NodePort",
                                    std::move(random)));
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace op::mapping::detail
