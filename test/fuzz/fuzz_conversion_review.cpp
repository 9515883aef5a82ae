// libFuzzer target: a ConversionReview body through decode, the operator's own conversion
// handler (runtime::make_handlers, with its per-object cache) and the encoded answer.
// Properties: never crash; the answer is JSON; a Success answer holds as many objects as the
// request; the same review answered again (from the cache) gives the very same answer.
#include "fuzz_check.hpp"
#include "op/util/json.hpp"
#include "op/webhook/review.hpp"
#include "parts.hpp"

namespace {

op::webhook::conversion_handler const& convert() {
    static auto const k = op::identity::hmac_key::from_bytes(std::string(32, 'k')).value();
    static op::mapping::mapping_options const mapping;
    static op::webhook::handlers const h = op::runtime::make_handlers(
        k, mapping, nullptr, std::make_shared<op::webhook::conversion_cache>(8u << 20));
    return h.convert;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    using namespace op;
    std::string_view const body = fuzz::text(data, size);
    std::size_t requested = 0;
    auto handler = [&](webhook::conversion_request const& req) {
        requested = req.objects.size();
        return convert()(req);
    };
    webhook::http_reply const reply = webhook::serve_conversion(body, handler);
    OP_FUZZ_CHECK(webhook::serve_conversion(body, handler).body == reply.body);
    auto answer = json::parse(reply.body, {.max_bytes = 64u << 20, .max_depth = 256, .max_values = 50'000'000});
    OP_FUZZ_CHECK(answer.has_value());
    if (reply.status == 200) {
        auto const* response = json::find(*answer, "response");
        OP_FUZZ_CHECK(response != nullptr);
        auto const* result = json::find(*response, "result");
        auto const* status = result != nullptr ? json::find(*result, "status") : nullptr;
        if (status != nullptr && status->IsString() && std::string_view(status->GetString()) == "Success") {
            auto const* objects = json::find(*response, "convertedObjects");
            OP_FUZZ_CHECK(objects != nullptr && objects->IsArray() && objects->Size() == requested);
        }
    }
    return 0;
}
