// Secrets and ConfigMaps made from inline content given in mapping_options (reference 4.8: the
// reference's controller never created them; its client did, with one key named after the file).
#include "detail.hpp"
#include "names.hpp"
#include "op/util/base64.hpp"
#include "op/util/text.hpp"

#include <map>
#include <string>

namespace op::mapping::detail {

result<std::vector<k8s_object>> file_objects(api::stack const& stack,
                                             mapping_options const& options,
                                             warning_sink& warnings, bool secret) {
    auto const& top = secret ? stack.spec.secrets : stack.spec.configs;
    auto const& contents = secret ? options.secret_contents : options.config_contents;
    std::string const what = secret ? "secrets" : "configs";
    std::vector<k8s_object> out;
    std::map<std::string, std::string> seen;  // Kubernetes name -> top-level key
    for (auto const& [key, obj] : top) {  // std::map: sorted by name
        auto const path = "spec." + what + "." + key;
        OP_TRY(auto name, file_object_name(key, path));
        if (auto [it, fresh] = seen.emplace(name, key); !fresh) {
            return op::invalid(what.substr(0, what.size() - 1) + " \"" + key + "\" and " +
                                   what.substr(0, what.size() - 1) + " \"" + it->second +
                                   "\" both become the Kubernetes name \"" + name +
                                   "\"; rename one",
                               path);
        }
        if (obj.external.external) continue;
        auto const found = contents.find(key);
        std::string const* content = !obj.content.empty() ? &obj.content
                                     : found != contents.end() ? &found->second
                                                               : nullptr;
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
