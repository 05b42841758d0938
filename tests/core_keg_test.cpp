// SPDX-License-Identifier: Apache-2.0
// KEG (R 1323565.1.020-2018 §6.4.5.1, RFC 9189 §8.2.1): the RFC 9189 handshake examples A.1.3.1
// (256-bit, CryptoPro-A) and A.1.3.2 (512-bit, tc26 512 C) from both the client's and the
// server's side, the zero-UKM rule, and bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "gostcsp/kdf.hpp"
#include "gostcsp/keg.hpp"
#include "vector_file.hpp"

using namespace gostcsp::core;
using gostcsp::test::load_vectors;
using gostcsp::test::to_hex;
using Bytes = std::vector<std::uint8_t>;

namespace {
Bytes reversed(Bytes b) {
    std::reverse(b.begin(), b.end());
    return b;
}
PrivateKey private_from_be(ParamSet set, const Bytes& d_be) {
    PrivateKey k;
    EXPECT_EQ(PrivateKey::from_le_bytes(set, reversed(d_be), k), Status::ok);
    return k;
}
PublicKey public_from_be(ParamSet set, const Bytes& x_be, const Bytes& y_be) {
    Bytes xy = reversed(x_be);
    const Bytes y = reversed(y_be);
    xy.insert(xy.end(), y.begin(), y.end());
    PublicKey q;
    EXPECT_EQ(PublicKey::from_le_xy(set, xy, q), Status::ok);
    return q;
}
}  // namespace

TEST(Keg, Rfc9189HandshakeExamplesBothSides) {
    const auto recs = load_vectors("keg.txt");
    ASSERT_EQ(recs.size(), 2u);
    for (const auto& rec : recs) {
        SCOPED_TRACE(rec.name());
        const auto set = param_set_from_oid(rec.str("param_set_oid"));
        ASSERT_TRUE(set.has_value());
        const PrivateKey d_s = private_from_be(*set, rec.bytes("d_s"));
        const PrivateKey d_eph = private_from_be(*set, rec.bytes("d_eph"));
        const PublicKey q_s = public_from_be(*set, rec.bytes("q_s_x"), rec.bytes("q_s_y"));
        const PublicKey q_eph = public_from_be(*set, rec.bytes("q_eph_x"), rec.bytes("q_eph_y"));
        // the printed public keys belong to the printed private keys
        PublicKey derived;
        ASSERT_EQ(d_s.derive_public(derived), Status::ok);
        EXPECT_EQ(to_hex(derived.le_xy()), to_hex(q_s.le_xy()));
        ASSERT_EQ(d_eph.derive_public(derived), Status::ok);
        EXPECT_EQ(to_hex(derived.le_xy()), to_hex(q_eph.le_xy()));

        const Bytes h = rec.bytes("h");
        Bytes client(64), server(64);
        ASSERT_EQ(keg(d_eph, q_s, h, client), Status::ok);
        ASSERT_EQ(keg(d_s, q_eph, h, server), Status::ok);
        EXPECT_EQ(to_hex(client), to_hex(rec.bytes("keys")));
        EXPECT_EQ(to_hex(server), to_hex(rec.bytes("keys")));
        if (rec.has("vko")) {
            // the 256-bit intermediate: VKO_256 with UKM = INT(h[1..16]) big-endian
            Bytes ukm_le = reversed(Bytes(h.begin(), h.begin() + 16));
            Bytes kek(32);
            ASSERT_EQ(vko(d_eph, q_s, ukm_le, DigestSize::bits256, kek), Status::ok);
            EXPECT_EQ(to_hex(kek), to_hex(rec.bytes("vko")));
        }
        EXPECT_TRUE(rec.unconsumed().empty());
    }
}

TEST(Keg, ZeroUkmIsOne) {
    for (ParamSet set : {ParamSet::tc26_256_a, ParamSet::tc26_512_a}) {
        PrivateKey a, b;
        ASSERT_EQ(PrivateKey::generate(set, a), Status::ok);
        ASSERT_EQ(PrivateKey::generate(set, b), Status::ok);
        PublicKey pb;
        ASSERT_EQ(b.derive_public(pb), Status::ok);
        Bytes h(32, 0);
        h[20] = 0x5A;  // the seed half stays as given
        Bytes out(64);
        ASSERT_EQ(keg(a, pb, h, out), Status::ok);
        // UKM 0 is replaced by 1: the same as h[1..16] = 00..01
        Bytes h_one = h;
        h_one[15] = 1;
        Bytes out_one(64);
        ASSERT_EQ(keg(a, pb, h_one, out_one), Status::ok);
        EXPECT_EQ(to_hex(out), to_hex(out_one));
    }
}

TEST(Keg, BadInput) {
    PrivateKey a, c;
    ASSERT_EQ(PrivateKey::generate(ParamSet::tc26_256_b, a), Status::ok);
    ASSERT_EQ(PrivateKey::generate(ParamSet::tc26_512_a, c), Status::ok);
    PublicKey pa, pc;
    ASSERT_EQ(a.derive_public(pa), Status::ok);
    ASSERT_EQ(c.derive_public(pc), Status::ok);
    Bytes h(32, 7), out(64, 0xAA);
    EXPECT_EQ(keg(a, pa, Bytes(31, 7), out), Status::bad_length);
    Bytes short_out(63);
    EXPECT_EQ(keg(a, pa, h, short_out), Status::bad_length);
    EXPECT_EQ(keg(a, pc, h, out), Status::param_set_mismatch);
    EXPECT_TRUE(std::all_of(out.begin(), out.end(), [](std::uint8_t b) { return b == 0; }));
}
