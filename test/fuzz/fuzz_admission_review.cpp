// libFuzzer target: an AdmissionReview body through decode and the operator's own mutating and
// validating handlers (runtime::make_handlers, as the webhook server calls them), then the typed
// layer directly (plan_owner's patch, verify_owner). Properties: never crash; both answers are
// JSON; the owner patch is a JSON array.
#include "fuzz_check.hpp"
#include "op/identity/identity.hpp"
#include "op/util/json.hpp"
#include "op/webhook/owner.hpp"
#include "op/webhook/review.hpp"
#include "parts.hpp"

namespace {

op::identity::hmac_key const& key() {
    static auto const k = op::identity::hmac_key::from_bytes(std::string(32, 'k')).value();
    return k;
}

op::webhook::handlers const& handlers() {
    static op::mapping::mapping_options const mapping;
    static op::webhook::handlers const h = op::runtime::make_handlers(key(), mapping, nullptr);
    return h;
}

void check_answer(op::webhook::http_reply const& reply) {
    auto answer = op::json::parse(reply.body, {.max_bytes = 64u << 20, .max_depth = 256, .max_values = 50'000'000});
    OP_FUZZ_CHECK(answer.has_value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    using namespace op;
    std::string_view const body = fuzz::text(data, size);
    check_answer(webhook::serve_admission(body, handlers().mutate, true));
    check_answer(webhook::serve_admission(body, handlers().validate, false));
    if (auto req = webhook::decode_admission_review(body, {})) {
        if (auto patch = webhook::owner_patch(*req, key())) {
            auto parsed = json::parse(*patch);
            OP_FUZZ_CHECK(parsed.has_value() && parsed->IsArray());
        }
        if (req->object.IsObject()) (void)identity::verify_owner(req->object, key());
    }
    return 0;
}
