// SPDX-License-Identifier: Apache-2.0
// Differential test of Kuznyechik and Magma (GOST R 34.12-2015) in every GOST R 34.13-2015 mode
// gost-engine offers, CTR-ACPKM and the OMAC MACs, against gostprov in its own library context:
// >= 10,000 random keys/IVs/messages of random lengths per cipher and mode, each case on every
// implementation of ours (a rotating one per case for the slow portable paths), data fed in
// random pieces on both sides. A mismatch prints the seed: GOSTCSP_SEED=<base> reproduces.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "gostcsp/acpkm.hpp"
#include "gostcsp/modes.hpp"
#include "gostprov_sym.hpp"
#include "sym_ciphers.hpp"
#include "vector_file.hpp"

using namespace gostcsp::core;
using namespace gostcsp::test;
using Bytes = std::vector<std::uint8_t>;

namespace {

#ifndef GOSTCSP_CONFORMANCE_COUNT
#define GOSTCSP_CONFORMANCE_COUNT 2000
#endif
constexpr int cases = std::max(10000, 5 * GOSTCSP_CONFORMANCE_COUNT);

const GostprovOracle& engine() {
    static const GostprovOracle o;
    return o;
}

struct ModeCase {
    std::string cipher;  // kuznyechik | magma
    std::string mode;    // ecb ctr ofb cbc cfb mac ctr-acpkm
    std::string engine_name;
};

std::string case_name(const ModeCase& c) {
    std::string s = c.cipher + "_" + c.mode;
    std::replace(s.begin(), s.end(), '-', '_');
    return s;
}

template <class Mode>
Bytes run_stream(Mode& m, const Bytes& in, std::mt19937_64& rng, std::size_t unit) {
    Bytes out(in.size());
    std::size_t off = 0;
    while (off < in.size()) {
        const std::size_t n = std::min(in.size() - off, unit * (rng() % 40));
        if (m.process(std::span(in).subspan(off, n), std::span(out).subspan(off, n)) != Status::ok)
            return {};
        off += n;
    }
    return out;
}

// Our result for one case on one implementation path.
Bytes ours(const ModeCase& mc, const CipherPath& path, const Bytes& key, const Bytes& iv,
           const Bytes& msg, std::size_t section, std::mt19937_64& rng) {
    auto c = path.make();
    if (c->set_key(key) != Status::ok) return {};
    const std::size_t n = c->block_size();
    if (mc.mode == "ecb") {
        Bytes out(msg.size());
        return ecb_encrypt(*c, msg, out) == Status::ok ? out : Bytes{};
    }
    if (mc.mode == "ctr") {
        Ctr m(*c);
        if (m.start(iv) != Status::ok) return {};
        return run_stream(m, msg, rng, 1);
    }
    if (mc.mode == "ofb") {
        Ofb m(*c);
        if (m.start(iv) != Status::ok) return {};
        return run_stream(m, msg, rng, 1);
    }
    if (mc.mode == "cbc") {
        Cbc m(*c);
        if (m.start(iv, true) != Status::ok) return {};
        return run_stream(m, msg, rng, n);
    }
    if (mc.mode == "cfb") {
        Cfb m(*c);
        if (m.start(iv, true) != Status::ok) return {};
        return run_stream(m, msg, rng, 1);
    }
    if (mc.mode == "mac") {
        Omac m(*c);
        std::size_t off = 0;
        while (off < msg.size()) {
            const std::size_t k = std::min(msg.size() - off, std::size_t(rng() % 50));
            m.update(std::span(msg).subspan(off, k));
            off += k;
        }
        Bytes tag(n);
        return m.final(tag) == Status::ok ? tag : Bytes{};
    }
    if (mc.mode == "ctr-acpkm") {
        auto run = [&](const auto& cipher) {
            CtrAcpkm<std::decay_t<decltype(cipher)>> m(cipher, section);
            if (m.start(iv) != Status::ok) return Bytes{};
            return run_stream(m, msg, rng, 1);
        };
        if (path.cipher == "kuznyechik") return run(static_cast<const Kuznyechik&>(*c));
        return run(static_cast<const Magma&>(*c));
    }
    return {};
}

class CipherDiff : public ::testing::TestWithParam<ModeCase> {};

TEST_P(CipherDiff, AgainstGostprov) {
    if (!engine().available()) GTEST_SKIP() << "gostprov not available";
    const ModeCase& mc = GetParam();
    GostprovSym gp(engine());
    if (mc.mode != "mac") {
        ASSERT_TRUE(gp.has_cipher(mc.engine_name)) << mc.engine_name;
    }
    const auto paths = all_cipher_paths(mc.cipher);
    const std::size_t n = mc.cipher == "kuznyechik" ? 16 : 8;
    const std::uint64_t base = sym_base_seed();
    SCOPED_TRACE("GOSTCSP_SEED=" + std::to_string(base));
    int mismatches = 0;
    for (int i = 0; i < cases && mismatches < 5; ++i) {
        std::mt19937_64 rng(base + static_cast<std::uint64_t>(i));
        const Bytes key = random_bytes(rng, 32);
        std::size_t len = random_length(rng);
        if (mc.mode == "ecb" || mc.mode == "cbc") len -= len % n;
        const Bytes msg = random_bytes(rng, len);
        std::size_t iv_len = n;
        if (mc.mode == "ctr" || mc.mode == "ctr-acpkm") iv_len = n / 2;
        if (mc.mode == "ecb" || mc.mode == "mac") iv_len = 0;
        const Bytes iv = random_bytes(rng, iv_len);
        // ACPKM sections: small ones often (many re-keyings), gost-engine's defaults sometimes.
        std::size_t section = 0;
        if (mc.mode == "ctr-acpkm") section = n * (1 + rng() % 8) * (rng() % 4 == 0 ? 64 : 1);
        Bytes want;
        if (mc.mode == "mac")
            want = gp.mac(mc.engine_name, key, msg, n, rng);
        else
            want = gp.cipher(mc.engine_name, key, iv, msg, true, rng, section);
        ASSERT_EQ(want.size(), mc.mode == "mac" ? n : msg.size()) << "gostprov failed, case " << i;
        // Fast paths see every case; the slow portable / table paths every 8th.
        for (std::size_t p = 0; p < paths.size(); ++p) {
            const bool slow = paths[p].impl == "portable" || paths[p].impl == "table_vartime";
            if (slow && i % 8 != static_cast<int>(p % 8)) continue;
            const Bytes got = ours(mc, paths[p], key, iv, msg, section, rng);
            if (got != want) {
                ++mismatches;
                ADD_FAILURE() << "case " << i << " (seed " << base + static_cast<std::uint64_t>(i)
                              << ") path " << paths[p].impl << " len " << len << " section "
                              << section << "\n ours " << to_hex(got) << "\n gostprov "
                              << to_hex(want);
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(
    All, CipherDiff,
    ::testing::Values(ModeCase{"kuznyechik", "ecb", "kuznyechik-ecb"},
                      ModeCase{"kuznyechik", "ctr", "kuznyechik-ctr"},
                      ModeCase{"kuznyechik", "ofb", "kuznyechik-ofb"},
                      ModeCase{"kuznyechik", "cbc", "kuznyechik-cbc"},
                      ModeCase{"kuznyechik", "cfb", "kuznyechik-cfb"},
                      ModeCase{"kuznyechik", "mac", "kuznyechik-mac"},
                      ModeCase{"kuznyechik", "ctr-acpkm", "kuznyechik-ctr-acpkm"},
                      ModeCase{"magma", "ctr", "magma-ctr"}, ModeCase{"magma", "cbc", "magma-cbc"},
                      ModeCase{"magma", "mac", "magma-mac"},
                      ModeCase{"magma", "ctr-acpkm", "magma-ctr-acpkm"}),
    [](const auto& p) { return case_name(p.param); });

}  // namespace
