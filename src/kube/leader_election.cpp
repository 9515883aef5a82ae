#include "op/kube/leader_election.hpp"

#include "op/util/json.hpp"
#include "op/util/log.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <condition_variable>
#include <random>
#include <thread>

namespace op::kube {

namespace {

resource const lease_resource{"coordination.k8s.io", "v1", "leases", true};

std::string str_field(rapidjson::Value const& o, char const* k) {
    auto r = json::get_string(o, k, "");
    return r && *r ? std::string(**r) : std::string{};
}

int int_field(rapidjson::Value const& o, char const* k) {
    auto r = json::get_int(o, k, "");
    return r && *r ? static_cast<int>(**r) : 0;
}

}  // namespace

result<std::unique_ptr<leader_elector>> leader_elector::create(client& c, lease_config cfg,
                                                               leader_callbacks cb,
                                                               util::clock& clk) {
    if (cfg.name.empty() || cfg.identity.empty() || cfg.ns.empty())
        return invalid("leader election needs a lease namespace, name and identity");
    if (cfg.lease_duration <= cfg.renew_deadline)
        return invalid("leaseDuration must be greater than renewDeadline");
    if (cfg.renew_deadline.count() <= cfg.retry_period.count() * 12 / 10)
        return invalid("renewDeadline must be greater than 1.2 * retryPeriod");
    return std::unique_ptr<leader_elector>(
        new leader_elector(c, std::move(cfg), std::move(cb), clk));
}

std::string leader_elector::observed_leader() const {
    std::lock_guard lock(mutex_);
    return observed_holder_;
}

std::string leader_elector::lease_body(std::string const& holder, int duration_s,
                                       std::string const& acquire, int transitions,
                                       std::string const& rv) const {
    std::string now = micro_time(clock_->wall_now());
    return fmt::format(
        R"({{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{{"name":"{}",)"
        R"("namespace":"{}"{}}},"spec":{{"holderIdentity":"{}","leaseDurationSeconds":{},)"
        R"("acquireTime":"{}","renewTime":"{}","leaseTransitions":{}}}}})",
        cfg_.name, cfg_.ns, rv.empty() ? "" : R"(,"resourceVersion":")" + rv + "\"", holder,
        duration_s, acquire.empty() ? now : acquire, now, transitions);
}

result<bool> leader_elector::try_acquire_or_renew() {
    request_options ro;
    ro.timeout = std::max(cfg_.retry_period, cfg_.renew_deadline / 2);
    int dur_s = static_cast<int>(
        std::chrono::duration_cast<std::chrono::seconds>(cfg_.lease_duration).count());
    auto got = client_.get(lease_resource, cfg_.ns, cfg_.name, ro);
    std::string new_leader;
    if (!got) {
        if (got.error().code != errc::not_found) return got.error();
        auto made = client_.create(lease_resource, cfg_.ns,
                                   lease_body(cfg_.identity, dur_s, "", 0, ""), ro);
        if (!made) {
            if (made.error().code == errc::conflict) return false;
            return made.error();
        }
        got = std::move(made);
    } else {
        auto const* spec = json::find(**got, "spec");
        static rapidjson::Value const empty(rapidjson::kObjectType);
        auto const& s = spec && spec->IsObject() ? *spec : empty;
        std::string holder = str_field(s, "holderIdentity");
        int lease_s = int_field(s, "leaseDurationSeconds");
        int transitions = int_field(s, "leaseTransitions");
        std::string record = fmt::format("{}|{}|{}|{}", holder, str_field(s, "renewTime"),
                                         transitions, lease_s);
        bool held_by_other;
        std::string acquire = str_field(s, "acquireTime");
        {
            std::lock_guard lock(mutex_);
            if (record != observed_record_) {
                observed_record_ = record;
                observed_time_ = clock_->now();
                if (holder != observed_holder_) new_leader = holder;
                observed_holder_ = holder;
            }
            held_by_other = !holder.empty() && holder != cfg_.identity &&
                            observed_time_ + std::chrono::seconds(lease_s) > clock_->now();
        }
        if (!new_leader.empty() && cb_.on_new_leader) cb_.on_new_leader(new_leader);
        new_leader.clear();
        if (held_by_other) return false;
        bool mine = holder == cfg_.identity;
        auto put = client_.update(
            lease_resource, cfg_.ns, cfg_.name,
            lease_body(cfg_.identity, dur_s, mine ? acquire : "", mine ? transitions : transitions + 1,
                       std::string(meta_string(**got, "resourceVersion"))),
            ro);
        if (!put) {
            if (put.error().code == errc::conflict) return false;
            return put.error();
        }
        got = std::move(put);
    }
    auto const* spec = json::find(**got, "spec");
    std::lock_guard lock(mutex_);
    if (spec) {
        observed_record_ = fmt::format("{}|{}|{}|{}", cfg_.identity, str_field(*spec, "renewTime"),
                                       int_field(*spec, "leaseTransitions"), dur_s);
    }
    observed_time_ = clock_->now();
    if (observed_holder_ != cfg_.identity) new_leader = cfg_.identity;
    observed_holder_ = cfg_.identity;
    if (!new_leader.empty() && cb_.on_new_leader) cb_.on_new_leader(new_leader);
    return true;
}

result<void> leader_elector::release() {
    request_options ro;
    ro.timeout = cfg_.renew_deadline;
    OP_TRY(auto got, client_.get(lease_resource, cfg_.ns, cfg_.name, ro));
    auto const* spec = json::find(*got, "spec");
    if (!spec || str_field(*spec, "holderIdentity") != cfg_.identity) return {};
    auto put = client_.update(lease_resource, cfg_.ns, cfg_.name,
                              lease_body("", 1, "", int_field(*spec, "leaseTransitions"),
                                         std::string(meta_string(*got, "resourceVersion"))),
                              ro);
    if (!put) return put.error();
    return {};
}

bool leader_elector::wait(std::stop_token const& st, std::chrono::milliseconds d) {
    std::mutex m;
    std::condition_variable_any cv;
    std::unique_lock lock(m);
    return !cv.wait_for(lock, st, d, [] { return false; });  // true when not stopped
}

void leader_elector::run(std::stop_token stop) {
    std::mt19937 gen(std::random_device{}());
    auto jittered = [&] {  // JitterUntil(retryPeriod, 1.2)
        std::uniform_real_distribution<double> u(0, 1.2);
        return cfg_.retry_period + std::chrono::milliseconds(static_cast<long>(
                                       u(gen) * static_cast<double>(cfg_.retry_period.count())));
    };
    while (!stop.stop_requested()) {
        auto r = try_acquire_or_renew();
        if (r && *r) break;
        if (!r) log::warn("lease acquire failed", {{"lease", cfg_.name}, {"error", r.error().what()}});
        wait(stop, jittered());
    }
    if (stop.stop_requested()) return;
    log::info("became leader", {{"lease", cfg_.name}, {"identity", cfg_.identity}});
    leader_ = true;
    std::stop_source lead;
    std::thread worker([&] {
        if (cb_.on_started_leading) cb_.on_started_leading(lead.get_token());
    });
    auto last_renew = clock_->now();
    bool lost = false;
    while (!stop.stop_requested()) {
        if (!wait(stop, cfg_.retry_period)) break;
        auto r = try_acquire_or_renew();
        if (r && *r) {
            last_renew = clock_->now();
            continue;
        }
        if (r && !*r && observed_leader() != cfg_.identity) {  // someone else holds it now
            lost = true;
            break;
        }
        if (!r)
            log::warn("lease renew failed", {{"lease", cfg_.name}, {"error", r.error().what()}});
        if (clock_->now() - last_renew >= cfg_.renew_deadline) {
            lost = true;
            break;
        }
    }
    leader_ = false;
    lead.request_stop();
    worker.join();
    if (lost) {
        log::warn("leadership lost", {{"lease", cfg_.name}, {"identity", cfg_.identity}});
    } else if (cfg_.release_on_cancel) {
        if (auto r = release(); !r)
            log::warn("lease release failed", {{"lease", cfg_.name}, {"error", r.error().what()}});
        else
            log::info("lease released", {{"lease", cfg_.name}});
    }
    if (cb_.on_stopped_leading) cb_.on_stopped_leading();
}

}  // namespace op::kube
