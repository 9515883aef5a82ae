// Secrets and ConfigMaps made from inline content given in mapping_options (reference 4.8: the
// reference's controller never created them; its client did, with one key named after the file).
#include "detail.hpp"
#include "names.hpp"
#include "op/util/base64.hpp"
#include "op/util/text.hpp"

#include <map>
#include <string>

namespace op::mapping::detail {

std::string const* file_content(api::file_object const& obj, std::string const& key,
                                mapping_options const& options, bool secret) {
    if (obj.external.external) return nullptr;
    if (!obj.content.empty()) return &obj.content;
    auto const& contents = secret ? options.secret_contents : options.config_contents;
    auto const found = contents.find(key);
    return found != contents.end() ? &found->second : nullptr;
}

result<std::vector<k8s_object>> file_objects(api::stack const& stack,
                                             mapping_options const& options,
                                             warning_sink& warnings, bool secret) {
    auto const& top = secret ? stack.spec.secrets : stack.spec.configs;
    std::string const what = secret ? "secrets" : "configs";
    std::vector<k8s_object> out;
    // Kubernetes name -> top-level key, whether it is external (two external keys may refer to
    // one existing object; other names must differ, the normalisation rule's "names that meet").
    std::map<std::string, std::pair<std::string, bool>> seen;
    for (auto const& [key, obj] : top) {  // std::map: sorted by name
        auto const path = "spec." + what + "." + key;
        std::string const* content = file_content(obj, key, options, secret);
        OP_TRY(auto name, file_object_name(stack, key, obj, content != nullptr, path));
        bool const existing = obj.external.external;
        if (auto [it, fresh] = seen.emplace(name, std::pair{key, existing});
            !fresh && !(existing && it->second.second)) {
            return op::invalid(what.substr(0, what.size() - 1) + " \"" + key + "\" and " +
                                   what.substr(0, what.size() - 1) + " \"" + it->second.first +
                                   "\" both become the Kubernetes name \"" + name +
                                   "\"; rename one",
                               path);
        }
        if (obj.external.external) continue;
        if (content == nullptr) {
            warnings.add(path, std::string(secret ? "Secret" : "ConfigMap") + " \"" + name +
                                   "\" with key \"" + file_key(obj) +
                                   "\" must exist in the namespace (its content is not in the "
                                   "stack)");
            continue;
        }
        auto labels = stack_labels(stack.metadata.name);
        for (auto const& [k, v] : obj.labels) {
            if (!is_reserved_label(k)) labels.emplace(k, v);
        }
        auto const kind = secret ? "Secret" : "ConfigMap";
        auto doc = new_object("v1", kind, stack, name, labels, true);
        auto& a = doc.GetAllocator();
        value data(rapidjson::kObjectType);
        bool const text = !secret && op::is_utf8_text(*content);
        put(data, file_key(obj), text ? *content : base64::encode(*content), a);
        if (secret) put(doc, "type", "Opaque", a);
        put(doc, text || secret ? "data" : "binaryData", std::move(data), a);
        out.push_back(k8s_object{"v1", kind, stack.metadata.namespace_, name, std::move(doc)});
    }
    return out;
}

}  // namespace op::mapping::detail
