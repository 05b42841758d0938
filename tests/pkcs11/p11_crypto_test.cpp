// SPDX-License-Identifier: Apache-2.0
// Digest, sign/verify, HMAC and VKO through the module, checked against Botan 2 (independent
// Streebog, 34.10-2012 and curve arithmetic); buffer-size rules; 8 threads × 1,000 signatures.
//
// Botan 2.19 traps: its "gost_256A" group is the CryptoPro-A curve, which is tc26 256-B; it
// verifies wrongly on the cofactor-4 curves, so those are left to gost-engine (p11_interop_test).
#include <botan/auto_rng.h>
#include <botan/ec_group.h>
#include <botan/gost_3410.h>
#include <botan/hash.h>
#include <botan/mac.h>
#include <botan/pubkey.h>

#include <mutex>
#include <thread>

#include "p11_harness.hpp"

using namespace p11test;

namespace {

CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

Bytes reversed(Bytes b) {
    std::reverse(b.begin(), b.end());
    return b;
}

Botan::BigInt from_le(const Bytes& b) {
    Bytes be = reversed(b);
    return Botan::BigInt(be.data(), be.size());
}

Bytes to_le(const Botan::BigInt& v, std::size_t n) {
    auto be = Botan::BigInt::encode_1363(v, n);
    return reversed(Bytes(be.begin(), be.end()));
}

Bytes botan_hash(const char* name, const Bytes& m) {
    auto h = Botan::HashFunction::create_or_throw(name);
    auto d = h->process(m);
    return Bytes(d.begin(), d.end());
}

// A Botan public key from the module's CKA_VALUE (X‖Y little-endian).
Botan::GOST_3410_PublicKey botan_pub(const Botan::EC_Group& g, const Bytes& xy) {
    std::size_t n = xy.size() / 2;
    auto x = from_le(Bytes(xy.begin(), xy.begin() + static_cast<long>(n)));
    auto y = from_le(Bytes(xy.begin() + static_cast<long>(n), xy.end()));
    return Botan::GOST_3410_PublicKey(g, g.point(x, y));
}

Bytes module_xy(const Botan::PointGFp& p, std::size_t n) {
    Bytes out = to_le(p.get_affine_x(), n);
    Bytes y = to_le(p.get_affine_y(), n);
    out.insert(out.end(), y.begin(), y.end());
    return out;
}

bool botan_verify(const Botan::GOST_3410_PublicKey& k, const char* emsa, const Bytes& m,
                  const Bytes& sig) {
    Botan::PK_Verifier v(k, emsa);
    return v.verify_message(m.data(), m.size(), sig.data(), sig.size());
}

// tc26 256-B is Botan's "gost_256A" (CryptoPro-A); tc26 512-A is "gost_512A".
const Botan::EC_Group& group256() {
    static Botan::EC_Group g("gost_256A");
    return g;
}
const Botan::EC_Group& group512() {
    static Botan::EC_Group g("gost_512A");
    return g;
}

class P11Crypto : public P11Test {
  protected:
    CK_SLOT_ID slot = 0;
    CK_SESSION_HANDLE h = 0;
    void SetUp() override {
        P11Test::SetUp();
        slot = ready_token();
        h = user_session(slot);
    }
    CK_OBJECT_HANDLE import_pub(const Bytes& params, const Bytes& xy, bool is512) {
        CK_OBJECT_CLASS c = CKO_PUBLIC_KEY;
        CK_KEY_TYPE kt = is512 ? CKK_GOSTR3410_512 : CKK_GOSTR3410;
        CK_ATTRIBUTE t[] = {
            {CKA_CLASS, &c, sizeof c},
            {CKA_KEY_TYPE, &kt, sizeof kt},
            {CKA_GOSTR3410_PARAMS, const_cast<std::uint8_t*>(params.data()), params.size()},
            {CKA_VALUE, const_cast<std::uint8_t*>(xy.data()), xy.size()},
            {CKA_VERIFY, &yes, 1}};
        CK_OBJECT_HANDLE o = 0;
        EXPECT_EQ(f->C_CreateObject(h, t, 5, &o), CKR_OK);
        return o;
    }
};

const Bytes message = {'g', 'o', 's', 't', 'c', 's', 'p', ' ', 'P', 'K', 'C', 'S', '#', '1', '1'};

}  // namespace

TEST(P11Botan, GroupsAreTheExpectedCurves) {
    EXPECT_EQ(group256().get_p(), (Botan::BigInt::power_of_2(256) - 617));
    EXPECT_EQ(group512().get_p(), (Botan::BigInt::power_of_2(512) - 569));
}

TEST_F(P11Crypto, DigestMatchesBotanSingleMultiAndBytewise) {
    Bytes m1;
    for (int i = 0; i < 63; ++i)
        m1.push_back(static_cast<std::uint8_t>('0' + (i % 10)));  // RFC 6986 M1
    for (auto [mt, name, n] : {std::tuple{CKM_GOSTR3411_12_256, "Streebog-256", 32ul},
                               std::tuple{CKM_GOSTR3411_12_512, "Streebog-512", 64ul}}) {
        for (const Bytes& msg : {m1, message, Bytes{}, Bytes(1000, 0xa5)}) {
            Bytes want = botan_hash(name, msg);
            CK_MECHANISM m{mt, nullptr, 0};
            ASSERT_EQ(f->C_DigestInit(h, &m), CKR_OK);
            CK_ULONG len = 0;
            ASSERT_EQ(
                f->C_Digest(h, const_cast<std::uint8_t*>(msg.data()), msg.size(), nullptr, &len),
                CKR_OK);
            EXPECT_EQ(len, n);
            Bytes out(n);
            CK_ULONG shortlen = n - 1;
            EXPECT_EQ(f->C_Digest(h, const_cast<std::uint8_t*>(msg.data()), msg.size(), out.data(),
                                  &shortlen),
                      CKR_BUFFER_TOO_SMALL);
            EXPECT_EQ(shortlen, n);
            ASSERT_EQ(
                f->C_Digest(h, const_cast<std::uint8_t*>(msg.data()), msg.size(), out.data(), &len),
                CKR_OK);
            EXPECT_EQ(out, want);
            EXPECT_EQ(f->C_Digest(h, out.data(), 1, out.data(), &len),
                      CKR_OPERATION_NOT_INITIALIZED);
            // Multi-part, one byte at a time.
            ASSERT_EQ(f->C_DigestInit(h, &m), CKR_OK);
            for (auto b : msg) ASSERT_EQ(f->C_DigestUpdate(h, &b, 1), CKR_OK);
            len = 0;
            ASSERT_EQ(f->C_DigestFinal(h, nullptr, &len), CKR_OK);
            shortlen = 3;
            EXPECT_EQ(f->C_DigestFinal(h, out.data(), &shortlen), CKR_BUFFER_TOO_SMALL);
            Bytes out2(n);
            ASSERT_EQ(f->C_DigestFinal(h, out2.data(), &len), CKR_OK);
            EXPECT_EQ(out2, want);
        }
    }
    CK_MECHANISM bad{CKM_SHA256, nullptr, 0};
    EXPECT_EQ(f->C_DigestInit(h, &bad), CKR_MECHANISM_INVALID);
    CK_MECHANISM m{CKM_GOSTR3411_12_256, nullptr, 0};
    EXPECT_EQ(f->C_DigestInit(h, nullptr), CKR_ARGUMENTS_BAD);
    ASSERT_EQ(f->C_DigestInit(h, &m), CKR_OK);
    EXPECT_EQ(f->C_DigestInit(h, &m), CKR_OPERATION_ACTIVE);
    EXPECT_EQ(f->C_DigestUpdate(h, nullptr, 5), CKR_ARGUMENTS_BAD);  // ends the operation
    EXPECT_EQ(f->C_DigestUpdate(h, nullptr, 0), CKR_OPERATION_NOT_INITIALIZED);
    // Digest works without any login, in a R/O public session.
    CK_SESSION_HANDLE pub = open(slot, false);
    ASSERT_EQ(f->C_DigestInit(pub, &m), CKR_OK);
    std::uint8_t d[32];
    CK_ULONG dl = 32;
    EXPECT_EQ(f->C_Digest(pub, const_cast<std::uint8_t*>(message.data()), message.size(), d, &dl),
              CKR_OK);
}

TEST_F(P11Crypto, HashAndSignVerifiedByBotanBothDirections) {
    struct Case {
        const Bytes* oid;
        bool is512;
        const Botan::EC_Group* g;
        CK_MECHANISM_TYPE mech;
        const char* emsa;
    };
    for (const Case& c : {Case{&oid_tc26_256_b, false, &group256(),
                               CKM_GOSTR3410_WITH_GOSTR3411_12_256, "EMSA1(Streebog-256)"},
                          Case{&oid_cryptopro_a, false, &group256(),
                               CKM_GOSTR3410_WITH_GOSTR3411_12_256, "EMSA1(Streebog-256)"},
                          Case{&oid_tc26_512_a, true, &group512(),
                               CKM_GOSTR3410_WITH_GOSTR3411_12_512, "EMSA1(Streebog-512)"}}) {
        KeyPair kp = generate(h, *c.oid, c.is512);
        Bytes xy = attr(h, kp.pub, CKA_VALUE);
        auto bpub = botan_pub(*c.g, xy);
        // Single-part.
        for (int i = 0; i < 5; ++i) {
            Bytes sig = sign(h, c.mech, kp.priv, message);
            ASSERT_EQ(sig.size(), c.is512 ? 128u : 64u);
            EXPECT_TRUE(botan_verify(bpub, c.emsa, message, sig));
            EXPECT_EQ(verify(h, c.mech, kp.pub, message, sig), CKR_OK);
            Bytes bad = sig;
            bad[5] ^= 1;
            EXPECT_EQ(verify(h, c.mech, kp.pub, message, bad), CKR_SIGNATURE_INVALID);
        }
        // Multi-part sign, in uneven pieces.
        CK_MECHANISM m{c.mech, nullptr, 0};
        ASSERT_EQ(f->C_SignInit(h, &m, kp.priv), CKR_OK);
        ASSERT_EQ(f->C_SignUpdate(h, const_cast<std::uint8_t*>(message.data()), 4), CKR_OK);
        ASSERT_EQ(f->C_SignUpdate(h, nullptr, 0), CKR_OK);
        ASSERT_EQ(
            f->C_SignUpdate(h, const_cast<std::uint8_t*>(message.data()) + 4, message.size() - 4),
            CKR_OK);
        CK_ULONG n = 0;
        ASSERT_EQ(f->C_SignFinal(h, nullptr, &n), CKR_OK);
        Bytes sig(n);
        CK_ULONG small = 10;
        EXPECT_EQ(f->C_SignFinal(h, sig.data(), &small), CKR_BUFFER_TOO_SMALL);
        EXPECT_EQ(small, n);
        ASSERT_EQ(f->C_SignFinal(h, sig.data(), &n), CKR_OK);
        EXPECT_TRUE(botan_verify(bpub, c.emsa, message, sig));
        EXPECT_EQ(f->C_SignFinal(h, sig.data(), &n), CKR_OPERATION_NOT_INITIALIZED);
        // Botan signs, the module verifies (single- and multi-part).
        Botan::AutoSeeded_RNG rng;
        Botan::GOST_3410_PrivateKey bpriv(rng, *c.g);
        Botan::PK_Signer signer(bpriv, rng, c.emsa);
        auto bs = signer.sign_message(message, rng);
        Bytes bsig(bs.begin(), bs.end());
        CK_OBJECT_HANDLE imported =
            import_pub(*c.oid, module_xy(bpriv.public_point(), c.is512 ? 64 : 32), c.is512);
        EXPECT_EQ(verify(h, c.mech, imported, message, bsig), CKR_OK);
        ASSERT_EQ(f->C_VerifyInit(h, &m, imported), CKR_OK);
        for (auto b : message) ASSERT_EQ(f->C_VerifyUpdate(h, &b, 1), CKR_OK);
        EXPECT_EQ(f->C_VerifyFinal(h, bsig.data(), bsig.size()), CKR_OK);
        EXPECT_EQ(verify(h, c.mech, imported, Bytes(message.begin(), message.end() - 1), bsig),
                  CKR_SIGNATURE_INVALID);
        EXPECT_EQ(verify(h, c.mech, imported, message, Bytes(bsig.begin(), bsig.end() - 1)),
                  CKR_SIGNATURE_LEN_RANGE);
    }
}

TEST_F(P11Crypto, RawSignOverDigestVerifiedByBotan) {
    KeyPair kp = generate(h, oid_tc26_256_b);
    auto bpub = botan_pub(group256(), attr(h, kp.pub, CKA_VALUE));
    Bytes digest = botan_hash("Streebog-256", message);
    Bytes sig = sign(h, CKM_GOSTR3410, kp.priv, digest);
    EXPECT_TRUE(botan_verify(bpub, "Raw", digest, sig));
    EXPECT_TRUE(
        botan_verify(bpub, "EMSA1(Streebog-256)", message, sig));  // same thing, hashed by Botan
    EXPECT_EQ(verify(h, CKM_GOSTR3410, kp.pub, digest, sig), CKR_OK);
    // Raw mechanisms are single-part and take exactly a digest.
    CK_MECHANISM m{CKM_GOSTR3410, nullptr, 0};
    ASSERT_EQ(f->C_SignInit(h, &m, kp.priv), CKR_OK);
    std::uint8_t out[64];
    CK_ULONG n = sizeof out;
    EXPECT_EQ(f->C_Sign(h, digest.data(), 31, out, &n), CKR_DATA_LEN_RANGE);
    EXPECT_EQ(f->C_Sign(h, digest.data(), 32, out, &n), CKR_OPERATION_NOT_INITIALIZED);
    ASSERT_EQ(f->C_SignInit(h, &m, kp.priv), CKR_OK);
    EXPECT_EQ(f->C_SignUpdate(h, digest.data(), 32), CKR_FUNCTION_NOT_SUPPORTED);
    // 512-bit raw.
    KeyPair k5 = generate(h, oid_tc26_512_a, true);
    Bytes d5 = botan_hash("Streebog-512", message);
    Bytes s5 = sign(h, CKM_GOSTR3410_512, k5.priv, d5);
    EXPECT_TRUE(botan_verify(botan_pub(group512(), attr(h, k5.pub, CKA_VALUE)), "Raw", d5, s5));
}

TEST_F(P11Crypto, SignAndVerifyErrorPaths) {
    KeyPair kp = generate(h, oid_tc26_256_a);
    KeyPair k5 = generate(h, oid_tc26_512_a, true);
    CK_MECHANISM m{CKM_GOSTR3410_WITH_GOSTR3411_12_256, nullptr, 0};
    CK_MECHANISM m5{CKM_GOSTR3410_WITH_GOSTR3411_12_512, nullptr, 0};
    EXPECT_EQ(f->C_SignInit(h, nullptr, kp.priv), CKR_ARGUMENTS_BAD);
    EXPECT_EQ(f->C_SignInit(h, &m, kp.pub), CKR_KEY_TYPE_INCONSISTENT);
    EXPECT_EQ(f->C_SignInit(h, &m5, kp.priv), CKR_KEY_TYPE_INCONSISTENT);
    EXPECT_EQ(f->C_SignInit(h, &m, 0xdead), CKR_KEY_HANDLE_INVALID);
    EXPECT_EQ(f->C_VerifyInit(h, &m, kp.priv), CKR_KEY_TYPE_INCONSISTENT);
    EXPECT_EQ(f->C_VerifyInit(h, &m5, kp.pub), CKR_KEY_TYPE_INCONSISTENT);
    CK_MECHANISM digest{CKM_GOSTR3411_12_256, nullptr, 0};
    EXPECT_EQ(f->C_SignInit(h, &digest, kp.priv), CKR_MECHANISM_INVALID);
    std::uint8_t p = 0;
    CK_MECHANISM with_param{CKM_GOSTR3410_WITH_GOSTR3411_12_256, &p, 1};
    EXPECT_EQ(f->C_SignInit(h, &with_param, kp.priv), CKR_MECHANISM_PARAM_INVALID);
    std::uint8_t sig[128];
    CK_ULONG n = sizeof sig;
    EXPECT_EQ(f->C_Sign(h, sig, 1, sig, &n), CKR_OPERATION_NOT_INITIALIZED);
    EXPECT_EQ(f->C_SignUpdate(h, sig, 1), CKR_OPERATION_NOT_INITIALIZED);
    EXPECT_EQ(f->C_SignFinal(h, sig, &n), CKR_OPERATION_NOT_INITIALIZED);
    EXPECT_EQ(f->C_Verify(h, sig, 1, sig, 64), CKR_OPERATION_NOT_INITIALIZED);
    ASSERT_EQ(f->C_SignInit(h, &m, kp.priv), CKR_OK);
    EXPECT_EQ(f->C_SignInit(h, &m, kp.priv), CKR_OPERATION_ACTIVE);
    // Length query keeps the operation; a short buffer too; then the real call ends it.
    CK_ULONG q = 0;
    ASSERT_EQ(f->C_Sign(h, sig, 1, nullptr, &q), CKR_OK);
    EXPECT_EQ(q, 64u);
    CK_ULONG shortlen = 63;
    EXPECT_EQ(f->C_Sign(h, sig, 1, sig, &shortlen), CKR_BUFFER_TOO_SMALL);
    EXPECT_EQ(shortlen, 64u);
    EXPECT_EQ(f->C_Sign(h, sig, 1, sig, &n), CKR_OK);
    EXPECT_EQ(n, 64u);
    // Sign after SignUpdate is refused (and ends the operation).
    ASSERT_EQ(f->C_SignInit(h, &m, kp.priv), CKR_OK);
    ASSERT_EQ(f->C_SignUpdate(h, sig, 1), CKR_OK);
    n = sizeof sig;
    EXPECT_EQ(f->C_Sign(h, sig, 1, sig, &n), CKR_OPERATION_ACTIVE);
    // Keys without CKA_SIGN / CKA_VERIFY.
    CK_MECHANISM gm{CKM_GOSTR3410_KEY_PAIR_GEN, nullptr, 0};
    CK_ATTRIBUTE pub[] = {{CKA_GOSTR3410_PARAMS, const_cast<std::uint8_t*>(oid_tc26_256_a.data()),
                           oid_tc26_256_a.size()},
                          {CKA_VERIFY, &no, 1}};
    CK_ATTRIBUTE priv[] = {{CKA_SIGN, &no, 1}};
    CK_OBJECT_HANDLE pk, sk;
    ASSERT_EQ(f->C_GenerateKeyPair(h, &gm, pub, 2, priv, 1, &pk, &sk), CKR_OK);
    EXPECT_EQ(f->C_SignInit(h, &m, sk), CKR_KEY_FUNCTION_NOT_PERMITTED);
    EXPECT_EQ(f->C_VerifyInit(h, &m, pk), CKR_KEY_FUNCTION_NOT_PERMITTED);
    // After logout the private key is gone from view.
    ASSERT_EQ(f->C_Logout(h), CKR_OK);
    EXPECT_EQ(f->C_SignInit(h, &m, kp.priv), CKR_KEY_HANDLE_INVALID);
    (void)k5;
}

TEST_F(P11Crypto, HmacStreebogMatchesBotan) {
    Bytes key(32);
    for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i * 7 + 1);
    CK_OBJECT_CLASS sc = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &sc, sizeof sc},
                        {CKA_KEY_TYPE, &kt, sizeof kt},
                        {CKA_VALUE, key.data(), key.size()},
                        {CKA_SIGN, &yes, 1},
                        {CKA_VERIFY, &yes, 1},
                        {CKA_SENSITIVE, &no, 1},
                        {CKA_EXTRACTABLE, &yes, 1}};
    CK_OBJECT_HANDLE k;
    ASSERT_EQ(f->C_CreateObject(h, t, 7, &k), CKR_OK);
    EXPECT_EQ(attr(h, k, CKA_VALUE), key);
    EXPECT_EQ(attr_ulong(h, k, CKA_VALUE_LEN), 32u);
    for (auto [mt, name] : {std::pair{CKM_GOSTR3411_12_256_HMAC, "HMAC(Streebog-256)"},
                            std::pair{CKM_GOSTR3411_12_512_HMAC, "HMAC(Streebog-512)"}}) {
        auto mac = Botan::MessageAuthenticationCode::create_or_throw(name);
        mac->set_key(key);
        auto want = mac->process(message);
        Bytes got = sign(h, mt, k, message);
        EXPECT_EQ(got, Bytes(want.begin(), want.end()));
        EXPECT_EQ(verify(h, mt, k, message, got), CKR_OK);
        got[0] ^= 1;
        EXPECT_EQ(verify(h, mt, k, message, got), CKR_SIGNATURE_INVALID);
        // Multi-part.
        CK_MECHANISM m{mt, nullptr, 0};
        ASSERT_EQ(f->C_SignInit(h, &m, k), CKR_OK);
        for (auto b : message) ASSERT_EQ(f->C_SignUpdate(h, &b, 1), CKR_OK);
        Bytes out(want.size());
        CK_ULONG n = out.size();
        ASSERT_EQ(f->C_SignFinal(h, out.data(), &n), CKR_OK);
        EXPECT_EQ(out, Bytes(want.begin(), want.end()));
    }
    // A sensitive, non-extractable HMAC key signs the same (used in place), but never shows
    // its value.
    CK_ATTRIBUTE ts[] = {{CKA_CLASS, &sc, sizeof sc},
                         {CKA_KEY_TYPE, &kt, sizeof kt},
                         {CKA_VALUE, key.data(), key.size()},
                         {CKA_SIGN, &yes, 1},
                         {CKA_VERIFY, &yes, 1},
                         {CKA_SENSITIVE, &yes, 1},
                         {CKA_EXTRACTABLE, &no, 1}};
    CK_OBJECT_HANDLE ks;
    ASSERT_EQ(f->C_CreateObject(h, ts, 7, &ks), CKR_OK);
    {
        auto mac = Botan::MessageAuthenticationCode::create_or_throw("HMAC(Streebog-256)");
        mac->set_key(key);
        auto want = mac->process(message);
        EXPECT_EQ(sign(h, CKM_GOSTR3411_12_256_HMAC, ks, message), Bytes(want.begin(), want.end()));
        std::uint8_t buf[32];
        CK_ATTRIBUTE get{CKA_VALUE, buf, sizeof buf};
        EXPECT_EQ(f->C_GetAttributeValue(h, ks, &get, 1), CKR_ATTRIBUTE_SENSITIVE);
    }
    // A GOST key is not an HMAC key.
    KeyPair kp = generate(h, oid_tc26_256_a);
    CK_MECHANISM m{CKM_GOSTR3411_12_256_HMAC, nullptr, 0};
    EXPECT_EQ(f->C_SignInit(h, &m, kp.priv), CKR_KEY_TYPE_INCONSISTENT);
}

namespace {

// The KEK a peer computes with Botan: H(K.x‖K.y little-endian), K = (UKM·d_peer mod q)·Q_ours.
Bytes botan_vko(const Botan::EC_Group& g, const Botan::GOST_3410_PrivateKey& peer,
                const Bytes& our_xy, const Bytes& ukm, const char* hash) {
    std::size_t n = our_xy.size() / 2;
    auto q = botan_pub(g, our_xy).public_point();
    Botan::BigInt k = (from_le(ukm) * peer.private_value()) % g.get_order();
    Botan::PointGFp K = q * k;
    return botan_hash(hash, module_xy(K, n));
}

}  // namespace

TEST_F(P11Crypto, VkoDeriveAgreesWithBotan) {
    Botan::AutoSeeded_RNG rng;
    Bytes ukm = {0x1d, 0x80, 0x60, 0x3c, 0x85, 0x44, 0xc7, 0x27};
    struct Case {
        const Bytes* oid;
        bool is512;
        const Botan::EC_Group* g;
        CK_ULONG len;
        const char* hash;
    };
    for (const Case& c : {Case{&oid_tc26_256_b, false, &group256(), 32, "Streebog-256"},
                          Case{&oid_tc26_512_a, true, &group512(), 64, "Streebog-512"},
                          Case{&oid_tc26_512_a, true, &group512(), 32, "Streebog-256"}}) {
        KeyPair kp = generate(h, *c.oid, c.is512);
        Botan::GOST_3410_PrivateKey peer(rng, *c.g);
        Bytes peer_xy = module_xy(peer.public_point(), c.is512 ? 64 : 32);
        CK_GOSTR3410_DERIVE_PARAMS dp{CKD_NULL, peer_xy.data(), peer_xy.size(), ukm.data(),
                                      ukm.size()};
        CK_MECHANISM m{CKM_GOSTR3410_12_DERIVE, &dp, sizeof dp};
        CK_OBJECT_CLASS sc = CKO_SECRET_KEY;
        CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
        CK_ULONG len = c.len;
        CK_ATTRIBUTE t[] = {{CKA_CLASS, &sc, sizeof sc},
                            {CKA_KEY_TYPE, &kt, sizeof kt},
                            {CKA_SENSITIVE, &no, 1},
                            {CKA_EXTRACTABLE, &yes, 1},
                            {CKA_VALUE_LEN, &len, sizeof len}};
        CK_OBJECT_HANDLE k;
        ASSERT_EQ(f->C_DeriveKey(h, &m, kp.priv, t, 5, &k), CKR_OK);
        EXPECT_EQ(attr(h, k, CKA_VALUE),
                  botan_vko(*c.g, peer, attr(h, kp.pub, CKA_VALUE), ukm, c.hash));
        EXPECT_EQ(attr_ulong(h, k, CKA_CLASS), CKO_SECRET_KEY);
        EXPECT_EQ(attr_ulong(h, k, CKA_VALUE_LEN), c.len);
        // The default template yields a sensitive secret.
        CK_OBJECT_HANDLE k2;
        ASSERT_EQ(f->C_DeriveKey(h, &m, kp.priv, nullptr, 0, &k2), CKR_OK);
        attr(h, k2, CKA_VALUE, CKR_ATTRIBUTE_SENSITIVE);
        EXPECT_EQ(attr(h, k2, CKA_SENSITIVE), Bytes{CK_TRUE});
    }
}

TEST_F(P11Crypto, DeriveErrorPaths) {
    KeyPair kp = generate(h, oid_tc26_256_b);
    Bytes peer = attr(h, kp.pub, CKA_VALUE);  // any valid point will do
    std::uint8_t ukm[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    CK_GOSTR3410_DERIVE_PARAMS dp{CKD_NULL, peer.data(), peer.size(), ukm, 8};
    CK_MECHANISM m{CKM_GOSTR3410_12_DERIVE, &dp, sizeof dp};
    CK_OBJECT_HANDLE k;
    EXPECT_EQ(f->C_DeriveKey(h, nullptr, kp.priv, nullptr, 0, &k), CKR_ARGUMENTS_BAD);
    EXPECT_EQ(f->C_DeriveKey(h, &m, kp.priv, nullptr, 0, nullptr), CKR_ARGUMENTS_BAD);
    CK_MECHANISM short_param{CKM_GOSTR3410_12_DERIVE, &dp, sizeof dp - 1};
    EXPECT_EQ(f->C_DeriveKey(h, &short_param, kp.priv, nullptr, 0, &k),
              CKR_MECHANISM_PARAM_INVALID);
    CK_GOSTR3410_DERIVE_PARAMS kdf = dp;
    kdf.kdf = CKD_SHA256_KDF;
    CK_MECHANISM mk{CKM_GOSTR3410_12_DERIVE, &kdf, sizeof kdf};
    EXPECT_EQ(f->C_DeriveKey(h, &mk, kp.priv, nullptr, 0, &k), CKR_MECHANISM_PARAM_INVALID);
    CK_GOSTR3410_DERIVE_PARAMS shortpub = dp;
    shortpub.ulPublicDataLen = 63;
    CK_MECHANISM ms{CKM_GOSTR3410_12_DERIVE, &shortpub, sizeof shortpub};
    EXPECT_EQ(f->C_DeriveKey(h, &ms, kp.priv, nullptr, 0, &k), CKR_MECHANISM_PARAM_INVALID);
    Bytes off_curve = peer;
    off_curve[0] ^= 1;
    CK_GOSTR3410_DERIVE_PARAMS bad = dp;
    bad.pPublicData = off_curve.data();
    CK_MECHANISM mb{CKM_GOSTR3410_12_DERIVE, &bad, sizeof bad};
    EXPECT_EQ(f->C_DeriveKey(h, &mb, kp.priv, nullptr, 0, &k), CKR_MECHANISM_PARAM_INVALID);
    EXPECT_EQ(f->C_DeriveKey(h, &m, kp.pub, nullptr, 0, &k), CKR_KEY_TYPE_INCONSISTENT);
    EXPECT_EQ(f->C_DeriveKey(h, &m, 0xbeef, nullptr, 0, &k), CKR_KEY_HANDLE_INVALID);
    KeyPair nod = generate(h, oid_tc26_256_b, false, false, CK_FALSE);
    EXPECT_EQ(f->C_DeriveKey(h, &m, nod.priv, nullptr, 0, &k), CKR_KEY_FUNCTION_NOT_PERMITTED);
    CK_ULONG len = 48;
    CK_ATTRIBUTE t[] = {{CKA_VALUE_LEN, &len, sizeof len}};
    EXPECT_EQ(f->C_DeriveKey(h, &m, kp.priv, t, 1, &k), CKR_TEMPLATE_INCONSISTENT);
    CK_OBJECT_CLASS dc = CKO_DATA;
    CK_ATTRIBUTE t2[] = {{CKA_CLASS, &dc, sizeof dc}};
    EXPECT_EQ(f->C_DeriveKey(h, &m, kp.priv, t2, 1, &k), CKR_TEMPLATE_INCONSISTENT);
}

// 8 threads × 1,000 signatures, on separate sessions and on one shared session (the spec lets
// threads share a session as long as they do not interleave one operation; the test serialises
// Init+Sign pairs on the shared session, the module serialises everything else). All
// signatures are checked by Botan.
TEST_F(P11Crypto, EightThreadsThousandSignsEach) {
    KeyPair kp = generate(h, oid_tc26_256_b, false, true);
    auto bpub = botan_pub(group256(), attr(h, kp.pub, CKA_VALUE));
    constexpr int threads = 8, per_thread = 1000;
    for (bool shared : {false, true}) {
        std::vector<std::vector<Bytes>> sigs(threads);
        std::mutex shared_mutex;
        std::atomic<int> errors{0};
        std::vector<std::thread> ts;
        for (int t = 0; t < threads; ++t)
            ts.emplace_back([&, t] {
                CK_SESSION_HANDLE s = h;
                if (!shared &&
                    f->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s) != CKR_OK) {
                    ++errors;
                    return;
                }
                CK_MECHANISM m{CKM_GOSTR3410_WITH_GOSTR3411_12_256, nullptr, 0};
                for (int i = 0; i < per_thread; ++i) {
                    Bytes msg = message;
                    msg.push_back(static_cast<std::uint8_t>(t));
                    msg.push_back(static_cast<std::uint8_t>(i & 0xff));
                    msg.push_back(static_cast<std::uint8_t>(i >> 8));
                    Bytes sig(64);
                    CK_ULONG n = 64;
                    std::unique_lock<std::mutex> lock(shared_mutex, std::defer_lock);
                    if (shared) lock.lock();
                    if (f->C_SignInit(s, &m, kp.priv) != CKR_OK ||
                        f->C_Sign(s, msg.data(), msg.size(), sig.data(), &n) != CKR_OK || n != 64)
                        ++errors;
                    sigs[t].push_back(sig);
                }
                if (!shared) f->C_CloseSession(s);
            });
        for (auto& th : ts) th.join();
        ASSERT_EQ(errors.load(), 0);
        int bad = 0;
        for (int t = 0; t < threads; ++t)
            for (int i = 0; i < per_thread; ++i) {
                Bytes msg = message;
                msg.push_back(static_cast<std::uint8_t>(t));
                msg.push_back(static_cast<std::uint8_t>(i & 0xff));
                msg.push_back(static_cast<std::uint8_t>(i >> 8));
                if (!botan_verify(bpub, "EMSA1(Streebog-256)", msg, sigs[t][i])) ++bad;
            }
        EXPECT_EQ(bad, 0) << (shared ? "shared session" : "separate sessions");
    }
}
