// SPDX-License-Identifier: Apache-2.0
// VKO_GOSTR3410_2012_256 / _512 (R 50.1.113-2016 §4.3 = RFC 7836 §4.3): examples A.9 / A.10
// (RFC 7836 App. B ex. 7/8), agreement symmetry on every set, and bad-input handling.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "gostcsp/gost3410.hpp"
#include "vector_file.hpp"

using namespace gostcsp::core;
using gostcsp::test::load_vectors;
using gostcsp::test::to_hex;
using Bytes = std::vector<std::uint8_t>;

TEST(Vko, StandardExamplesA9A10) {
    const auto recs = load_vectors("vko.txt");
    ASSERT_EQ(recs.size(), 2u);
    for (const auto& rec : recs) {
        SCOPED_TRACE(rec.name());
        const auto set = param_set_from_name(rec.str("curve"));
        ASSERT_TRUE(set.has_value());
        const DigestSize size =
            rec.number("hash_bits") == 256 ? DigestSize::bits256 : DigestSize::bits512;
        // UKM is read little-endian: ukm_int is the same bytes reversed
        Bytes ukm = rec.bytes("ukm"), ukm_int = rec.bytes("ukm_int");
        std::reverse(ukm_int.begin(), ukm_int.end());
        EXPECT_EQ(to_hex(ukm), to_hex(ukm_int));
        PrivateKey a, b;
        ASSERT_EQ(PrivateKey::from_le_bytes(*set, rec.bytes("prv_a"), a), Status::ok);
        ASSERT_EQ(PrivateKey::from_le_bytes(*set, rec.bytes("prv_b"), b), Status::ok);
        Bytes prv_a_int = rec.bytes("prv_a_int"), prv_b_int = rec.bytes("prv_b_int");
        std::reverse(prv_a_int.begin(), prv_a_int.end());
        std::reverse(prv_b_int.begin(), prv_b_int.end());
        EXPECT_EQ(to_hex(a.le_bytes()), to_hex(prv_a_int));
        EXPECT_EQ(to_hex(b.le_bytes()), to_hex(prv_b_int));
        PublicKey pa, pb;
        ASSERT_EQ(a.derive_public(pa), Status::ok);
        ASSERT_EQ(b.derive_public(pb), Status::ok);
        EXPECT_EQ(to_hex(pa.le_xy()), to_hex(rec.bytes("pub_a")));
        EXPECT_EQ(to_hex(pb.le_xy()), to_hex(rec.bytes("pub_b")));
        Bytes ax = rec.bytes("pub_a_x"), ay = rec.bytes("pub_a_y");
        std::reverse(ax.begin(), ax.end());
        std::reverse(ay.begin(), ay.end());
        ax.insert(ax.end(), ay.begin(), ay.end());
        EXPECT_EQ(to_hex(pa.le_xy()), to_hex(ax));
        rec.ignore({"pub_b_x", "pub_b_y", "k_point"});  // pub_b checked as bytes; K is internal
        PublicKey peer_a, peer_b;
        ASSERT_EQ(PublicKey::from_le_xy(*set, rec.bytes("pub_a"), peer_a), Status::ok);
        ASSERT_EQ(PublicKey::from_le_xy(*set, rec.bytes("pub_b"), peer_b), Status::ok);
        Bytes kek_ab(digest_bytes(size)), kek_ba(digest_bytes(size));
        ASSERT_EQ(vko(a, peer_b, ukm, size, kek_ab), Status::ok);
        ASSERT_EQ(vko(b, peer_a, ukm, size, kek_ba), Status::ok);
        EXPECT_EQ(to_hex(kek_ab), to_hex(rec.bytes("kek")));
        EXPECT_EQ(to_hex(kek_ba), to_hex(rec.bytes("kek")));
        EXPECT_TRUE(rec.unconsumed().empty());
    }
}

TEST(Vko, BothSidesAgreeOnEverySet) {
    for (const auto& info : all_param_sets()) {
        SCOPED_TRACE(info.name);
        PrivateKey a, b;
        ASSERT_EQ(PrivateKey::generate(info.id, a), Status::ok);
        ASSERT_EQ(PrivateKey::generate(info.id, b), Status::ok);
        PublicKey pa, pb;
        ASSERT_EQ(a.derive_public(pa), Status::ok);
        ASSERT_EQ(b.derive_public(pb), Status::ok);
        const std::uint8_t ukm[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        for (DigestSize size : {DigestSize::bits256, DigestSize::bits512}) {
            Bytes k1(digest_bytes(size)), k2(digest_bytes(size));
            ASSERT_EQ(vko(a, pb, ukm, size, k1), Status::ok);
            ASSERT_EQ(vko(b, pa, ukm, size, k2), Status::ok);
            EXPECT_EQ(to_hex(k1), to_hex(k2));
        }
        // a different UKM gives a different KEK
        const std::uint8_t ukm2[8] = {2, 2, 3, 4, 5, 6, 7, 8};
        Bytes k1(32), k2(32);
        ASSERT_EQ(vko(a, pb, ukm, DigestSize::bits256, k1), Status::ok);
        ASSERT_EQ(vko(a, pb, ukm2, DigestSize::bits256, k2), Status::ok);
        EXPECT_NE(to_hex(k1), to_hex(k2));
    }
}

TEST(VkoBadInput, ZeroUkmWrongLengthsMismatchedSets) {
    const auto recs = load_vectors("vko.txt");
    const auto& rec = recs.front();
    const auto set = *param_set_from_name(rec.str("curve"));
    PrivateKey a;
    ASSERT_EQ(PrivateKey::from_le_bytes(set, rec.bytes("prv_a"), a), Status::ok);
    PublicKey peer;
    ASSERT_EQ(PublicKey::from_le_xy(set, rec.bytes("pub_b"), peer), Status::ok);
    Bytes kek(32);
    const Bytes zero8(8, 0);
    EXPECT_EQ(vko(a, peer, zero8, DigestSize::bits256, kek), Status::invalid_ukm);
    EXPECT_EQ(vko(a, peer, Bytes{}, DigestSize::bits256, kek), Status::invalid_ukm);
    // UKM = q (little-endian) is 0 mod q
    const auto& cp = curve_params(set);
    Bytes q_le(cp.q.rbegin(), cp.q.rend());
    EXPECT_EQ(vko(a, peer, q_le, DigestSize::bits256, kek), Status::invalid_ukm);
    EXPECT_EQ(vko(a, peer, Bytes(65, 1), DigestSize::bits256, kek), Status::invalid_ukm);
    const Bytes ukm = rec.bytes("ukm");
    Bytes short_kek(31), long_kek(64);
    EXPECT_EQ(vko(a, peer, ukm, DigestSize::bits256, short_kek), Status::bad_length);
    EXPECT_EQ(vko(a, peer, ukm, DigestSize::bits256, long_kek), Status::bad_length);
    // a peer key on another set
    PrivateKey other;
    ASSERT_EQ(PrivateKey::generate(ParamSet::tc26_512_b, other), Status::ok);
    PublicKey other_pub;
    ASSERT_EQ(other.derive_public(other_pub), Status::ok);
    EXPECT_EQ(vko(a, other_pub, ukm, DigestSize::bits256, kek), Status::param_set_mismatch);
    PrivateKey small;
    ASSERT_EQ(PrivateKey::generate(ParamSet::tc26_256_a, small), Status::ok);
    EXPECT_EQ(vko(small, peer, ukm, DigestSize::bits256, kek), Status::param_set_mismatch);
    rec.ignore({"name", "hash_bits", "ukm_int", "prv_a_int", "prv_b", "prv_b_int", "pub_a",
                "pub_a_x", "pub_a_y", "pub_b_x", "pub_b_y", "kek", "k_point"});
    EXPECT_TRUE(rec.unconsumed().empty());
}
