// SPDX-License-Identifier: Apache-2.0
// GOST R 34.10-2012 signatures: RFC 7091 §7 / GOST R 34.10-2012 App. A.1–A.2 examples, wire byte
// orders (docs/byte-orders.md), round trips on every parameter set, and bad-input handling.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include <openssl/bn.h>

#include "gostcsp/gost3410.hpp"
#include "vector_file.hpp"

using namespace gostcsp::core;
using gostcsp::test::from_hex;
using gostcsp::test::load_vectors;
using gostcsp::test::to_hex;
using Bytes = std::vector<std::uint8_t>;

namespace {

Bytes reversed(Bytes b) {
    std::reverse(b.begin(), b.end());
    return b;
}
Bytes concat(const Bytes& a, const Bytes& b) {
    Bytes r = a;
    r.insert(r.end(), b.begin(), b.end());
    return r;
}

struct Example {
    ParamSet set;
    Bytes d, qx, qy, e, k, r, s;         // big-endian integers as printed
    Bytes digest, d_le, pub, signature;  // wire forms (memory order)
};

Example load_example(const gostcsp::test::VectorRecord& rec) {
    Example ex;
    (void)rec.name();
    auto set = param_set_from_name(rec.str("curve"));
    EXPECT_TRUE(set.has_value()) << rec.str("curve");
    ex.set = *set;
    EXPECT_EQ(rec.number("bits"), param_set_info(ex.set).bits);
    ex.d = rec.bytes("d");
    ex.qx = rec.bytes("qx");
    ex.qy = rec.bytes("qy");
    ex.e = rec.bytes("e");
    ex.k = rec.bytes("k");
    ex.r = rec.bytes("r");
    ex.s = rec.bytes("s");
    ex.digest = rec.bytes("digest");
    ex.d_le = rec.bytes("d_le");
    ex.pub = rec.bytes("pub");
    ex.signature = rec.bytes("signature");
    // Intermediates and decimal duplicates: checked by check_vectors.py, not part of our API.
    rec.ignore({"cx", "cy", "v", "z1", "z2", "d_dec", "e_dec", "k_dec", "r_dec", "s_dec"});
    EXPECT_TRUE(rec.unconsumed().empty());
    return ex;
}

std::vector<Example> examples() {
    std::vector<Example> out;
    for (const auto& rec : load_vectors("gost3410.txt")) out.push_back(load_example(rec));
    return out;
}

}  // namespace

// The standard's examples, reproduced bit for bit with the given k, then verified.
TEST(Gost3410, StandardExamplesWithGivenNonce) {
    const auto exs = examples();
    ASSERT_EQ(exs.size(), 2u);
    for (const auto& ex : exs) {
        SCOPED_TRACE(param_set_info(ex.set).name);
        PrivateKey key;
        ASSERT_EQ(PrivateKey::from_le_bytes(ex.set, ex.d_le, key), Status::ok);
        PublicKey pub;
        ASSERT_EQ(key.derive_public(pub), Status::ok);
        EXPECT_EQ(to_hex(pub.le_xy()), to_hex(ex.pub));
        Bytes sig(param_set_info(ex.set).signature_bytes());
        ASSERT_EQ(gostcsp::core::testing::sign_digest_with_nonce(key, ex.digest, ex.k, sig),
                  Status::ok);
        EXPECT_EQ(to_hex(sig), to_hex(ex.signature));
        EXPECT_EQ(verify_digest(pub, ex.digest, sig), Status::ok);
        PublicKey parsed;
        ASSERT_EQ(PublicKey::from_le_xy(ex.set, ex.pub, parsed), Status::ok);
        EXPECT_EQ(verify_digest(parsed, ex.digest, ex.signature), Status::ok);
    }
}

// The same examples through the portable field code (the MULX/ADX kernels run by default on
// CPUs that have them), plus a random round trip on every set.
TEST(Gost3410, PortableArithmeticAgrees) {
    struct Restore {
        ~Restore() { gostcsp::core::testing::force_portable_arithmetic(false); }
    } restore;
    EXPECT_FALSE(gostcsp::core::testing::force_portable_arithmetic(true));
    for (const auto& ex : examples()) {
        PrivateKey key;
        ASSERT_EQ(PrivateKey::from_le_bytes(ex.set, ex.d_le, key), Status::ok);
        PublicKey pub;
        ASSERT_EQ(key.derive_public(pub), Status::ok);
        EXPECT_EQ(to_hex(pub.le_xy()), to_hex(ex.pub));
        Bytes sig(param_set_info(ex.set).signature_bytes());
        ASSERT_EQ(gostcsp::core::testing::sign_digest_with_nonce(key, ex.digest, ex.k, sig),
                  Status::ok);
        EXPECT_EQ(to_hex(sig), to_hex(ex.signature));
        EXPECT_EQ(verify_digest(pub, ex.digest, sig), Status::ok);
    }
    for (const auto& info : all_param_sets()) {
        PrivateKey key;
        ASSERT_EQ(PrivateKey::generate(info.id, key), Status::ok);
        PublicKey pub_portable, pub_fast;
        ASSERT_EQ(key.derive_public(pub_portable), Status::ok);
        Bytes digest(info.field_bytes(), 0x33), sig(info.signature_bytes());
        ASSERT_EQ(sign_digest(key, digest, sig), Status::ok);
        gostcsp::core::testing::force_portable_arithmetic(false);
        ASSERT_EQ(key.derive_public(pub_fast), Status::ok);
        EXPECT_EQ(to_hex(pub_portable.le_xy()), to_hex(pub_fast.le_xy())) << info.name;
        EXPECT_EQ(verify_digest(pub_fast, digest, sig), Status::ok) << info.name;
        gostcsp::core::testing::force_portable_arithmetic(true);
    }
}

// Byte-order pins (docs/byte-orders.md): one test per wire format, against the printed integers.
TEST(Gost3410ByteOrder, PrivateKeyIsLittleEndianScalar) {
    for (const auto& ex : examples()) {
        EXPECT_EQ(to_hex(ex.d_le), to_hex(reversed(ex.d)));
        PrivateKey key;
        ASSERT_EQ(PrivateKey::from_le_bytes(ex.set, ex.d_le, key), Status::ok);
        EXPECT_EQ(to_hex(key.le_bytes()), to_hex(reversed(ex.d)));
    }
}

TEST(Gost3410ByteOrder, PublicKeyIsLittleEndianXThenY) {
    for (const auto& ex : examples()) {
        PrivateKey key;
        ASSERT_EQ(PrivateKey::from_le_bytes(ex.set, ex.d_le, key), Status::ok);
        PublicKey pub;
        ASSERT_EQ(key.derive_public(pub), Status::ok);
        EXPECT_EQ(to_hex(pub.le_xy()), to_hex(concat(reversed(ex.qx), reversed(ex.qy))));
    }
}

TEST(Gost3410ByteOrder, SignatureIsBigEndianSThenR) {
    for (const auto& ex : examples()) {
        PrivateKey key;
        ASSERT_EQ(PrivateKey::from_le_bytes(ex.set, ex.d_le, key), Status::ok);
        Bytes sig(param_set_info(ex.set).signature_bytes());
        ASSERT_EQ(gostcsp::core::testing::sign_digest_with_nonce(key, ex.digest, ex.k, sig),
                  Status::ok);
        EXPECT_EQ(to_hex(sig), to_hex(concat(ex.s, ex.r)));
        // r‖s (the order the standard's text prints) must not verify.
        PublicKey pub;
        ASSERT_EQ(PublicKey::from_le_xy(ex.set, ex.pub, pub), Status::ok);
        EXPECT_EQ(verify_digest(pub, ex.digest, concat(ex.r, ex.s)), Status::invalid_signature);
    }
}

TEST(Gost3410ByteOrder, DigestIsReadLittleEndian) {
    for (const auto& ex : examples()) {
        EXPECT_EQ(to_hex(ex.digest), to_hex(reversed(ex.e)));
        PrivateKey key;
        ASSERT_EQ(PrivateKey::from_le_bytes(ex.set, ex.d_le, key), Status::ok);
        Bytes sig(param_set_info(ex.set).signature_bytes());
        ASSERT_EQ(gostcsp::core::testing::sign_digest_with_nonce(key, ex.digest, ex.k, sig),
                  Status::ok);
        EXPECT_EQ(to_hex(sig), to_hex(ex.signature));
        // the same bytes read big-endian are a different e: the signature must not verify
        PublicKey pub;
        ASSERT_EQ(PublicKey::from_le_xy(ex.set, ex.pub, pub), Status::ok);
        EXPECT_EQ(verify_digest(pub, reversed(ex.digest), ex.signature), Status::invalid_signature);
    }
}

// Keygen, sign and verify on every set (random keys; the oracles' checks are in conformance/).
TEST(Gost3410, RoundTripEverySet) {
    for (const auto& info : all_param_sets()) {
        SCOPED_TRACE(info.name);
        for (int i = 0; i < 8; ++i) {
            PrivateKey key;
            ASSERT_EQ(PrivateKey::generate(info.id, key), Status::ok);
            PublicKey pub;
            ASSERT_EQ(key.derive_public(pub), Status::ok);
            PublicKey parsed;
            ASSERT_EQ(PublicKey::from_le_xy(info.id, pub.le_xy(), parsed), Status::ok);
            Bytes digest(info.field_bytes(), static_cast<std::uint8_t>(i * 37 + 1));
            Bytes sig(info.signature_bytes());
            ASSERT_EQ(sign_digest(key, digest, sig), Status::ok);
            EXPECT_EQ(verify_digest(parsed, digest, sig), Status::ok);
            digest[static_cast<std::size_t>(i)] ^= 1;
            EXPECT_EQ(verify_digest(parsed, digest, sig), Status::invalid_signature);
            digest[static_cast<std::size_t>(i)] ^= 1;
            sig[sig.size() - 1 - static_cast<std::size_t>(i)] ^= 0x10;
            EXPECT_EQ(verify_digest(parsed, digest, sig), Status::invalid_signature);
        }
    }
}

TEST(Gost3410, MessageSignatureUsesStreebogOfTheKeySize) {
    const std::uint8_t msg[] = {'a', 'b', 'c'};
    for (const auto& info : all_param_sets()) {
        SCOPED_TRACE(info.name);
        PrivateKey key;
        ASSERT_EQ(PrivateKey::generate(info.id, key), Status::ok);
        PublicKey pub;
        ASSERT_EQ(key.derive_public(pub), Status::ok);
        Bytes sig(info.signature_bytes());
        ASSERT_EQ(sign_message(key, msg, sig), Status::ok);
        EXPECT_EQ(verify_message(pub, msg, sig), Status::ok);
        // same as signing the Streebog digest of the right size
        std::uint8_t h[64];
        Streebog hash(message_digest_size(info.id));
        hash.update(msg);
        hash.final(h);
        EXPECT_EQ(verify_digest(pub, {h, hash.output_bytes()}, sig), Status::ok);
        const std::uint8_t other[] = {'a', 'b', 'd'};
        EXPECT_EQ(verify_message(pub, other, sig), Status::invalid_signature);
    }
}

TEST(Gost3410, ZeroDigestSignsAsOne) {
    // e = 0 mod q is replaced by 1 (RFC 7091 §6.1 step 2): digest 0 and digest 1 sign alike.
    for (const auto& info : all_param_sets()) {
        PrivateKey key;
        ASSERT_EQ(PrivateKey::generate(info.id, key), Status::ok);
        PublicKey pub;
        ASSERT_EQ(key.derive_public(pub), Status::ok);
        Bytes zero(info.field_bytes(), 0), one(info.field_bytes(), 0);
        one[0] = 1;
        Bytes sig(info.signature_bytes());
        ASSERT_EQ(sign_digest(key, zero, sig), Status::ok);
        EXPECT_EQ(verify_digest(pub, one, sig), Status::ok);
        // q itself (little-endian) is also ≡ 0
        const auto& cp = curve_params(info.id);
        Bytes q_le(cp.q.rbegin(), cp.q.rend());
        EXPECT_EQ(verify_digest(pub, q_le, sig), Status::ok);
    }
}

// ---------------------------------------------------------------- bad input

TEST(Gost3410BadInput, PrivateKeyOutOfRangeOrWrongLength) {
    for (const auto& info : all_param_sets()) {
        SCOPED_TRACE(info.name);
        const auto& cp = curve_params(info.id);
        PrivateKey key;
        Bytes zero(info.field_bytes(), 0);
        EXPECT_EQ(PrivateKey::from_le_bytes(info.id, zero, key), Status::invalid_private_key);
        Bytes q_le(cp.q.rbegin(), cp.q.rend());
        EXPECT_EQ(PrivateKey::from_le_bytes(info.id, q_le, key), Status::invalid_private_key);
        Bytes ff(info.field_bytes(), 0xff);
        EXPECT_EQ(PrivateKey::from_le_bytes(info.id, ff, key), Status::invalid_private_key);
        Bytes q1 = q_le;
        q1[0] = static_cast<std::uint8_t>(q1[0] - 1);  // q−1 is the largest valid scalar
        EXPECT_EQ(PrivateKey::from_le_bytes(info.id, q1, key), Status::ok);
        Bytes short_key(info.field_bytes() - 1, 1);
        EXPECT_EQ(PrivateKey::from_le_bytes(info.id, short_key, key), Status::bad_length);
        Bytes long_key(info.field_bytes() + 1, 1);
        EXPECT_EQ(PrivateKey::from_le_bytes(info.id, long_key, key), Status::bad_length);
    }
}

TEST(Gost3410BadInput, PublicKeyOffCurveWrongLengthOrNonCanonical) {
    for (const auto& info : all_param_sets()) {
        SCOPED_TRACE(info.name);
        const auto& cp = curve_params(info.id);
        Bytes g = concat(Bytes(cp.x.rbegin(), cp.x.rend()), Bytes(cp.y.rbegin(), cp.y.rend()));
        PublicKey pub;
        EXPECT_EQ(PublicKey::from_le_xy(info.id, g, pub), Status::ok);
        Bytes off = g;
        off[info.field_bytes()] ^= 1;  // y changed: off the curve
        EXPECT_EQ(PublicKey::from_le_xy(info.id, off, pub), Status::invalid_public_key);
        Bytes zeros(info.public_key_bytes(), 0);
        EXPECT_EQ(PublicKey::from_le_xy(info.id, zeros, pub), Status::invalid_public_key);
        Bytes ffs(info.public_key_bytes(), 0xff);  // coordinates ≥ p
        EXPECT_EQ(PublicKey::from_le_xy(info.id, ffs, pub), Status::invalid_public_key);
        // x + p (non-canonical, may still fit the field bytes): must be refused
        Bytes x_le(cp.x.rbegin(), cp.x.rend());
        Bytes p_le(cp.p.rbegin(), cp.p.rend());
        Bytes xp(info.field_bytes());
        unsigned carry = 0;
        for (std::size_t i = 0; i < xp.size(); ++i) {
            const unsigned s = x_le[i] + p_le[i] + carry;
            xp[i] = static_cast<std::uint8_t>(s);
            carry = s >> 8;
        }
        if (!carry) {
            Bytes nc = concat(xp, Bytes(cp.y.rbegin(), cp.y.rend()));
            EXPECT_EQ(PublicKey::from_le_xy(info.id, nc, pub), Status::invalid_public_key);
        }
        EXPECT_EQ(PublicKey::from_le_xy(info.id, Bytes(g.begin(), g.end() - 1), pub),
                  Status::bad_length);
        Bytes longer = g;
        longer.push_back(0);
        EXPECT_EQ(PublicKey::from_le_xy(info.id, longer, pub), Status::bad_length);
    }
}

// On the cofactor-4 curves the Edwards point (0, −1) has order 2; its Weierstrass image is
// (t, 0) with t = (e + d)/6 mod p (RFC 7836 §5.2). It is on the curve, not the identity, and
// outside <P>: validation must refuse it. Computed here with OpenSSL BIGNUM from curves.txt.
TEST(Gost3410BadInput, OrderTwoPointOnCofactorFourCurves) {
    int checked = 0;
    for (const auto& rec : load_vectors("curves.txt")) {
        if (!rec.has("e")) continue;
        const auto set = param_set_from_name(rec.name());
        ASSERT_TRUE(set.has_value());
        const std::size_t n = param_set_info(*set).field_bytes();
        BN_CTX* ctx = BN_CTX_new();
        auto bn = [&](const std::string& key) {
            const Bytes v = rec.bytes(key);
            return BN_bin2bn(v.data(), static_cast<int>(v.size()), nullptr);
        };
        BIGNUM *p = bn("p"), *e = bn("e"), *d = bn("d"), *a = bn("a"), *b = bn("b");
        BIGNUM *t = BN_new(), *six = BN_new(), *chk = BN_new();
        BN_set_word(six, 6);
        BN_mod_add(t, e, d, p, ctx);
        BN_mod_inverse(six, six, p, ctx);
        BN_mod_mul(t, t, six, p, ctx);
        // sanity: t^3 + a t + b ≡ 0
        BN_mod_sqr(chk, t, p, ctx);
        BN_mod_mul(chk, chk, t, p, ctx);
        BIGNUM* at = BN_new();
        BN_mod_mul(at, a, t, p, ctx);
        BN_mod_add(chk, chk, at, p, ctx);
        BN_mod_add(chk, chk, b, p, ctx);
        EXPECT_TRUE(BN_is_zero(chk));
        Bytes pt(2 * n, 0);
        ASSERT_EQ(BN_bn2lebinpad(t, pt.data(), static_cast<int>(n)), static_cast<int>(n));
        PublicKey pub;
        EXPECT_EQ(PublicKey::from_le_xy(*set, pt, pub), Status::invalid_public_key);
        for (BIGNUM* x : {p, e, d, a, b, t, six, chk, at}) BN_free(x);
        BN_CTX_free(ctx);
        ++checked;
    }
    EXPECT_EQ(checked, 2);
}

TEST(Gost3410BadInput, SignatureRangeAndLength) {
    for (const auto& info : all_param_sets()) {
        SCOPED_TRACE(info.name);
        const auto& cp = curve_params(info.id);
        const std::size_t n = info.field_bytes();
        PrivateKey key;
        ASSERT_EQ(PrivateKey::generate(info.id, key), Status::ok);
        PublicKey pub;
        ASSERT_EQ(key.derive_public(pub), Status::ok);
        Bytes digest(n, 0x5a);
        Bytes sig(info.signature_bytes());
        ASSERT_EQ(sign_digest(key, digest, sig), Status::ok);
        ASSERT_EQ(verify_digest(pub, digest, sig), Status::ok);
        const Bytes s(sig.begin(), sig.begin() + static_cast<long>(n));
        const Bytes r(sig.begin() + static_cast<long>(n), sig.end());
        const Bytes zero(n, 0), q(cp.q.begin(), cp.q.end()), ff(n, 0xff);
        EXPECT_EQ(verify_digest(pub, digest, concat(zero, r)), Status::invalid_signature);
        EXPECT_EQ(verify_digest(pub, digest, concat(s, zero)), Status::invalid_signature);
        EXPECT_EQ(verify_digest(pub, digest, concat(q, r)), Status::invalid_signature);
        EXPECT_EQ(verify_digest(pub, digest, concat(s, q)), Status::invalid_signature);
        EXPECT_EQ(verify_digest(pub, digest, concat(ff, r)), Status::invalid_signature);
        EXPECT_EQ(verify_digest(pub, digest, concat(s, ff)), Status::invalid_signature);
        // s + q and r + q (same residues, out of range) when they fit
        auto add_q = [&](const Bytes& v) {
            Bytes out(n);
            unsigned carry = 0;
            for (std::size_t i = n; i-- > 0;) {
                const unsigned t = v[i] + q[i] + carry;
                out[i] = static_cast<std::uint8_t>(t);
                carry = t >> 8;
            }
            return std::make_pair(out, carry == 0);
        };
        if (auto [sq, fits] = add_q(s); fits) {
            EXPECT_EQ(verify_digest(pub, digest, concat(sq, r)), Status::invalid_signature);
        }
        if (auto [rq, fits] = add_q(r); fits) {
            EXPECT_EQ(verify_digest(pub, digest, concat(s, rq)), Status::invalid_signature);
        }
        EXPECT_EQ(verify_digest(pub, digest, Bytes(sig.begin(), sig.end() - 1)),
                  Status::bad_length);
        Bytes longer = sig;
        longer.push_back(0);
        EXPECT_EQ(verify_digest(pub, digest, longer), Status::bad_length);
        EXPECT_EQ(verify_digest(pub, digest, Bytes{}), Status::bad_length);
        // digest lengths
        EXPECT_EQ(verify_digest(pub, Bytes{}, sig), Status::bad_length);
        EXPECT_EQ(verify_digest(pub, Bytes(n + 1, 1), sig), Status::bad_length);
        Bytes out_short(info.signature_bytes() - 1);
        EXPECT_EQ(sign_digest(key, digest, out_short), Status::bad_length);
        EXPECT_EQ(sign_digest(key, Bytes(n + 1, 1), sig), Status::bad_length);
    }
}

TEST(Gost3410BadInput, KeyOfAnotherSetDoesNotVerify) {
    PrivateKey key;
    ASSERT_EQ(PrivateKey::generate(ParamSet::tc26_256_b, key), Status::ok);
    PublicKey pub;
    ASSERT_EQ(key.derive_public(pub), Status::ok);
    Bytes digest(32, 7), sig(64);
    ASSERT_EQ(sign_digest(key, digest, sig), Status::ok);
    // the same X‖Y under another 256-bit set is (almost surely) off that curve
    PublicKey other;
    EXPECT_EQ(PublicKey::from_le_xy(ParamSet::tc26_256_c, pub.le_xy(), other),
              Status::invalid_public_key);
    EXPECT_EQ(PublicKey::from_le_xy(ParamSet::tc26_512_a, pub.le_xy(), other), Status::bad_length);
}

TEST(Gost3410BadInput, NonceOutOfRangeForTestHook) {
    const auto exs = examples();
    const auto& ex = exs.front();
    PrivateKey key;
    ASSERT_EQ(PrivateKey::from_le_bytes(ex.set, ex.d_le, key), Status::ok);
    Bytes sig(param_set_info(ex.set).signature_bytes());
    Bytes zero(ex.k.size(), 0);
    EXPECT_NE(gostcsp::core::testing::sign_digest_with_nonce(key, ex.digest, zero, sig),
              Status::ok);
    const auto& cp = curve_params(ex.set);
    EXPECT_NE(gostcsp::core::testing::sign_digest_with_nonce(key, ex.digest,
                                                             Bytes(cp.q.begin(), cp.q.end()), sig),
              Status::ok);
}
