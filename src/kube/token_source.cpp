// Bearer token sources: fixed, file (re-read every minute), exec plugin (cached until expiry).
#include "op/kube/config.hpp"
#include "op/util/json.hpp"
#include "op/util/log.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

extern char** environ;

namespace op::kube {
namespace {

constexpr auto file_reread = std::chrono::minutes(1);
constexpr auto exec_leeway = std::chrono::seconds(10);

result<std::string> read_trimmed(std::string const& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return terminal("cannot read token file " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

// Parses RFC 3339 "2026-01-01T00:00:00Z" (fractions and offsets other than Z ignored).
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view s) {
    std::tm tm{};
    std::string str(s);
    if (!strptime(str.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return std::nullopt;
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

// Runs the plugin and returns its stdout. Fails (terminal) when it cannot start or exits non-zero,
// (transient) when it has not finished within cfg.timeout or writes more than 1 MiB: it is
// killed then, so a hung plugin never holds the caller (an I/O thread) for longer.
result<std::string> run_plugin(exec_config const& cfg) {
    int fds[2];
    if (pipe(fds) != 0) return terminal("exec plugin: pipe failed");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    std::vector<std::string> envs;
    for (char** e = environ; *e; ++e) envs.emplace_back(*e);
    for (auto const& [k, v] : cfg.env) envs.push_back(k + "=" + v);
    envs.push_back("KUBERNETES_EXEC_INFO={\"apiVersion\":\"" + cfg.api_version +
                   "\",\"kind\":\"ExecCredential\",\"spec\":{\"interactive\":false}}");
    std::vector<char*> envp, argv;
    for (auto& e : envs) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string cmd = cfg.command;
    argv.push_back(cmd.data());
    std::vector<std::string> args = cfg.args;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    int rc = posix_spawnp(&pid, cmd.c_str(), &fa, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        return terminal("exec plugin " + cmd + ": " + std::strerror(rc));
    }
    std::string out;
    char buf[4096];
    auto const deadline = std::chrono::steady_clock::now() + cfg.timeout;
    std::string overrun;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            overrun = "did not finish within " + std::to_string(cfg.timeout.count()) + " ms";
            break;
        }
        pollfd p{fds[0], POLLIN, 0};
        int ready = poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) continue;  // timeout: the deadline check above ends the loop
        ssize_t n = read(fds[0], buf, sizeof buf);
        if (n > 0) {
            out.append(buf, static_cast<std::size_t>(n));
            if (out.size() > (1u << 20)) {
                overrun = "wrote more than 1 MiB";
                break;
            }
        } else if (n == 0 || errno != EINTR) {
            break;
        }
    }
    close(fds[0]);
    if (!overrun.empty()) kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!overrun.empty()) return transient("exec plugin " + cmd + " " + overrun + "; killed it");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return terminal("exec plugin " + cmd + " failed with status " + std::to_string(status));
    return out;
}

}  // namespace

std::shared_ptr<token_source> token_source::fixed(std::string token) {
    std::shared_ptr<token_source> t(new token_source(kind::fixed, util::system_clock()));
    t->cached_ = std::move(token);
    t->have_ = true;
    return t;
}

std::shared_ptr<token_source> token_source::file(std::string path, util::clock& clk) {
    std::shared_ptr<token_source> t(new token_source(kind::file, clk));
    t->path_ = std::move(path);
    return t;
}

std::shared_ptr<token_source> token_source::exec(exec_config cfg, util::clock& clk) {
    std::shared_ptr<token_source> t(new token_source(kind::exec, clk));
    t->exec_ = std::move(cfg);
    return t;
}

result<std::string> token_source::token() {
    std::lock_guard lock(mutex_);
    switch (kind_) {
        case kind::fixed: return cached_;
        case kind::file: {
            if (have_ && clock_->now() - read_at_ < file_reread) return cached_;
            auto t = read_trimmed(path_);
            if (!t) {
                if (have_) return cached_;  // keep the last good token on a transient failure
                return t;
            }
            cached_ = std::move(*t);
            read_at_ = clock_->now();
            have_ = true;
            return cached_;
        }
        case kind::exec: {
            if (have_ && (!expires_ || clock_->wall_now() + exec_leeway < *expires_)) return cached_;
            OP_TRY(auto out, run_plugin(exec_));
            auto doc = json::parse(out);
            if (!doc) return terminal("exec plugin output is not JSON: " + doc.error().message);
            auto const* status = json::find(*doc, "status");
            if (!status) return terminal("exec plugin output has no status");
            auto tok = json::get_string(*status, "token", "status");
            if (!tok || !*tok) return terminal("exec plugin output has no status.token");
            cached_ = std::string(**tok);
            expires_.reset();
            if (auto exp = json::get_string(*status, "expirationTimestamp", "status"); exp && *exp)
                expires_ = parse_rfc3339(**exp);
            have_ = true;
            return cached_;
        }
    }
    return internal("bad token source");
}

bool token_source::refresh(std::string const& refused) {
    {
        std::lock_guard lock(mutex_);
        if (kind_ == kind::fixed) return false;
        if (have_ && cached_ != refused) return true;  // another request already re-read it
        have_ = false;  // token() below reads the file or runs the plugin again
    }
    auto t = token();
    std::lock_guard lock(mutex_);
    if (!t) {
        // Keep serving the refused token (the next periodic read may find a good one).
        cached_ = refused;
        have_ = true;
        read_at_ = clock_->now();
        log::warn("re-reading the API token after 401 failed", {{"error", t.error().what()}});
        return false;
    }
    return *t != refused;
}

}  // namespace op::kube
