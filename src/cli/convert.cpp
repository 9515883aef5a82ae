// `compose-operator convert`: see op/cli/convert.hpp.
#include "op/cli/convert.hpp"

#include "op/cli/pack.hpp"

#include "op/api/versions.hpp"
#include "op/compose/emit.hpp"
#include "op/compose/json_to_yaml.hpp"
#include "op/conversion/convert.hpp"
#include "op/mapping/mapping.hpp"
#include "op/util/json.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
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

std::optional<std::string> read_file(fs::path const& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return std::nullopt;
    return std::move(ss).str();
}

std::string yaml_document(rapidjson::Value const& v) { return "---\n" + compose::json_to_yaml(v); }

// The Kubernetes objects the operator would create for `hub` (after the packed Secrets), as a
// multi-document YAML stream. No ownerReferences: there is no Stack object.
result<std::string> render_manifests(packed_stack const& packed, api::stack const& hub,
                                     convert_options const& options, std::vector<std::string>& warnings) {
    mapping::mapping_options mo;
    mo.published_type = options.service_type == "NodePort" ? mapping::published_service_type::node_port
                                                           : mapping::published_service_type::load_balancer;
    if (!options.wait_image.empty()) mo.wait_image = options.wait_image;
    OP_TRY(auto mapped, mapping::map_stack(hub, mo));
    for (auto& w : mapped.warnings) {
        if (w.find("must exist in the namespace") == std::string::npos) warnings.push_back(std::move(w));
    }
    std::string text;
    for (auto const& s : packed.secrets) text += yaml_document(s);
    for (auto const& obj : mapped.objects) text += yaml_document(obj.json);
    return text;
}

}  // namespace

std::function<std::optional<std::string>(std::string const&, std::size_t)> compose_file_reader(
    std::filesystem::path base_dir) {
    return [base = std::move(base_dir)](std::string const& path, std::size_t max_bytes) -> std::optional<std::string> {
        fs::path const p = fs::path(path).is_absolute() ? fs::path(path) : base / path;
        std::error_code ec;
        if (!fs::is_regular_file(p, ec)) return std::nullopt;  // not a device, FIFO or folder
        std::ifstream in(p, std::ios::binary);
        if (!in) return std::nullopt;
        std::string text(max_bytes + 1, '\0');
        in.read(text.data(), static_cast<std::streamsize>(text.size()));
        if (in.bad()) return std::nullopt;
        text.resize(static_cast<std::size_t>(in.gcount()));
        return text;
    };
}

result<rendered> render_stack(std::vector<compose::source_file> const& files,
                              convert_options const& options,
                              compose::environment_map const& environment,
                              std::filesystem::path const& base_dir) {
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
    lo.read_file = compose_file_reader(base_dir);
    lo.home = options.home;
    auto loaded = compose::load_files(files, lo);
    if (!loaded) return std::move(loaded).error();

    pack_options po;
    auto const env_project = environment.find("COMPOSE_PROJECT_NAME");
    po.project_name = project_name(loaded->project.name,
                                   env_project == environment.end() ? "" : env_project->second,
                                   base_dir.filename().string());
    po.stack_name = options.name;
    if (po.stack_name.empty()) po.stack_name = dns_label(loaded->project.name);
    if (po.stack_name.empty()) po.stack_name = dns_label(base_dir.filename().string());
    if (po.stack_name.empty()) return invalid("cannot derive a stack name; pass --name", "--name");
    po.namespace_ = options.namespace_;
    po.image_prefix = options.image_prefix;
    po.version = options.output == "manifests" ? api::version::v1beta2 : version;
    OP_TRY(auto packed, pack(std::move(*loaded), base_dir, po));

    rendered out;
    out.warnings = std::move(packed.warnings);
    if (options.output == "manifests") {
        OP_TRY(auto hub, conversion::decode_to_hub(packed.stack));
        OP_TRY(out.manifest, render_manifests(packed, hub.stack, options, out.warnings));
        return out;
    }
    if (options.output == "json") {
        if (packed.secrets.empty()) {
            out.manifest = json::dump_pretty(packed.stack) + "\n";
            return out;
        }
        // A v1 List: the Secrets, then the Stack (kubectl apply -f takes it).
        rapidjson::Document list;
        list.SetObject();
        auto& a = list.GetAllocator();
        json::set(list, "apiVersion", json::string_value("v1", a), a);
        json::set(list, "kind", json::string_value("List", a), a);
        rapidjson::Value items(rapidjson::kArrayType);
        for (auto const& s : packed.secrets) items.PushBack(rapidjson::Value(s, a), a);
        items.PushBack(rapidjson::Value(packed.stack, a), a);
        json::set(list, "items", std::move(items), a);
        out.manifest = json::dump_pretty(list) + "\n";
        return out;
    }
    // One multi-document stream: the Secrets first, so `| kubectl apply -f -` creates them
    // before the Stack that mounts them.
    if (packed.secrets.empty()) {
        out.manifest = compose::json_to_yaml(packed.stack);
        return out;
    }
    for (auto const& s : packed.secrets) out.manifest += yaml_document(s);
    out.manifest += yaml_document(packed.stack);
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

    convert_options opts = options;
    if (char const* home = std::getenv("HOME"); home != nullptr && opts.home.empty()) opts.home = home;
    auto out = render_stack(files, opts, env, dir);
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
    cmd->add_option("--image-prefix", options.image_prefix,
                    "REGISTRY/PATH: a service with build: and no image: runs "
                    "REGISTRY/PATH/<project>-<service>, the name `docker compose build` gives it");
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
