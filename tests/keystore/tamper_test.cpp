// SPDX-License-Identifier: Apache-2.0
// Tampering with the token file: flipped, swapped, moved or re-flagged records and truncation.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "gostcsp/gost3410.hpp"
#include "keystore_test_util.hpp"

using namespace gostcsp::keystore;
using namespace gostcsp::keystore::test;
namespace core = gostcsp::core;

namespace {

// Direct SQL on the token file, as an attacker with write access would do it.
class RawDb {
  public:
    explicit RawDb(const std::filesystem::path& p) {
        EXPECT_EQ(sqlite3_open(p.c_str(), &db_), SQLITE_OK);
    }
    ~RawDb() { sqlite3_close(db_); }
    void exec(const std::string& sql) {
        char* err = nullptr;
        EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK)
            << (err ? err : "") << " in " << sql;
        sqlite3_free(err);
    }
    std::vector<std::uint8_t> blob(const std::string& sql) {
        sqlite3_stmt* s = nullptr;
        EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr), SQLITE_OK);
        std::vector<std::uint8_t> out;
        if (sqlite3_step(s) == SQLITE_ROW) {
            auto p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, 0));
            out.assign(p, p + sqlite3_column_bytes(s, 0));
        }
        sqlite3_finalize(s);
        return out;
    }
    void set_blob(const std::string& sql, const std::vector<std::uint8_t>& b) {
        sqlite3_stmt* s = nullptr;
        ASSERT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr), SQLITE_OK);
        sqlite3_bind_blob(s, 1, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT);
        EXPECT_EQ(sqlite3_step(s), SQLITE_DONE);
        sqlite3_finalize(s);
    }

  private:
    sqlite3* db_ = nullptr;
};

class TamperTest : public ::testing::Test {
  protected:
    void SetUp() override {
        token = make_token(cfg, file);
        ASSERT_TRUE(token);
        ASSERT_TRUE(token->login(UserType::user, user_pin).ok());
        Object pub, priv;
        priv.is_private = true;
        priv.sensitive = true;
        priv.extractable = false;
        auto kp = token->generate_key_pair(core::ParamSet::tc26_256_a, pub, priv);
        ASSERT_TRUE(kp.ok()) << kp.status().message();
        key = kp->private_key;
        auto a = token->create_object(private_data("a", {1, 1, 1}));
        auto b = token->create_object(private_data("b", {2, 2, 2}));
        ASSERT_TRUE(a.ok() && b.ok());
        obj_a = *a;
        obj_b = *b;
    }

    // Every way of using the record reports the failure; none returns data.
    void expect_rejected(ObjectHandle h, Error want = Error::integrity_failure) {
        EXPECT_EQ(token->read_object(h).error(), want);
        // A search hides the bad record only; the rest of the token is still found.
        auto found = token->find_objects();
        ASSERT_TRUE(found.ok()) << found.status().message();
        EXPECT_EQ(std::count(found->begin(), found->end(), h), 0);
        EXPECT_GE(found->size(), 3u);
        EXPECT_EQ(token->update_object(h, ObjectUpdate{{{0x3, {'x'}}}, {}, {}}).error(), want);
    }

    TempDir dir;
    Config cfg = test_config(dir.path());
    std::filesystem::path file = dir.path() / "t.token";
    std::unique_ptr<Token> token;
    ObjectHandle key = 0, obj_a = 0, obj_b = 0;
    const std::vector<std::uint8_t> digest = std::vector<std::uint8_t>(32, 0x11);
};

}  // namespace

TEST_F(TamperTest, FlippedCiphertextByteDetected) {
    {
        RawDb raw(file);
        auto body = raw.blob("SELECT body FROM objects WHERE id = " + std::to_string(obj_a));
        ASSERT_GT(body.size(), 20u);
        body[body.size() / 2] ^= 0x01;
        raw.set_blob("UPDATE objects SET body = ? WHERE id = " + std::to_string(obj_a), body);
    }
    expect_rejected(obj_a);
    EXPECT_TRUE(token->read_object(obj_b).ok()) << "other records are unaffected";
}

TEST_F(TamperTest, FlippedKeyRecordRefusesToSign) {
    {
        RawDb raw(file);
        auto body = raw.blob("SELECT body FROM objects WHERE id = " + std::to_string(key));
        body.back() ^= 0x80;  // in the tag
        raw.set_blob("UPDATE objects SET body = ? WHERE id = " + std::to_string(key), body);
    }
    EXPECT_EQ(token->sign_digest(key, digest).error(), Error::integrity_failure);
    EXPECT_EQ(token
                  ->vko(key, std::vector<std::uint8_t>(64, 1), std::vector<std::uint8_t>(8, 1),
                        core::DigestSize::bits256)
                  .error(),
              Error::integrity_failure);
}

TEST_F(TamperTest, FlippedByteInRawFileDetected) {
    // Flip a byte of the sealed body where it sits in the file, bypassing SQLite entirely.
    std::vector<std::uint8_t> body;
    {
        RawDb raw(file);
        body = raw.blob("SELECT body FROM objects WHERE id = " + std::to_string(obj_b));
    }
    std::ifstream in(file, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
    auto it = std::search(bytes.begin(), bytes.end(), body.begin(), body.end(),
                          [](char c, std::uint8_t u) { return static_cast<std::uint8_t>(c) == u; });
    ASSERT_NE(it, bytes.end());
    const auto off = static_cast<off_t>(it - bytes.begin()) + 5;
    int fd = ::open(file.c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    char c = static_cast<char>(bytes[static_cast<std::size_t>(off)] ^ 0x20);
    ASSERT_EQ(::pwrite(fd, &c, 1, off), 1);
    ::close(fd);
    // A fresh connection (the running one may serve the page from its cache: SQLite only
    // revalidates when the file change counter moves, which a raw write does not touch).
    token = std::move(*Token::open(cfg, file));
    ASSERT_TRUE(token->login(UserType::user, user_pin).ok());
    EXPECT_EQ(token->read_object(obj_b).error(), Error::integrity_failure);
}

TEST_F(TamperTest, SwappedCiphertextsDetected) {
    {
        RawDb raw(file);
        const auto a = std::to_string(obj_a), b = std::to_string(obj_b);
        raw.exec("CREATE TEMP TABLE t AS SELECT id, nonce, body FROM objects WHERE id IN (" + a +
                 "," + b + ")");
        raw.exec("UPDATE objects SET nonce = (SELECT nonce FROM t WHERE t.id = " + b +
                 "), body = (SELECT body FROM t WHERE t.id = " + b + ") WHERE id = " + a);
        raw.exec("UPDATE objects SET nonce = (SELECT nonce FROM t WHERE t.id = " + a +
                 "), body = (SELECT body FROM t WHERE t.id = " + a + ") WHERE id = " + b);
    }
    EXPECT_EQ(token->read_object(obj_a).error(), Error::integrity_failure);
    EXPECT_EQ(token->read_object(obj_b).error(), Error::integrity_failure);
}

TEST_F(TamperTest, RelaxedFlagsInFileDetected) {
    // Clear CKA_SENSITIVE and set CKA_EXTRACTABLE behind the keystore's back.
    {
        RawDb raw(file);
        raw.exec("UPDATE objects SET flags = (flags & ~2) | 4 WHERE id = " + std::to_string(key));
    }
    EXPECT_EQ(token->read_object(key).error(), Error::integrity_failure);
    EXPECT_EQ(token->sign_digest(key, digest).error(), Error::integrity_failure);
    EXPECT_EQ(token->read_secret_value(key).error(), Error::attribute_sensitive);
}

TEST_F(TamperTest, ChangedClassDetected) {
    // Turning the private key into a "secret key" would make read_secret_value consider it.
    {
        RawDb raw(file);
        raw.exec("UPDATE objects SET class = 4, flags = (flags & ~2) | 4 WHERE id = " +
                 std::to_string(key));
    }
    EXPECT_EQ(token->read_secret_value(key).error(), Error::integrity_failure);
}

TEST_F(TamperTest, PrivateFlagClearedDetected) {
    {
        RawDb raw(file);
        raw.exec("UPDATE objects SET flags = flags & ~1 WHERE id = " + std::to_string(obj_a));
    }
    token->logout();
    // Not shown as a public object: the unsealed-but-private mismatch hides it (logged).
    auto found = token->find_objects();
    ASSERT_TRUE(found.ok()) << found.status().message();
    EXPECT_EQ(std::count(found->begin(), found->end(), obj_a), 0);
    EXPECT_EQ(token->read_object(obj_a).error(), Error::integrity_failure);
}

TEST_F(TamperTest, RecordMovedFromAnotherTokenDetected) {
    const auto other_file = dir.path() / "other.token";
    auto other = make_token(cfg, other_file);
    ASSERT_TRUE(other);
    ASSERT_TRUE(other->login(UserType::user, user_pin).ok());
    auto h = other->create_object(private_data("foreign", {7}));
    ASSERT_TRUE(h.ok());
    {
        RawDb raw(file);
        raw.exec("ATTACH '" + other_file.string() + "' AS o");
        raw.exec("UPDATE objects SET nonce = (SELECT nonce FROM o.objects WHERE id = " +
                 std::to_string(*h) + "), body = (SELECT body FROM o.objects WHERE id = " +
                 std::to_string(*h) + ") WHERE id = " + std::to_string(obj_a));
    }
    EXPECT_EQ(token->read_object(obj_a).error(), Error::integrity_failure);
}

TEST_F(TamperTest, TamperedWrapLooksLikeWrongPin) {
    {
        RawDb raw(file);
        raw.exec("UPDATE pins SET kdf_iterations = 1 WHERE user_type = 1");  // weaken the KDF
    }
    token->logout();
    EXPECT_EQ(token->login(UserType::user, user_pin).error(), Error::pin_incorrect);
}

TEST_F(TamperTest, UnknownAlgorithmIsCorrupt) {
    {
        RawDb raw(file);
        raw.exec("UPDATE objects SET aead_alg = 'rot13' WHERE id = " + std::to_string(obj_a));
    }
    EXPECT_EQ(token->read_object(obj_a).error(), Error::corrupt);
}

TEST_F(TamperTest, TruncatedFileIsACleanError) {
    token.reset();
    const auto size = std::filesystem::file_size(file);
    for (std::uintmax_t keep : {size / 2, std::uintmax_t{1500}, std::uintmax_t{100}}) {
        const auto copy = dir.path() / ("cut" + std::to_string(keep) + ".token");
        std::filesystem::copy_file(file, copy);
        std::filesystem::resize_file(copy, keep);
        auto t = Token::open(cfg, copy);
        Error got = Error::ok;
        if (!t) {
            got = t.error();
        } else {
            // Opening may succeed on a partial header; the first real use must fail cleanly.
            auto info = (*t)->info();
            auto li = (*t)->login(UserType::user, user_pin);
            auto found = (*t)->find_objects();
            got = !info ? info.error() : !li ? li.error() : found.error();
            if (li.ok() && found.ok()) {
                for (auto h : *found) {
                    auto o = (*t)->read_object(h);
                    if (!o) got = o.error();
                }
            }
        }
        EXPECT_TRUE(got == Error::corrupt || got == Error::integrity_failure)
            << "kept " << keep << " of " << size << " bytes: " << error_name(got);
    }
}

TEST_F(TamperTest, EmptyAndForeignFiles) {
    token.reset();
    const auto empty = dir.path() / "empty.token";
    std::ofstream(empty).flush();
    auto t = Token::open(cfg, empty);
    ASSERT_TRUE(t.ok());
    EXPECT_FALSE((*t)->info()->initialized);
    EXPECT_EQ((*t)->login(UserType::so, so_pin).error(), Error::token_not_initialized);
    const auto junk = dir.path() / "junk.token";
    std::ofstream(junk) << std::string(4096, 'Z');
    EXPECT_EQ(Token::open(cfg, junk).error(), Error::corrupt);
    EXPECT_EQ(init_token(cfg, junk, so_pin, "x").error(), Error::corrupt) << "never overwritten";
    const auto foreign = dir.path() / "foreign.token";
    {
        RawDb raw(foreign);
        raw.exec("CREATE TABLE t (x)");
    }
    EXPECT_EQ(Token::open(cfg, foreign).error(), Error::corrupt);
    EXPECT_EQ(init_token(cfg, foreign, so_pin, "x").error(), Error::corrupt);
}

// Random single-byte corruption anywhere in the file: every call either fails with an error or
// returns exactly the original private data; nothing crashes, nothing wrong is accepted.
TEST_F(TamperTest, RandomByteFlipsNeverYieldWrongPrivateData) {
    auto orig_a = token->read_object(obj_a);
    auto orig_b = token->read_object(obj_b);
    auto pub = token->read_object(key);
    ASSERT_TRUE(orig_a.ok() && orig_b.ok() && pub.ok());
    core::PublicKey pk;
    ASSERT_TRUE(
        core::ok(core::PublicKey::from_le_xy(core::ParamSet::tc26_256_a, pub->public_key, pk)));
    token.reset();
    std::ifstream in(file, std::ios::binary);
    const std::vector<char> good((std::istreambuf_iterator<char>(in)), {});
    ASSERT_GT(good.size(), 1000u);
    std::uint32_t state = 0x9e3779b9u;
    auto next = [&] {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        return state;
    };
    // Aim at bytes that carry data (most of a small SQLite file is zero padding).
    std::vector<std::size_t> used;
    for (std::size_t i = 0; i < good.size(); ++i)
        if (good[i] != 0) used.push_back(i);
    int clean = 0, refused = 0;
    for (int trial = 0; trial < 200; ++trial) {
        std::vector<char> bad = good;
        const std::size_t off = used[next() % used.size()];
        bad[off] = static_cast<char>(bad[off] ^ static_cast<char>(1u << (next() % 8)));
        const auto copy = dir.path() / "mutant.token";
        std::filesystem::remove(copy);
        std::ofstream(copy, std::ios::binary)
            .write(bad.data(), static_cast<std::streamsize>(bad.size()));
        auto t = Token::open(cfg, copy);
        if (!t) {
            ++refused;
            continue;
        }
        if (!(*t)->login(UserType::user, user_pin)) {
            ++refused;
            continue;
        }
        bool all_ok = true;
        for (const auto* orig : {&*orig_a, &*orig_b}) {
            auto got = (*t)->read_object(orig->handle);
            if (!got) {
                all_ok = false;
                continue;
            }
            EXPECT_EQ(got->attributes, orig->attributes) << "offset " << off;
            EXPECT_EQ(got->object_class, orig->object_class) << "offset " << off;
            EXPECT_EQ(got->sensitive, orig->sensitive) << "offset " << off;
        }
        auto k = (*t)->read_object(key);
        if (k) {
            EXPECT_TRUE(k->sensitive && !k->extractable) << "offset " << off;
        } else {
            all_ok = false;
        }
        auto sig = (*t)->sign_digest(key, digest);
        if (sig) {
            EXPECT_TRUE(core::ok(core::verify_digest(pk, digest, *sig))) << "offset " << off;
        } else {
            all_ok = false;
        }
        (void)(*t)->find_objects();
        (all_ok ? clean : refused)++;
    }
    std::printf("random flips: %d left private data intact, %d refused with an error\n", clean,
                refused);
    EXPECT_GT(refused, 0);
}

// The PIN's policy state is bound into its wrap: lifting must-change or raising the retry
// limit in the file turns the PIN into a wrong one instead of unlocking anything.
TEST_F(TamperTest, MustChangeClearedInFileDoesNotLiftExpiry) {
    token->logout();
    ASSERT_TRUE(token->login(UserType::so, so_pin).ok());
    ASSERT_TRUE(token->init_user_pin("12345678").ok());  // factory PIN: must change
    token->logout();
    auto li = token->login(UserType::user, "12345678");
    ASSERT_TRUE(li.ok() && li->must_change);
    EXPECT_EQ(token->sign_digest(key, digest).error(), Error::pin_expired);
    token->logout();
    {
        RawDb raw(file);
        raw.exec("UPDATE pins SET must_change = 0 WHERE user_type = 1");
    }
    EXPECT_EQ(token->login(UserType::user, "12345678").error(), Error::pin_incorrect);
    EXPECT_EQ(token->sign_digest(key, digest).error(), Error::not_logged_in);
}

TEST_F(TamperTest, RaisedRetryLimitInFileMakesThePinWrong) {
    token->logout();
    {
        RawDb raw(file);
        raw.exec("UPDATE pins SET max_retries = 1000 WHERE user_type = 1");
    }
    EXPECT_EQ(token->login(UserType::user, user_pin).error(), Error::pin_incorrect);
}

// A row planted in clear as a private key with a scalar of the attacker's choice is never
// listed or used: keys exist only sealed.
TEST_F(TamperTest, PlantedUnsealedPrivateKeyRefused) {
    std::vector<std::uint8_t> body = {0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0, 0};  // no pub, no attrs
    body.insert(body.end(), 32, 0x07);                                       // d = 0x0707…07
    {
        RawDb raw(file);
        raw.set_blob(
            "INSERT INTO objects (id, class, key_type, param_set, flags, body) VALUES "
            "(1000, 3, 48, " +
                std::to_string(static_cast<int>(core::ParamSet::tc26_256_a)) + ", 32, ?)",
            body);
    }
    auto found = token->find_objects();
    ASSERT_TRUE(found.ok()) << found.status().message();
    EXPECT_EQ(std::count(found->begin(), found->end(), ObjectHandle{1000}), 0);
    EXPECT_EQ(found->size(), 4u) << "the genuine objects are still listed";
    EXPECT_EQ(token->read_object(1000).error(), Error::integrity_failure);
    EXPECT_EQ(token->sign_digest(1000, digest).error(), Error::integrity_failure);
    EXPECT_TRUE(token->sign_digest(key, digest).ok());
}
