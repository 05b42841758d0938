// SPDX-License-Identifier: Apache-2.0
// Key export: KExp15/KImp15 (RFC 9189 App. A.1.3, R 1323565.1.017-2018's Magma example) and the
// GOST 28147-89 export of RFC 9189 §8.2.2 / the CryptoPro key wrap of RFC 4357 §6 (RFC 9189
// App. A.2.2, whose KEK is VKO_256 + the CryptoPro diversification); tamper and bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "gostcsp/gost3410.hpp"
#include "gostcsp/kexp15.hpp"
#include "gostcsp/keywrap.hpp"
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
Kexp15Cipher cipher_of(const std::string& s) {
    EXPECT_TRUE(s == "magma" || s == "kuznyechik") << s;
    return s == "magma" ? Kexp15Cipher::magma : Kexp15Cipher::kuznyechik;
}
}  // namespace

TEST(Kexp15, StandardExamplesExportAndImport) {
    const auto recs = load_vectors("kexp15.txt");
    ASSERT_EQ(recs.size(), 3u);
    for (const auto& rec : recs) {
        SCOPED_TRACE(rec.name());
        const auto c = cipher_of(rec.str("cipher"));
        const Bytes key = rec.bytes("key"), k_mac = rec.bytes("k_mac"), k_enc = rec.bytes("k_enc"),
                    iv = rec.bytes("iv"), want = rec.bytes("exported");
        Bytes out(key.size() + kexp15_block_bytes(c));
        ASSERT_EQ(kexp15(c, key, k_mac, k_enc, iv, out), Status::ok);
        EXPECT_EQ(to_hex(out), to_hex(want));
        Bytes back(key.size());
        ASSERT_EQ(kimp15(c, want, k_mac, k_enc, iv, back), Status::ok);
        EXPECT_EQ(to_hex(back), to_hex(key));
        // any flipped bit (in the key part or the tag), a wrong IV or a wrong MAC key fails
        for (std::size_t pos : {std::size_t{0}, key.size() - 1, key.size(), want.size() - 1}) {
            Bytes bad = want;
            bad[pos] ^= 0x01;
            Bytes got(key.size(), 0x55);
            EXPECT_EQ(kimp15(c, bad, k_mac, k_enc, iv, got), Status::auth_failed);
            EXPECT_TRUE(std::all_of(got.begin(), got.end(), [](auto b) { return b == 0; }));
        }
        Bytes bad_iv = iv;
        bad_iv[0] ^= 0x80;
        EXPECT_EQ(kimp15(c, want, k_mac, k_enc, bad_iv, back), Status::auth_failed);
        EXPECT_EQ(kimp15(c, want, k_enc, k_enc, iv, back), Status::auth_failed);
        EXPECT_TRUE(rec.unconsumed().empty());
    }
}

TEST(Kexp15, BadLengths) {
    const Bytes key(32, 1), k(32, 2), iv4(4, 3), iv8(8, 3);
    Bytes out_m(40), out_k(48), back(32);
    EXPECT_EQ(kexp15(Kexp15Cipher::magma, key, k, k, iv8, out_m), Status::bad_length);
    EXPECT_EQ(kexp15(Kexp15Cipher::kuznyechik, key, k, k, iv4, out_k), Status::bad_length);
    EXPECT_EQ(kexp15(Kexp15Cipher::magma, key, Bytes(31, 2), k, iv4, out_m), Status::bad_length);
    EXPECT_EQ(kexp15(Kexp15Cipher::magma, key, k, k, iv4, out_k), Status::bad_length);
    Bytes eight(8), none, thirty_one(31);
    EXPECT_EQ(kexp15(Kexp15Cipher::magma, Bytes{}, k, k, iv4, eight), Status::bad_length);
    EXPECT_EQ(kimp15(Kexp15Cipher::magma, eight, k, k, iv4, none), Status::bad_length);
    EXPECT_EQ(kimp15(Kexp15Cipher::kuznyechik, out_k, k, k, iv8, thirty_one), Status::bad_length);
    // a 64-byte secret (KEG output size) round-trips with both ciphers
    const Bytes big(64, 0x3C);
    for (auto c : {Kexp15Cipher::magma, Kexp15Cipher::kuznyechik}) {
        const Bytes& iv = c == Kexp15Cipher::magma ? iv4 : iv8;
        Bytes e(64 + kexp15_block_bytes(c)), d(64);
        ASSERT_EQ(kexp15(c, big, k, key, iv, e), Status::ok);
        ASSERT_EQ(kimp15(c, e, k, key, iv, d), Status::ok);
        EXPECT_EQ(to_hex(d), to_hex(big));
    }
}

TEST(KeyWrap28147, Rfc9189A22ExportBothSides) {
    const auto recs = load_vectors("keywrap.txt");
    ASSERT_EQ(recs.size(), 1u);
    const auto& rec = recs[0];
    SCOPED_TRACE(rec.name());
    const auto set = param_set_from_oid(rec.str("param_set_oid"));
    ASSERT_TRUE(set.has_value());
    const auto params = gost28147_param_set_from_name(rec.str("param_set_28147"));
    ASSERT_TRUE(params.has_value());
    PrivateKey d_s, d_eph;
    ASSERT_EQ(PrivateKey::from_le_bytes(*set, reversed(rec.bytes("d_s")), d_s), Status::ok);
    ASSERT_EQ(PrivateKey::from_le_bytes(*set, reversed(rec.bytes("d_eph")), d_eph), Status::ok);
    auto pub = [&](const char* x, const char* y) {
        Bytes xy = reversed(rec.bytes(x));
        const Bytes yy = reversed(rec.bytes(y));
        xy.insert(xy.end(), yy.begin(), yy.end());
        PublicKey q;
        EXPECT_EQ(PublicKey::from_le_xy(*set, xy, q), Status::ok);
        return q;
    };
    const PublicKey q_s = pub("q_s_x", "q_s_y"), q_eph = pub("q_eph_x", "q_eph_y");
    const Bytes h = rec.bytes("h"), iv = rec.bytes("iv"), pms = rec.bytes("pms"),
                want = rec.bytes("exported"), k_exp = rec.bytes("k_exp");
    EXPECT_EQ(to_hex(iv), to_hex(Bytes(h.begin(), h.begin() + 8)));
    // UKM = h[1..8] read little-endian by VKO (as gost-engine's 28147 key transport does)
    Bytes vko_client(32), vko_server(32);
    ASSERT_EQ(vko(d_eph, q_s, iv, DigestSize::bits256, vko_client), Status::ok);
    ASSERT_EQ(vko(d_s, q_eph, iv, DigestSize::bits256, vko_server), Status::ok);
    EXPECT_EQ(to_hex(vko_client), to_hex(vko_server));
    EXPECT_EQ(to_hex(vko_client), to_hex(k_exp));

    // the wrap = KExp28147 under the diversified KEK
    Bytes out(44);
    ASSERT_EQ(cryptopro_key_wrap(*params, k_exp, iv, pms, out), Status::ok);
    EXPECT_EQ(to_hex(out), to_hex(want));
    Bytes kek_ukm(32);
    ASSERT_EQ(cryptopro_kek_diversify(*params, k_exp, iv, kek_ukm), Status::ok);
    std::fill(out.begin(), out.end(), 0);
    ASSERT_EQ(kexp28147(*params, pms, kek_ukm, iv, out), Status::ok);
    EXPECT_EQ(to_hex(out), to_hex(want));

    Bytes back(32);
    ASSERT_EQ(kimp28147(*params, want, kek_ukm, iv, back), Status::ok);
    EXPECT_EQ(to_hex(back), to_hex(pms));
    std::fill(back.begin(), back.end(), 0);
    ASSERT_EQ(cryptopro_key_unwrap(*params, vko_server, want, back), Status::ok);
    EXPECT_EQ(to_hex(back), to_hex(pms));
    // the UKM is part of the KEK: the undiversified key does not import
    EXPECT_EQ(kimp28147(*params, want, k_exp, iv, back), Status::auth_failed);
    EXPECT_TRUE(rec.unconsumed().empty());
}

TEST(KeyWrap28147, TamperAndBadInput) {
    const auto params = Gost28147ParamSet::cryptopro_a;
    const Bytes kek(32, 0x42), ukm = {1, 2, 3, 4, 5, 6, 7, 8}, cek(32, 0x99);
    Bytes wrapped(44);
    ASSERT_EQ(cryptopro_key_wrap(params, kek, ukm, cek, wrapped), Status::ok);
    EXPECT_EQ(to_hex(Bytes(wrapped.begin(), wrapped.begin() + 8)), to_hex(ukm));
    Bytes back(32);
    ASSERT_EQ(cryptopro_key_unwrap(params, kek, wrapped, back), Status::ok);
    EXPECT_EQ(to_hex(back), to_hex(cek));
    // the parameter set matters
    Bytes other(44);
    ASSERT_EQ(cryptopro_key_wrap(Gost28147ParamSet::tc26_z, kek, ukm, cek, other), Status::ok);
    EXPECT_NE(to_hex(other), to_hex(wrapped));
    for (std::size_t pos : {std::size_t{0}, std::size_t{8}, std::size_t{39}, std::size_t{43}}) {
        Bytes bad = wrapped;
        bad[pos] ^= 0x04;
        Bytes got(32, 0x77);
        EXPECT_EQ(cryptopro_key_unwrap(params, kek, bad, got), Status::auth_failed) << pos;
        EXPECT_TRUE(std::all_of(got.begin(), got.end(), [](auto b) { return b == 0; }));
    }
    // KImp28147 refuses an SExp whose IV differs from the expected one
    Bytes k(32);
    ASSERT_EQ(cryptopro_kek_diversify(params, kek, ukm, k), Status::ok);
    Bytes iv2 = ukm;
    iv2[7] ^= 1;
    EXPECT_EQ(kimp28147(params, wrapped, k, iv2, back), Status::auth_failed);
    // diversification: different UKM, different key; lengths
    Bytes k2(32);
    ASSERT_EQ(cryptopro_kek_diversify(params, kek, iv2, k2), Status::ok);
    EXPECT_NE(to_hex(k), to_hex(k2));
    EXPECT_EQ(cryptopro_kek_diversify(params, kek, Bytes(7), k2), Status::bad_length);
    EXPECT_EQ(cryptopro_kek_diversify(params, Bytes(31), ukm, k2), Status::bad_length);
    EXPECT_EQ(cryptopro_key_wrap(params, kek, ukm, Bytes(31), wrapped), Status::bad_length);
    EXPECT_EQ(cryptopro_key_unwrap(params, kek, Bytes(43), back), Status::bad_length);
    Bytes out43(43);
    EXPECT_EQ(kexp28147(params, cek, kek, ukm, out43), Status::bad_length);
}
