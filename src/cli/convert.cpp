// `compose-operator convert`: see op/cli/convert.hpp.
#include "op/cli/convert.hpp"

#include "op/api/versions.hpp"
#include "op/compose/emit.hpp"
#include "op/compose/json_to_yaml.hpp"
#include "op/conversion/convert.hpp"
#include "op/mapping/mapping.hpp"
#include "op/util/json.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

extern char** environ;

namespace op::cli {
namespace {

namespace fs = std::filesystem;

// A DNS-1123 label from a directory or project name ("My_App" -> "my-app").
std::string dns_label(std::string_view s) {
    std::string out;
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u)) out += static_cast<char>(std::tolower(u));
        else if (!out.empty() && out.back() != '-') out += '-';
    }
    while (!out.empty() && out.back() == '-') out.pop_back();
    if (out.size() > 63) out.resize(63);
    return out;
}

// Inlines each service's env_file entries into its environment (environment wins).
result<void> inline_env_files(compose::project& project, file_reader const& read) {
    for (auto& svc : project.services) {
        for (std::size_t i = 0; i < svc.env_file.size(); ++i) {
            auto const& f = svc.env_file[i];
            std::string const path = fmt::format("services.{}.env_file[{}]", svc.name, i);
            auto text = read(f.path);
            if (!text) {
                if (!f.required) continue;
                return invalid(fmt::format("cannot read env file \"{}\"", f.path), path);
            }
            OP_TRY(auto vars, parse_env_file(*text, f.path));
            for (auto& [k, v] : vars) svc.environment.try_emplace(k, std::move(v));
        }
        svc.env_file.clear();
    }
    return {};
}

std::optional<std::string> read_file(fs::path const& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return std::nullopt;
    return std::move(ss).str();
}

// The Kubernetes objects the operator would create for `hub`, as a multi-document YAML stream.
// Top-level secrets and configs whose `file` can be read become Secrets/ConfigMaps; the others
// must exist in the cluster (map_stack warns). No ownerReferences: there is no Stack object.
result<std::string> render_manifests(api::stack const& hub, convert_options const& options,
                                     file_reader const& read, std::vector<std::string>& warnings) {
    mapping::mapping_options mo;
    mo.published_type = options.service_type == "NodePort" ? mapping::published_service_type::node_port
                                                           : mapping::published_service_type::load_balancer;
    if (!options.wait_image.empty()) mo.wait_image = options.wait_image;
    auto fill = [&read](auto const& top, std::map<std::string, std::string>& contents) {
        for (auto const& [key, obj] : top) {
            if (obj.external.external || obj.file.empty()) continue;
            if (auto text = read(obj.file)) contents.emplace(key, std::move(*text));
        }
    };
    fill(hub.spec.secrets, mo.secret_contents);
    fill(hub.spec.configs, mo.config_contents);
    OP_TRY(auto mapped, mapping::map_stack(hub, mo));
    for (auto& w : mapped.warnings) warnings.push_back(std::move(w));
    std::string text;
    for (auto const& obj : mapped.objects) {
        text += "---\n";
        text += compose::json_to_yaml(obj.json);
    }
    return text;
}

}  // namespace

result<rendered> render_stack(std::vector<compose::source_file> const& files,
                              convert_options const& options,
                              compose::environment_map const& environment,
                              file_reader const& read) {
    OP_TRY(auto version, api::parse_version(options.api_version));
    if (options.output != "yaml" && options.output != "json" && options.output != "manifests") {
        return invalid("expected yaml, json or manifests, got \"" + options.output + "\"", "--output");
    }
    if (options.service_type != "LoadBalancer" && options.service_type != "NodePort") {
        return invalid("expected LoadBalancer or NodePort, got \"" + options.service_type + "\"",
                       "--default-service-type");
    }
    compose::load_options lo;
    lo.environment = environment;
    lo.profiles = options.profiles;
    auto loaded = compose::load_files(files, lo);
    if (!loaded) return std::move(loaded).error();
    OP_RETURN_IF_ERROR(inline_env_files(loaded->project, read));
    OP_TRY(auto built, conversion::from_compose(loaded->project));

    rendered out;
    for (auto const& u : loaded->unresolved) {
        out.warnings.push_back(fmt::format("{}: variable {} is not set, using an empty string",
                                           u.field_path, u.name));
    }
    // The converter explains ignored keys better than the loader; one warning per field path.
    std::set<std::string> warned;
    auto add = [&](auto const& list) {
        for (auto const& w : list) {
            if (warned.insert(w.field_path).second) out.warnings.push_back(w.field_path + ": " + w.message);
        }
    };
    add(built.warnings);
    add(loaded->warnings);

    api::stack hub;
    hub.metadata.name = options.name;
    if (hub.metadata.name.empty()) hub.metadata.name = dns_label(loaded->project.name);
    if (hub.metadata.name.empty()) {
        return invalid("cannot derive a stack name; pass --name", "--name");
    }
    hub.metadata.namespace_ = options.namespace_;
    hub.spec = std::move(built.spec);
    if (options.output == "manifests") {
        OP_TRY(out.manifest, render_manifests(hub, options, read, out.warnings));
        return out;
    }
    rapidjson::Document doc;
    if (version == api::version::v1beta1) {
        // The interpolated, merged project as one Compose file (the server has no environment).
        api::v1beta1::stack s;
        s.metadata = hub.metadata;
        s.compose_file = compose::emit(loaded->project);
        doc = api::encode(s);
    } else {
        doc = conversion::encode_from_hub(hub, version);
    }
    out.manifest = options.output == "json" ? json::dump_pretty(doc) + "\n"
                                            : compose::json_to_yaml(doc);
    return out;
}

int run_convert(convert_options const& options) {
    auto fail = [](std::string const& msg) {
        std::fprintf(stderr, "error: %s\n", msg.c_str());
        return 1;
    };
    if (options.files.empty()) return fail("no Compose file given (-f)");
    std::vector<compose::source_file> files;
    for (auto const& f : options.files) {
        auto text = read_file(f);
        if (!text) return fail(fmt::format("cannot read {}", f));
        files.push_back({f, std::move(*text)});
    }
    fs::path const dir = fs::absolute(options.files.front()).parent_path();

    compose::environment_map env;
    fs::path const dotenv = options.env_file.empty() ? dir / ".env" : fs::path(options.env_file);
    if (auto text = read_file(dotenv)) {
        auto vars = parse_env_file(*text, dotenv.string());
        if (!vars) return fail(vars.error().what());
        env = std::move(*vars);
    } else if (!options.env_file.empty()) {
        return fail(fmt::format("cannot read env file {}", options.env_file));
    }
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        std::string_view kv(*e);
        auto eq = kv.find('=');
        if (eq != std::string_view::npos) env[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
    }

    // Name default: the project's own `name:` (render_stack), else the directory's name.
    convert_options opts = options;
    auto reader = [&dir](std::string const& path) {
        fs::path p(path);
        return read_file(p.is_absolute() ? p : dir / p);
    };
    auto out = render_stack(files, opts, env, reader);
    if (!out && opts.name.empty() && out.error().field_path == "--name") {
        opts.name = dns_label(dir.filename().string());
        out = render_stack(files, opts, env, reader);
    }
    if (!out) return fail(out.error().what());
    for (auto const& w : out->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
    std::fwrite(out->manifest.data(), 1, out->manifest.size(), stdout);
    return 0;
}

CLI::App* add_convert_command(CLI::App& app, convert_options& options) {
    auto* cmd = app.add_subcommand(
        "convert", "Convert Compose file(s) into a Stack manifest for `kubectl apply` (no cluster needed)");
    cmd->add_option("-f,--file", options.files, "Compose file; repeat to merge overrides")->required();
    cmd->add_option("--name", options.name,
                    "Stack name (default: the Compose project name, else the file's directory)");
    cmd->add_option("--namespace", options.namespace_, "Namespace of the Stack");
    cmd->add_option("--env-file", options.env_file,
                    "Variables for interpolation (default: .env next to the first file)");
    cmd->add_option("--api-version", options.api_version, "Stack version to write")
        ->check(CLI::IsMember({"v1beta1", "v1beta2", "v1alpha3"}))
        ->capture_default_str();
    cmd->add_option("-o,--output", options.output,
                    "yaml or json: the Stack; manifests: the Kubernetes objects the operator would "
                    "create, as YAML for `kubectl apply` without the operator")
        ->check(CLI::IsMember({"yaml", "json", "manifests"}))
        ->capture_default_str();
    cmd->add_option("--default-service-type", options.service_type,
                    "with -o manifests: type of the <service>-published Services")
        ->check(CLI::IsMember({"LoadBalancer", "NodePort"}))
        ->capture_default_str();
    cmd->add_option("--wait-image", options.wait_image,
                    "with -o manifests: image of the init containers that wait for depends_on "
                    "(default busybox:1.36)");
    cmd->add_option("--profile", options.profiles,
                    "Activate a Compose profile (repeatable; \"*\" activates all). Services with "
                    "profiles deploy only when one of theirs is active");
    return cmd;
}

}  // namespace op::cli
