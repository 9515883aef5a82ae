// load() / load_files(): read each file, interpolate it, merge them in order, decode.
#include "op/compose/load.hpp"

#include "decode.hpp"
#include "merge.hpp"
#include "reader.hpp"

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
    detail::context const c{options, names, out.warnings, budget};
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
