// SPDX-License-Identifier: Apache-2.0
// GOST 28147-89: ECB, CFB, CNT and IMIT known answers (CryptoPro CSP values, parameter sets A-D,
// with key meshing), on every Feistel implementation, data fed in random pieces; parameter-set
// table; bad input.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "gostcsp/gost28147.hpp"
#include "gostcsp/modes.hpp"
#include "sym_ciphers.hpp"
#include "vector_file.hpp"

using namespace gostcsp::core;
using gostcsp::test::load_vectors;
using gostcsp::test::to_hex;
using Bytes = std::vector<std::uint8_t>;

namespace {

template <class Mode>
Bytes stream(Mode& m, const Bytes& in, std::mt19937_64& rng) {
    Bytes out(in.size());
    std::size_t off = 0;
    while (off < in.size()) {
        const std::size_t n = std::min(in.size() - off, std::size_t(rng() % 300));
        EXPECT_EQ(m.process(std::span(in).subspan(off, n), std::span(out).subspan(off, n)),
                  Status::ok);
        off += n;
    }
    return out;
}

class Gost28147Test : public ::testing::TestWithParam<MagmaImpl> {};

TEST_P(Gost28147Test, CryptoProKnownAnswers) {
    std::mt19937_64 rng(5830);
    int seen = 0;
    for (const auto& r : load_vectors("gost28147.txt")) {
        SCOPED_TRACE(r.name());
        ++seen;
        const auto ps = gost28147_param_set_from_name(r.str("params"));
        ASSERT_TRUE(ps.has_value());
        EXPECT_EQ(gost28147_param_set_info(*ps).key_meshing, r.number("meshing") == 1);
        Gost28147 c(*ps, GetParam());
        ASSERT_EQ(c.impl(), GetParam());
        ASSERT_EQ(c.set_key(r.bytes("key")), Status::ok);
        const std::string mode = r.str("mode");
        const Bytes pt = r.bytes("pt");
        for (int rep = 0; rep < 4; ++rep) {
            if (mode == "imit") {
                Gost28147Imit mac(c);
                std::size_t off = 0;
                while (off < pt.size()) {
                    const std::size_t n = std::min(pt.size() - off, std::size_t(rng() % 40));
                    mac.update(std::span(pt).subspan(off, n));
                    off += n;
                }
                Bytes tag(4);
                ASSERT_EQ(mac.final(tag), Status::ok);
                EXPECT_EQ(to_hex(tag), to_hex(r.bytes("mac")));
                continue;
            }
            const Bytes ct = r.bytes("ct");
            if (mode == "ecb") {
                Bytes out(pt.size());
                ASSERT_EQ(ecb_encrypt(c, pt, out), Status::ok);
                EXPECT_EQ(to_hex(out), to_hex(ct));
                ASSERT_EQ(ecb_decrypt(c, ct, out), Status::ok);
                EXPECT_EQ(to_hex(out), to_hex(pt));
            } else if (mode == "cnt") {
                Gost28147Cnt e(c);
                ASSERT_EQ(e.start(r.bytes("iv")), Status::ok);
                EXPECT_EQ(to_hex(stream(e, pt, rng)), to_hex(ct));
                ASSERT_EQ(e.start(r.bytes("iv")), Status::ok);
                EXPECT_EQ(to_hex(stream(e, ct, rng)), to_hex(pt));
            } else if (mode == "cfb") {
                Gost28147Cfb e(c);
                ASSERT_EQ(e.start(r.bytes("iv"), true), Status::ok);
                EXPECT_EQ(to_hex(stream(e, pt, rng)), to_hex(ct));
                ASSERT_EQ(e.start(r.bytes("iv"), false), Status::ok);
                EXPECT_EQ(to_hex(stream(e, ct, rng)), to_hex(pt));
            } else {
                ADD_FAILURE() << mode;
            }
        }
        EXPECT_TRUE(r.unconsumed().empty());
    }
    EXPECT_EQ(seen, 17);
}

// Magma is GOST 28147-89 with the tc26-Z S-boxes and the other byte order (RFC 8891 vs RFC 5830):
// key words big- instead of little-endian, the whole block reversed. Check the 28147 path with
// tc26-Z against the RFC 8891 example.
TEST_P(Gost28147Test, TcZIsMagmaReversed) {
    for (const auto& r : load_vectors("block_ciphers.txt")) {
        if (r.str("cipher") != "magma") continue;
        Bytes key = r.bytes("key"), pt = r.bytes("pt"), ct = r.bytes("ct");
        for (std::size_t w = 0; w < 32; w += 4) std::reverse(key.begin() + w, key.begin() + w + 4);
        std::reverse(pt.begin(), pt.end());
        std::reverse(ct.begin(), ct.end());
        Gost28147 c(Gost28147ParamSet::tc26_z, GetParam());
        ASSERT_EQ(c.set_key(key), Status::ok);
        Bytes out(8);
        c.encrypt_block(pt.data(), out.data());
        EXPECT_EQ(to_hex(out), to_hex(ct));
    }
}

INSTANTIATE_TEST_SUITE_P(All, Gost28147Test,
                         ::testing::ValuesIn(gostcsp::test::all_feistel_impls()),
                         [](const auto& p) { return std::string(magma_impl_name(p.param)); });

TEST(Gost28147, ParamSetTable) {
    EXPECT_EQ(all_gost28147_param_sets().size(), 8u);
    for (const auto& info : all_gost28147_param_sets()) {
        EXPECT_EQ(gost28147_param_set_from_oid(info.oid), info.id);
        EXPECT_EQ(gost28147_param_set_from_name(info.name), info.id);
        EXPECT_EQ(gost28147_param_set_info(info.id).oid, info.oid);
    }
    EXPECT_EQ(gost28147_param_set_from_oid("1.2.643.7.1.2.5.1.1"), Gost28147ParamSet::tc26_z);
    EXPECT_FALSE(gost28147_param_set_from_oid("1.2.643.2.2.31.9").has_value());
    EXPECT_FALSE(gost28147_param_set_from_name("CryptoPro-A").has_value());
}

TEST(Gost28147, BadInput) {
    Gost28147 c;
    Bytes buf(16), out(16);
    EXPECT_EQ(c.set_key(std::span(buf).first(16)), Status::bad_length);
    Gost28147Cnt cnt(c);
    EXPECT_EQ(cnt.process(std::span(buf).first(1), std::span(out).first(1)), Status::bad_state);
    EXPECT_EQ(cnt.start(std::span(buf).first(7)), Status::bad_length);
    ASSERT_EQ(cnt.start(std::span(buf).first(8)), Status::ok);
    EXPECT_EQ(cnt.process(std::span(buf).first(2), std::span(out).first(1)), Status::bad_length);
    Gost28147Cfb cfb(c);
    EXPECT_EQ(cfb.start(std::span(buf).first(16), true), Status::bad_length);
    Gost28147Imit mac(c);
    EXPECT_EQ(mac.set_iv(std::span(buf).first(4)), Status::bad_length);
    EXPECT_EQ(mac.final(std::span(out).first(0)), Status::bad_length);
    EXPECT_EQ(mac.final(std::span(out).first(9)), Status::bad_length);
}

}  // namespace
