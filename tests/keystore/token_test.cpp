// SPDX-License-Identifier: Apache-2.0
// Token life cycle and policy: init, login counters, lock/unblock, default PINs, objects, keys.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <thread>

#include "gostcsp/gost3410.hpp"
#include "keystore_test_util.hpp"
#include "vector_file.hpp"

using namespace gostcsp::keystore;
using namespace gostcsp::keystore::test;
namespace core = gostcsp::core;
using gostcsp::test::from_hex;
using gostcsp::test::load_vectors;

namespace {

class TokenTest : public ::testing::Test {
  protected:
    TempDir dir;
    Config cfg = test_config(dir.path());
    std::filesystem::path file = dir.path() / "t.token";
};

Object label_only(std::uint64_t cls, bool priv, std::string_view label) {
    Object o;
    o.object_class = cls;
    o.is_private = priv;
    o.attributes.push_back({0x3, {label.begin(), label.end()}});
    return o;
}

}  // namespace

TEST_F(TokenTest, InitCreatesPrivateFileAndReportsInfo) {
    ASSERT_TRUE(init_token(cfg, file, so_pin, "Signing token").ok());
    struct stat sb {};
    ASSERT_EQ(::stat(file.c_str(), &sb), 0);
    EXPECT_EQ(sb.st_mode & 0777, 0600u) << "token file must not be readable by others";
    auto t = Token::open(cfg, file);
    ASSERT_TRUE(t.ok());
    auto info = (*t)->info();
    ASSERT_TRUE(info.ok()) << info.status().message();
    EXPECT_TRUE(info->initialized);
    EXPECT_EQ(info->label, "Signing token");
    EXPECT_EQ(info->serial.size(), 16u);
    EXPECT_EQ(info->serial.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_TRUE(info->so.initialized);
    EXPECT_FALSE(info->so.must_change);
    EXPECT_EQ(info->so.max_retries, cfg.so_max_retries);
    EXPECT_FALSE(info->user.initialized);
    // Without a user PIN, a user login is a distinct error.
    auto li = (*t)->login(UserType::user, user_pin);
    EXPECT_EQ(li.error(), Error::user_pin_not_initialized);
}

TEST_F(TokenTest, LabelTooLongAndMissingTokenRefused) {
    EXPECT_EQ(init_token(cfg, file, so_pin, std::string(33, 'x')).error(), Error::invalid_argument);
    EXPECT_EQ(Token::open(cfg, dir.path() / "absent.token").error(), Error::token_not_present);
}

TEST_F(TokenTest, ListsTokenFilesSorted) {
    auto p1 = new_token_path(cfg);
    auto p2 = new_token_path(cfg);
    ASSERT_TRUE(p1.ok() && p2.ok());
    ASSERT_TRUE(init_token(cfg, *p1, so_pin, "one").ok());
    ASSERT_TRUE(init_token(cfg, *p2, so_pin, "two").ok());
    std::ofstream(dir.path() / "notes.txt") << "not a token";
    Config nested = cfg;
    nested.token_dir = dir.path() / "a" / "tokens";
    auto p3 = new_token_path(nested);
    ASSERT_TRUE(p3.ok()) << p3.status().message();
    struct stat sb {};
    ASSERT_EQ(::stat(nested.token_dir.c_str(), &sb), 0);
    EXPECT_EQ(sb.st_mode & 0777, 0700u) << "a token directory we create is private";
    auto list = list_token_files(cfg);
    ASSERT_TRUE(list.ok());
    std::vector<std::filesystem::path> expect{*p1, *p2};
    std::sort(expect.begin(), expect.end());
    EXPECT_EQ(*list, expect);
    Config none = cfg;
    none.token_dir = dir.path() / "no-such-dir";
    auto empty = list_token_files(none);
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->empty());
}

TEST_F(TokenTest, WrongUserPinCountsDownThenLocks) {
    auto t = make_token(cfg, file);
    ASSERT_TRUE(t);
    for (unsigned i = 1; i < cfg.user_max_retries; ++i) {
        auto li = t->login(UserType::user, "wrong-PIN-000");
        ASSERT_EQ(li.error(), Error::pin_incorrect) << li.status().message();
        auto info = t->info();
        ASSERT_TRUE(info.ok());
        EXPECT_EQ(info->user.failed, i);
        EXPECT_EQ(info->user.tries_left(), cfg.user_max_retries - i);
        EXPECT_TRUE(info->user.count_low());
        EXPECT_EQ(info->user.final_try(), i == cfg.user_max_retries - 1);
        EXPECT_FALSE(info->user.locked());
    }
    auto last = t->login(UserType::user, "wrong-PIN-000");
    EXPECT_EQ(last.error(), Error::pin_locked);
    auto info = t->info();
    ASSERT_TRUE(info.ok());
    EXPECT_TRUE(info->user.locked());
    EXPECT_FALSE(info->user.count_low());
    // Locked means locked: the right PIN is not even tried, and the counter does not move.
    EXPECT_EQ(t->login(UserType::user, user_pin).error(), Error::pin_locked);
    EXPECT_EQ(t->set_pin(UserType::user, user_pin, user_pin2).error(), Error::pin_locked);
    EXPECT_EQ(t->info()->user.failed, cfg.user_max_retries);
}

TEST_F(TokenTest, SuccessResetsCounter) {
    auto t = make_token(cfg, file);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->login(UserType::user, "wrong-PIN-000").error(), Error::pin_incorrect);
    EXPECT_EQ(t->login(UserType::user, "wrong-PIN-000").error(), Error::pin_incorrect);
    EXPECT_EQ(t->info()->user.failed, 2u);
    auto li = t->login(UserType::user, user_pin);
    ASSERT_TRUE(li.ok()) << li.status().message();
    EXPECT_FALSE(li->must_change);
    EXPECT_EQ(t->info()->user.failed, 0u);
    EXPECT_EQ(t->logged_in(), UserType::user);
    t->logout();
    EXPECT_EQ(t->logged_in(), std::nullopt);
}

TEST_F(TokenTest, SoUnblocksLockedUserBySettingNewPin) {
    auto t = make_token(cfg, file);
    ASSERT_TRUE(t);
    ASSERT_TRUE(t->login(UserType::user, user_pin).ok());
    auto h = t->create_object(private_data("kept", {1, 2, 3}));
    ASSERT_TRUE(h.ok()) << h.status().message();
    t->logout();
    for (unsigned i = 0; i < cfg.user_max_retries; ++i)
        (void)t->login(UserType::user, "nope-nope-1");
    ASSERT_TRUE(t->info()->user.locked());
    // The user cannot unblock themselves.
    EXPECT_EQ(t->init_user_pin(user_pin2).error(), Error::not_logged_in);
    ASSERT_TRUE(t->login(UserType::so, so_pin).ok());
    ASSERT_TRUE(t->init_user_pin(user_pin2).ok());
    t->logout();
    auto info = t->info();
    EXPECT_FALSE(info->user.locked());
    EXPECT_EQ(info->user.failed, 0u);
    EXPECT_EQ(t->login(UserType::user, user_pin).error(), Error::pin_incorrect);
    ASSERT_TRUE(t->login(UserType::user, user_pin2).ok());
    // The data key survived the unblock: existing objects still decrypt.
    auto o = t->read_object(*h);
    ASSERT_TRUE(o.ok()) << o.status().message();
    EXPECT_EQ(*find_attr(*o, cka_value), (std::vector<std::uint8_t>{1, 2, 3}));
}

TEST_F(TokenTest, SoLockOnlyRecoveredByReinitWhichDestroysKeys) {
    auto t = make_token(cfg, file);
    ASSERT_TRUE(t);
    ASSERT_TRUE(t->login(UserType::user, user_pin).ok());
    ASSERT_TRUE(t->create_object(private_data("doomed", {9})).ok());
    t->logout();
    const auto serial = t->info()->serial;
    for (unsigned i = 0; i < cfg.so_max_retries; ++i) (void)t->login(UserType::so, "bad-SO-pin-1");
    auto info = t->info();
    ASSERT_TRUE(info->so.locked());
    EXPECT_EQ(t->login(UserType::so, so_pin).error(), Error::pin_locked);
    EXPECT_EQ(t->set_pin(UserType::so, so_pin, "new-SO-pin-77").error(), Error::pin_locked);
    // The user is unaffected until the re-initialisation.
    ASSERT_TRUE(t->login(UserType::user, user_pin).ok());
    t->logout();
    // Re-initialisation needs no SO PIN once the SO PIN is locked, and wipes everything.
    ASSERT_TRUE(init_token(cfg, file, "new-SO-pin-77", "fresh").ok());
    info = t->info();
    ASSERT_TRUE(info.ok());
    EXPECT_NE(info->serial, serial);
    EXPECT_EQ(info->label, "fresh");
    EXPECT_FALSE(info->so.locked());
    EXPECT_FALSE(info->user.initialized);
    EXPECT_EQ(info->private_objects + info->public_objects, 0u);
    EXPECT_TRUE(t->login(UserType::so, "new-SO-pin-77").ok());
}

TEST_F(TokenTest, ReinitNeedsSoPinAndCountsFailures) {
    auto t = make_token(cfg, file);
    ASSERT_TRUE(t);
    ASSERT_TRUE(t->create_object(label_only(cko_data, false, "pub")).ok());
    EXPECT_EQ(init_token(cfg, file, "wrong-SO-pin", "x").error(), Error::pin_incorrect);
    EXPECT_EQ(t->info()->so.failed, 1u);
    EXPECT_EQ(t->info()->public_objects, 1u);
    ASSERT_TRUE(init_token(cfg, file, so_pin, "again").ok());
    EXPECT_EQ(t->info()->public_objects, 0u);
    EXPECT_EQ(t->info()->so.failed, 0u);
}

TEST_F(TokenTest, ReinitElsewhereEndsLogin) {
    auto t = make_token(cfg, file);
    ASSERT_TRUE(t);
    ASSERT_TRUE(t->login(UserType::user, user_pin).ok());
    ASSERT_TRUE(init_token(cfg, file, so_pin, "replaced").ok());
    auto h = t->create_object(private_data("x", {1}));
    EXPECT_EQ(h.error(), Error::token_changed);
    EXPECT_EQ(t->logged_in(), std::nullopt);
}

TEST_F(TokenTest, DefaultPinsAreFactoryStateOnly) {
    // The SO may initialise with a vendor default PIN: accepted, flagged must-change.
    ASSERT_TRUE(init_token(cfg, file, "87654321", "factory").ok());
    auto t = Token::open(cfg, file);
    ASSERT_TRUE(t.ok());
    auto& tok = **t;
    EXPECT_TRUE(tok.info()->so.must_change);
    auto so = tok.login(UserType::so, "87654321");
    ASSERT_TRUE(so.ok());
    EXPECT_TRUE(so->must_change);
    // The SO may give the user a default PIN too (factory state).
    ASSERT_TRUE(tok.init_user_pin("12345678").ok());
    tok.logout();
    EXPECT_TRUE(tok.info()->user.must_change);

    auto li = tok.login(UserType::user, "12345678");
    ASSERT_TRUE(li.ok());
    EXPECT_TRUE(li->must_change);
    // Key generation is allowed, private-key use is not.
    Object pub, priv;
    priv.is_private = true;
    priv.sensitive = true;
    priv.extractable = false;
    auto kp = tok.generate_key_pair(core::ParamSet::tc26_256_a, pub, priv);
    ASSERT_TRUE(kp.ok()) << kp.status().message();
    const std::vector<std::uint8_t> digest(32, 0x5a);
    EXPECT_EQ(tok.sign_digest(kp->private_key, digest).error(), Error::pin_expired);

    // Changing to any default / trivial PIN is refused, and costs no try of the old PIN.
    for (const char* bad : {"12345678", "87654321", "1234567890", "0987654321", "11111111",
                            "00000000", "123456", "555555", "456789", "987654"}) {
        EXPECT_EQ(tok.set_pin(UserType::user, "12345678", bad).error(), Error::pin_invalid) << bad;
    }
    EXPECT_EQ(tok.set_pin(UserType::user, "12345678", "1234").error(), Error::pin_len_range);
    EXPECT_EQ(tok.info()->user.failed, 0u);

    ASSERT_TRUE(tok.set_pin(UserType::user, "12345678", user_pin).ok());
    EXPECT_FALSE(tok.info()->user.must_change);
    auto sig = tok.sign_digest(kp->private_key, digest);
    ASSERT_TRUE(sig.ok()) << sig.status().message();

    // The SO's own default PIN must be changed the same way.
    tok.logout();
    EXPECT_EQ(tok.set_pin(UserType::so, "87654321", "00000000").error(), Error::pin_invalid);
    ASSERT_TRUE(tok.set_pin(UserType::so, "87654321", so_pin).ok());
    EXPECT_FALSE(tok.info()->so.must_change);
    EXPECT_EQ(tok.login(UserType::so, "87654321").error(), Error::pin_incorrect);
    EXPECT_TRUE(tok.login(UserType::so, so_pin).ok());
}

TEST_F(TokenTest, ConfiguredForbiddenPinRefusedOnChange) {
    cfg.forbidden_pins = {"Acme-Corp-2026"};
    auto t = make_token(cfg, file);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->set_pin(UserType::user, user_pin, "Acme-Corp-2026").error(), Error::pin_invalid);
}

TEST_F(TokenTest, MinimumLengthEnforcedEverywhere) {
    EXPECT_EQ(init_token(cfg, file, "a1b2c", "short").error(), Error::pin_len_range);
    auto t = make_token(cfg, file);
    ASSERT_TRUE(t);
    ASSERT_TRUE(t->login(UserType::so, so_pin).ok());
    EXPECT_EQ(t->init_user_pin("x9y8z").error(), Error::pin_len_range);
    t->logout();
    EXPECT_EQ(t->set_pin(UserType::user, user_pin, "q7w8e").error(), Error::pin_len_range);
    EXPECT_EQ(t->set_pin(UserType::so, so_pin, "q7w8e").error(), Error::pin_len_range);
}

TEST_F(TokenTest, SetPinWithWrongOldPinIsCounted) {
    auto t = make_token(cfg, file);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->set_pin(UserType::user, "not-my-pin-1", user_pin2).error(), Error::pin_incorrect);
    EXPECT_EQ(t->info()->user.failed, 1u);
    ASSERT_TRUE(t->set_pin(UserType::user, user_pin, user_pin2).ok());
    EXPECT_EQ(t->info()->user.failed, 0u);
    EXPECT_EQ(t->login(UserType::user, user_pin).error(), Error::pin_incorrect);
    EXPECT_TRUE(t->login(UserType::user, user_pin2).ok());
}

TEST_F(TokenTest, OneUserTypeAtATime) {
    auto t = make_token(cfg, file);
    ASSERT_TRUE(t);
    ASSERT_TRUE(t->login(UserType::user, user_pin).ok());
    EXPECT_EQ(t->login(UserType::so, so_pin).error(), Error::already_logged_in);
    EXPECT_EQ(t->info()->so.failed, 0u);  // refused before anything was counted
}

TEST_F(TokenTest, VisibilityFollowsLoginState) {
    auto t = make_token(cfg, file);
    ASSERT_TRUE(t);
    auto pub = t->create_object(label_only(cko_certificate, false, "cert"));
    ASSERT_TRUE(pub.ok()) << pub.status().message();
    EXPECT_EQ(t->create_object(private_data("p", {1})).error(), Error::not_logged_in);
    ASSERT_TRUE(t->login(UserType::so, so_pin).ok());
    EXPECT_EQ(t->create_object(private_data("p", {1})).error(), Error::not_logged_in);
    t->logout();
    ASSERT_TRUE(t->login(UserType::user, user_pin).ok());
    auto priv = t->create_object(private_data("p", {1}));
    ASSERT_TRUE(priv.ok());
    EXPECT_EQ(t->find_objects()->size(), 2u);
    t->logout();
    auto seen = t->find_objects();
    ASSERT_TRUE(seen.ok());
    EXPECT_EQ(*seen, std::vector<ObjectHandle>{*pub});
    EXPECT_EQ(t->read_object(*priv).error(), Error::object_not_found);
    EXPECT_EQ(t->destroy_object(*priv).error(), Error::object_not_found);
    auto cert = t->read_object(*pub);
    ASSERT_TRUE(cert.ok());
    EXPECT_EQ(cert->object_class, cko_certificate);
}

TEST_F(TokenTest, FindMatchesTypedFieldsAndAttributes) {
    auto t = make_token(cfg, file);
    ASSERT_TRUE(t);
    ASSERT_TRUE(t->login(UserType::user, user_pin).ok());
    auto a = t->create_object(private_data("alpha", {1}));
    auto b = t->create_object(private_data("beta", {2}));
    auto c = t->create_object(label_only(cko_certificate, false, "alpha"));
    ASSERT_TRUE(a.ok() && b.ok() && c.ok());
    ObjectQuery q;
    q.attributes.push_back({0x3, {'a', 'l', 'p', 'h', 'a'}});
    EXPECT_EQ(*t->find_objects(q), (std::vector<ObjectHandle>{*a, *c}));
    q.object_class = cko_data;
    EXPECT_EQ(*t->find_objects(q), (std::vector<ObjectHandle>{*a}));
    ObjectQuery priv_only;
    priv_only.is_private = true;
    EXPECT_EQ(*t->find_objects(priv_only), (std::vector<ObjectHandle>{*a, *b}));
    ASSERT_TRUE(t->destroy_object(*a).ok());
    EXPECT_EQ(*t->find_objects(priv_only), (std::vector<ObjectHandle>{*b}));
    EXPECT_EQ(t->read_object(*a).error(), Error::object_not_found);
}

TEST_F(TokenTest, TypedFieldsAndClearSecretsRefusedAsAttributes) {
    auto t = make_token(cfg, file);
    ASSERT_TRUE(t);
    ASSERT_TRUE(t->login(UserType::user, user_pin).ok());
    for (std::uint64_t type :
         {cka_class, cka_token, cka_private, cka_key_type, cka_sensitive, cka_extractable,
          cka_always_sensitive, cka_never_extractable, cka_gostr3410_params}) {
        Object o = private_data("x", {1});
        o.attributes.push_back({type, {1}});
        EXPECT_EQ(t->create_object(o).error(), Error::template_inconsistent) << type;
    }
    // A private key's CKA_VALUE may never sit in the clear attribute list.
    Object k;
    k.object_class = cko_private_key;
    k.key_type = ckk_gostr3410;
    k.param_set = core::ParamSet::tc26_256_a;
    k.is_private = true;
    k.attributes.push_back({cka_value, std::vector<std::uint8_t>(32, 7)});
    EXPECT_EQ(t->create_object(k, std::vector<std::uint8_t>(32, 7)).error(),
              Error::template_inconsistent);
    // Keys with secrets must be private objects; other objects carry no secret.
    k.attributes.clear();
    k.is_private = false;
    EXPECT_EQ(t->create_object(k, std::vector<std::uint8_t>(32, 7)).error(),
              Error::template_inconsistent);
    EXPECT_EQ(t->create_object(private_data("d", {1}), std::vector<std::uint8_t>{1}).error(),
              Error::template_inconsistent);
}

TEST_F(TokenTest, ImportedKeyMatchesStandardExample) {
    // RFC 7091 §7 / GOST R 34.10-2012 A.1: d, Q and a verifiable signature over e.
    auto records = load_vectors("gost3410.txt");
    const auto& v = records.at(0);
    ASSERT_EQ(v.name(), "rfc7091-example-256");
    const auto d = v.bytes("d_le");
    const auto q = v.bytes("pub");
    const auto digest = v.bytes("digest");
    auto t = make_token(cfg, file);
    ASSERT_TRUE(t);
    ASSERT_TRUE(t->login(UserType::user, user_pin).ok());
    Object k;
    k.object_class = cko_private_key;
    k.key_type = ckk_gostr3410;
    k.param_set = core::ParamSet::gost2001_test;
    k.is_private = true;
    k.sensitive = true;
    k.extractable = false;
    auto h = t->create_object(k, d);
    ASSERT_TRUE(h.ok()) << h.status().message();
    auto o = t->read_object(*h);
    ASSERT_TRUE(o.ok());
    EXPECT_EQ(o->public_key, q) << "public key derived in the token differs from the standard's Q";
    EXPECT_TRUE(o->has_secret);
    EXPECT_FALSE(o->always_sensitive) << "an imported key has been outside the token";
    EXPECT_FALSE(o->never_extractable);
    auto sig = t->sign_digest(*h, digest);
    ASSERT_TRUE(sig.ok()) << sig.status().message();
    ASSERT_EQ(sig->size(), 64u);
    core::PublicKey pk;
    ASSERT_TRUE(core::ok(core::PublicKey::from_le_xy(core::ParamSet::gost2001_test, q, pk)));
    EXPECT_TRUE(core::ok(core::verify_digest(pk, digest, *sig)));
    // A public-key handle cannot sign.
    Object pubt;
    pubt.object_class = cko_public_key;
    pubt.key_type = ckk_gostr3410;
    pubt.param_set = core::ParamSet::gost2001_test;
    pubt.public_key = q;
    auto ph = t->create_object(pubt);
    ASSERT_TRUE(ph.ok()) << ph.status().message();
    EXPECT_EQ(t->sign_digest(*ph, digest).error(), Error::key_unusable);
    // Scalars outside [1, q-1] are refused.
    EXPECT_EQ(t->create_object(k, std::vector<std::uint8_t>(32, 0)).error(), Error::crypto_failure);
}

TEST_F(TokenTest, VkoInPlaceMatchesStandardExample) {
    // R 50.1.113-2016 A.9 / A.10 (512-bit set A, UKM 1d80603c8544c727).
    auto t = make_token(cfg, file);
    ASSERT_TRUE(t);
    ASSERT_TRUE(t->login(UserType::user, user_pin).ok());
    for (const auto& v : load_vectors("vko.txt")) {
        Object k;
        k.object_class = cko_private_key;
        k.key_type = ckk_gostr3410_512;
        k.param_set = core::ParamSet::tc26_512_a;
        k.is_private = true;
        k.sensitive = true;
        auto h = t->create_object(k, v.bytes("prv_a"));
        ASSERT_TRUE(h.ok()) << h.status().message();
        EXPECT_EQ(t->read_object(*h)->public_key, v.bytes("pub_a"));
        const auto size =
            v.number("hash_bits") == 256 ? core::DigestSize::bits256 : core::DigestSize::bits512;
        auto kek = t->vko(*h, v.bytes("pub_b"), v.bytes("ukm"), size);
        ASSERT_TRUE(kek.ok()) << kek.status().message();
        EXPECT_TRUE(kek->locked() || true);  // mlock may be limited in containers
        EXPECT_EQ(std::vector<std::uint8_t>(kek->data(), kek->data() + kek->size()), v.bytes("kek"))
            << v.name();
        // A point not on the curve is refused.
        auto bad = v.bytes("pub_b");
        bad[0] ^= 1;
        EXPECT_EQ(t->vko(*h, bad, v.bytes("ukm"), size).error(), Error::crypto_failure);
    }
}

TEST_F(TokenTest, GeneratedKeysSignAndNeverLeave) {
    auto t = make_token(cfg, file);
    ASSERT_TRUE(t);
    ASSERT_TRUE(t->login(UserType::user, user_pin).ok());
    for (auto set : {core::ParamSet::tc26_256_a, core::ParamSet::tc26_256_b,
                     core::ParamSet::tc26_512_a, core::ParamSet::tc26_512_c}) {
        Object pub = label_only(cko_public_key, false, "k");
        Object priv = label_only(cko_private_key, true, "k");
        priv.sensitive = true;
        priv.extractable = false;
        auto kp = t->generate_key_pair(set, pub, priv);
        ASSERT_TRUE(kp.ok()) << kp.status().message();
        auto po = t->read_object(kp->public_key);
        auto ko = t->read_object(kp->private_key);
        ASSERT_TRUE(po.ok() && ko.ok());
        const auto& info = core::param_set_info(set);
        EXPECT_EQ(po->object_class, cko_public_key);
        EXPECT_EQ(ko->object_class, cko_private_key);
        EXPECT_EQ(ko->key_type, info.bits == 256 ? ckk_gostr3410 : ckk_gostr3410_512);
        EXPECT_EQ(po->param_set, set);
        EXPECT_EQ(po->public_key.size(), info.public_key_bytes());
        EXPECT_EQ(po->public_key, ko->public_key);
        EXPECT_TRUE(ko->always_sensitive);
        EXPECT_TRUE(ko->never_extractable);
        EXPECT_FALSE(po->is_private);
        std::vector<std::uint8_t> digest(info.field_bytes());
        for (std::size_t i = 0; i < digest.size(); ++i)
            digest[i] = static_cast<std::uint8_t>(i * 7 + 1);
        auto sig = t->sign_digest(kp->private_key, digest);
        ASSERT_TRUE(sig.ok()) << sig.status().message();
        core::PublicKey pk;
        ASSERT_TRUE(core::ok(core::PublicKey::from_le_xy(set, po->public_key, pk)));
        EXPECT_TRUE(core::ok(core::verify_digest(pk, digest, *sig)));
        // No call hands the scalar out, whatever the flags say.
        EXPECT_EQ(t->read_secret_value(kp->private_key).error(), Error::attribute_sensitive);
        for (const auto& a : ko->attributes) EXPECT_NE(a.type, cka_value);
    }
}

TEST_F(TokenTest, SensitiveAndNonExtractableCannotBeRelaxed) {
    auto t = make_token(cfg, file);
    ASSERT_TRUE(t);
    ASSERT_TRUE(t->login(UserType::user, user_pin).ok());
    Object pub, priv;
    priv.is_private = true;
    priv.sensitive = false;
    priv.extractable = true;
    auto kp = t->generate_key_pair(core::ParamSet::tc26_256_b, pub, priv);
    ASSERT_TRUE(kp.ok());
    ObjectUpdate tighten;
    tighten.sensitive = true;
    tighten.extractable = false;
    ASSERT_TRUE(t->update_object(kp->private_key, tighten).ok());
    auto o = t->read_object(kp->private_key);
    EXPECT_TRUE(o->sensitive);
    EXPECT_FALSE(o->extractable);
    EXPECT_FALSE(o->always_sensitive) << "it was not sensitive from birth";
    EXPECT_FALSE(o->never_extractable);
    ObjectUpdate relax_s;
    relax_s.sensitive = false;
    EXPECT_EQ(t->update_object(kp->private_key, relax_s).error(), Error::attribute_read_only);
    ObjectUpdate relax_e;
    relax_e.extractable = true;
    EXPECT_EQ(t->update_object(kp->private_key, relax_e).error(), Error::attribute_read_only);
    // Nor through a copy.
    EXPECT_EQ(t->copy_object(kp->private_key, relax_e).error(), Error::attribute_read_only);
    // Attribute updates keep the key usable.
    ObjectUpdate label;
    label.set.push_back({0x3, {'n', 'e', 'w'}});
    ASSERT_TRUE(t->update_object(kp->private_key, label).ok());
    EXPECT_EQ(*find_attr(*t->read_object(kp->private_key), 0x3),
              (std::vector<std::uint8_t>{'n', 'e', 'w'}));
    EXPECT_TRUE(t->sign_digest(kp->private_key, std::vector<std::uint8_t>(32, 1)).ok());
    // A copy signs with the same key.
    auto copy = t->copy_object(kp->private_key, {});
    ASSERT_TRUE(copy.ok()) << copy.status().message();
    EXPECT_EQ(t->read_object(*copy)->public_key, o->public_key);
    EXPECT_TRUE(t->sign_digest(*copy, std::vector<std::uint8_t>(32, 1)).ok());
}

TEST_F(TokenTest, SecretKeyValueOnlyWhenNotSensitive) {
    auto t = make_token(cfg, file);
    ASSERT_TRUE(t);
    ASSERT_TRUE(t->login(UserType::user, user_pin).ok());
    Object s;
    s.object_class = cko_secret_key;
    s.key_type = 0x1f;  // CKK_AES
    s.is_private = true;
    s.sensitive = false;
    s.extractable = true;
    const std::vector<std::uint8_t> value(32, 0x42);
    auto h = t->create_object(s, value);
    ASSERT_TRUE(h.ok());
    auto got = t->read_secret_value(*h);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(std::vector<std::uint8_t>(got->data(), got->data() + got->size()), value);
    ObjectUpdate u;
    u.sensitive = true;
    ASSERT_TRUE(t->update_object(*h, u).ok());
    EXPECT_EQ(t->read_secret_value(*h).error(), Error::attribute_sensitive);
}

TEST_F(TokenTest, SecretForUseTakesSensitiveKeysButNeverPrivateOnes) {
    auto t = make_token(cfg, file);
    ASSERT_TRUE(t);
    ASSERT_TRUE(t->login(UserType::user, user_pin).ok());
    Object s;
    s.object_class = cko_secret_key;
    s.key_type = 0xD4321004;  // CKK_KUZNECHIK
    s.is_private = true;
    s.sensitive = true;
    s.extractable = false;
    const std::vector<std::uint8_t> value(32, 0x17);
    // Generated in the token: always sensitive, never extractable.
    auto h = t->create_object(s, value, SecretOrigin{true, true});
    ASSERT_TRUE(h.ok()) << h.status().message();
    auto o = t->read_object(*h);
    ASSERT_TRUE(o.ok());
    EXPECT_TRUE(o->always_sensitive);
    EXPECT_TRUE(o->never_extractable);
    EXPECT_EQ(t->read_secret_value(*h).error(), Error::attribute_sensitive);
    auto used = t->secret_for_use(*h);
    ASSERT_TRUE(used.ok());
    EXPECT_EQ(std::vector<std::uint8_t>(used->data(), used->data() + used->size()), value);
    // The origin only keeps flags the template has: an extractable key is never "never
    // extractable"; an imported one (default origin) is neither.
    s.extractable = true;
    auto e = t->create_object(s, value, SecretOrigin{true, true});
    ASSERT_TRUE(e.ok());
    EXPECT_FALSE(t->read_object(*e)->never_extractable);
    EXPECT_TRUE(t->read_object(*e)->always_sensitive);
    auto imported = t->create_object(s, value);
    ASSERT_TRUE(imported.ok());
    EXPECT_FALSE(t->read_object(*imported)->always_sensitive);
    // Private keys' scalars never come out, not even for use; nor does anything after logout.
    Object pub, priv;
    priv.is_private = true;
    auto kp = t->generate_key_pair(core::ParamSet::tc26_256_a, pub, priv);
    ASSERT_TRUE(kp.ok());
    EXPECT_EQ(t->secret_for_use(kp->private_key).error(), Error::attribute_sensitive);
    Object data = label_only(cko_data, false, "x");
    EXPECT_FALSE(t->create_object(data, {}, SecretOrigin{true, true}).ok());
    t->logout();
    EXPECT_FALSE(t->secret_for_use(*h).ok());
}

TEST_F(TokenTest, SessionObjectsStayInTheirTokenInstance) {
    auto t = make_token(cfg, file);
    ASSERT_TRUE(t);
    ASSERT_TRUE(t->login(UserType::user, user_pin).ok());
    Object pub, priv;
    pub.is_token = false;
    priv.is_token = false;
    priv.is_private = true;
    auto kp = t->generate_key_pair(core::ParamSet::tc26_256_a, pub, priv);
    ASSERT_TRUE(kp.ok()) << kp.status().message();
    EXPECT_GE(kp->private_key, session_handle_base);
    EXPECT_TRUE(t->sign_digest(kp->private_key, std::vector<std::uint8_t>(32, 3)).ok());
    auto other = Token::open(cfg, file);
    ASSERT_TRUE(other.ok());
    ASSERT_TRUE((*other)->login(UserType::user, user_pin).ok());
    EXPECT_TRUE((*other)->find_objects()->empty());
    EXPECT_EQ(t->info()->private_objects + t->info()->public_objects, 0u) << "nothing on disk";
    // Re-verifying the PIN (CKU_CONTEXT_SPECIFIC) keeps them.
    ASSERT_TRUE(t->login(UserType::user, user_pin).ok());
    EXPECT_TRUE(t->read_object(kp->private_key).ok());
    // Logout drops private session objects, keeps public ones.
    t->logout();
    EXPECT_EQ(t->read_object(kp->private_key).error(), Error::object_not_found);
    EXPECT_TRUE(t->read_object(kp->public_key).ok());
}

TEST_F(TokenTest, ObjectsSharedBetweenConnections) {
    auto a = make_token(cfg, file);
    ASSERT_TRUE(a);
    auto b = Token::open(cfg, file);
    ASSERT_TRUE(b.ok());
    ASSERT_TRUE(a->login(UserType::user, user_pin).ok());
    ASSERT_TRUE((*b)->login(UserType::user, user_pin).ok());
    auto h = a->create_object(private_data("shared", {5, 6}));
    ASSERT_TRUE(h.ok());
    auto o = (*b)->read_object(*h);
    ASSERT_TRUE(o.ok()) << o.status().message();
    EXPECT_EQ(*find_attr(*o, cka_value), (std::vector<std::uint8_t>{5, 6}));
    // A PIN change in one connection does not disturb the other's login (same data key).
    ASSERT_TRUE(a->set_pin(UserType::user, user_pin, user_pin2).ok());
    EXPECT_TRUE((*b)->read_object(*h).ok());
}

TEST_F(TokenTest, OneTokenSharedByThreads) {
    auto t = make_token(cfg, file);
    ASSERT_TRUE(t);
    ASSERT_TRUE(t->login(UserType::user, user_pin).ok());
    Object pub, priv;
    priv.is_private = true;
    auto kp = t->generate_key_pair(core::ParamSet::tc26_256_a, pub, priv);
    ASSERT_TRUE(kp.ok());
    auto po = t->read_object(kp->public_key);
    ASSERT_TRUE(po.ok());
    core::PublicKey pk;
    ASSERT_TRUE(
        core::ok(core::PublicKey::from_le_xy(core::ParamSet::tc26_256_a, po->public_key, pk)));
    std::atomic<int> bad{0};
    std::vector<std::thread> threads;
    for (int n = 0; n < 4; ++n) {
        threads.emplace_back([&, n] {
            for (int i = 0; i < 20; ++i) {
                std::vector<std::uint8_t> digest(32, static_cast<std::uint8_t>(n * 32 + i));
                auto sig = t->sign_digest(kp->private_key, digest);
                if (!sig || !core::ok(core::verify_digest(pk, digest, *sig))) ++bad;
                auto h = t->create_object(private_data("t" + std::to_string(n), {1}));
                if (!h || !t->read_object(*h)) ++bad;
                if (!t->info()) ++bad;
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(bad.load(), 0);
    ObjectQuery q;
    q.object_class = cko_data;
    EXPECT_EQ(t->find_objects(q)->size(), 80u);
}

// Deleted objects' space goes back to the file system (auto_vacuum = INCREMENTAL).
TEST_F(TokenTest, DestroyedObjectsSpaceIsReclaimed) {
    auto t = make_token(cfg, file);
    ASSERT_TRUE(t);
    std::vector<ObjectHandle> made;
    for (int i = 0; i < 24; ++i) {
        Object o = label_only(cko_data, false, "bulk-" + std::to_string(i));
        o.attributes.push_back({cka_value, std::vector<std::uint8_t>(32000, 0x5a)});
        auto h = t->create_object(o);
        ASSERT_TRUE(h.ok()) << h.status().message();
        made.push_back(*h);
    }
    const auto full = std::filesystem::file_size(file);
    for (ObjectHandle h : made) ASSERT_TRUE(t->destroy_object(h).ok());
    const auto after = std::filesystem::file_size(file);
    EXPECT_LT(after, full / 4) << "full " << full << " bytes, after deleting " << after;
    EXPECT_TRUE(t->find_objects()->empty());
}
