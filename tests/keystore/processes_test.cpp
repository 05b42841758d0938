// SPDX-License-Identifier: Apache-2.0
// Several processes on one token: exact retry counters, shared objects, counter-before-PIN order,
// and crash safety under SIGKILL at random moments.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "gostcsp/gost3410.hpp"
#include "gostcsp/keystore/testing.hpp"
#include "keystore_test_util.hpp"

using namespace gostcsp::keystore;
using namespace gostcsp::keystore::test;
namespace core = gostcsp::core;

namespace {

// A child process running `body`; its exit code is body's return value. Children never return
// into GoogleTest.
template <class F>
pid_t spawn(F body) {
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
        int rc = 99;
        try {
            rc = body();
        } catch (...) {
            rc = 98;
        }
        ::_exit(rc);
    }
    return pid;
}

int wait_exit(pid_t pid) {
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid) return -1;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

// All children block on the read end until the parent closes the write end: a start barrier.
struct Barrier {
    int fds[2] = {-1, -1};
    Barrier() { EXPECT_EQ(::pipe(fds), 0); }
    ~Barrier() {
        release();
        if (fds[0] >= 0) ::close(fds[0]);
    }
    void wait_in_child() {
        ::close(fds[1]);
        char c;
        while (::read(fds[0], &c, 1) > 0) {
        }
    }
    void release() {
        if (fds[1] >= 0) ::close(fds[1]);
        fds[1] = -1;
    }
};

void write_line(int fd, const std::string& s) {
    std::string line = s + "\n";
    const char* p = line.data();
    std::size_t left = line.size();
    while (left > 0) {
        const ssize_t n = ::write(fd, p, left);
        if (n <= 0) return;
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

std::string read_all(int fd) {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    return out;
}

class ProcessTest : public ::testing::Test {
  protected:
    TempDir dir;
    Config cfg = test_config(dir.path());
    std::filesystem::path file = dir.path() / "t.token";
};

}  // namespace

TEST_F(ProcessTest, ConcurrentWrongPinsGiveExactCounter) {
    cfg.user_max_retries = 1000;
    cfg.kdf_iterations = 2000;  // long enough that attempts from different processes overlap
    ASSERT_TRUE(make_token(cfg, file));
    constexpr int processes = 6, attempts = 12;
    Barrier barrier;
    std::vector<pid_t> kids;
    for (int p = 0; p < processes; ++p) {
        kids.push_back(spawn([&] {
            barrier.wait_in_child();
            auto t = Token::open(cfg, file);
            if (!t) return 10;
            int incorrect = 0;
            for (int i = 0; i < attempts; ++i) {
                auto li = (*t)->login(UserType::user, "wrong-PIN-" + std::to_string(p));
                if (li.error() == Error::pin_incorrect) ++incorrect;
            }
            return incorrect == attempts ? 0 : 11;
        }));
    }
    barrier.release();
    for (pid_t k : kids) EXPECT_EQ(wait_exit(k), 0);
    auto t = Token::open(cfg, file);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ((*t)->info()->user.failed, static_cast<std::uint32_t>(processes * attempts));
}

TEST_F(ProcessTest, ConcurrentWrongPinsStopExactlyAtLock) {
    cfg.user_max_retries = 7;
    cfg.kdf_iterations = 300;
    ASSERT_TRUE(make_token(cfg, file));
    constexpr int processes = 5, attempts = 4;  // 20 attempts against 7 allowed
    Barrier barrier;
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    std::vector<pid_t> kids;
    for (int p = 0; p < processes; ++p) {
        kids.push_back(spawn([&] {
            ::close(pipe_fds[0]);
            barrier.wait_in_child();
            auto t = Token::open(cfg, file);
            if (!t) return 10;
            for (int i = 0; i < attempts; ++i) {
                auto li = (*t)->login(UserType::user, "wrong-PIN-x");
                write_line(pipe_fds[1], li.error() == Error::pin_incorrect ? "I" : "L");
            }
            return 0;
        }));
    }
    ::close(pipe_fds[1]);
    barrier.release();
    for (pid_t k : kids) EXPECT_EQ(wait_exit(k), 0);
    const std::string results = read_all(pipe_fds[0]);
    ::close(pipe_fds[0]);
    // Exactly max-1 attempts were told "incorrect, tries left"; everything after is "locked".
    EXPECT_EQ(std::count(results.begin(), results.end(), 'I'), 6);
    EXPECT_EQ(std::count(results.begin(), results.end(), 'L'), processes * attempts - 6);
    auto t = Token::open(cfg, file);
    ASSERT_TRUE(t.ok());
    auto info = (*t)->info();
    EXPECT_EQ(info->user.failed, 7u);
    EXPECT_TRUE(info->user.locked());
    EXPECT_EQ((*t)->login(UserType::user, user_pin).error(), Error::pin_locked);
}

TEST_F(ProcessTest, ObjectsCreatedByOneProcessSeenByAnother) {
    ASSERT_TRUE(make_token(cfg, file));
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t writer = spawn([&] {
        ::close(fds[0]);
        auto t = Token::open(cfg, file);
        if (!t || !(*t)->login(UserType::user, user_pin)) return 10;
        Object pub, priv;
        priv.is_private = true;
        auto kp = (*t)->generate_key_pair(core::ParamSet::tc26_256_a, pub, priv);
        auto d = (*t)->create_object(private_data("from-child", {4, 2}));
        if (!kp || !d) return 11;
        write_line(fds[1], std::to_string(kp->private_key) + " " + std::to_string(kp->public_key) +
                               " " + std::to_string(*d));
        return 0;
    });
    ::close(fds[1]);
    EXPECT_EQ(wait_exit(writer), 0);
    std::istringstream in(read_all(fds[0]));
    ::close(fds[0]);
    ObjectHandle priv = 0, pub = 0, data = 0;
    in >> priv >> pub >> data;
    auto t = Token::open(cfg, file);
    ASSERT_TRUE(t.ok());
    ASSERT_TRUE((*t)->login(UserType::user, user_pin).ok());
    auto o = (*t)->read_object(data);
    ASSERT_TRUE(o.ok()) << o.status().message();
    EXPECT_EQ(*find_attr(*o, cka_value), (std::vector<std::uint8_t>{4, 2}));
    auto po = (*t)->read_object(pub);
    ASSERT_TRUE(po.ok());
    const std::vector<std::uint8_t> digest(32, 0x77);
    auto sig = (*t)->sign_digest(priv, digest);
    ASSERT_TRUE(sig.ok()) << sig.status().message();
    core::PublicKey pk;
    ASSERT_TRUE(
        core::ok(core::PublicKey::from_le_xy(core::ParamSet::tc26_256_a, po->public_key, pk)));
    EXPECT_TRUE(core::ok(core::verify_digest(pk, digest, *sig)));

    // And the other way round: the parent's object is visible to a new child.
    auto mine = (*t)->create_object(private_data("from-parent", {9}));
    ASSERT_TRUE(mine.ok());
    pid_t reader = spawn([&] {
        auto c = Token::open(cfg, file);
        if (!c || !(*c)->login(UserType::user, user_pin)) return 10;
        auto r = (*c)->read_object(*mine);
        return r && *find_attr(*r, cka_value) == std::vector<std::uint8_t>{9} ? 0 : 12;
    });
    EXPECT_EQ(wait_exit(reader), 0);
}

namespace {
std::filesystem::path hook_file;
Config hook_cfg;
std::uint32_t counter_seen_in_hook = 0;
void read_counter_hook() {
    auto other = Token::open(hook_cfg, hook_file);  // a second, independent connection
    if (other) {
        auto info = (*other)->info();
        if (info) counter_seen_in_hook = info->user.failed;
    }
}
void kill_self_hook() {
    ::raise(SIGKILL);
}
}  // namespace

TEST_F(ProcessTest, CounterCommittedBeforePinIsTried) {
    auto t = make_token(cfg, file);
    ASSERT_TRUE(t);
    // 1. Another connection sees the increment while the (correct!) PIN is being tried.
    hook_file = file;
    hook_cfg = cfg;
    counter_seen_in_hook = 0;
    gostcsp::keystore::testing::set_after_counter_commit_hook(read_counter_hook);
    auto li = t->login(UserType::user, user_pin);
    gostcsp::keystore::testing::set_after_counter_commit_hook(nullptr);
    ASSERT_TRUE(li.ok());
    EXPECT_EQ(counter_seen_in_hook, 1u);
    EXPECT_EQ(t->info()->user.failed, 0u) << "success resets";
    t->logout();

    // 2. A process killed between the commit and the check leaves the attempt counted, even
    //    though its PIN was right.
    for (int round = 1; round <= 3; ++round) {
        pid_t kid = spawn([&] {
            gostcsp::keystore::testing::set_after_counter_commit_hook(kill_self_hook);
            auto c = Token::open(cfg, file);
            if (!c) return 10;
            (void)(*c)->login(UserType::user, user_pin);
            return 11;  // not reached
        });
        EXPECT_EQ(wait_exit(kid), 128 + SIGKILL);
        EXPECT_EQ(t->info()->user.failed, static_cast<std::uint32_t>(round));
    }
    // 3. The SO PIN is counted the same way.
    pid_t kid = spawn([&] {
        gostcsp::keystore::testing::set_after_counter_commit_hook(kill_self_hook);
        auto c = Token::open(cfg, file);
        if (!c) return 10;
        (void)(*c)->login(UserType::so, so_pin);
        return 11;
    });
    EXPECT_EQ(wait_exit(kid), 128 + SIGKILL);
    EXPECT_EQ(t->info()->so.failed, 1u);
    ASSERT_TRUE(t->login(UserType::user, user_pin).ok());
    EXPECT_EQ(t->info()->user.failed, 0u);
}

TEST_F(ProcessTest, KillDuringPinCheckNeverLosesAnAttempt) {
    cfg.user_max_retries = 1000;
    cfg.kdf_iterations = 3000;  // a few ms per attempt: kills land inside the KDF too
    ASSERT_TRUE(make_token(cfg, file));
    std::mt19937 rng(1234);
    std::uint32_t acked_total = 0;
    for (int trial = 0; trial < 20; ++trial) {
        int fds[2];
        ASSERT_EQ(::pipe(fds), 0);
        pid_t kid = spawn([&] {
            ::close(fds[0]);
            auto c = Token::open(cfg, file);
            if (!c) return 10;
            for (;;) {
                auto li = (*c)->login(UserType::user, "wrong-PIN-000");
                if (li.error() == Error::pin_incorrect) write_line(fds[1], "A");
            }
        });
        ::close(fds[1]);
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 80000));
        ::kill(kid, SIGKILL);
        EXPECT_EQ(wait_exit(kid), 128 + SIGKILL);
        const std::string acks = read_all(fds[0]);
        ::close(fds[0]);
        acked_total += static_cast<std::uint32_t>(acks.size() / 2);
        auto t = Token::open(cfg, file);
        ASSERT_TRUE(t.ok());
        const auto failed = (*t)->info()->user.failed;
        // Every answered attempt is counted; at most one more (killed after its commit).
        EXPECT_GE(failed, acked_total);
        EXPECT_LE(failed, acked_total + 1);
        acked_total = failed;
    }
}

// Crash safety: a child writes objects, generates keys and changes the user PIN in a loop,
// acknowledging each commit through a pipe; the parent SIGKILLs it at a random moment. After
// each kill the token opens, the acknowledged PIN (or the one being set) works, every
// acknowledged object is present and decrypts, and nothing half-written is visible.
TEST_F(ProcessTest, SigkillAtRandomMomentsLosesNothingAcknowledged) {
    // The CMake parameter sets the default; the environment variable overrides it for a soak.
    int trials = GOSTCSP_KEYSTORE_CRASH_TRIALS;
    if (const char* env = std::getenv("GOSTCSP_KEYSTORE_CRASH_TRIALS"); env && std::atoi(env) > 0) {
        trials = std::atoi(env);
    }
    ASSERT_TRUE(make_token(cfg, file));
    const std::string pins[2] = {user_pin, user_pin2};
    int current_pin = 0;
    std::map<ObjectHandle, std::uint32_t> acked_data;  // handle -> payload seed
    std::set<ObjectHandle> adopted;                    // committed but killed before the ack
    std::vector<std::pair<ObjectHandle, ObjectHandle>> acked_keys;
    std::uint32_t seed = 0;
    std::mt19937 rng(20261124);
    int kills_mid_write = 0;

    for (int trial = 0; trial < trials; ++trial) {
        int fds[2];
        ASSERT_EQ(::pipe(fds), 0);
        const std::uint32_t first_seed = seed;
        const int pin_at_start = current_pin;
        pid_t kid = spawn([&] {
            ::close(fds[0]);
            auto c = Token::open(cfg, file);
            if (!c) return 10;
            Token& tok = **c;
            int pin = pin_at_start;
            if (!tok.login(UserType::user, pins[pin])) return 11;
            write_line(fds[1], "R");
            for (std::uint32_t s = first_seed, op = 0;; ++op) {
                if (op % 4 == 3) {
                    const int next = 1 - pin;
                    if (tok.set_pin(UserType::user, pins[pin], pins[next])) {
                        pin = next;
                        write_line(fds[1], "P " + std::to_string(pin));
                    }
                } else if (op % 4 == 1) {
                    Object pub, priv;
                    priv.is_private = true;
                    priv.sensitive = true;
                    priv.extractable = false;
                    auto kp = tok.generate_key_pair(core::ParamSet::tc26_256_a, pub, priv);
                    if (kp) {
                        write_line(fds[1], "K " + std::to_string(kp->public_key) + " " +
                                               std::to_string(kp->private_key));
                    }
                } else {
                    ++s;
                    std::vector<std::uint8_t> payload(16 + s % 200);
                    for (std::size_t i = 0; i < payload.size(); ++i)
                        payload[i] = static_cast<std::uint8_t>(s * 31 + i);
                    auto h = tok.create_object(private_data("crash", payload));
                    if (h) write_line(fds[1], "O " + std::to_string(*h) + " " + std::to_string(s));
                }
            }
        });
        ::close(fds[1]);
        // Wait for the child to be logged in, then let it run a random while.
        pollfd pfd{fds[0], POLLIN, 0};
        ::poll(&pfd, 1, 5000);
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 80000));
        ::kill(kid, SIGKILL);
        ASSERT_EQ(wait_exit(kid), 128 + SIGKILL);
        std::istringstream acks(read_all(fds[0]));
        ::close(fds[0]);
        std::string kind;
        std::set<ObjectHandle> this_trial;
        std::size_t acked_this_trial = 0;
        while (acks >> kind) {
            if (kind == "O") {
                ObjectHandle h;
                std::uint32_t s;
                acks >> h >> s;
                acked_data[h] = s;
                this_trial.insert(h);
                seed = std::max(seed, s);
                ++acked_this_trial;
            } else if (kind == "P") {
                acks >> current_pin;
            } else if (kind == "K") {
                ObjectHandle p, k;
                acks >> p >> k;
                acked_keys.emplace_back(p, k);
            }
        }
        // A write may have committed without its ack reaching us: advance past its seed.
        seed += 1;

        auto t = Token::open(cfg, file);
        ASSERT_TRUE(t.ok()) << t.status().message();
        auto li = (*t)->login(UserType::user, pins[current_pin]);
        if (!li && li.error() == Error::pin_incorrect) {
            // Killed after the PIN change committed but before its ack: the other PIN is set.
            li = (*t)->login(UserType::user, pins[1 - current_pin]);
            if (li) current_pin = 1 - current_pin;
        }
        ASSERT_TRUE(li.ok()) << "trial " << trial << ": " << li.status().message();
        // Every visible object decrypts (find authenticates each one) ...
        ObjectQuery data_q;
        data_q.object_class = cko_data;
        auto found = (*t)->find_objects(data_q);
        ASSERT_TRUE(found.ok()) << "trial " << trial << ": " << found.status().message();
        // ... every acknowledged one is there with its exact payload (this trial's every time,
        // all of them every 25 trials and at the end, to keep long soaks linear) ...
        const bool full_check = trial % 25 == 24 || trial == trials - 1;
        for (const auto& [h, s] : acked_data) {
            if (!full_check && !this_trial.count(h)) continue;
            auto o = (*t)->read_object(h);
            ASSERT_TRUE(o.ok()) << "trial " << trial << " object " << h << ": "
                                << o.status().message();
            const auto* v = find_attr(*o, cka_value);
            ASSERT_TRUE(v);
            ASSERT_EQ(v->size(), 16 + s % 200);
            EXPECT_EQ((*v)[0], static_cast<std::uint8_t>(s * 31));
        }
        // ... and at most one unacknowledged write (the one in flight) became visible.
        const std::size_t known = acked_data.size() + adopted.size();
        ASSERT_GE(found->size(), known);
        ASSERT_LE(found->size(), known + 1) << "trial " << trial;
        if (found->size() == known + 1) {
            ++kills_mid_write;
            // Adopt it (presence only) so later trials account for it.
            for (auto h : *found) {
                if (!acked_data.count(h) && !adopted.count(h)) adopted.insert(h);
            }
        }
        if (full_check) {
            for (auto h : adopted) ASSERT_TRUE((*t)->read_object(h).ok()) << "object " << h;
        }
        // Key pairs: both halves present (one transaction), and the private half signs.
        ObjectQuery keys_q;
        keys_q.object_class = cko_private_key;
        auto priv_keys = (*t)->find_objects(keys_q);
        keys_q.object_class = cko_public_key;
        auto pub_keys = (*t)->find_objects(keys_q);
        ASSERT_TRUE(priv_keys.ok() && pub_keys.ok());
        ASSERT_EQ(priv_keys->size(), pub_keys->size()) << "half a key pair is visible";
        ASSERT_GE(priv_keys->size(), acked_keys.size());
        if (!acked_keys.empty()) {
            auto sig =
                (*t)->sign_digest(acked_keys.back().second, std::vector<std::uint8_t>(32, 5));
            ASSERT_TRUE(sig.ok()) << sig.status().message();
        }
        (void)acked_this_trial;
    }
    // How often a kill landed between a commit and its acknowledgement.
    std::printf(
        "crash trials: %d, objects: %zu, key pairs: %zu, kills between commit and ack: %d\n",
        trials, acked_data.size(), acked_keys.size(), kills_mid_write);
}
