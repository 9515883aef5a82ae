// Packing of local files into the Stack and its Secrets: see op/cli/pack.hpp.
#include "op/cli/pack.hpp"

#include "op/admission/validate.hpp"
#include "op/cli/convert.hpp"
#include "op/compose/emit.hpp"
#include "op/conversion/compose_spec.hpp"
#include "op/conversion/convert.hpp"
#include "op/mapping/labels.hpp"
#include "op/mapping/names.hpp"
#include "op/util/base64.hpp"
#include "op/util/text.hpp"
#include "op/util/json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace op::cli {
namespace {

namespace fs = std::filesystem;


fs::path resolve(fs::path const& base, std::string const& path) {
    fs::path p(path);
    return p.is_absolute() ? p : base / p;
}

// The whole file, at most `max` bytes; fails (invalid at `field`) naming the path.
result<std::string> read_limited(fs::path const& p, std::size_t max, std::string const& field) {
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) {
        return invalid(fmt::format("cannot read \"{}\": no such file", p.string()), field);
    }
    auto const size = fs::file_size(p, ec);
    if (ec) return invalid(fmt::format("cannot read \"{}\": {}", p.string(), ec.message()), field);
    if (size > max) {
        return invalid(fmt::format("\"{}\" has {} bytes, more than the {} a packed file may have; "
                                   "put it in the image or a named volume",
                                   p.string(), size, max),
                       field);
    }
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    if (!in && !in.eof()) return invalid(fmt::format("cannot read \"{}\"", p.string()), field);
    return std::move(ss).str();
}

class packer {
public:
    packer(compose::project& project, fs::path base, pack_options const& options)
        : project_(project), base_(std::move(base)), options_(options) {}

    result<void> images() {
        for (auto& svc : project_.services) {
            if (!svc.image.empty() || !svc.build || options_.image_prefix.empty()) continue;
            std::string prefix = options_.image_prefix;
            while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
            svc.image = fmt::format("{}/{}-{}", prefix, options_.project_name, svc.name);
        }
        return {};
    }

    result<void> env_files() {
        for (auto& svc : project_.services) {
            for (std::size_t i = 0; i < svc.env_file.size(); ++i) {
                auto const& f = svc.env_file[i];
                std::string const path = fmt::format("services.{}.env_file[{}]", svc.name, i);
                auto const p = resolve(base_, f.path);
                std::error_code ec;
                if (!fs::exists(p, ec) && !f.required) continue;
                OP_TRY(auto text, read_limited(p, options_.limits.max_file_bytes, path));
                OP_TRY(auto vars, parse_env_file(text, f.path));
                for (auto& [k, v] : vars) svc.environment.try_emplace(k, std::move(v));
            }
            svc.env_file.clear();
        }
        return {};
    }

    result<void> configs() {
        for (auto& [key, obj] : project_.configs) {
            if (obj.external || obj.file.empty()) continue;
            std::string const path = "configs." + key + ".file";
            OP_TRY(auto text, read_limited(resolve(base_, obj.file), options_.limits.max_file_bytes, path));
            OP_RETURN_IF_ERROR(add_content(text, path));
            obj.content = std::move(text);
            obj.file.clear();
        }
        return {};
    }

    // File secrets become Secret objects named with the stack (mapping::stack_scoped_name);
    // the stack refers to each under that name, as an external secret, and its services mount it
    // where they did (the loader made every target explicit: /run/secrets/<key>).
    result<void> secrets(std::vector<rapidjson::Document>& out) {
        std::map<std::string, std::string> renamed;  // key -> Secret name
        for (auto& [key, obj] : project_.secrets) {
            if (obj.external || obj.file.empty()) continue;
            std::string const path = "secrets." + key + ".file";
            if (!mapping::is_valid_name(options_.stack_name, mapping::name_kind::label)) {
                return invalid(fmt::format("stack name \"{}\" must be a DNS-1123 label (lowercase "
                                           "letters, digits and '-', at most 63) to name the Secret "
                                           "packed for {}; pass another --name",
                                           options_.stack_name, path),
                               "--name");
            }
            auto const name = mapping::stack_scoped_name(options_.stack_name, key);
            if (!mapping::is_valid_name(name, mapping::name_kind::subdomain)) {
                return invalid(fmt::format("the packed Secret name \"{}\" is not a valid Kubernetes "
                                           "name (a DNS-1123 subdomain, at most 253 characters); "
                                           "rename the secret",
                                           name),
                               "secrets." + key);
            }
            OP_TRY(auto data, read_limited(resolve(base_, obj.file), options_.limits.max_file_bytes, path));
            out.push_back(secret_object(name, data));
            warnings_.push_back(fmt::format("{}: packed into Secret \"{}\" (key \"file\"), written beside "
                                            "the stack; the operator adopts it, so it goes with the stack",
                                            path, name));
            obj.file.clear();
            obj.external = true;
            obj.name = name;
            renamed.emplace(key, name);
        }
        for (auto const& [key, name] : renamed) {
            auto node = project_.secrets.extract(key);
            node.key() = name;
            if (!project_.secrets.insert(std::move(node)).inserted) {
                return invalid(fmt::format("secret \"{}\" is packed as \"{}\", which is also the name of "
                                           "another secret of the file; rename one",
                                           key, name),
                               "secrets." + key);
            }
        }
        for (auto& svc : project_.services) {
            for (auto& ref : svc.secrets) {
                if (auto it = renamed.find(ref.source); it != renamed.end()) ref.source = it->second;
            }
        }
        return {};
    }

    result<void> binds() {
        for (auto& svc : project_.services) {
            std::vector<compose::service_volume> kept;
            for (std::size_t i = 0; i < svc.volumes.size(); ++i) {
                auto& v = svc.volumes[i];
                std::string const path = fmt::format("services.{}.volumes[{}]", svc.name, i);
                bool const relative = v.type == "bind" && !v.source.empty() && v.source.front() != '/';
                if (!relative) {
                    kept.push_back(std::move(v));
                    continue;
                }
                auto const p = resolve(base_, v.source);
                std::error_code ec;
                auto const st = fs::status(p, ec);
                if (!fs::exists(st)) {
                    if (v.bind_create_host_path == false) {
                        return invalid(fmt::format("bind source \"{}\" does not exist and "
                                                   "bind.create_host_path is false; create it",
                                                   v.source),
                                       path + ".source");
                    }
                    warnings_.push_back(fmt::format(
                        "{}: \"{}\" does not exist; Docker would create an empty directory, so it "
                        "is an empty directory in the pod (emptyDir), not kept across restarts",
                        path, v.source));
                    compose::service_volume empty;
                    empty.type = "tmpfs";
                    empty.target = v.target;
                    kept.push_back(std::move(empty));
                    continue;
                }
                if (fs::is_regular_file(st)) {
                    OP_RETURN_IF_ERROR(mount_file(svc, i, 0, p, v.target, path));
                } else if (fs::is_directory(st)) {
                    OP_TRY(auto files, mount_dir(svc, i, p, v, path));
                    if (files == 0) {
                        warnings_.push_back(fmt::format("{}: \"{}\" is an empty directory; the pod "
                                                        "gets an empty directory (emptyDir)",
                                                        path, v.source));
                        compose::service_volume empty;
                        empty.type = "tmpfs";
                        empty.target = v.target;
                        kept.push_back(std::move(empty));
                        continue;
                    }
                } else {
                    return invalid(fmt::format("bind source \"{}\" is a socket or device; the cluster "
                                               "cannot reach it: remove the mount or use a hostPath "
                                               "(absolute source) that exists on every node",
                                               v.source),
                                   path + ".source");
                }
                warnings_.push_back(fmt::format(
                    "{}: \"{}\" is packed into the stack and mounted read-only at {}; writes are not "
                    "kept (use a named volume where the application writes)",
                    path, v.source, v.target));
            }
            svc.volumes = std::move(kept);
        }
        return {};
    }

    [[nodiscard]] std::vector<std::string> take_warnings() && { return std::move(warnings_); }

private:
    result<void> add_content(std::string const& text, std::string const& path) {
        if (!op::is_utf8_text(text)) {
            return invalid("binary content cannot be packed into a config; put it in the image or "
                           "a named volume",
                           path);
        }
        total_ += text.size();
        if (total_ > options_.limits.max_total_bytes) {
            return invalid(fmt::format("the packed files exceed {} bytes, more than a Stack object "
                                       "can hold; put the large ones in the image or a named volume",
                                       options_.limits.max_total_bytes),
                           path);
        }
        return {};
    }

    // One file at `target` as a config of its own: `bind-<service>-<volume>[-<n>]`.
    result<void> mount_file(compose::service& svc, std::size_t vol, std::size_t n, fs::path const& p,
                            std::string const& target, std::string const& path) {
        OP_TRY(auto text, read_limited(p, options_.limits.max_file_bytes, path + ".source"));
        OP_RETURN_IF_ERROR(add_content(text, path + ".source"));
        std::string key = fmt::format("bind-{}-{}", svc.name, vol);
        if (n > 0) key += fmt::format("-{}", n);
        if (project_.configs.contains(key)) {
            return invalid(fmt::format("config \"{}\" already exists; rename it", key), path);
        }
        compose::file_object obj;
        obj.content = std::move(text);
        project_.configs.emplace(key, std::move(obj));
        compose::file_reference ref;
        ref.source = key;
        ref.target = target;
        svc.configs.push_back(std::move(ref));
        return {};
    }

    // Every file under `dir` as its own config mounted at target/<relative path>; returns how many.
    result<std::size_t> mount_dir(compose::service& svc, std::size_t vol, fs::path const& dir,
                           compose::service_volume const& v, std::string const& path) {
        std::vector<fs::path> files;
        std::error_code ec;
        for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
             it.increment(ec)) {
            auto const st = it->symlink_status(ec);
            if (fs::is_directory(st)) continue;
            if (!fs::is_regular_file(st)) {
                return invalid(fmt::format("\"{}\" in bind source \"{}\" is not a regular file (a socket, "
                                           "device or link); use a named volume or an image",
                                           it->path().lexically_relative(dir).string(), v.source),
                               path + ".source");
            }
            files.push_back(it->path());
            if (files.size() > options_.limits.max_dir_files) {
                return invalid(fmt::format("bind source \"{}\" has more than {} files, too many to pack "
                                           "into the stack; build them into the image or use a named volume",
                                           v.source, options_.limits.max_dir_files),
                               path + ".source");
            }
        }
        if (ec) return invalid(fmt::format("cannot list \"{}\": {}", v.source, ec.message()), path + ".source");
        std::sort(files.begin(), files.end());
        std::string target = v.target;
        while (target.size() > 1 && target.back() == '/') target.pop_back();
        for (std::size_t n = 0; n < files.size(); ++n) {
            auto const rel = files[n].lexically_relative(dir).generic_string();
            OP_RETURN_IF_ERROR(mount_file(svc, vol, n + 1, files[n], target + "/" + rel, path));
        }
        return files.size();
    }

    rapidjson::Document secret_object(std::string const& name, std::string const& data) const {
        rapidjson::Document doc;
        doc.SetObject();
        auto& a = doc.GetAllocator();
        json::set(doc, "apiVersion", json::string_value("v1", a), a);
        json::set(doc, "kind", json::string_value("Secret", a), a);
        rapidjson::Value meta(rapidjson::kObjectType);
        json::set(meta, "name", json::string_value(name, a), a);
        if (!options_.namespace_.empty()) json::set(meta, "namespace", json::string_value(options_.namespace_, a), a);
        rapidjson::Value labels(rapidjson::kObjectType);
        json::set(labels, mapping::label_stack_namespace, json::string_value(options_.stack_name, a), a);
        json::set(labels, mapping::label_managed_by, json::string_value(mapping::managed_by_value, a), a);
        json::set(meta, "labels", std::move(labels), a);
        json::set(doc, "metadata", std::move(meta), a);
        json::set(doc, "type", json::string_value("Opaque", a), a);
        rapidjson::Value d(rapidjson::kObjectType);
        json::set(d, "file", json::string_value(base64::encode(data), a), a);
        json::set(doc, "data", std::move(d), a);
        return doc;
    }

    compose::project& project_;
    fs::path base_;
    pack_options const& options_;
    std::vector<std::string> warnings_;
    std::size_t total_ = 0;
};

}  // namespace

std::string project_name(std::string_view top_level_name, std::string_view compose_project_name_env,
                         std::string_view folder_name) {
    std::string_view raw = !top_level_name.empty()             ? top_level_name
                           : !compose_project_name_env.empty() ? compose_project_name_env
                                                               : folder_name;
    std::string out;
    for (char c : raw) {
        char const l = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        if ((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '_' || l == '-') out += l;
    }
    auto const first = out.find_first_not_of("_-");
    return first == std::string::npos ? std::string() : out.substr(first);
}

result<packed_stack> pack(compose::load_result loaded, fs::path const& base_dir,
                          pack_options const& options) {
    if (options.stack_name.empty()) return invalid("cannot derive a stack name; pass --name", "--name");
    if (!options.image_prefix.empty() && options.project_name.empty()) {
        return invalid("cannot derive the project name for --image-prefix; set COMPOSE_PROJECT_NAME "
                       "or a top-level name:",
                       "--image-prefix");
    }
    auto& project = loaded.project;
    packed_stack out;
    packer p(project, base_dir, options);
    OP_RETURN_IF_ERROR(p.images());
    OP_RETURN_IF_ERROR(p.env_files());
    OP_RETURN_IF_ERROR(p.configs());
    OP_RETURN_IF_ERROR(p.secrets(out.secrets));
    OP_RETURN_IF_ERROR(p.binds());
    OP_TRY(auto built, conversion::from_compose(project));

    for (auto const& u : loaded.unresolved) {
        out.warnings.push_back(fmt::format("{}: variable {} is not set, using an empty string",
                                           u.field_path, u.name));
    }
    // One warning per field path: the converter explains ignored keys better than the loader.
    std::set<std::string> warned;
    auto add = [&](auto const& list) {
        for (auto const& w : list) {
            if (warned.insert(w.field_path).second) out.warnings.push_back(w.field_path + ": " + w.message);
        }
    };
    add(built.warnings);
    add(loaded.warnings);
    for (auto& w : std::move(p).take_warnings()) out.warnings.push_back(std::move(w));

    api::stack hub;
    hub.metadata.name = options.stack_name;
    hub.metadata.namespace_ = options.namespace_;
    hub.spec = std::move(built.spec);
    if (options.version == api::version::v1beta1) {
        // The interpolated, merged, packed project as one Compose file (the server has no
        // environment and no files).
        api::v1beta1::stack s;
        s.metadata = hub.metadata;
        s.compose_file = compose::emit(project);
        out.stack = api::encode(s);
    } else {
        out.stack = conversion::encode_from_hub(hub, options.version);
    }
    // What converts must be admitted: run the webhook's own validation (no cluster lookups).
    auto const verdict = admission::validate(out.stack);
    if (!verdict.allowed) return invalid(verdict.message(), "");
    return out;
}

}  // namespace op::cli
