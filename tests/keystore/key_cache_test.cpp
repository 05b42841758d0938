// SPDX-License-Identifier: Apache-2.0
// The per-login key cache: a logged-in Token signs without the file, yet every change another
// connection commits (re-initialisation, a destroyed key, a factory PIN set by the SO), a logout
// and a fork end what the cache may serve. Signatures are checked with the core verifier.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "gostcsp/gost3410.hpp"
#include "keystore_test_util.hpp"

using namespace gostcsp::keystore;
using namespace gostcsp::keystore::test;
namespace core = gostcsp::core;

namespace {

class KeyCacheTest : public ::testing::Test {
  protected:
    void SetUp() override {
        token = make_token(cfg, file);
        ASSERT_TRUE(token);
        ASSERT_TRUE(token->login(UserType::user, user_pin).ok());
        Object pub, priv;
        priv.is_private = true;
        priv.sensitive = true;
        auto kp = token->generate_key_pair(core::ParamSet::tc26_256_a, pub, priv);
        ASSERT_TRUE(kp.ok()) << kp.status().message();
        key = kp->private_key;
        auto po = token->read_object(kp->public_key);
        ASSERT_TRUE(po.ok());
        ASSERT_TRUE(core::ok(
            core::PublicKey::from_le_xy(core::ParamSet::tc26_256_a, po->public_key, public_key)));
    }
    bool signs_validly() {
        auto sig = token->sign_digest(key, digest);
        return sig.ok() && core::ok(core::verify_digest(public_key, digest, *sig));
    }
    std::unique_ptr<Token> other() { return std::move(*Token::open(cfg, file)); }

    TempDir dir;
    Config cfg = test_config(dir.path());
    std::filesystem::path file = dir.path() / "t.token";
    std::unique_ptr<Token> token;
    ObjectHandle key = invalid_handle;
    core::PublicKey public_key;
    std::vector<std::uint8_t> digest = std::vector<std::uint8_t>(32, 0x42);
};

}  // namespace

TEST_F(KeyCacheTest, RepeatedSignaturesVerifyAndLogoutEndsThem) {
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(signs_validly());
    token->logout();
    EXPECT_EQ(token->sign_digest(key, digest).error(), Error::not_logged_in);
    EXPECT_EQ(token->read_object(key).error(), Error::object_not_found);
}

TEST_F(KeyCacheTest, ReinitialisationElsewhereEndsCachedKeys) {
    ASSERT_TRUE(signs_validly());
    ASSERT_TRUE(init_token(cfg, file, so_pin, "again").ok());
    auto r = token->sign_digest(key, digest);
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(r.error() == Error::token_changed || r.error() == Error::not_logged_in)
        << r.status().message();
    EXPECT_FALSE(token->read_object(key).ok());
}

TEST_F(KeyCacheTest, KeyDestroyedElsewhereNoLongerSigns) {
    ASSERT_TRUE(signs_validly());
    auto o = other();
    ASSERT_TRUE(o->login(UserType::user, user_pin).ok());
    ASSERT_TRUE(o->destroy_object(key).ok());
    EXPECT_EQ(token->sign_digest(key, digest).error(), Error::object_not_found);
}

TEST_F(KeyCacheTest, FactoryPinSetElsewhereExpiresCachedKeys) {
    ASSERT_TRUE(signs_validly());
    auto o = other();
    ASSERT_TRUE(o->login(UserType::so, so_pin).ok());
    ASSERT_TRUE(o->init_user_pin("12345678").ok());  // a default PIN: must change
    EXPECT_EQ(token->sign_digest(key, digest).error(), Error::pin_expired);
}

TEST_F(KeyCacheTest, ThreadsShareTheCachedKey) {
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 25; ++i) good += signs_validly() ? 1 : 0;
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(good.load(), 100);
}

TEST_F(KeyCacheTest, ForkChildInheritsNoLogin) {
    ASSERT_TRUE(signs_validly());
    const pid_t pid = ::fork();
    if (pid == 0) {
        // The parent's key pages are wiped in the child (MADV_WIPEONFORK); it must not sign.
        auto r = token->sign_digest(key, digest);
        ::_exit(!r.ok() && r.error() == Error::not_logged_in ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    EXPECT_TRUE(signs_validly()) << "the parent keeps its login";
}
