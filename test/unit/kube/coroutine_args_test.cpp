// GCC 12 miscompiles a braced temporary of an aggregate class passed by value to a coroutine that
// is called in a co_await (a `= {}` default argument is one): the callee's copy of a std::string
// member can keep pointing at the caller's temporary, and its destruction ends in
// `free(): invalid pointer`. Seen with a std::string added to kube::request_options (the operator
// aborted at startup; valgrind: "Address ... is 712 bytes inside a block ... alloc'd by
// informer::list_all()", the caller's coroutine frame). A class with user-declared constructors
// is passed correctly, so request_options is kept that way, and this test shows the pattern it
// relies on still holds (the aggregate form of `options` below fails here under GCC 12).
#include "op/kube/client.hpp"
#include "op_catch.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <string>
#include <type_traits>

namespace net = boost::asio;

static_assert(!std::is_aggregate_v<op::kube::request_options>,
              "request_options is passed as a `= {}` default argument to coroutines: keep it a "
              "non-aggregate (see this file's comment)");

namespace {

// Shaped like request_options (user-declared special members) with a short string (SSO).
struct options {
    options() = default;
    options(options const&) = default;
    options(options&&) noexcept = default;
    options& operator=(options const&) = default;
    options& operator=(options&&) noexcept = default;
    ~options() = default;
    std::string tag = "sso";
};
struct request {  // shaped like client::http_request
    std::string target;
    options opts;
};

net::awaitable<std::string> send(request r) {
    co_await net::post(net::use_awaitable);  // suspends, as a real request does
    co_return r.target + "/" + r.opts.tag;
}

net::awaitable<std::string> verb(std::string target, options opts = {}) {
    request r{std::move(target), std::move(opts)};
    auto out = co_await send(std::move(r));
    co_return out;
}

}  // namespace

TEST_CASE("a default options argument survives a chain of coroutines") {
    net::io_context io;
    std::vector<std::string> got;
    net::co_spawn(io, [&]() -> net::awaitable<void> {
        for (int i = 0; i < 3; ++i) got.push_back(co_await verb("ab"));
        got.push_back(co_await verb("cd", options{}));
    }, net::detached);
    io.run();
    REQUIRE(got == std::vector<std::string>{"ab/sso", "ab/sso", "ab/sso", "cd/sso"});
}
