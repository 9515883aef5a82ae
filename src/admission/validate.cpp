#include "op/admission/validate.hpp"

#include "op/conversion/convert.hpp"
#include "op/mapping/labels.hpp"
#include "op/mapping/mapping.hpp"
#include "op/mapping/names.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <set>

namespace op::admission {
namespace {

constexpr std::string_view published_suffix = "-published";
constexpr std::string_view random_ports_suffix = "-random-ports";

// Turns hub paths into what the user wrote. v1beta2/v1alpha3: unchanged. v1beta1: the Compose
// file's own keys, e.g. "spec.services[1].ports[0]" -> "spec.composeFile: services.web.ports[0]".
class path_style {
public:
    path_style(bool compose, api::stack const* hub) : compose_(compose), hub_(hub) {}

    [[nodiscard]] std::string show(std::string_view path) const {
        if (!compose_ || path.rfind("spec.composeFile", 0) == 0) return std::string(path);
        constexpr std::string_view spec = "spec.";
        if (path.rfind(spec, 0) != 0) return std::string(path);
        std::string_view rest = path.substr(spec.size());
        constexpr std::string_view services = "services[";
        if (hub_ != nullptr && rest.rfind(services, 0) == 0) {
            auto close = rest.find(']');
            if (close != std::string_view::npos) {
                auto index = std::strtoul(std::string(rest.substr(services.size(), close - services.size())).c_str(),
                                          nullptr, 10);
                if (index < hub_->spec.services.size()) {
                    return fmt::format("spec.composeFile: services.{}{}", hub_->spec.services[index].name,
                                       rest.substr(close + 1));
                }
            }
        }
        return fmt::format("spec.composeFile: {}", rest);
    }

    [[nodiscard]] std::string format(error const& e) const {
        if (e.field_path.empty()) return e.message;
        return fmt::format("{}: {}", show(e.field_path), e.message);
    }

private:
    bool compose_;
    api::stack const* hub_;
};

void check_names(api::stack const& hub, path_style const& paths, std::vector<std::string>& errors) {
    auto add = [&](std::string path, std::string_view what, std::string_view value, std::string const& why) {
        errors.push_back(fmt::format("{}: {} \"{}\" {}", paths.show(path), what, value, why));
    };
    auto const& stack_name = hub.metadata.name;
    if (auto why = check_label_value(stack_name); !why.empty()) {
        add("metadata.name", "stack name", stack_name, why + " (it is used as a label value)");
    }
    for (std::size_t i = 0; i < hub.spec.services.size(); ++i) {
        auto const& svc = hub.spec.services[i];
        auto base = fmt::format("spec.services[{}]", i);
        if (auto why = check_dns1035_label(svc.name); !why.empty()) {
            add(base + ".name", "service name", svc.name, why + " (it names a Kubernetes Service)");
        } else {
            bool published = false;
            bool random = false;
            for (auto const& p : svc.ports) (p.published != 0 ? published : random) = true;
            for (auto [needed, suffix] : {std::pair{published, published_suffix}, std::pair{random, random_ports_suffix}}) {
                if (needed && svc.name.size() + suffix.size() > 63) {
                    add(base + ".name", "service name", svc.name,
                        fmt::format("is too long: the Service \"{}{}\" would exceed 63 characters", svc.name, suffix));
                }
            }
        }
        if (auto id = fmt::format("{}-{}", stack_name, svc.name); check_label_value(id).size() > 0 &&
                                                                    check_label_value(stack_name).empty()) {
            add(base + ".name", "service", svc.name,
                fmt::format("makes the label value \"{}\" longer than 63 characters; shorten the stack or service name", id));
        }
        if (svc.image.empty()) {
            errors.push_back(fmt::format(
                "{}: service \"{}\" has no image; a cluster cannot build images, so build and push it, then set image:",
                paths.show(base + ".image"), svc.name));
        }
        for (std::size_t v = 0; v < svc.volumes.size(); ++v) {
            auto const& vol = svc.volumes[v];
            if (vol.type == "volume" && !vol.source.empty()) {
                auto const k8s = mapping::kube_name(vol.source, mapping::name_kind::label);
                if (auto why = check_dns1123_label(k8s); !why.empty()) {
                    add(fmt::format("{}.volumes[{}].source", base, v), "volume name", vol.source,
                        fmt::format("{} after normalisation to \"{}\" (it names a PersistentVolumeClaim)",
                                    why, k8s));
                }
            }
        }
    }
    for (auto const& [name, _] : hub.spec.secrets) {
        auto const k8s = mapping::kube_name(name, mapping::name_kind::subdomain);
        if (auto why = check_dns1123_subdomain(k8s); !why.empty()) {
            add("spec.secrets." + name, "secret name", name,
                fmt::format("{} after normalisation to \"{}\" (it names a Kubernetes Secret)", why, k8s));
        }
    }
    for (auto const& [name, _] : hub.spec.configs) {
        auto const k8s = mapping::kube_name(name, mapping::name_kind::subdomain);
        if (auto why = check_dns1123_subdomain(k8s); !why.empty()) {
            add("spec.configs." + name, "config name", name,
                fmt::format("{} after normalisation to \"{}\" (it names a ConfigMap)", why, k8s));
        }
    }
}

// v1beta1 only (a raw Compose file from kubectl or GitOps): what needs the author's files cannot
// be done on the server. The client commands pack them (op/cli/pack.hpp).
void check_local_files(api::stack const& hub, std::vector<conversion::warning> const& warnings,
                       std::vector<std::string>& errors) {
    constexpr std::string_view advice =
        "deploy with `compose-operator stack deploy` or `compose-operator convert ... | kubectl "
        "apply -f -`, which pack it";
    auto check = [&](std::map<std::string, api::file_object> const& top, std::string_view what) {
        for (auto const& [name, obj] : top) {
            if (obj.external.external || obj.file.empty()) continue;
            errors.push_back(fmt::format("spec.composeFile: {}.{}.file: the cluster cannot read the "
                                         "local file \"{}\"; {}",
                                         what, name, obj.file, advice));
        }
    };
    check(hub.spec.secrets, "secrets");
    check(hub.spec.configs, "configs");
    for (auto const& w : warnings) {
        bool const top = w.field_path.starts_with("secrets.") || w.field_path.starts_with("configs.");
        if (top && w.field_path.ends_with(".environment")) {
            errors.push_back(fmt::format("spec.composeFile: {}: the cluster has no client environment "
                                         "to read it from; {}",
                                         w.field_path, advice));
        }
    }
}

void check_collisions(api::stack const& hub, mapping::mapping_result const& desired,
                      object_lookup const& lookup, std::vector<std::string>& errors) {
    std::vector<mapping::k8s_object const*> named;
    for (auto const& obj : desired.objects) {
        // Every kind the stack writes under a name it chooses. ConfigMaps, Secrets and claims are
        // named "<stack>.<key>", so stack "a.b" with key "c" and stack "a" with key "b.c" meet.
        if (obj.kind == "Service" || obj.kind == "Deployment" || obj.kind == "StatefulSet" ||
            obj.kind == "DaemonSet" || obj.kind == "Ingress" || obj.kind == "ConfigMap" ||
            obj.kind == "Secret" || obj.kind == "PersistentVolumeClaim") {
            named.push_back(&obj);
        }
    }
    for (auto const* named_obj : named) {
        auto const& obj = *named_obj;
        auto const found = lookup(obj.kind, hub.metadata.namespace_, obj.name);  // a cache read
        if (!found) continue;
        auto owner = found->labels.find(std::string(mapping::label_stack_namespace));
        if (owner == found->labels.end()) {
            errors.push_back(fmt::format(
                "metadata.name: {} \"{}\" already exists and does not belong to a stack; rename the service or "
                "remove the {}",
                obj.kind, obj.name, obj.kind));
        } else if (owner->second != hub.metadata.name) {
            errors.push_back(fmt::format("metadata.name: {} \"{}\" already exists in stack \"{}\"", obj.kind,
                                         obj.name, owner->second));
        } else if (!found->controller_uid.empty() && !hub.metadata.uid.empty() &&
                   found->controller_uid != hub.metadata.uid) {
            errors.push_back(fmt::format(
                "metadata.name: {} \"{}\" belongs to an earlier stack named \"{}\" that is still being deleted; "
                "retry when it is gone",
                obj.kind, obj.name, owner->second));
        }
    }
}

// The field path a "path: message" line is about ("spec.composeFile: services.web.x: msg" counts
// the Compose path too).
std::string_view path_of(std::string_view line) {
    constexpr std::string_view compose = "spec.composeFile: ";
    std::size_t from = line.rfind(compose, 0) == 0 ? compose.size() : 0;
    auto colon = line.find(": ", from);
    return colon == std::string_view::npos ? line : line.substr(0, colon);
}

// Keeps the first line about each field path: several checks (loader, converter, mapping, names)
// may notice the same problem, and the user needs to read it once.
void keep_first_per_path(std::vector<std::string>& lines) {
    std::vector<std::string> out;
    std::set<std::string, std::less<>> seen;
    for (auto& l : lines) {
        if (seen.insert(std::string(path_of(l))).second) out.push_back(std::move(l));
    }
    lines = std::move(out);
}

}  // namespace

verdict validate(rapidjson::Value const& object, mapping::mapping_options const& options,
                 object_lookup const& lookup) {
    verdict out;
    auto version = api::version_of(object);
    if (!version) {
        out.allowed = false;
        out.errors.push_back(version.error().what());
        return out;
    }
    bool compose = *version == api::version::v1beta1;
    auto hub = conversion::decode_to_hub(object);
    if (!hub) {
        out.allowed = false;
        out.errors.push_back(path_style(compose, nullptr).format(hub.error()));
        return out;
    }
    path_style paths(compose, &hub->stack);
    for (auto const& w : hub->warnings) {
        out.warnings.push_back(w.field_path.empty()
                                   ? w.message
                                   : fmt::format("spec.composeFile: {}: {}", w.field_path, w.message));
    }
    for (auto const& u : hub->unresolved) {
        // Kept short: the API server may truncate warnings longer than 120 characters.
        out.warnings.push_back(fmt::format("spec.composeFile: {}: variable {} is not set; used \"\" (set ${{{}:-default}})",
                                           u.field_path, u.name, u.name));
    }
    if (hub->stack.spec.services.empty()) {
        out.errors.push_back(paths.show("spec.services") + ": the stack has no service");
    }
    check_names(hub->stack, paths, out.errors);
    if (compose) check_local_files(hub->stack, hub->warnings, out.errors);
    auto desired = mapping::map_stack(hub->stack, options);
    if (!desired) {
        out.errors.push_back(paths.format(desired.error()));
    } else {
        for (auto const& w : desired->warnings) out.warnings.push_back(paths.show(w));
        keep_first_per_path(out.errors);  // before collisions, which all name metadata.name
        if (lookup) check_collisions(hub->stack, *desired, lookup, out.errors);
    }
    if (!desired) keep_first_per_path(out.errors);
    keep_first_per_path(out.warnings);
    out.allowed = out.errors.empty();
    return out;
}

std::string verdict::message() const {
    std::string out;
    for (auto const& e : errors) {
        if (!out.empty()) out += "; ";
        out += e;
    }
    return out;
}

}  // namespace op::admission
