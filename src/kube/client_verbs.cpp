// The REST verbs and their blocking facades.
#include "connection.hpp"
#include "object_alloc.hpp"
#include "op/util/json.hpp"

#include <boost/beast/http/verb.hpp>

namespace op::kube {

namespace http = beast::http;

std::string detail::list_query(list_options const& lo, bool watch) {
    std::string q;
    auto add = [&](std::string_view k, std::string_view v) {
        q += q.empty() ? '?' : '&';
        q += k;
        q += '=';
        q += detail::query_escape(v);
    };
    if (watch) add("watch", "1");
    if (!lo.label_selector.empty()) add("labelSelector", lo.label_selector);
    if (!lo.field_selector.empty()) add("fieldSelector", lo.field_selector);
    if (!lo.continue_token.empty()) {
        add("continue", lo.continue_token);  // RV must not be resent with continue
    } else if (!lo.resource_version.empty()) {
        add("resourceVersion", lo.resource_version);
        if (!lo.resource_version_match.empty())
            add("resourceVersionMatch", lo.resource_version_match);
    }
    if (lo.limit > 0 && !watch) add("limit", std::to_string(lo.limit));
    if (watch) {
        if (lo.allow_watch_bookmarks) add("allowWatchBookmarks", "true");
        if (lo.timeout_seconds > 0) add("timeoutSeconds", std::to_string(lo.timeout_seconds));
    }
    return q;
}

net::awaitable<result<object>> client::async_get(resource const& r, std::string ns,
                                                 std::string name, request_options opts) {
    http_request req_{http::verb::get, r.object_path(ns, name), "", "", std::move(opts)};
    auto out = co_await async_object(std::move(req_));
    co_return out;
}

net::awaitable<result<list_result>> client::async_list(resource const& r, std::string ns,
                                                       list_options lo, request_options opts) {
    http_request req_{http::verb::get, r.collection_path(ns) + detail::list_query(lo, false), "", "", std::move(opts)};
    auto doc = co_await async_object(std::move(req_));
    if (!doc) co_return doc.error();
    list_result out;
    auto const& d = **doc;
    out.resource_version = std::string(meta_string(d, "resourceVersion"));
    out.continue_token = std::string(meta_string(d, "continue"));
    auto const* items = json::find(d, "items");
    if (items && items->IsArray()) {
        out.items.reserve(items->Size());
        // Items of a list lack kind/apiVersion; the copy adds apiVersion, as watch events carry it.
        auto const api_version = r.api_version();
        for (auto const& it : items->GetArray()) {
            out.items.push_back(detail::copy_object(it, {.drop_bookkeeping = lo.drop_bookkeeping,
                                                         .metadata_only = lo.metadata_only,
                                                         .api_version = api_version}));
        }
    }
    co_return out;
}

net::awaitable<result<object>> client::async_create(resource const& r, std::string ns,
                                                    std::string body, request_options opts) {
    http_request req_{http::verb::post, r.collection_path(ns), "application/json",
                                     std::move(body), std::move(opts)};
    auto out = co_await async_object(std::move(req_));
    co_return out;
}

net::awaitable<result<object>> client::async_update(resource const& r, std::string ns,
                                                    std::string name, std::string body,
                                                    request_options opts) {
    http_request req_{http::verb::put, r.object_path(ns, name), "application/json",
                                     std::move(body), std::move(opts)};
    auto out = co_await async_object(std::move(req_));
    co_return out;
}

net::awaitable<result<object>> client::async_update_status(resource const& r, std::string ns,
                                                           std::string name, std::string body,
                                                           request_options opts) {
    http_request req_{http::verb::put, r.object_path(ns, name) + "/status",
                                     "application/json", std::move(body), std::move(opts)};
    auto out = co_await async_object(std::move(req_));
    co_return out;
}

net::awaitable<result<void>> client::async_remove(resource const& r, std::string ns,
                                                  std::string name, propagation p,
                                                  request_options opts) {
    std::string body;
    if (p != propagation::unset) {
        char const* names[] = {"", "Background", "Foreground", "Orphan"};
        body = std::string(R"({"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":")") +
               names[static_cast<int>(p)] + "\"}";
    }
    http_request req_{http::verb::delete_, r.object_path(ns, name),
                                      body.empty() ? "" : "application/json", std::move(body),
                                      std::move(opts)};
    auto res = co_await async_object(std::move(req_));
    if (!res) co_return res.error();
    co_return result<void>{};
}

net::awaitable<result<object>> client::async_patch(resource const& r, std::string ns,
                                                   std::string name, patch_type t,
                                                   std::string body, request_options opts,
                                                   std::string subresource) {
    char const* ct = t == patch_type::merge       ? "application/merge-patch+json"
                     : t == patch_type::strategic ? "application/strategic-merge-patch+json"
                                                  : "application/json-patch+json";
    std::string target = r.object_path(ns, name);
    if (!subresource.empty()) target += "/" + subresource;
    http_request req_{http::verb::patch, std::move(target), ct, std::move(body), std::move(opts)};
    auto out = co_await async_object(std::move(req_));
    co_return out;
}

net::awaitable<result<object>> client::async_apply(resource const& r, std::string ns,
                                                   std::string name, std::string body,
                                                   apply_options ao, request_options opts) {
    if (ao.field_manager.empty()) co_return invalid("server-side apply needs a field manager");
    std::string target = r.object_path(ns, name) +
                         (ao.subresource.empty() ? "" : "/" + ao.subresource) +
                         "?fieldManager=" + detail::query_escape(ao.field_manager) +
                         (ao.force ? "&force=true" : "") + (ao.dry_run ? "&dryRun=All" : "");
    http_request req_{http::verb::patch, std::move(target),
                                     "application/apply-patch+yaml", std::move(body),
                                     std::move(opts)};
    auto out = co_await async_object(std::move(req_));
    co_return out;
}

result<object> client::get(resource const& r, std::string ns, std::string name,
                           request_options opts) {
    return run(async_get(r, std::move(ns), std::move(name), std::move(opts)));
}
result<list_result> client::list(resource const& r, std::string ns, list_options lo,
                                 request_options opts) {
    return run(async_list(r, std::move(ns), std::move(lo), std::move(opts)));
}
result<object> client::create(resource const& r, std::string ns, std::string body,
                              request_options opts) {
    return run(async_create(r, std::move(ns), std::move(body), std::move(opts)));
}
result<object> client::update(resource const& r, std::string ns, std::string name,
                              std::string body, request_options opts) {
    return run(async_update(r, std::move(ns), std::move(name), std::move(body), std::move(opts)));
}
result<object> client::update_status(resource const& r, std::string ns, std::string name,
                                     std::string body, request_options opts) {
    return run(async_update_status(r, std::move(ns), std::move(name), std::move(body),
                                   std::move(opts)));
}
result<void> client::remove(resource const& r, std::string ns, std::string name, propagation p,
                            request_options opts) {
    return run(async_remove(r, std::move(ns), std::move(name), p, std::move(opts)));
}
result<object> client::patch(resource const& r, std::string ns, std::string name, patch_type t,
                             std::string body, request_options opts, std::string subresource) {
    return run(async_patch(r, std::move(ns), std::move(name), t, std::move(body),
                           std::move(opts), std::move(subresource)));
}
result<object> client::apply(resource const& r, std::string ns, std::string name,
                             std::string body, apply_options ao, request_options opts) {
    return run(async_apply(r, std::move(ns), std::move(name), std::move(body), std::move(ao),
                           std::move(opts)));
}

}  // namespace op::kube
