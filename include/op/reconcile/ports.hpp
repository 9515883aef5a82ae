#pragma once
// The narrow interfaces the reconciler talks through (its "ports"), so that it runs in unit tests
// against recording fakes and in production against the kube client and informer stores
// (op/reconcile/kube_adapters.hpp). Nothing here does I/O by itself.
#include "op/kube/config.hpp"
#include "op/kube/resource.hpp"
#include "op/util/error.hpp"

#include <rapidjson/document.h>

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace op::api {
struct stack_status;
}

namespace op::reconcile {

// The author a write acts as (a stack's recorded owner): {user, uid, groups, extra}, sent as
// Impersonate-* headers. nullopt or an empty user means the operator's own service account.
// (Not named identity: op::identity is the module that records and verifies owners.)
using author = kube::impersonation;

// Annotation holding a hash of the apply configuration last applied, so a removed field (which
// a subset comparison cannot see) still triggers an apply.
inline constexpr char const* desired_hash_annotation = "compose.docker.com/desired-hash";

// The kinds a Stack may own. A PersistentVolumeClaim is one only when the mapping makes it: the
// standalone claim of a named volume several services share (applied and kept in sync, but never
// owned or pruned: it outlives the stack, see detail::kept_claim_of). The claims StatefulSets make from their
// templates are never listed, applied or deleted (their data is never deleted implicitly).
enum class child_kind { deployment, stateful_set, daemon_set, service, config_map, secret, ingress,
                        persistent_volume_claim };

inline constexpr std::array<child_kind, 8> all_child_kinds = {
    child_kind::deployment, child_kind::stateful_set, child_kind::daemon_set,
    child_kind::service,    child_kind::config_map,   child_kind::secret,
    child_kind::ingress,    child_kind::persistent_volume_claim};

// "Deployment", "StatefulSet", ...
[[nodiscard]] std::string_view kind_name(child_kind k) noexcept;
// The REST resource of a kind: {"apps","v1","deployments"}, {"","v1","services"}, ...
[[nodiscard]] kube::resource resource_of(child_kind k);
// The child kind of an object's apiVersion + kind, or nullopt for anything else.
[[nodiscard]] std::optional<child_kind> child_kind_of(std::string_view api_version,
                                                      std::string_view kind) noexcept;
// Deployment, StatefulSet or DaemonSet.
[[nodiscard]] bool is_workload(child_kind k) noexcept;

// Read side: the informer caches. Calls must be cheap and must not block on the network, except
// get_child's optional live lookup (see kube_adapters.hpp).
class cache_reader {
public:
    virtual ~cache_reader() = default;
    // The cached Stack, or null when the cache does not hold it.
    [[nodiscard]] virtual kube::object get_stack(kube::object_key const& key) const = 0;
    // Cached objects of `kind` in namespace `ns` labelled com.docker.stack.namespace=<stack>.
    // The reconciler additionally keeps only those whose controller ownerReference has the
    // stack's uid (owned_children below), so a label alone never makes an object ours.
    [[nodiscard]] virtual std::vector<kube::object> list_labelled(child_kind kind,
                                                                  std::string const& ns,
                                                                  std::string const& stack) const = 0;
    // The object of `kind` at `key` whoever owns it (null when it does not exist), used to detect
    // a name already taken before creating. Fails (transient) only when a live lookup fails.
    [[nodiscard]] virtual result<kube::object> get_child(child_kind kind,
                                                         kube::object_key const& key) const = 0;
};

// Write side. Every call may fail with the API's error mapped by kube::to_error (403 -> terminal,
// 409 -> conflict, 422 -> invalid, 5xx/timeouts -> transient).
class writer {
public:
    virtual ~writer() = default;
    // Server-side apply of `body` (a complete apply configuration, JSON) with field manager
    // `compose-operator` and force=true: we take over fields we own even when another manager
    // changed them (drift is reverted); fields only others set are left alone. Returns the object
    // as stored after the apply.
    [[nodiscard]] virtual result<kube::object> apply(child_kind kind, kube::object_key const& key,
                                                     std::string body,
                                                     std::optional<author> const& as) = 0;
    // DELETE with propagationPolicy Background. not_found when already gone.
    [[nodiscard]] virtual result<void> remove(child_kind kind, kube::object_key const& key,
                                              std::optional<author> const& as) = 0;
    // PUT of `stack` (the cached object) with its status replaced by `status`, to the status
    // subresource. conflict when the cached resourceVersion is stale.
    [[nodiscard]] virtual result<void> update_status(kube::object const& stack,
                                                     api::stack_status const& status,
                                                     std::optional<author> const& as) = 0;
};

enum class event_type { normal, warning };

// Kubernetes Events regarding a Stack. Best effort: failures are logged by the implementation and
// never fail a reconcile.
class event_recorder {
public:
    virtual ~event_recorder() = default;
    virtual void record(kube::object const& stack, event_type type, std::string_view reason,
                        std::string_view message) = 0;
};

// Checks the owner recorded on a Stack by the admission webhook. Fails (terminal) when the owner
// is missing, unsigned or forged.
class owner_verifier {
public:
    virtual ~owner_verifier() = default;
    [[nodiscard]] virtual result<author> verify(rapidjson::Value const& stack) const = 0;
};

// An owner_verifier made of a function, e.g. wrapping op::identity::verify_owner with the HMAC key:
//   function_owner_verifier{[&key](auto const& o) -> result<author> {
//       OP_TRY(auto w, op::identity::verify_owner(o, key));
//       return author{w.username, w.uid, w.groups, w.extra}; }}
class function_owner_verifier final : public owner_verifier {
public:
    using fn = std::function<result<author>(rapidjson::Value const&)>;
    explicit function_owner_verifier(fn f) : f_(std::move(f)) {}
    [[nodiscard]] result<author> verify(rapidjson::Value const& stack) const override {
        return f_(stack);
    }

private:
    fn f_;
};

// The cached children of `kind` that belong to the stack: labelled with its name AND controlled
// (controller ownerReference) by `stack_uid`. Never anything else.
[[nodiscard]] std::vector<kube::object> owned_children(cache_reader const& cache, child_kind kind,
                                                       std::string const& ns,
                                                       std::string const& stack,
                                                       std::string const& stack_uid);

}  // namespace op::reconcile
