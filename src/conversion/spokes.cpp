// The per-version to_hub / from_hub functions and the annotations that keep them lossless.
#include "op/compose/emit.hpp"
#include "op/compose/load.hpp"
#include "op/conversion/convert.hpp"
#include "op/util/json.hpp"

#include <fmt/format.h>

namespace op::conversion {
namespace {

void drop_our_annotations(api::object_meta& m) {
    for (auto const* key : {compose_file_annotation, compose_file_hash_annotation,
                            structured_spec_annotation, structured_spec_hash_annotation}) {
        m.annotations.erase(key);
    }
}

std::string spec_hash(api::stack_spec const& spec) {
    return content_hash(api::canonical_json(spec));
}

// The Compose text kept on a structured object, when it still describes `spec`.
std::optional<std::string> valid_compose_annotation(api::object_meta const& m,
                                                    api::stack_spec const& spec) {
    auto text = m.annotations.find(compose_file_annotation);
    auto hash = m.annotations.find(compose_file_hash_annotation);
    if (text == m.annotations.end() || hash == m.annotations.end()) return std::nullopt;
    if (hash->second != spec_hash(spec)) return std::nullopt;
    return text->second;
}

// The structured spec kept on a v1beta1 object, when its composeFile is still the one rendered
// from it.
std::optional<api::stack_spec> valid_spec_annotation(api::v1beta1::stack const& s) {
    auto const& a = s.metadata.annotations;
    auto spec = a.find(structured_spec_annotation);
    auto hash = a.find(structured_spec_hash_annotation);
    if (spec == a.end() || hash == a.end()) return std::nullopt;
    if (hash->second != content_hash(s.compose_file)) return std::nullopt;
    auto doc = json::parse(spec->second);
    if (!doc) return std::nullopt;
    auto decoded = api::decode_spec(*doc, "spec");
    if (!decoded) return std::nullopt;
    return std::move(*decoded);
}

template <class Spoke>
api::stack structured_to_hub(Spoke const& s) {
    api::stack hub;
    hub.metadata = s.metadata;
    if (s.spec) hub.spec = *s.spec;
    hub.status = s.status;
    hub.compose_file = valid_compose_annotation(s.metadata, hub.spec);
    drop_our_annotations(hub.metadata);
    return hub;
}

template <class Spoke>
Spoke structured_from_hub(api::stack const& hub) {
    Spoke out;
    out.metadata = hub.metadata;
    drop_our_annotations(out.metadata);
    out.spec = hub.spec;
    out.status = hub.status;
    if (hub.compose_file) {
        out.metadata.annotations[compose_file_annotation] = *hub.compose_file;
        out.metadata.annotations[compose_file_hash_annotation] = spec_hash(hub.spec);
    }
    return out;
}

}  // namespace

std::string content_hash(std::string_view text) {
    std::uint64_t h = 14695981039346656037ull;
    for (unsigned char c : text) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return fmt::format("fnv1a64:{:016x}", h);
}

namespace v1beta1 {

result<hub_result> to_hub(api::v1beta1::stack const& s) {
    hub_result out;
    out.stack.metadata = s.metadata;
    out.stack.status = s.status;
    if (auto kept = valid_spec_annotation(s)) {
        // The text was rendered from this spec and not edited since: the spec is exact.
        out.stack.spec = std::move(*kept);
        drop_our_annotations(out.stack.metadata);
        return out;
    }
    drop_our_annotations(out.stack.metadata);
    compose::load_options options;  // server side: empty environment
    auto loaded = compose::load(s.compose_file, options);
    if (!loaded) return std::move(loaded).error().under("spec.composeFile");
    auto built = from_compose(loaded->project);
    if (!built) return std::move(built).error().under("spec.composeFile");
    out.stack.spec = std::move(built->spec);
    out.stack.compose_file = s.compose_file;
    out.unresolved = std::move(loaded->unresolved);
    for (auto& w : loaded->warnings) out.warnings.push_back({w.field_path, w.message});
    for (auto& w : built->warnings) out.warnings.push_back(std::move(w));
    return out;
}

api::v1beta1::stack from_hub(api::stack const& hub) {
    api::v1beta1::stack out;
    out.metadata = hub.metadata;
    drop_our_annotations(out.metadata);
    out.status = hub.status;
    if (hub.compose_file) {
        out.compose_file = *hub.compose_file;
        return out;
    }
    out.compose_file = compose::emit(to_compose(hub.spec));
    out.metadata.annotations[structured_spec_annotation] = api::canonical_json(hub.spec);
    out.metadata.annotations[structured_spec_hash_annotation] = content_hash(out.compose_file);
    return out;
}

}  // namespace v1beta1

namespace v1beta2 {
api::stack to_hub(api::v1beta2::stack const& s) { return structured_to_hub(s); }
api::v1beta2::stack from_hub(api::stack const& hub) {
    return structured_from_hub<api::v1beta2::stack>(hub);
}
}  // namespace v1beta2

namespace v1alpha3 {
api::stack to_hub(api::v1alpha3::stack const& s) { return structured_to_hub(s); }
api::v1alpha3::stack from_hub(api::stack const& hub) {
    return structured_from_hub<api::v1alpha3::stack>(hub);
}
}  // namespace v1alpha3

}  // namespace op::conversion
