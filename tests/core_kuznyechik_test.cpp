// SPDX-License-Identifier: Apache-2.0
// Kuznyechik (RFC 7801) on every implementation: the standard example, round trips of many-block
// calls (each implementation's batching), agreement between implementations, bad key lengths.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "gostcsp/kuznyechik.hpp"
#include "vector_file.hpp"

using namespace gostcsp::core;
using gostcsp::test::load_vectors;
using gostcsp::test::to_hex;
using Bytes = std::vector<std::uint8_t>;

namespace {

std::vector<KuznyechikImpl> impls() {
    std::vector<KuznyechikImpl> v;
    for (auto i : {KuznyechikImpl::portable, KuznyechikImpl::ssse3, KuznyechikImpl::avx2,
                   KuznyechikImpl::avx512_gfni, KuznyechikImpl::table_vartime})
        if (kuznyechik_impl_supported(i)) v.push_back(i);
    return v;
}

class KuznyechikImplTest : public ::testing::TestWithParam<KuznyechikImpl> {};

TEST_P(KuznyechikImplTest, Rfc7801Example) {
    int seen = 0;
    for (const auto& r : load_vectors("block_ciphers.txt")) {
        if (r.str("cipher") != "kuznyechik") continue;
        ++seen;
        SCOPED_TRACE(r.name());
        const Bytes key = r.bytes("key"), pt = r.bytes("pt"), ct = r.bytes("ct");
        r.ignore({"round_keys"});
        Kuznyechik k(GetParam());
        ASSERT_EQ(k.impl(), GetParam());
        ASSERT_EQ(k.set_key(key), Status::ok);
        Bytes out(16);
        k.encrypt_block(pt.data(), out.data());
        EXPECT_EQ(to_hex(out), to_hex(ct)) << r.name();
        k.decrypt_block(ct.data(), out.data());
        EXPECT_EQ(to_hex(out), to_hex(pt)) << r.name();
        // The same block in every position of a long call (exercises the batching).
        for (std::size_t blocks : {1u, 3u, 4u, 15u, 16u, 17u, 31u, 32u, 33u, 64u, 100u}) {
            Bytes many(16 * blocks);
            for (std::size_t b = 0; b < blocks; ++b)
                std::copy(pt.begin(), pt.end(), many.begin() + 16 * b);
            k.encrypt_blocks(many.data(), many.data(), blocks);
            for (std::size_t b = 0; b < blocks; ++b)
                ASSERT_EQ(to_hex(Bytes(many.begin() + 16 * b, many.begin() + 16 * b + 16)),
                          to_hex(ct))
                    << blocks << " blocks, block " << b;
            k.decrypt_blocks(many.data(), many.data(), blocks);
            for (std::size_t b = 0; b < blocks; ++b)
                ASSERT_EQ(to_hex(Bytes(many.begin() + 16 * b, many.begin() + 16 * b + 16)),
                          to_hex(pt));
        }
        EXPECT_TRUE(r.unconsumed().empty());
    }
    EXPECT_EQ(seen, 1);
}

// Random keys and blocks: this implementation equals the table implementation (itself checked
// against the RFC example above and against gost-engine in conformance/kuznyechik_diff.cpp).
TEST_P(KuznyechikImplTest, AgreesWithOtherImplementations) {
    std::mt19937_64 rng(12345);
    for (int t = 0; t < 50; ++t) {
        Bytes key(32);
        for (auto& b : key) b = static_cast<std::uint8_t>(rng());
        const std::size_t blocks = 1 + rng() % 70;
        Bytes pt(16 * blocks);
        for (auto& b : pt) b = static_cast<std::uint8_t>(rng());
        Kuznyechik a(GetParam()), ref(KuznyechikImpl::portable);
        ASSERT_EQ(a.set_key(key), Status::ok);
        ASSERT_EQ(ref.set_key(key), Status::ok);
        Bytes ca(pt.size()), cr(pt.size());
        a.encrypt_blocks(pt.data(), ca.data(), blocks);
        ref.encrypt_blocks(pt.data(), cr.data(), blocks);
        ASSERT_EQ(to_hex(ca), to_hex(cr));
        a.decrypt_blocks(ca.data(), ca.data(), blocks);
        ASSERT_EQ(to_hex(ca), to_hex(pt));
    }
}

INSTANTIATE_TEST_SUITE_P(All, KuznyechikImplTest, ::testing::ValuesIn(impls()),
                         [](const auto& p) { return std::string(kuznyechik_impl_name(p.param)); });

TEST(Kuznyechik, WrongKeyLengthKeepsOldKey) {
    Kuznyechik k;
    for (std::size_t len : {0u, 16u, 31u, 33u, 64u}) {
        Bytes key(len, 1);
        EXPECT_EQ(k.set_key(key), Status::bad_length) << len;
    }
    Kuznyechik zero;
    std::uint8_t a[16] = {}, b[16] = {};
    k.encrypt_block(a, a);
    zero.encrypt_block(b, b);
    EXPECT_EQ(to_hex(a, 16), to_hex(b, 16));
}

TEST(Kuznyechik, AutomaticIsNeverVartime) {
    if (std::getenv("GOSTCSP_KUZNYECHIK_IMPL") == nullptr) {
        EXPECT_NE(kuznyechik_impl_selected(), KuznyechikImpl::table_vartime);
    }
    EXPECT_NE(kuznyechik_impl_selected(), KuznyechikImpl::automatic);
}

}  // namespace
