#pragma once
// A small, thread-safe Prometheus metrics registry: counters, gauges and fixed-bucket histograms,
// each in a labelled family, rendered in the text exposition format (version 0.0.4) for /metrics.
// Updates are lock-free atomics; looking a series up by labels takes the family's mutex, so hot
// paths should keep the returned reference (series live as long as the registry).
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace op::webhook {

using labels = std::vector<std::pair<std::string, std::string>>;

class counter {
public:
    void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    [[nodiscard]] std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

class gauge {
public:
    void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
    void add(double d) noexcept { value_.fetch_add(d, std::memory_order_relaxed); }
    [[nodiscard]] double value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0};
};

class histogram {
public:
    // `bounds` are the upper bounds of the buckets, ascending; +Inf is implicit.
    explicit histogram(std::vector<double> bounds);
    void observe(double v) noexcept;
    [[nodiscard]] std::vector<double> const& bounds() const noexcept { return bounds_; }
    // Non-cumulative count of bucket i (i == bounds().size() is the +Inf bucket).
    [[nodiscard]] std::uint64_t bucket(std::size_t i) const noexcept;
    [[nodiscard]] std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
    [[nodiscard]] double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
    std::atomic<std::uint64_t> count_{0};
    std::atomic<double> sum_{0};
};

// Latency buckets in seconds, 0.5 ms to 10 s.
[[nodiscard]] std::vector<double> default_latency_buckets();

class registry {
public:
    registry();
    ~registry();
    registry(registry const&) = delete;
    registry& operator=(registry const&) = delete;

    // The series of family `name` with `lbls`, created on first use. The help text of the first
    // call wins. Using one name with two metric types is a bug (asserts; returns a detached series).
    counter& get_counter(std::string_view name, std::string_view help, labels const& lbls = {});
    gauge& get_gauge(std::string_view name, std::string_view help, labels const& lbls = {});
    histogram& get_histogram(std::string_view name, std::string_view help, labels const& lbls = {},
                             std::vector<double> const& bounds = default_latency_buckets());

    // All families in the Prometheus text format, families sorted by name.
    [[nodiscard]] std::string render() const;

private:
    struct family;
    family& family_for(std::string_view name, std::string_view help, int type);
    mutable std::mutex mutex_;
    std::map<std::string, std::unique_ptr<family>, std::less<>> families_;
};

// Escapes a label value for the text format (backslash, double quote, newline).
[[nodiscard]] std::string escape_label_value(std::string_view v);

}  // namespace op::webhook
