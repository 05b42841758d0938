// SPDX-License-Identifier: Apache-2.0
// Magma (RFC 8891) on every implementation: the standard example, many-block calls, agreement
// between implementations, bad key lengths.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "gostcsp/magma.hpp"
#include "vector_file.hpp"

using namespace gostcsp::core;
using gostcsp::test::load_vectors;
using gostcsp::test::to_hex;
using Bytes = std::vector<std::uint8_t>;

namespace {

std::vector<MagmaImpl> impls() {
    std::vector<MagmaImpl> v;
    for (auto i : {MagmaImpl::portable, MagmaImpl::ssse3, MagmaImpl::avx2, MagmaImpl::avx512})
        if (magma_impl_supported(i)) v.push_back(i);
    return v;
}

class MagmaImplTest : public ::testing::TestWithParam<MagmaImpl> {};

TEST_P(MagmaImplTest, Rfc8891Example) {
    int seen = 0;
    for (const auto& r : load_vectors("block_ciphers.txt")) {
        if (r.str("cipher") != "magma") continue;
        ++seen;
        SCOPED_TRACE(r.name());
        const Bytes key = r.bytes("key"), pt = r.bytes("pt"), ct = r.bytes("ct");
        Magma m(GetParam());
        ASSERT_EQ(m.impl(), GetParam());
        ASSERT_EQ(m.set_key(key), Status::ok);
        for (std::size_t blocks : {1u, 2u, 3u, 4u, 7u, 8u, 9u, 16u, 17u, 33u, 64u, 65u, 200u}) {
            Bytes many(8 * blocks);
            for (std::size_t b = 0; b < blocks; ++b)
                std::copy(pt.begin(), pt.end(), many.begin() + 8 * b);
            m.encrypt_blocks(many.data(), many.data(), blocks);
            for (std::size_t b = 0; b < blocks; ++b)
                ASSERT_EQ(to_hex(Bytes(many.begin() + 8 * b, many.begin() + 8 * b + 8)), to_hex(ct))
                    << blocks << " blocks, block " << b;
            m.decrypt_blocks(many.data(), many.data(), blocks);
            for (std::size_t b = 0; b < blocks; ++b)
                ASSERT_EQ(to_hex(Bytes(many.begin() + 8 * b, many.begin() + 8 * b + 8)),
                          to_hex(pt));
        }
        EXPECT_TRUE(r.unconsumed().empty());
    }
    EXPECT_EQ(seen, 1);
}

TEST_P(MagmaImplTest, AgreesWithPortable) {
    std::mt19937_64 rng(777);
    for (int t = 0; t < 50; ++t) {
        Bytes key(32);
        for (auto& b : key) b = static_cast<std::uint8_t>(rng());
        const std::size_t blocks = 1 + rng() % 150;
        Bytes pt(8 * blocks);
        for (auto& b : pt) b = static_cast<std::uint8_t>(rng());
        Magma a(GetParam()), ref(MagmaImpl::portable);
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

INSTANTIATE_TEST_SUITE_P(All, MagmaImplTest, ::testing::ValuesIn(impls()),
                         [](const auto& p) { return std::string(magma_impl_name(p.param)); });

TEST(Magma, WrongKeyLength) {
    Magma m;
    for (std::size_t len : {0u, 8u, 31u, 33u}) {
        Bytes key(len, 1);
        EXPECT_EQ(m.set_key(key), Status::bad_length) << len;
    }
}

}  // namespace
