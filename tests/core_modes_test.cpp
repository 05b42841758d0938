// SPDX-License-Identifier: Apache-2.0
// GOST R 34.13-2015 modes (ECB, CTR, OFB, CBC, CFB, MAC) against the standard's Appendix A, on
// every implementation of both ciphers, with the input fed in random pieces; bad input.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "gostcsp/modes.hpp"
#include "sym_ciphers.hpp"
#include "vector_file.hpp"

using namespace gostcsp::core;
using gostcsp::test::CipherPath;
using gostcsp::test::load_vectors;
using gostcsp::test::to_hex;
using Bytes = std::vector<std::uint8_t>;

namespace {

// Runs a stream mode over `in` in random pieces.
template <class Mode>
Bytes stream(Mode& m, const Bytes& in, std::mt19937_64& rng, std::size_t unit = 1) {
    Bytes out(in.size());
    std::size_t off = 0;
    while (off < in.size()) {
        std::size_t n = std::min(in.size() - off, unit * (rng() % 5));
        EXPECT_EQ(m.process(std::span(in).subspan(off, n), std::span(out).subspan(off, n)),
                  Status::ok);
        off += n;
    }
    return out;
}

class ModesTest : public ::testing::TestWithParam<CipherPath> {};

TEST_P(ModesTest, Gost3413AppendixA) {
    const CipherPath& path = GetParam();
    std::mt19937_64 rng(99);
    int seen = 0;
    for (const auto& r : load_vectors("modes.txt")) {
        if (r.str("cipher") != path.cipher) continue;
        SCOPED_TRACE(r.name());
        ++seen;
        auto c = path.make();
        ASSERT_EQ(c->set_key(r.bytes("key")), Status::ok);
        const std::string mode = r.str("mode");
        const Bytes pt = r.bytes("pt");
        const std::size_t n = c->block_size();
        if (mode == "mac") {
            Bytes k1(n), k2(n);
            omac_subkeys(*c, k1.data(), k2.data());
            EXPECT_EQ(to_hex(k1), to_hex(r.bytes("k1")));
            EXPECT_EQ(to_hex(k2), to_hex(r.bytes("k2")));
            const Bytes want = r.bytes("mac");
            for (int rep = 0; rep < 5; ++rep) {
                Omac mac(*c);
                std::size_t off = 0;
                while (off < pt.size()) {
                    const std::size_t k = std::min(pt.size() - off, std::size_t(rng() % 20));
                    mac.update(std::span(pt).subspan(off, k));
                    off += k;
                }
                Bytes tag(want.size());
                ASSERT_EQ(mac.final(tag), Status::ok);
                EXPECT_EQ(to_hex(tag), to_hex(want));
            }
            continue;
        }
        const Bytes ct = r.bytes("ct");
        Bytes out(pt.size());
        if (mode == "ecb") {
            ASSERT_EQ(ecb_encrypt(*c, pt, out), Status::ok);
            EXPECT_EQ(to_hex(out), to_hex(ct));
            ASSERT_EQ(ecb_decrypt(*c, ct, out), Status::ok);
            EXPECT_EQ(to_hex(out), to_hex(pt));
            continue;
        }
        const Bytes iv = r.bytes("iv");
        for (int rep = 0; rep < 5; ++rep) {
            if (mode == "ctr") {
                Ctr e(*c);
                ASSERT_EQ(e.start(iv), Status::ok);
                EXPECT_EQ(to_hex(stream(e, pt, rng)), to_hex(ct));
                ASSERT_EQ(e.start(iv), Status::ok);
                EXPECT_EQ(to_hex(stream(e, ct, rng)), to_hex(pt));
            } else if (mode == "ofb") {
                Ofb e(*c);
                ASSERT_EQ(e.start(iv), Status::ok);
                EXPECT_EQ(to_hex(stream(e, pt, rng)), to_hex(ct));
                ASSERT_EQ(e.start(iv), Status::ok);
                EXPECT_EQ(to_hex(stream(e, ct, rng)), to_hex(pt));
            } else if (mode == "cbc") {
                Cbc e(*c);
                ASSERT_EQ(e.start(iv, true), Status::ok);
                EXPECT_EQ(to_hex(stream(e, pt, rng, n)), to_hex(ct));
                ASSERT_EQ(e.start(iv, false), Status::ok);
                EXPECT_EQ(to_hex(stream(e, ct, rng, n)), to_hex(pt));
            } else if (mode == "cfb") {
                Cfb e(*c);
                ASSERT_EQ(e.start(iv, true), Status::ok);
                EXPECT_EQ(to_hex(stream(e, pt, rng)), to_hex(ct));
                ASSERT_EQ(e.start(iv, false), Status::ok);
                EXPECT_EQ(to_hex(stream(e, ct, rng)), to_hex(pt));
            } else {
                ADD_FAILURE() << "unknown mode " << mode;
            }
        }
    }
    EXPECT_EQ(seen, 6);
}

TEST_P(ModesTest, BadInput) {
    auto c = GetParam().make();
    const std::size_t n = c->block_size();
    Bytes buf(3 * n + 1), out(3 * n + 1);
    EXPECT_EQ(ecb_encrypt(*c, std::span(buf).first(n + 1), std::span(out).first(n + 1)),
              Status::bad_length);
    EXPECT_EQ(ecb_decrypt(*c, std::span(buf).first(n), std::span(out).first(n - 1)),
              Status::bad_length);
    Ctr ctr(*c);
    EXPECT_EQ(ctr.process(std::span(buf).first(1), std::span(out).first(1)), Status::bad_state);
    EXPECT_EQ(ctr.start(std::span(buf).first(n)), Status::bad_length);
    EXPECT_EQ(ctr.start(std::span(buf).first(n / 2 - 1)), Status::bad_length);
    ASSERT_EQ(ctr.start(std::span(buf).first(n / 2)), Status::ok);
    EXPECT_EQ(ctr.process(std::span(buf).first(2), std::span(out).first(3)), Status::bad_length);
    Ofb ofb(*c);
    EXPECT_EQ(ofb.start(std::span(buf).first(n - 1)), Status::bad_length);
    EXPECT_EQ(ofb.start(std::span(buf).first(0)), Status::bad_length);
    Cbc cbc(*c);
    EXPECT_EQ(cbc.start(std::span(buf).first(n + 1), true), Status::bad_length);
    ASSERT_EQ(cbc.start(std::span(buf).first(2 * n), true), Status::ok);
    EXPECT_EQ(cbc.process(std::span(buf).first(n + 1), std::span(out).first(n + 1)),
              Status::bad_length);
    Cfb cfb(*c);
    EXPECT_EQ(cfb.process(std::span(buf).first(1), std::span(out).first(1)), Status::bad_state);
    Omac mac(*c);
    mac.update(buf);
    Bytes tag(n + 1);
    EXPECT_EQ(mac.final(std::span(tag).first(0)), Status::bad_length);
    EXPECT_EQ(mac.final(tag), Status::bad_length);
}

// CTR refuses to run past 2^(n/2) blocks per IV (34.13 §5.2).
TEST_P(ModesTest, CtrCounterLimit) {
    auto c = GetParam().make();
    const std::size_t n = c->block_size();
    const std::uint64_t last = n == 16 ? ~std::uint64_t{0} : 0xffffffffu;
    Bytes iv(n / 2, 0x5a), in(2 * n, 0), out(2 * n);
    Ctr ctr(*c);
    if (n == 8) {
        EXPECT_EQ(ctr.start(iv, last + 1), Status::limit_exceeded);
    }
    ASSERT_EQ(ctr.start(iv, last - 1), Status::ok);
    ASSERT_EQ(ctr.process(std::span(in).first(n + 3), std::span(out).first(n + 3)), Status::ok);
    // n - 3 bytes of the last block remain; one more byte needs a block past the limit.
    EXPECT_EQ(ctr.process(std::span(in).first(n - 2), std::span(out).first(n - 2)),
              Status::limit_exceeded);
    EXPECT_EQ(ctr.process(std::span(in).first(n - 3), std::span(out).first(n - 3)), Status::ok);
    EXPECT_EQ(ctr.process(std::span(in).first(1), std::span(out).first(1)), Status::limit_exceeded);
    // The last block's key stream equals E(IV || 11..1).
    Bytes block(n, 0xff);
    std::copy(iv.begin(), iv.end(), block.begin());
    Bytes ks(n);
    c->encrypt_block(block.data(), ks.data());
    Ctr again(*c);
    ASSERT_EQ(again.start(iv, last), Status::ok);
    Bytes z(n, 0), o(n);
    ASSERT_EQ(again.process(z, o), Status::ok);
    EXPECT_EQ(to_hex(o), to_hex(ks));
}

INSTANTIATE_TEST_SUITE_P(All, ModesTest, ::testing::ValuesIn(gostcsp::test::all_cipher_paths()),
                         [](const auto& p) { return p.param.label(); });

}  // namespace
