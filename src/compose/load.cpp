// load() / load_files(): read each file, interpolate it, merge them in order, decode.
#include "op/compose/load.hpp"

#include "decode.hpp"
#include "merge.hpp"
#include "reader.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

namespace op::compose {
namespace {

using detail::load_budget;

// Interpolates every scalar value (not keys) of `n` in place. What interpolation adds to a
// scalar is charged to limits.max_scalar_bytes; unresolved variables past limits.max_unresolved
// are only counted.
result<void> interpolate_tree(node& n, std::string const& path, load_options const& options,
                              std::string_view file_name, load_budget& budget,
                              std::vector<unresolved_variable>& unresolved) {
    switch (n.type) {
        case node::kind::null: return {};
        case node::kind::scalar: {
            auto r = interpolate(n.scalar, options.environment, path);
            if (!r) {
                error e = std::move(r).error();
                e.message += detail::position(n.where, file_name);
                return e;
            }
            if (r->value.size() > n.scalar.size()) {
                budget.scalar_bytes += r->value.size() - n.scalar.size();
                if (budget.scalar_bytes > options.limits.max_scalar_bytes) {
                    return invalid("interpolation makes the Compose document " +
                                       detail::over_limit(options.limits.max_scalar_bytes,
                                                          "bytes of keys and values",
                                                          "max_scalar_bytes") +
                                       detail::position(n.where, file_name),
                                   path);
                }
            }
            n.scalar = std::move(r->value);
            for (auto& u : r->unresolved) {
                if (unresolved.size() < options.limits.max_unresolved) {
                    unresolved.push_back(std::move(u));
                } else {
                    ++budget.unresolved_dropped;
                }
            }
            return {};
        }
        case node::kind::sequence:
            for (std::size_t i = 0; i < n.items.size(); ++i) {
                OP_RETURN_IF_ERROR(interpolate_tree(n.items[i], detail::index_path(path, i), options,
                                                    file_name, budget, unresolved));
            }
            return {};
        case node::kind::mapping:
            for (auto& [k, v] : n.entries) {
                OP_RETURN_IF_ERROR(interpolate_tree(v, detail::key_path(path, k), options, file_name,
                                                    budget, unresolved));
            }
            return {};
    }
    return {};
}

// The last warnings of a load that hit limits.max_unresolved or limits.max_warnings.
void report_dropped(load_budget const& budget, std::vector<load_warning>& warnings) {
    auto const& lim = budget.limits;
    if (std::size_t const n = budget.unresolved_dropped; n > 0) {
        warnings.push_back({"", std::to_string(n) + (n == 1 ? " more reference to a variable without a value is"
                                            : " more references to variables without a value are") +
                                    " not listed (limit max_unresolved: " +
                                    std::to_string(lim.max_unresolved) + ")"});
    }
    if (std::size_t const n = budget.warnings_dropped; n > 0) {
        warnings.push_back({"", std::to_string(n) + (n == 1 ? " more warning is" : " more warnings are") +
                                    " not listed (limit max_warnings: " +
                                    std::to_string(lim.max_warnings) + ")"});
    }
}


constexpr char const* client_advice =
    "the cluster cannot read other files: run `compose-operator stack deploy` or `compose-operator "
    "convert`, which read them on your machine";

// Resolves `extends` and `include` of a merged tree before it is decoded. Every file it reads is
// read once (cached by path), charged to limits.max_files, and parsed and interpolated under the
// load's budget; every base service `extends` copies is charged to the node and byte budgets at
// its size, so many services extending one large base cannot outgrow the limits.
class expander {
public:
    expander(load_options const& options, load_budget& budget, std::vector<std::string>& names,
             std::vector<unresolved_variable>& unresolved)
        : options_(options), budget_(budget), names_(names), unresolved_(unresolved) {}

    // Replaces `include` of `root` by the resources of the included files (each resolved on its
    // own: its includes, then its extends); a resource defined twice is an error.
    result<void> include(node& root, std::string const& file, std::vector<std::string>& chain) {
        node const* inc = root.find("include");
        if (inc == nullptr) return {};
        if (!options_.read_file) {
            return fail(*inc, "include", "include needs the files it names; " + std::string(client_advice));
        }
        std::vector<std::pair<std::string, node const*>> paths;  // as written, where
        auto add_path = [&](node const& v, std::string const& p) -> result<void> {
            if (v.is_scalar()) {
                paths.emplace_back(v.scalar, &v);
                return {};
            }
            if (!v.is_mapping()) return fail(v, p, "expected a path or {path: ...}");
            for (auto const& [k, pv] : v.entries) {
                std::string const kp = detail::key_path(p, k);
                if (k == "path" && pv.is_scalar()) {
                    paths.emplace_back(pv.scalar, &pv);
                } else if (k == "path" && pv.is_sequence()) {
                    for (std::size_t i = 0; i < pv.items.size(); ++i) {
                        if (!pv.items[i].is_scalar()) return fail(pv.items[i], detail::index_path(kp, i), "expected a path");
                        paths.emplace_back(pv.items[i].scalar, &pv.items[i]);
                    }
                } else if (k == "path") {
                    return fail(pv, kp, "expected a path or a list of paths");
                } else if (k == "project_directory" || k == "env_file") {
                    return fail(pv, kp, "include " + k + " is not supported: remove it (paths in the "
                                        "included file are relative to its own folder)");
                } else {
                    return fail(pv, kp, "unknown key " + detail::quoted(k) + " (include takes path)");
                }
            }
            return {};
        };
        if (inc->is_sequence()) {
            for (std::size_t i = 0; i < inc->items.size(); ++i) {
                OP_RETURN_IF_ERROR(add_path(inc->items[i], detail::index_path("include", i)));
            }
        } else {
            OP_RETURN_IF_ERROR(add_path(*inc, "include"));
        }
        std::vector<std::pair<std::string, node>> loaded;  // path, tree
        for (auto const& [written, where] : paths) {
            std::string const path = relative_to(file, written);
            if (std::find(chain.begin(), chain.end(), path) != chain.end()) {
                return fail(*where, "include", "include cycle: " + join(chain, path));
            }
            if (chain.size() >= options_.limits.max_extends_depth) {
                return fail(*where, "include", "include is nested more than " +
                                                   std::to_string(options_.limits.max_extends_depth) +
                                                   " deep (limit max_extends_depth): " + join(chain, path));
            }
            OP_TRY(node * other, read_other(path, *where, "include"));
            chain.push_back(path);
            OP_RETURN_IF_ERROR(include(*other, path, chain));
            chain.pop_back();
            OP_RETURN_IF_ERROR(extend_all(*other, path));
            // The cached tree stays for extends; a file included again is a copy, paid for.
            if (!included_.insert(path).second) OP_RETURN_IF_ERROR(charge(*other, *where, "include"));
            loaded.emplace_back(path, *other);
        }
        std::erase_if(root.entries, [](auto const& e) { return e.first == "include"; });
        for (auto& [path, tree] : loaded) {
            for (auto& [section, body] : tree.entries) {
                if (!body.is_mapping()) continue;
                if (section != "services" && section != "volumes" && section != "networks" &&
                    section != "secrets" && section != "configs") {
                    continue;
                }
                node* target = root.find(section);
                if (target == nullptr || target->is_null()) {
                    // `section` captured by name: clang 14 (the fuzz build) cannot capture a binding.
                    std::erase_if(root.entries, [&s = section](auto const& e) { return e.first == s; });
                    root.entries.emplace_back(section, node::make_mapping());
                    target = root.find(section);
                }
                for (auto& [k, v] : body.entries) {
                    if (target->find(k) != nullptr) {
                        return fail(v, section + "." + k,
                                    section.substr(0, section.size() - 1) + " " + detail::quoted(k) +
                                        " is defined both in " + detail::quoted(path) + " and in " +
                                        detail::quoted(file.empty() ? "the including file" : file) +
                                        ": rename one of them");
                    }
                    target->entries.emplace_back(k, std::move(v));
                }
            }
        }
        return {};
    }

    // Resolves `extends` of every service of `root`, the tree of `file`.
    result<void> extend_all(node& root, std::string const& file) {
        node* services = root.find("services");
        if (services == nullptr || !services->is_mapping()) return {};
        std::vector<std::string> here;
        for (auto const& [n, _] : services->entries) here.push_back(n);
        for (auto const& n : here) {
            std::vector<std::string> chain;
            OP_RETURN_IF_ERROR(extend(root, file, n, chain));
        }
        return {};
    }

private:
    load_options const& options_;
    load_budget& budget_;
    std::vector<std::string>& names_;
    std::vector<unresolved_variable>& unresolved_;
    std::map<std::string, std::unique_ptr<node>> files_;  // read by path, resolved in place
    std::set<std::string> included_;                      // paths include has taken once
    // Services whose extends is resolved ("web", "common.yaml: app") -> the links below them.
    std::map<std::string, std::vector<std::string>> resolved_;

    error fail(node const& n, std::string path, std::string msg) const {
        std::string const& file = n.where.file >= 0 && static_cast<std::size_t>(n.where.file) < names_.size()
                                      ? names_[static_cast<std::size_t>(n.where.file)]
                                      : names_.front();
        return invalid(std::move(msg) + detail::position(n.where, file), std::move(path));
    }

    // "a -> b -> c": a chain and the link that closes or overflows it.
    static std::string join(std::vector<std::string> const& chain, std::string const& last) {
        std::string out;
        for (auto const& k : chain) out += k + " -> ";
        return out + last;
    }

    // A path written in `from`: relative to its folder when `from` was read through read_file
    // (a top-level file's paths are the caller's to resolve).
    std::string relative_to(std::string const& from, std::string const& written) const {
        namespace fs = std::filesystem;
        fs::path const p(written);
        if (p.is_absolute() || !files_.contains(from)) return written;
        return (fs::path(from).parent_path() / p).lexically_normal().generic_string();
    }

    // Charges a copy of `n` (made by extends or a repeated include) to the node and byte budgets.
    result<void> charge(node const& n, node const& at, std::string const& path) {
        detail::cost const c = detail::measure(n);
        budget_.nodes += c.nodes;
        budget_.scalar_bytes += c.bytes;
        auto const& lim = options_.limits;
        if (budget_.nodes > lim.max_nodes) {
            return fail(at, path, "extends and include copy the Compose document to " +
                                      detail::over_limit(lim.max_nodes, "nodes", "max_nodes") +
                                      "; each copy of a base service counts at its size");
        }
        if (budget_.scalar_bytes > lim.max_scalar_bytes) {
            return fail(at, path, "extends and include copy the Compose document to " +
                                      detail::over_limit(lim.max_scalar_bytes, "bytes of keys and values",
                                                         "max_scalar_bytes") +
                                      "; each copy of a base service counts at its size");
        }
        return {};
    }

    // The tree of another file, read, parsed and interpolated the first time it is named.
    result<node*> read_other(std::string const& path, node const& at, std::string const& field) {
        if (auto it = files_.find(path); it != files_.end()) return it->second.get();
        if (!options_.read_file) return fail(at, field, "cannot load " + detail::quoted(path) + ": " + client_advice);
        auto const& lim = options_.limits;
        if (names_.size() >= lim.max_files) {
            return fail(at, field, "reading " + detail::quoted(path) + " makes more than " +
                                       std::to_string(lim.max_files) + " Compose files (limit max_files)");
        }
        auto text = options_.read_file(path, lim.max_bytes);
        if (!text) return fail(at, field, "cannot read " + detail::quoted(path) + ": check the path (relative to the project folder)");
        names_.push_back(path);
        OP_TRY(node n, detail::read_yaml(*text, static_cast<int>(names_.size() - 1), path, budget_));
        if (!n.is_null() && !n.is_mapping()) {
            return invalid("top-level object must be a mapping" + detail::position(n.where, path), field);
        }
        if (options_.interpolate) {
            OP_RETURN_IF_ERROR(interpolate_tree(n, "", options_, path, budget_, unresolved_));
        }
        auto& slot = files_[path];
        slot = std::make_unique<node>(std::move(n));
        return slot.get();
    }

    // Resolves `extends` of service `name` of `root` (the tree of `file`) in place: the base
    // (from this file or another, resolved first) merged under the service's own keys. `chain`
    // holds the links being followed ("web", "common.yaml: app"). Returns the links below the
    // service (what it extends, what that extends, ...), so that the limit on a chain's length
    // does not depend on the order the services are written in.
    result<std::vector<std::string>> extend(node& root, std::string const& file, std::string const& name,
                                            std::vector<std::string>& chain) {
        std::string const link = files_.contains(file) ? file + ": " + name : name;
        if (auto it = resolved_.find(link); it != resolved_.end()) return it->second;
        node* services = root.find("services");
        node* body = services != nullptr && services->is_mapping() ? services->find(name) : nullptr;
        if (body == nullptr || !body->is_mapping()) return std::vector<std::string>{};
        node const* ext = body->find("extends");
        if (ext == nullptr) return std::vector<std::string>{};
        std::string const path = "services." + name + ".extends";
        if (std::find(chain.begin(), chain.end(), link) != chain.end()) {
            return fail(*ext, path, "extends cycle: " + join(chain, link) + ": remove one of these extends");
        }
        auto const max = options_.limits.max_extends_depth;
        auto too_deep = [&](std::vector<std::string> const& below) {
            std::string msg = "extends is nested more than " + std::to_string(max) +
                              " deep (limit max_extends_depth): " + join(chain, link);
            for (auto const& l : below) msg += " -> " + l;
            return msg + ": extend the base's base directly, or copy its keys";
        };
        if (chain.size() >= max) return fail(*ext, path, too_deep({}));
        std::string base_name;
        std::string base_file;
        if (ext->is_scalar()) {
            base_name = ext->scalar;
        } else if (ext->is_mapping()) {
            for (auto const& [k, v] : ext->entries) {
                std::string const kp = detail::key_path(path, k);
                if (k != "service" && k != "file") {
                    return fail(v, kp, "unknown key " + detail::quoted(k) + " (extends takes service and file)");
                }
                if (!v.is_scalar()) return fail(v, kp, "expected a string");
                (k == "service" ? base_name : base_file) = v.scalar;
            }
        } else {
            return fail(*ext, path, "expected a service name or {service: ..., file: ...}");
        }
        if (base_name.empty()) return fail(*ext, path + ".service", "extends needs the name of a service");
        node const where = *ext;  // a scalar or a two-key mapping; the tree may move below
        chain.push_back(link);
        node base;
        std::vector<std::string> below;
        if (base_file.empty()) {
            OP_TRY(below, extend(root, file, base_name, chain));
            node const* b = root.find("services")->find(base_name);
            if (b == nullptr) {
                return fail(where, path, "extends undefined service " + detail::quoted(base_name) +
                                             (file.empty() ? "" : " of " + detail::quoted(file)));
            }
            if (!b->is_mapping()) return fail(*b, "services." + base_name, "expected a mapping");
            base = *b;
            below.insert(below.begin(), files_.contains(file) ? file + ": " + base_name : base_name);
        } else {
            std::string const other_path = relative_to(file, base_file);
            OP_TRY(node * other, read_other(other_path, where, path + ".file"));
            OP_TRY(below, extend(*other, other_path, base_name, chain));
            node const* os = other->find("services");
            node const* b = os != nullptr && os->is_mapping() ? os->find(base_name) : nullptr;
            if (b == nullptr) {
                return fail(where, path, "service " + detail::quoted(base_name) + " is not defined in " +
                                             detail::quoted(other_path));
            }
            if (!b->is_mapping()) return fail(*b, "services." + base_name, "expected a mapping");
            base = *b;
            below.insert(below.begin(), other_path + ": " + base_name);
        }
        chain.pop_back();
        if (below.size() > max) return fail(where, path, too_deep(below));
        OP_RETURN_IF_ERROR(charge(base, where, path));
        body = root.find("services")->find(name);
        node own = std::move(*body);
        std::erase_if(own.entries, [](auto const& e) { return e.first == "extends"; });
        std::erase_if(base.entries, [](auto const& e) { return e.first == "extends"; });
        *body = detail::merge_service_nodes(std::move(base), own);
        resolved_.emplace(link, below);
        return below;
    }
};

}  // namespace

result<load_result> load(std::string_view text, load_options const& options) {
    return load_files({source_file{"", std::string(text)}}, options);
}

result<load_result> load_files(std::vector<source_file> const& files, load_options const& options) {
    if (files.empty()) return invalid("no Compose file given");
    if (files.size() > options.limits.max_files) {
        return invalid(std::to_string(files.size()) + " Compose files, more than the limit of " +
                       std::to_string(options.limits.max_files));
    }
    std::vector<std::string> names;
    for (auto const& f : files) names.push_back(f.name);
    load_result out;
    detail::load_budget budget(options.limits);
    node merged;
    for (std::size_t i = 0; i < files.size(); ++i) {
        OP_TRY(node n, detail::read_yaml(files[i].text, static_cast<int>(i), files[i].name,
                                         budget));
        if (!n.is_null() && !n.is_mapping()) {
            return invalid("top-level object must be a mapping" +
                           detail::position(n.where, files[i].name));
        }
        if (options.interpolate) {
            OP_RETURN_IF_ERROR(
                interpolate_tree(n, "", options, files[i].name, budget, out.unresolved));
        }
        merged = i == 0 ? std::move(n) : detail::merge_files(std::move(merged), n);
    }
    if (merged.is_mapping()) {
        expander ex(options, budget, names, out.unresolved);
        std::vector<std::string> chain;
        OP_RETURN_IF_ERROR(ex.include(merged, files.front().name, chain));
        OP_RETURN_IF_ERROR(ex.extend_all(merged, files.front().name));
    }
    detail::context const c{options, names, out.warnings, budget, files.size()};
    auto decoded = detail::decode_project(c, merged);
    if (!decoded) {
        // Point at variables without a value that fed the failing field: the usual cause.
        error e = std::move(decoded).error();
        std::string vars;
        for (auto const& u : out.unresolved) {
            if (e.field_path.starts_with(u.field_path) && vars.find(u.name) == std::string::npos) {
                vars += (vars.empty() ? "" : ", ") + u.name;
            }
        }
        if (!vars.empty()) e.message += "; variables without a value: " + vars;
        return e;
    }
    out.project = std::move(*decoded);
    report_dropped(budget, out.warnings);
    return out;
}

}  // namespace op::compose
