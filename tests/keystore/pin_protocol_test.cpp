// SPDX-License-Identifier: Apache-2.0
// The PIN protocol under 64 concurrent processes (docs/keystore.md "PIN protocol"): correct PINs
// never meet a lockout that wrong PINs did not cause; between two successes (in commit order)
// at most max_retries failures are evaluated; a process killed inside login is a failure.
// Every verdict is logged, in commit order, by the keystore's test hook into one O_APPEND file.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "gostcsp/keystore/testing.hpp"
#include "keystore_test_util.hpp"

using namespace gostcsp::keystore;
using namespace gostcsp::keystore::test;

namespace {

constexpr int processes = 64;
int verdict_fd = -1;

void log_verdict(char v) {
    (void)!::write(verdict_fd, &v, 1);
}

// Outcome letters a child reports through its exit code.
enum Outcome : int { ok = 0, incorrect = 1, locked_tried = 2, locked_untried = 3, other = 4 };

Outcome outcome(const Result<LoginInfo>& r) {
    if (r.ok()) return ok;
    if (r.error() == Error::pin_incorrect) return incorrect;
    if (r.error() == Error::pin_locked) {
        // "…incorrect; the PIN is now locked" was evaluated; "…is locked" was not tried.
        return r.status().message().find("incorrect") != std::string_view::npos ? locked_tried
                                                                                : locked_untried;
    }
    return other;
}

class PinProtocolTest : public ::testing::Test {
  protected:
    void SetUp() override {
        cfg.user_max_retries = max_retries;
        cfg.kdf_iterations = 400;  // attempts overlap, and 64 of them stay well under a second
        ASSERT_TRUE(make_token(cfg, file));
        verdict_fd = ::open(log.c_str(), O_CREAT | O_WRONLY | O_APPEND | O_CLOEXEC, 0600);
        ASSERT_GE(verdict_fd, 0);
    }
    void TearDown() override { ::close(verdict_fd); }

    // Starts one child per PIN, all released at once; `kill_some` SIGKILLs a random third of
    // them shortly after the start. Returns each child's outcome (-SIGKILL for killed ones).
    std::vector<int> run(const std::vector<std::string>& pins, bool kill_some = false) {
        int gate[2];
        EXPECT_EQ(::pipe(gate), 0);
        std::vector<pid_t> kids;
        for (const auto& pin : pins) {
            std::fflush(nullptr);
            const pid_t pid = ::fork();
            if (pid == 0) {
                ::close(gate[1]);
                char c;
                while (::read(gate[0], &c, 1) > 0) {
                }
                gostcsp::keystore::testing::set_verdict_hook(log_verdict);
                auto t = Token::open(cfg, file);
                ::_exit(t ? outcome((*t)->login(UserType::user, pin)) : other);
            }
            kids.push_back(pid);
        }
        ::close(gate[0]);
        ::close(gate[1]);
        if (kill_some) {
            std::mt19937 rng(77);
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            for (std::size_t i = 0; i < kids.size(); i += 3) {
                std::this_thread::sleep_for(std::chrono::microseconds(rng() % 3000));
                ::kill(kids[i], SIGKILL);
            }
        }
        std::vector<int> out;
        for (pid_t k : kids) {
            int status = 0;
            ::waitpid(k, &status, 0);
            out.push_back(WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
        }
        return out;
    }

    // The verdict log, in commit order.
    std::string verdicts() {
        std::ifstream in(log);
        return {std::istreambuf_iterator<char>(in), {}};
    }

    // The invariant: between two successes at most max_retries failures (W, K).
    void expect_invariant(const std::string& v) {
        int since_success = 0, worst = 0;
        for (char c : v) {
            if (c == 'S')
                since_success = 0;
            else
                worst = std::max(worst, ++since_success);
        }
        EXPECT_LE(worst, static_cast<int>(max_retries)) << "verdicts in commit order: " << v;
    }

    PinState user_state() {
        auto t = Token::open(cfg, file);
        return (*t)->info()->user;
    }

    static constexpr std::uint32_t max_retries = 10;
    TempDir dir;
    Config cfg = test_config(dir.path());
    std::filesystem::path file = dir.path() / "t.token";
    std::filesystem::path log = dir.path() / "verdicts";
};

std::size_t count(const std::vector<int>& v, int what) {
    return static_cast<std::size_t>(std::count(v.begin(), v.end(), what));
}

}  // namespace

TEST_F(PinProtocolTest, AllCorrectNeverLockOut) {
    const auto out = run(std::vector<std::string>(processes, user_pin));
    EXPECT_EQ(count(out, ok), static_cast<std::size_t>(processes));
    EXPECT_EQ(verdicts(), std::string(processes, 'S'));
    EXPECT_EQ(user_state().failed, 0u);
}

TEST_F(PinProtocolTest, AllWrongEvaluateExactlyTheMaximum) {
    const auto out = run(std::vector<std::string>(processes, "wrong-PIN-123"));
    EXPECT_EQ(count(out, incorrect), max_retries - 1);
    EXPECT_EQ(count(out, locked_tried), 1u);
    EXPECT_EQ(count(out, locked_untried), processes - max_retries);
    EXPECT_EQ(verdicts(), std::string(max_retries, 'W'));
    EXPECT_TRUE(user_state().locked());
}

TEST_F(PinProtocolTest, FewWrongAmongManyCorrectLockNobodyOut) {
    // 8 wrong PINs cannot reach the limit of 10, so every correct login must succeed.
    std::vector<std::string> pins(processes, user_pin);
    for (int i = 0; i < 8; ++i)
        pins[static_cast<std::size_t>(i * 8)] = "wrong-PIN-" + std::to_string(i);
    const auto out = run(pins);
    EXPECT_EQ(count(out, ok), static_cast<std::size_t>(processes - 8));
    EXPECT_EQ(count(out, incorrect), 8u);
    expect_invariant(verdicts());
}

TEST_F(PinProtocolTest, MixedNeverEvaluatesMoreThanTheMaximumBetweenSuccesses) {
    std::vector<std::string> pins(processes, "wrong-PIN-456");
    for (int i = 0; i < processes; i += 16) pins[static_cast<std::size_t>(i)] = user_pin;
    const auto out = run(pins);
    const std::string v = verdicts();
    expect_invariant(v);
    EXPECT_EQ(count(out, other), 0u);
    // A correct PIN is refused only when the limit was reached by failures since a success.
    for (std::size_t i = 0; i < pins.size(); i += 16) {
        if (out[i] == locked_untried) {
            EXPECT_NE(v.find(std::string(max_retries, 'W')), std::string::npos);
        }
    }
}

TEST_F(PinProtocolTest, KilledAttemptsCountAsFailures) {
    std::vector<std::string> pins(processes, "wrong-PIN-789");
    for (int i = 1; i < processes; i += 4) pins[static_cast<std::size_t>(i)] = user_pin;
    const auto out = run(pins, true);
    // One more login folds in any attempt the kills left behind.
    auto t = Token::open(cfg, file);
    (void)(*t)->login(UserType::user, "wrong-PIN-000");
    const std::string v = verdicts();
    expect_invariant(v);
    const std::size_t killed = count(out, -SIGKILL);
    EXPECT_GT(killed, 0u);
    // Killed children that had been admitted appear as K; none vanished uncounted: every row
    // left behind was folded in, so nothing is still in flight.
    EXPECT_EQ(user_state().in_flight, 0u);
    const std::size_t evaluated_or_killed = static_cast<std::size_t>(
        std::count(v.begin(), v.end(), 'S') + std::count(v.begin(), v.end(), 'W') +
        std::count(v.begin(), v.end(), 'K'));
    EXPECT_GE(evaluated_or_killed,
              count(out, ok) + count(out, incorrect) + count(out, locked_tried));
}
