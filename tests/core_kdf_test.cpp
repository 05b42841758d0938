// SPDX-License-Identifier: Apache-2.0
// KDF_GOSTR3411_2012_256, KDF_TREE_GOSTR3411_2012_256 and the TLS PRF: RFC 7836 App. B examples
// 3, 4, 9, 10 (hmac_kdf.txt) and the PRF values of the RFC 9189 handshake examples (tls_prf.txt).
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "gostcsp/kdf.hpp"
#include "vector_file.hpp"

using namespace gostcsp::core;
using gostcsp::test::load_vectors;
using gostcsp::test::to_hex;
using Bytes = std::vector<std::uint8_t>;

namespace {
Bytes ascii(const std::string& s) {
    return Bytes(s.begin(), s.end());
}
DigestSize hash_of(const gostcsp::test::VectorRecord& rec) {
    return rec.number("hash_bits") == 256 ? DigestSize::bits256 : DigestSize::bits512;
}
}  // namespace

TEST(Kdf, Rfc7836Examples) {
    unsigned kdf = 0, tree = 0, prf = 0;
    for (const auto& rec : load_vectors("hmac_kdf.txt")) {
        SCOPED_TRACE(rec.name());
        const std::string type = rec.str("type");
        if (type == "KDF") {
            ASSERT_EQ(rec.number("hash_bits"), 256u);
            std::array<std::uint8_t, 32> out{};
            kdf_gostr3411_2012_256(rec.bytes("key"), rec.bytes("label"), rec.bytes("seed"), out);
            EXPECT_EQ(to_hex(out), to_hex(rec.bytes("out")));
            ++kdf;
        } else if (type == "KDF_TREE") {
            ASSERT_EQ(rec.number("hash_bits"), 256u);
            Bytes out(rec.number("l_bits") / 8);
            ASSERT_EQ(
                kdf_tree_gostr3411_2012_256(rec.bytes("key"), rec.bytes("label"), rec.bytes("seed"),
                                            static_cast<unsigned>(rec.number("r_bytes")), out),
                Status::ok);
            Bytes want = rec.bytes("k1");
            const Bytes k2 = rec.bytes("k2");
            want.insert(want.end(), k2.begin(), k2.end());
            EXPECT_EQ(to_hex(out), to_hex(want));
            // A shorter output is a prefix only when L is unchanged; L is part of every block,
            // so 32 bytes (L = 256) must differ from k1.
            Bytes short_out(32);
            ASSERT_EQ(kdf_tree_gostr3411_2012_256(rec.bytes("key"), rec.bytes("label"),
                                                  rec.bytes("seed"), 1, short_out),
                      Status::ok);
            EXPECT_NE(to_hex(short_out), to_hex(k2));
            EXPECT_NE(to_hex(short_out), to_hex(rec.bytes("k1")));
            ++tree;
        } else if (type == "PRF_TLS") {
            const DigestSize h = hash_of(rec);
            Bytes want = rec.bytes("t1");
            const Bytes t2 = rec.bytes("t2");
            want.insert(want.end(), t2.begin(), t2.end());
            Bytes out(want.size());
            prf_tls_gostr3411_2012(h, rec.bytes("key"), rec.bytes("label"), rec.bytes("seed"), out);
            EXPECT_EQ(to_hex(out), to_hex(want));
            // every prefix length is the prefix of the full output
            for (std::size_t n : {std::size_t{1}, digest_bytes(h) - 1, digest_bytes(h) + 5}) {
                Bytes part(n);
                prf_tls_gostr3411_2012(h, rec.bytes("key"), rec.bytes("label"), rec.bytes("seed"),
                                       part);
                EXPECT_EQ(to_hex(part), to_hex(Bytes(want.begin(), want.begin() + n)));
            }
            ++prf;
        } else {
            rec.ignore({"key", "msg", "out", "data", "t1", "t2", "hash_bits"});
        }
        EXPECT_TRUE(rec.unconsumed().empty());
    }
    EXPECT_EQ(kdf, 1u);
    EXPECT_EQ(tree, 1u);
    EXPECT_EQ(prf, 2u);
}

TEST(Kdf, Rfc9189HandshakePrf) {
    const auto recs = load_vectors("tls_prf.txt");
    ASSERT_EQ(recs.size(), 8u);
    for (const auto& rec : recs) {
        SCOPED_TRACE(rec.name());
        const Bytes want = rec.bytes("out");
        Bytes out(want.size());
        prf_tls_gostr3411_2012(hash_of(rec), rec.bytes("secret"), ascii(rec.str("label")),
                               rec.bytes("seed"), out);
        EXPECT_EQ(to_hex(out), to_hex(want));
        EXPECT_TRUE(rec.unconsumed().empty());
    }
}

TEST(Kdf, KdfTreeCounterWidthAndBadLengths) {
    const Bytes key(32, 0x11), label = ascii("kdf tree"), seed(8, 0x22);
    Bytes out(64);
    EXPECT_EQ(kdf_tree_gostr3411_2012_256(key, label, seed, 0, out), Status::bad_length);
    EXPECT_EQ(kdf_tree_gostr3411_2012_256(key, label, seed, 5, out), Status::bad_length);
    Bytes empty;
    EXPECT_EQ(kdf_tree_gostr3411_2012_256(key, label, seed, 1, empty), Status::bad_length);
    // a one-byte counter allows 255 blocks, not 256
    Bytes max_one(255 * 32), too_long(256 * 32);
    EXPECT_EQ(kdf_tree_gostr3411_2012_256(key, label, seed, 1, max_one), Status::ok);
    EXPECT_EQ(kdf_tree_gostr3411_2012_256(key, label, seed, 1, too_long), Status::bad_length);
    EXPECT_EQ(kdf_tree_gostr3411_2012_256(key, label, seed, 2, too_long), Status::ok);
    // the counter width is part of every HMAC input: R = 1 and R = 2 differ
    Bytes r1(64), r2(64);
    ASSERT_EQ(kdf_tree_gostr3411_2012_256(key, label, seed, 1, r1), Status::ok);
    ASSERT_EQ(kdf_tree_gostr3411_2012_256(key, label, seed, 2, r2), Status::ok);
    EXPECT_NE(to_hex(r1), to_hex(r2));
    // KDF_TREE with R = 1 and L = 256 is KDF_GOSTR3411_2012_256 (same HMAC input)
    Bytes one_block(32);
    std::array<std::uint8_t, 32> kdf_out{};
    ASSERT_EQ(kdf_tree_gostr3411_2012_256(key, label, seed, 1, one_block), Status::ok);
    kdf_gostr3411_2012_256(key, label, seed, kdf_out);
    EXPECT_EQ(to_hex(one_block), to_hex(kdf_out));
}
