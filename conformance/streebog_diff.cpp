// SPDX-License-Identifier: Apache-2.0
// Differential test of Streebog (GOST R 34.11-2012) against Botan 2 and gost-engine (gostprov):
// random inputs, random update splits, both gostcsp implementations, plus multi-MiB inputs.
//
// Every input is generated from its own seed; a mismatch prints that seed. Re-run one with
//   GOSTCSP_SEED=<base> conformance_streebog_diff --gtest_filter=...
// (the base seed is printed at the start; input i uses seed base + i).
#include <botan/hash.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gostcsp/streebog.hpp"
#include "gostprov_oracle.hpp"
#include "vector_file.hpp"

using namespace gostcsp::core;
using gostcsp::test::to_hex;
using Bytes = std::vector<std::uint8_t>;

namespace {

#ifndef GOSTCSP_CONFORMANCE_COUNT
#define GOSTCSP_CONFORMANCE_COUNT 2000
#endif
// At least 10,000 inputs per digest size (the floor); a larger configured count scales up.
constexpr int random_inputs = std::max(10000, 5 * GOSTCSP_CONFORMANCE_COUNT);
constexpr std::size_t max_len = 8192;

std::uint64_t base_seed() {
    if (const char* s = std::getenv("GOSTCSP_SEED")) return std::strtoull(s, nullptr, 0);
    static const std::uint64_t seed =
        std::random_device{}() ^ (static_cast<std::uint64_t>(std::random_device{}()) << 32);
    return seed;
}

const gostcsp::test::GostprovOracle& engine() {
    static const gostcsp::test::GostprovOracle o;
    return o;
}

// Cut points of `len` bytes into random pieces: mostly small, sometimes empty, sometimes large.
std::vector<std::size_t> random_pieces(std::mt19937_64& rng, std::size_t len) {
    std::vector<std::size_t> pieces;
    std::size_t left = len;
    const int style = static_cast<int>(rng() % 4);
    while (left != 0) {
        std::size_t n;
        switch (style) {
            case 0:
                n = left;
                break;  // one update
            case 1:
                n = rng() % 130;
                break;  // around the block size
            case 2:
                n = (rng() % 3 == 0) ? 64 * (rng() % 5) : rng() % 64;
                break;  // aligned mix
            default:
                n = rng() % (left + 1);
                break;  // anything
        }
        n = std::min(n, left);
        pieces.push_back(n);
        left -= n;
    }
    return pieces;
}

template <class Feed>
void feed_split(std::mt19937_64& rng, const Bytes& msg, Feed&& feed) {
    std::size_t pos = 0;
    for (std::size_t n : random_pieces(rng, msg.size())) {
        feed(msg.data() + pos, n);
        pos += n;
    }
}

Bytes ours(StreebogImpl impl, unsigned bits, const Bytes& msg, std::mt19937_64& rng) {
    Streebog s(bits == 512 ? DigestSize::bits512 : DigestSize::bits256, impl);
    feed_split(rng, msg, [&](const std::uint8_t* p, std::size_t n) {
        s.update(std::span<const std::uint8_t>(p, n));
    });
    Bytes out(s.output_bytes());
    s.final(out);
    return out;
}

Bytes botan(Botan::HashFunction& h, const Bytes& msg, std::mt19937_64& rng) {
    feed_split(rng, msg, [&](const std::uint8_t* p, std::size_t n) { h.update(p, n); });
    const auto v = h.final();  // final() also resets Botan's object
    return Bytes(v.begin(), v.end());
}

Bytes gost_engine(unsigned bits, const Bytes& msg, std::mt19937_64& rng) {
    std::vector<std::span<const std::uint8_t>> parts;
    std::size_t pos = 0;
    for (std::size_t n : random_pieces(rng, msg.size())) {
        parts.emplace_back(msg.data() + pos, n);
        pos += n;
    }
    if (parts.empty()) parts.emplace_back();
    return engine().digest(bits, parts);
}

std::vector<StreebogImpl> impls() {
    // ct_generic (~75x slower) is checked by the unit tests, not on these MiB inputs.
    std::vector<StreebogImpl> v{StreebogImpl::public_tables};
    for (StreebogImpl fast : {StreebogImpl::avx512_gfni, StreebogImpl::ct_ssse3})
        if (streebog_impl_supported(fast)) v.push_back(fast);
    return v;
}

// Checks one input; returns false (after reporting) on any disagreement.
bool check(unsigned bits, const Bytes& msg, std::mt19937_64& rng, Botan::HashFunction& bh,
           const std::string& what) {
    const Bytes ref_botan = botan(bh, msg, rng);
    const Bytes ref_engine = gost_engine(bits, msg, rng);
    bool ok = true;
    if (ref_botan != ref_engine) {
        ADD_FAILURE() << what << ": Botan and gost-engine disagree (" << to_hex(ref_botan) << " vs "
                      << to_hex(ref_engine) << ")";
        ok = false;
    }
    for (StreebogImpl impl : impls()) {
        const Bytes got = ours(impl, bits, msg, rng);
        if (got != ref_botan) {
            ADD_FAILURE() << what << ": gostcsp " << streebog_impl_name(impl) << " gives "
                          << to_hex(got) << ", Botan/gost-engine give " << to_hex(ref_botan);
            ok = false;
        }
    }
    return ok;
}

class StreebogDiff : public ::testing::TestWithParam<unsigned> {
  protected:
    void SetUp() override {
        ASSERT_TRUE(engine().available())
            << "gost-engine's gostprov provider did not load (package libengine-gost-openssl)";
        botan_ = Botan::HashFunction::create(GetParam() == 512 ? "Streebog-512" : "Streebog-256");
        ASSERT_TRUE(botan_) << "Botan lacks Streebog";
    }
    std::unique_ptr<Botan::HashFunction> botan_;
};

TEST_P(StreebogDiff, RandomInputsRandomSplits) {
    const unsigned bits = GetParam();
    const std::uint64_t base = base_seed();
    std::printf("Streebog-%u: %d random inputs of 0..%zu bytes, base seed %llu, impls:", bits,
                random_inputs, max_len, static_cast<unsigned long long>(base));
    for (auto impl : impls()) std::printf(" %s", std::string(streebog_impl_name(impl)).c_str());
    std::printf("\n");
    int failures = 0;
    std::size_t total = 0;
    for (int i = 0; i < random_inputs && failures < 10; ++i) {
        const std::uint64_t seed = base + static_cast<std::uint64_t>(i);
        std::mt19937_64 rng(seed);
        // Lengths: uniform 0..8 KiB, with extra weight on the first few blocks.
        const std::size_t len = rng() % 4 == 0 ? rng() % 260 : rng() % (max_len + 1);
        Bytes msg(len);
        const int fill = static_cast<int>(rng() % 8);  // a few all-0x00 / all-0xff inputs
        for (auto& b : msg)
            b = fill == 0 ? 0x00 : fill == 1 ? 0xff : static_cast<std::uint8_t>(rng());
        total += len;
        if (!check(bits, msg, rng, *botan_,
                   "seed " + std::to_string(seed) + " (input " + std::to_string(i) + ", " +
                       std::to_string(len) + " bytes)"))
            ++failures;
    }
    EXPECT_EQ(failures, 0) << "base seed " << base;
    std::printf("Streebog-%u: %zu bytes compared\n", bits, total);
}

// A few multi-MiB inputs: the length counter N and the checksum Sigma over many blocks.
TEST_P(StreebogDiff, MultiMebibyteInputs) {
    const unsigned bits = GetParam();
    const std::uint64_t base = base_seed() ^ 0x9e3779b97f4a7c15ULL;
    const std::size_t mib = std::size_t{1} << 20;
    const std::size_t lengths[] = {2 * mib, 3 * mib + 63, 5 * mib + 1};
    for (std::size_t k = 0; k < std::size(lengths); ++k) {
        const std::uint64_t seed = base + k;
        std::mt19937_64 rng(seed);
        Bytes msg(lengths[k]);
        if (k == 0) {
            std::fill(msg.begin(), msg.end(), 0xff);  // maximal carries in Sigma
        } else {
            for (std::size_t i = 0; i < msg.size(); i += 8) {
                const std::uint64_t r = rng();
                std::memcpy(msg.data() + i, &r, std::min<std::size_t>(8, msg.size() - i));
            }
        }
        EXPECT_TRUE(check(bits, msg, rng, *botan_,
                          "multi-MiB seed " + std::to_string(seed) + " (" +
                              std::to_string(msg.size()) + " bytes)"));
    }
}

INSTANTIATE_TEST_SUITE_P(Bits, StreebogDiff, ::testing::Values(256u, 512u),
                         [](const auto& p) { return "Streebog" + std::to_string(p.param); });

}  // namespace
