#pragma once
// Kubernetes Events (events.k8s.io/v1) with deduplication: the first occurrence of a
// (regarding object, type, reason, action, note) creates an Event; repeats within `window`
// patch that Event's series {count, lastObservedTime} instead of creating new ones (client-go
// tools/events). Writes are asynchronous on the client's io_context; record() never blocks.
#include "op/kube/client.hpp"

#include <list>
#include <memory>
#include <unordered_map>

namespace op::kube {

// The object an Event is about.
struct object_ref {
    std::string api_version, kind, ns, name, uid, resource_version;
    // Fills the reference from an object's apiVersion, kind and metadata.
    [[nodiscard]] static object_ref of(rapidjson::Value const& obj);
};

enum class event_type { normal, warning };

struct recorder_options {
    std::string reporting_controller = "compose-operator";
    std::string reporting_instance;  // e.g. pod name
    std::chrono::minutes window{30};  // repeats after this create a new Event
    std::size_t max_tracked = 4096;   // oldest series are forgotten beyond this
};

class event_recorder {
public:
    event_recorder(client& c, recorder_options opts, util::clock& clk = util::system_clock());
    // Records an event (asynchronously). `note` is truncated to 1 kB. The write holds the
    // recorder's state, so it may finish after the recorder is gone (the client must live on).
    void record(object_ref const& regarding, event_type type, std::string reason,
                std::string action, std::string note);
    // Same, and waits for the write: the created/patched Event or the API error (for tests).
    result<object> record_sync(object_ref const& regarding, event_type type, std::string reason,
                               std::string action, std::string note);
    // How many distinct series are tracked.
    [[nodiscard]] std::size_t tracked() const;

private:
    struct series {
        std::string event_name, ns;
        int count = 1;
        std::chrono::steady_clock::time_point first;
        std::list<std::string>::iterator lru;
    };
    // Everything a write touches; shared with the writes in flight.
    struct state {
        client& c;
        recorder_options opts;
        util::clock* clock;
        std::mutex mutex;
        std::unordered_map<std::string, series> series_by_key;
        std::list<std::string> lru;
    };
    static net::awaitable<result<object>> write(std::shared_ptr<state> s, object_ref regarding,
                                                event_type type, std::string reason,
                                                std::string action, std::string note);

    std::shared_ptr<state> state_;
};

}  // namespace op::kube
