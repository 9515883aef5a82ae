#include "op/metrics/registry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cmath>

namespace op::metrics {
namespace {

enum metric_type { type_counter = 0, type_gauge = 1, type_histogram = 2 };

std::string render_labels(labels const& l, std::string_view extra_key = {},
                          std::string_view extra_value = {}) {
    if (l.empty() && extra_key.empty()) return {};
    std::string out = "{";
    bool first = true;
    for (auto const& [k, v] : l) {
        if (!first) out += ',';
        first = false;
        out += fmt::format("{}=\"{}\"", k, escape_label_value(v));
    }
    if (!extra_key.empty()) {
        if (!first) out += ',';
        out += fmt::format("{}=\"{}\"", extra_key, extra_value);
    }
    out += '}';
    return out;
}

// Go's strconv.FormatFloat(v, 'g', -1, 64) spelling for the special values; shortest round trip
// otherwise.
std::string number(double v) {
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    if (std::isnan(v)) return "NaN";
    return fmt::format("{}", v);
}

std::string escape_help(std::string_view help) {
    std::string out;
    for (char c : help) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

}  // namespace

void counter::advance_to(double total) noexcept {
    double cur = value_.load(std::memory_order_relaxed);
    while (total > cur && !value_.compare_exchange_weak(cur, total, std::memory_order_relaxed)) {
    }
}

struct registry::family {
    std::string help;
    int type = type_counter;
    // Keyed by labels; each series is one of the three kinds according to `type`.
    std::map<labels, std::unique_ptr<counter>> counters;
    std::map<labels, std::unique_ptr<gauge>> gauges;
    std::map<labels, std::unique_ptr<histogram>> histograms;
};

histogram::histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {
    std::sort(bounds_.begin(), bounds_.end());
}

void histogram::observe(double v) noexcept {
    auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
    buckets_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(v, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t histogram::bucket(std::size_t i) const noexcept {
    return i <= bounds_.size() ? buckets_[i].load(std::memory_order_relaxed) : 0;
}

std::vector<double> default_latency_buckets() {
    return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<double> exponential_buckets(double start, double factor, int count) {
    std::vector<double> out;
    double v = start;
    for (int i = 0; i < count; ++i, v *= factor) out.push_back(v);
    return out;
}

collector_handle::collector_handle(collector_handle&& o) noexcept
    : registry_(std::exchange(o.registry_, nullptr)), id_(o.id_) {}

collector_handle& collector_handle::operator=(collector_handle&& o) noexcept {
    if (this != &o) {
        if (registry_ != nullptr) registry_->remove_collector(id_);
        registry_ = std::exchange(o.registry_, nullptr);
        id_ = o.id_;
    }
    return *this;
}

collector_handle::~collector_handle() {
    if (registry_ != nullptr) registry_->remove_collector(id_);
}

registry::registry() = default;
registry::~registry() = default;

registry::family& registry::family_for(std::string_view name, std::string_view help, int type) {
    auto it = families_.find(name);
    if (it == families_.end()) {
        auto f = std::make_unique<family>();
        f->help = std::string(help);
        f->type = type;
        it = families_.emplace(std::string(name), std::move(f)).first;
    }
    if (it->second->type != type) {
        assert(false && "one metric name used with two types");
        auto f = std::make_unique<family>();
        f->type = type;
        mismatched_.push_back(std::move(f));
        return *mismatched_.back();
    }
    return *it->second;
}

counter& registry::get_counter(std::string_view name, std::string_view help, labels const& lbls) {
    std::lock_guard lock(mutex_);
    auto& slot = family_for(name, help, type_counter).counters[lbls];
    if (!slot) slot = std::make_unique<counter>();
    return *slot;
}

gauge& registry::get_gauge(std::string_view name, std::string_view help, labels const& lbls) {
    std::lock_guard lock(mutex_);
    auto& slot = family_for(name, help, type_gauge).gauges[lbls];
    if (!slot) slot = std::make_unique<gauge>();
    return *slot;
}

histogram& registry::get_histogram(std::string_view name, std::string_view help,
                                   labels const& lbls, std::vector<double> const& bounds) {
    std::lock_guard lock(mutex_);
    auto& slot = family_for(name, help, type_histogram).histograms[lbls];
    if (!slot) slot = std::make_unique<histogram>(bounds);
    return *slot;
}

collector_handle registry::add_collector(std::function<void()> collect) {
    std::lock_guard lock(collectors_mutex_);
    auto id = next_collector_++;
    collectors_.emplace(id, std::move(collect));
    return collector_handle(this, id);
}

void registry::remove_collector(std::uint64_t id) {
    std::lock_guard lock(collectors_mutex_);
    collectors_.erase(id);
}

std::string registry::render() const {
    {
        // Held while collecting, so a collector's owner that unregisters waits for it to finish.
        std::lock_guard lock(collectors_mutex_);
        for (auto const& [_, collect] : collectors_) collect();
    }
    std::lock_guard lock(mutex_);
    std::string out;
    static constexpr std::string_view type_names[] = {"counter", "gauge", "histogram"};
    for (auto const& [name, f] : families_) {
        out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escape_help(f->help), name,
                           type_names[f->type]);
        for (auto const& [l, c] : f->counters) {
            out += fmt::format("{}{} {}\n", name, render_labels(l), number(c->value()));
        }
        for (auto const& [l, g] : f->gauges) {
            out += fmt::format("{}{} {}\n", name, render_labels(l), number(g->value()));
        }
        for (auto const& [l, h] : f->histograms) {
            std::uint64_t cumulative = 0;
            for (std::size_t i = 0; i <= h->bounds().size(); ++i) {
                cumulative += h->bucket(i);
                std::string le = i < h->bounds().size() ? number(h->bounds()[i]) : "+Inf";
                out += fmt::format("{}_bucket{} {}\n", name, render_labels(l, "le", le), cumulative);
            }
            out += fmt::format("{}_sum{} {}\n", name, render_labels(l), number(h->sum()));
            out += fmt::format("{}_count{} {}\n", name, render_labels(l), cumulative);
        }
    }
    return out;
}

std::string escape_label_value(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

}  // namespace op::metrics
