// SPDX-License-Identifier: Apache-2.0
// The on-disk format as docs/keystore.md describes it, decrypted here independently with
// OpenSSL EVP; and no key, scalar or PIN appears in the file in clear.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include <chrono>
#include <fstream>

#include "gostcsp/streebog.hpp"
#include "keystore_test_util.hpp"
#include "vector_file.hpp"

using namespace gostcsp::keystore;
using namespace gostcsp::keystore::test;
namespace core = gostcsp::core;
using gostcsp::test::load_vectors;

namespace {

using Bytes = std::vector<std::uint8_t>;

// Writers for the documented encodings: u32/u64 little-endian, byte strings as u32 length ‖ bytes.
void put_u32(Bytes& b, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put_u64(Bytes& b, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put_bytes(Bytes& b, const Bytes& v) {
    put_u32(b, static_cast<std::uint32_t>(v.size()));
    b.insert(b.end(), v.begin(), v.end());
}
void put_text(Bytes& b, std::string_view s) {
    put_bytes(b, Bytes(s.begin(), s.end()));
}

// AES-256-GCM decryption written against OpenSSL directly (ciphertext ‖ 16-byte tag).
std::optional<Bytes> gcm_open(const Bytes& key, const Bytes& nonce, const Bytes& aad,
                              const Bytes& ct) {
    if (ct.size() < 16) return std::nullopt;
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    Bytes out(ct.size() - 16 + 1);
    int len = 0, n = 0;
    Bytes tag(ct.end() - 16, ct.end());
    bool ok =
        EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()), nullptr) &&
        EVP_DecryptInit_ex(ctx, nullptr, nullptr, key.data(), nonce.data()) &&
        EVP_DecryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) &&
        EVP_DecryptUpdate(ctx, out.data(), &n, ct.data(), static_cast<int>(ct.size() - 16)) &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag.data()) &&
        EVP_DecryptFinal_ex(ctx, out.data() + n, &len);
    EVP_CIPHER_CTX_free(ctx);
    if (!ok) return std::nullopt;
    out.resize(ct.size() - 16);
    return out;
}

struct Row {
    std::vector<Bytes> blobs;
    std::vector<std::int64_t> ints;
    std::vector<std::string> texts;
};

Row query(const std::filesystem::path& file, const std::string& sql) {
    sqlite3* db = nullptr;
    sqlite3_open(file.c_str(), &db);
    sqlite3_stmt* s = nullptr;
    Row r;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sql;
    if (sqlite3_step(s) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(s); ++i) {
            auto p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, i));
            r.blobs.emplace_back(p, p + sqlite3_column_bytes(s, i));
            r.ints.push_back(sqlite3_column_int64(s, i));
            auto t = sqlite3_column_text(s, i);
            r.texts.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
        }
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return r;
}

bool contains(const Bytes& hay, const Bytes& needle) {
    return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

}  // namespace

TEST(KeystoreFormat, DecryptsIndependentlyPerDocumentedFormat) {
    TempDir dir;
    Config cfg = test_config(dir.path());
    const auto file = dir.path() / "t.token";
    auto t = make_token(cfg, file);
    ASSERT_TRUE(t);
    ASSERT_TRUE(t->login(UserType::user, user_pin).ok());
    const auto v = load_vectors("gost3410.txt").at(0);
    const Bytes d = v.bytes("d_le");
    Object k;
    k.object_class = cko_private_key;
    k.key_type = ckk_gostr3410;
    k.param_set = core::ParamSet::gost2001_test;
    k.is_private = true;
    k.sensitive = true;
    k.extractable = false;
    k.attributes.push_back({0x3, {'m', 'y'}});
    auto h = t->create_object(k, d);
    ASSERT_TRUE(h.ok()) << h.status().message();
    t.reset();

    // Header: application_id 'GCST', format version 3.
    EXPECT_EQ(query(file, "PRAGMA application_id").ints.at(0), 0x47435354);
    EXPECT_EQ(query(file, "PRAGMA user_version").ints.at(0), 3);
    const Bytes token_id = query(file, "SELECT token_id FROM token").blobs.at(0);
    ASSERT_EQ(token_id.size(), 16u);

    // Unwrap the data key with the user PIN: PBKDF2-HMAC-Streebog-512 → KEK, AES-256-GCM.
    Row pin = query(file,
                    "SELECT kdf_alg, kdf_salt, kdf_iterations, wrap_alg, wrap_nonce, wrapped_key, "
                    "max_retries, must_change FROM pins WHERE user_type = 1");
    ASSERT_EQ(pin.texts.at(0), "pbkdf2-hmac-streebog512");
    ASSERT_EQ(pin.texts.at(3), "aes-256-gcm");
    EXPECT_EQ(pin.ints.at(2), cfg.kdf_iterations);
    Bytes kek(32);
    const std::string_view p = user_pin;
    core::pbkdf2_streebog512({reinterpret_cast<const std::uint8_t*>(p.data()), p.size()},
                             pin.blobs.at(1), static_cast<std::uint32_t>(pin.ints.at(2)), kek);
    Bytes wrap_aad;
    put_text(wrap_aad, "gostcsp/data-key/v2");
    put_bytes(wrap_aad, token_id);
    wrap_aad.push_back(1);  // user
    put_text(wrap_aad, "pbkdf2-hmac-streebog512");
    put_u32(wrap_aad, static_cast<std::uint32_t>(pin.ints.at(2)));
    put_bytes(wrap_aad, pin.blobs.at(1));
    put_u32(wrap_aad, static_cast<std::uint32_t>(pin.ints.at(6)));  // max_retries
    wrap_aad.push_back(static_cast<std::uint8_t>(pin.ints.at(7)));  // must_change
    auto dk = gcm_open(kek, pin.blobs.at(4), wrap_aad, pin.blobs.at(5));
    ASSERT_TRUE(dk) << "data key does not unwrap as documented";
    ASSERT_EQ(dk->size(), 32u);

    // Open the key record: AAD = tag, token id, id, class, key type, param set, flags, alg,
    // version, label tag, id tag.
    Row obj = query(file,
                    "SELECT id, class, key_type, param_set, flags, aead_alg, nonce, body, "
                    "version, label_tag, id_tag FROM objects WHERE id = " +
                        std::to_string(*h));
    Bytes aad;
    put_text(aad, "gostcsp/object/v2");
    put_bytes(aad, token_id);
    put_u64(aad, static_cast<std::uint64_t>(obj.ints.at(0)));
    put_u64(aad, static_cast<std::uint64_t>(obj.ints.at(1)));
    put_u64(aad, static_cast<std::uint64_t>(obj.ints.at(2)));
    put_u64(aad, static_cast<std::uint64_t>(obj.ints.at(3)));
    put_u32(aad, static_cast<std::uint32_t>(obj.ints.at(4)));
    put_text(aad, obj.texts.at(5));
    put_u64(aad, static_cast<std::uint64_t>(obj.ints.at(8)));
    put_bytes(aad, obj.blobs.at(9));
    put_bytes(aad, obj.blobs.at(10));
    EXPECT_GE(obj.ints.at(8), 1);  // version: the manifest counter of its write

    // Index tag of CKA_LABEL "my": HMAC-Streebog-256(index key, u64 type ‖ value)[:16], index
    // key = HMAC-Streebog-256(data key, "gostcsp/index-key/v1"); the label itself is not stored.
    {
        Bytes ik(32), full(32);
        core::HmacStreebog ikh(core::DigestSize::bits256, *dk);
        const std::string_view label = "gostcsp/index-key/v1";
        ikh.update({reinterpret_cast<const std::uint8_t*>(label.data()), label.size()});
        ikh.final(ik);
        Bytes in;
        put_u64(in, 0x3);
        in.push_back('m');
        in.push_back('y');
        core::HmacStreebog tag(core::DigestSize::bits256, ik);
        tag.update(in);
        tag.final(full);
        EXPECT_EQ(obj.blobs.at(9), Bytes(full.begin(), full.begin() + 16));
        EXPECT_TRUE(obj.blobs.at(10).empty());  // no CKA_ID: NULL
    }
    // The manifest: AES-256-GCM(data key, AAD = "gostcsp/manifest/v1" ‖ token id ‖ u64 counter)
    // of u64 count ‖ 256 × bytes(16); the key's group (id mod 256) is the XOR of AES-256(manifest
    // key, u64 id ‖ u64 version) over its records — here the one record.
    {
        Row m = query(file, "SELECT counter, nonce, sealed FROM manifest");
        Bytes maad;
        put_text(maad, "gostcsp/manifest/v1");
        put_bytes(maad, token_id);
        put_u64(maad, static_cast<std::uint64_t>(m.ints.at(0)));
        auto mp = gcm_open(*dk, m.blobs.at(1), maad, m.blobs.at(2));
        ASSERT_TRUE(mp) << "manifest does not open as documented";
        ASSERT_EQ(mp->size(), 8u + 256 * 20);
        EXPECT_EQ((*mp)[0], 1);  // one private record
        Bytes mk(32);
        core::HmacStreebog mkh(core::DigestSize::bits256, *dk);
        const std::string_view label = "gostcsp/manifest-key/v1";
        mkh.update({reinterpret_cast<const std::uint8_t*>(label.data()), label.size()});
        mkh.final(mk);
        Bytes block;
        put_u64(block, static_cast<std::uint64_t>(obj.ints.at(0)));
        put_u64(block, static_cast<std::uint64_t>(obj.ints.at(8)));
        Bytes prf(16);
        EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
        int n = 0;
        ASSERT_TRUE(EVP_EncryptInit_ex(c, EVP_aes_256_ecb(), nullptr, mk.data(), nullptr) &&
                    EVP_CIPHER_CTX_set_padding(c, 0) &&
                    EVP_EncryptUpdate(c, prf.data(), &n, block.data(), 16));
        EVP_CIPHER_CTX_free(c);
        const std::size_t g = static_cast<std::size_t>(obj.ints.at(0)) % 256;
        const std::size_t off = 8 + g * 20 + 4;
        EXPECT_EQ(Bytes(mp->begin() + static_cast<std::ptrdiff_t>(off),
                        mp->begin() + static_cast<std::ptrdiff_t>(off + 16)),
                  prf);
    }
    EXPECT_EQ(obj.ints.at(1), 3);           // CKO_PRIVATE_KEY
    EXPECT_EQ(obj.ints.at(2), 0x30);        // CKK_GOSTR3410
    EXPECT_EQ(obj.ints.at(4), 1 | 2 | 32);  // private, sensitive, has secret
    auto plain = gcm_open(*dk, obj.blobs.at(6), aad, obj.blobs.at(7));
    ASSERT_TRUE(plain) << "object record does not open as documented";
    // Body: public key ‖ u32 count ‖ (u64 type ‖ bytes value)* ‖ secret.
    Bytes expect;
    put_bytes(expect, v.bytes("pub"));
    put_u32(expect, 1);
    put_u64(expect, 0x3);
    put_bytes(expect, {'m', 'y'});
    put_bytes(expect, d);
    EXPECT_EQ(*plain, expect);

    // Nothing secret in clear anywhere in the file: not the scalar, not the data key, not a PIN.
    std::ifstream in(file, std::ios::binary);
    Bytes raw((std::istreambuf_iterator<char>(in)), {});
    EXPECT_FALSE(contains(raw, d));
    EXPECT_FALSE(contains(raw, *dk));
    EXPECT_FALSE(contains(raw, Bytes(p.begin(), p.end())));
    const std::string_view sp = so_pin;
    EXPECT_FALSE(contains(raw, Bytes(sp.begin(), sp.end())));
}

TEST(KeystoreFormat, PinKdfMatchesRfc9337AndDefaultCostIsMeasured) {
    // The KDF the wraps use is PBKDF2-HMAC-Streebog-512 (RFC 9337 vectors).
    for (const auto& v : load_vectors("pbkdf2.txt")) {
        const auto c = v.number("c");
        if (c > 5000) continue;  // the 2^24-iteration vector belongs to the core's own soak
        Bytes out(v.number("dk_len"));
        core::pbkdf2_streebog512(v.bytes("password_hex"), v.bytes("salt_hex"),
                                 static_cast<std::uint32_t>(c), out);
        EXPECT_EQ(out, v.bytes("dk")) << v.name();
    }
    // Report what the default cost takes on this machine (docs/keystore.md quotes it).
    Config defaults;
    Bytes kek(32), salt(32, 1);
    const auto t0 = std::chrono::steady_clock::now();
    core::pbkdf2_streebog512(Bytes{'p', 'i', 'n'}, salt, defaults.kdf_iterations, kek);
    const auto ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::printf("default kdf_iterations=%u takes %.1f ms here\n", defaults.kdf_iterations, ms);
    RecordProperty("default_kdf_ms", static_cast<int>(ms));
    EXPECT_GT(ms, 10.0) << "default PIN KDF cost is far too low";
}

namespace {

// The data key a PIN unwraps, computed from the file alone as an offline attacker would.
std::optional<Bytes> unwrap_offline(const std::filesystem::path& file, const Bytes& token_id,
                                    int user_type, std::string_view pin) {
    Row w = query(file,
                  "SELECT kdf_salt, kdf_iterations, wrap_nonce, wrapped_key, max_retries, "
                  "must_change FROM pins WHERE user_type = " +
                      std::to_string(user_type));
    Bytes kek(32);
    core::pbkdf2_streebog512({reinterpret_cast<const std::uint8_t*>(pin.data()), pin.size()},
                             w.blobs.at(0), static_cast<std::uint32_t>(w.ints.at(1)), kek);
    Bytes aad;
    put_text(aad, "gostcsp/data-key/v2");
    put_bytes(aad, token_id);
    aad.push_back(static_cast<std::uint8_t>(user_type));
    put_text(aad, "pbkdf2-hmac-streebog512");
    put_u32(aad, static_cast<std::uint32_t>(w.ints.at(1)));
    put_bytes(aad, w.blobs.at(0));
    put_u32(aad, static_cast<std::uint32_t>(w.ints.at(4)));
    aad.push_back(static_cast<std::uint8_t>(w.ints.at(5)));
    return gcm_open(kek, w.blobs.at(2), aad, w.blobs.at(3));
}

std::optional<Bytes> open_offline(const std::filesystem::path& file, const Bytes& token_id,
                                  const Bytes& key, ObjectHandle id) {
    Row obj = query(file,
                    "SELECT id, class, key_type, param_set, flags, aead_alg, nonce, body, version, "
                    "label_tag, id_tag FROM objects WHERE id = " +
                        std::to_string(id));
    Bytes aad;
    put_text(aad, "gostcsp/object/v2");
    put_bytes(aad, token_id);
    for (int i = 0; i < 4; ++i) put_u64(aad, static_cast<std::uint64_t>(obj.ints.at(i)));
    put_u32(aad, static_cast<std::uint32_t>(obj.ints.at(4)));
    put_text(aad, obj.texts.at(5));
    put_u64(aad, static_cast<std::uint64_t>(obj.ints.at(8)));
    put_bytes(aad, obj.blobs.at(9));
    put_bytes(aad, obj.blobs.at(10));
    return gcm_open(key, obj.blobs.at(6), aad, obj.blobs.at(7));
}

}  // namespace

// so_can_restore_user_keys = false: the file plus the SO PIN yields no private scalar (the SO's
// wrap holds a key that seals nothing), while the user PIN opens the same record (control);
// with the default (true) the SO PIN does open it, as documented.
TEST(KeystoreFormat, SoPinCannotDecryptUserKeysWhenSeparate) {
    for (const bool restore : {false, true}) {
        TempDir dir;
        Config cfg = test_config(dir.path());
        cfg.so_can_restore_user_keys = restore;
        const auto file = dir.path() / "t.token";
        auto t = make_token(cfg, file);
        ASSERT_TRUE(t);
        ASSERT_TRUE(t->login(UserType::user, user_pin).ok());
        Object pub, priv;
        priv.is_private = true;
        priv.sensitive = true;
        auto kp = t->generate_key_pair(core::ParamSet::tc26_256_a, pub, priv);
        ASSERT_TRUE(kp.ok()) << kp.status().message();
        t.reset();
        const Bytes token_id = query(file, "SELECT token_id FROM token").blobs.at(0);
        auto user_dk = unwrap_offline(file, token_id, 1, user_pin);
        auto so_dk = unwrap_offline(file, token_id, 0, so_pin);
        ASSERT_TRUE(user_dk && so_dk) << "both PINs unwrap their own key";
        EXPECT_TRUE(open_offline(file, token_id, *user_dk, kp->private_key)) << "control";
        EXPECT_EQ(open_offline(file, token_id, *so_dk, kp->private_key).has_value(), restore)
            << (restore ? "restore mode: the SO shares the key"
                        : "separate mode: the SO PIN decrypted a private key");
        if (!restore) {
            // Unblock by the SO makes a new user key and destroys the private objects.
            auto again = Token::open(cfg, file);
            ASSERT_TRUE(again.ok());
            ASSERT_TRUE((*again)->login(UserType::so, so_pin).ok());
            ASSERT_TRUE((*again)->init_user_pin(user_pin2).ok());
            (*again)->logout();
            ASSERT_TRUE((*again)->login(UserType::user, user_pin2).ok());
            EXPECT_EQ((*again)->read_object(kp->private_key).error(), Error::object_not_found);
            EXPECT_TRUE((*again)->read_object(kp->public_key).ok()) << "public objects stay";
        }
    }
}
