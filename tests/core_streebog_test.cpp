// SPDX-License-Identifier: Apache-2.0
// Streebog (GOST R 34.11-2012 / RFC 6986), HMAC-Streebog (RFC 7836) and PBKDF2 (R 50.1.111-2016)
// against the standard vectors, every split of the input, and both implementations.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "gostcsp/streebog.hpp"
#include "gostprov_oracle.hpp"
#include "vector_file.hpp"

using namespace gostcsp::core;
using gostcsp::test::load_vectors;
using gostcsp::test::to_hex;
using gostcsp::test::VectorRecord;
using Bytes = std::vector<std::uint8_t>;

namespace {

DigestSize size_of_bits(unsigned long bits) {
    return bits == 512 ? DigestSize::bits512 : DigestSize::bits256;
}

Bytes finish(Streebog& s) {
    Bytes out(s.output_bytes());
    s.final(out);
    return out;
}

Bytes hash_whole(StreebogImpl impl, DigestSize size, const Bytes& msg) {
    Streebog s(size, impl);
    s.update(msg);
    return finish(s);
}

Bytes hash_bytewise(StreebogImpl impl, DigestSize size, const Bytes& msg) {
    Streebog s(size, impl);
    for (std::uint8_t b : msg) s.update(std::span<const std::uint8_t>(&b, 1));
    return finish(s);
}

// Splits `msg` into random pieces (including empty ones) and feeds them one at a time.
Bytes hash_random_splits(StreebogImpl impl, DigestSize size, const Bytes& msg, std::uint32_t seed) {
    std::mt19937 rng(seed);
    Streebog s(size, impl);
    std::size_t pos = 0;
    while (pos < msg.size()) {
        const std::size_t max_piece = std::uniform_int_distribution<int>(0, 2)(rng) == 0 ? 200 : 70;
        const std::size_t n = std::min(
            msg.size() - pos, std::uniform_int_distribution<std::size_t>(0, max_piece)(rng));
        s.update(std::span<const std::uint8_t>(msg.data() + pos, n));
        pos += n;
    }
    return finish(s);
}

Bytes random_bytes(std::mt19937& rng, std::size_t n) {
    Bytes b(n);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    return b;
}

struct StreebogVector {
    std::string name;
    DigestSize size;
    Bytes msg;
    Bytes digest;
};

std::vector<StreebogVector> streebog_vectors() {
    std::vector<StreebogVector> out;
    for (const VectorRecord& r : load_vectors("streebog.txt")) {
        StreebogVector v{r.name(), size_of_bits(r.number("bits")), r.bytes("msg"),
                         r.bytes("digest")};
        EXPECT_EQ(v.msg.size(), r.number("msg_len")) << v.name;
        EXPECT_EQ(v.digest.size(), digest_bytes(v.size)) << v.name;
        // The printed (reversed) forms are the same data as msg/digest; pin that relation.
        if (r.has("msg_rfc")) {
            Bytes rev = r.bytes("msg_rfc");
            std::reverse(rev.begin(), rev.end());
            EXPECT_EQ(rev, v.msg) << v.name;
        }
        if (r.has("digest_rfc")) {
            Bytes rev = r.bytes("digest_rfc");
            std::reverse(rev.begin(), rev.end());
            EXPECT_EQ(rev, v.digest) << v.name;
        }
        if (r.has("msg_ascii")) {
            EXPECT_EQ(std::string(v.msg.begin(), v.msg.end()), r.str("msg_ascii"));
        }
        EXPECT_TRUE(r.unconsumed().empty()) << v.name << " has unread keys";
        out.push_back(std::move(v));
    }
    return out;
}

const gostcsp::test::GostprovOracle& oracle() {
    static const gostcsp::test::GostprovOracle o;
    return o;
}

}  // namespace

// ---- Implementation selection ----

TEST(StreebogImpl, SelectionIsConsistent) {
    EXPECT_TRUE(streebog_impl_supported(StreebogImpl::public_tables));
    EXPECT_TRUE(streebog_impl_supported(StreebogImpl::ct_generic));
    EXPECT_TRUE(streebog_impl_supported(StreebogImpl::automatic));
    const StreebogImpl sel = streebog_impl_selected();
    EXPECT_NE(sel, StreebogImpl::automatic);
    EXPECT_TRUE(streebog_impl_supported(sel));
    EXPECT_EQ(Streebog(DigestSize::bits256).impl(), sel);
    EXPECT_EQ(Streebog(DigestSize::bits256, StreebogImpl::public_tables).impl(),
              StreebogImpl::public_tables);
    const StreebogImpl secret = streebog_secret_impl_selected();
    EXPECT_TRUE(streebog_impl_constant_time(secret));
    EXPECT_TRUE(streebog_impl_supported(secret));
    EXPECT_EQ(Streebog(DigestSize::bits256, StreebogImpl::automatic_secret).impl(), secret);
    EXPECT_FALSE(streebog_impl_constant_time(StreebogImpl::public_tables));
    // An unsupported constant-time request never falls back to the tables.
    for (StreebogImpl ct : {StreebogImpl::avx512_gfni, StreebogImpl::ct_ssse3})
        if (!streebog_impl_supported(ct)) {
            EXPECT_EQ(Streebog(DigestSize::bits512, ct).impl(), secret);
        }
    EXPECT_EQ(streebog_impl_name(StreebogImpl::public_tables), "public_tables");
    EXPECT_EQ(streebog_impl_name(StreebogImpl::avx512_gfni), "avx512_gfni");
    std::printf("streebog: automatic selects %s\n", std::string(streebog_impl_name(sel)).c_str());
}

// ---- Every test below runs once per implementation ----

class StreebogPerImpl : public ::testing::TestWithParam<StreebogImpl> {
  protected:
    void SetUp() override {
        if (!streebog_impl_supported(GetParam()))
            GTEST_SKIP() << "CPU lacks " << streebog_impl_name(GetParam());
    }
    StreebogImpl impl() const { return GetParam(); }
};

TEST_P(StreebogPerImpl, StandardVectorsEverySplit) {
    const auto vectors = streebog_vectors();
    ASSERT_EQ(vectors.size(), 16u);
    for (const auto& v : vectors) {
        SCOPED_TRACE(v.name);
        EXPECT_EQ(to_hex(hash_whole(impl(), v.size, v.msg)), to_hex(v.digest));
        EXPECT_EQ(to_hex(hash_bytewise(impl(), v.size, v.msg)), to_hex(v.digest));
        for (std::uint32_t seed = 1; seed <= 20; ++seed)
            EXPECT_EQ(to_hex(hash_random_splits(impl(), v.size, v.msg, seed)), to_hex(v.digest))
                << "split seed " << seed;
        // Every two-piece split.
        for (std::size_t cut = 0; cut <= v.msg.size(); ++cut) {
            Streebog s(v.size, impl());
            s.update(std::span<const std::uint8_t>(v.msg.data(), cut));
            s.update(std::span<const std::uint8_t>(v.msg.data() + cut, v.msg.size() - cut));
            EXPECT_EQ(to_hex(finish(s)), to_hex(v.digest)) << "cut at " << cut;
        }
    }
}

TEST_P(StreebogPerImpl, ResetAndReuse) {
    const auto vectors = streebog_vectors();
    // One object per size reused across every vector: final() must leave it fresh.
    Streebog s256(DigestSize::bits256, impl());
    Streebog s512(DigestSize::bits512, impl());
    for (int round = 0; round < 2; ++round) {
        for (const auto& v : vectors) {
            Streebog& s = v.size == DigestSize::bits512 ? s512 : s256;
            s.update(v.msg);
            EXPECT_EQ(to_hex(finish(s)), to_hex(v.digest)) << v.name;
        }
    }
    // reset() in the middle discards what was absorbed.
    for (const auto& v : vectors) {
        Streebog s(v.size, impl());
        const Bytes junk(100, 0xAB);
        s.update(junk);
        s.reset();
        s.update(v.msg);
        EXPECT_EQ(to_hex(finish(s)), to_hex(v.digest)) << v.name;
    }
    // A copy taken mid-stream continues independently.
    for (const auto& v : vectors) {
        if (v.msg.size() < 2) continue;
        Streebog a(v.size, impl());
        a.update(std::span<const std::uint8_t>(v.msg.data(), v.msg.size() / 2));
        Streebog b = a;
        a.update(std::span<const std::uint8_t>(v.msg.data() + v.msg.size() / 2,
                                               v.msg.size() - v.msg.size() / 2));
        b.update(std::span<const std::uint8_t>(v.msg.data() + v.msg.size() / 2,
                                               v.msg.size() - v.msg.size() / 2));
        EXPECT_EQ(to_hex(finish(a)), to_hex(v.digest)) << v.name;
        EXPECT_EQ(to_hex(finish(b)), to_hex(v.digest)) << v.name;
    }
}

// Lengths around the block boundary, checked against gost-engine (gostprov), an independent
// implementation, and through every way of feeding the input.
TEST_P(StreebogPerImpl, EdgeLengthsAgainstGostEngine) {
    if (!oracle().available()) GTEST_SKIP() << "gost-engine's gostprov provider not loadable";
    std::mt19937 rng(0x5eed);
    for (std::size_t len :
         {0, 1, 2, 31, 32, 33, 63, 64, 65, 127, 128, 129, 191, 192, 255, 256, 1000}) {
        for (int pattern = 0; pattern < 3; ++pattern) {
            Bytes msg = pattern == 0   ? Bytes(len, 0x00)
                        : pattern == 1 ? Bytes(len, 0xff)
                                       : random_bytes(rng, len);
            for (unsigned bits : {256u, 512u}) {
                SCOPED_TRACE("len " + std::to_string(len) + " pattern " + std::to_string(pattern) +
                             " bits " + std::to_string(bits));
                const DigestSize size = size_of_bits(bits);
                const std::string want = to_hex(oracle().digest(bits, msg));
                ASSERT_EQ(want.size(), bits / 4);
                EXPECT_EQ(to_hex(hash_whole(impl(), size, msg)), want);
                EXPECT_EQ(to_hex(hash_bytewise(impl(), size, msg)), want);
                EXPECT_EQ(
                    to_hex(hash_random_splits(impl(), size, msg, static_cast<std::uint32_t>(len))),
                    want);
            }
        }
    }
}

// 0xff bytes make Sigma and N carry across words; long inputs exercise the N counter.
TEST_P(StreebogPerImpl, LongInputsAgainstGostEngine) {
    if (!oracle().available()) GTEST_SKIP() << "gost-engine's gostprov provider not loadable";
    std::mt19937 rng(77);
    for (std::size_t len : {std::size_t{1} << 16, (std::size_t{1} << 20) + 17}) {
        if (impl() == StreebogImpl::ct_generic && len > (std::size_t{1} << 16)) continue;  // slow
        for (bool ones : {true, false}) {
            const Bytes msg = ones ? Bytes(len, 0xff) : random_bytes(rng, len);
            for (unsigned bits : {256u, 512u}) {
                const std::string want = to_hex(oracle().digest(bits, msg));
                EXPECT_EQ(to_hex(hash_whole(impl(), size_of_bits(bits), msg)), want) << len;
                EXPECT_EQ(to_hex(hash_random_splits(impl(), size_of_bits(bits), msg, 3)), want)
                    << len;
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Impl, StreebogPerImpl,
                         ::testing::Values(StreebogImpl::public_tables, StreebogImpl::avx512_gfni,
                                           StreebogImpl::ct_ssse3, StreebogImpl::ct_generic),
                         [](const auto& p) { return std::string(streebog_impl_name(p.param)); });

TEST(Streebog, OneShotHelpers) {
    for (const auto& v : streebog_vectors()) {
        if (v.size == DigestSize::bits256) {
            EXPECT_EQ(to_hex(streebog256(v.msg)), to_hex(v.digest)) << v.name;
        } else {
            EXPECT_EQ(to_hex(streebog512(v.msg)), to_hex(v.digest)) << v.name;
        }
    }
}

TEST(Streebog, PortableAndFastAgreeOnRandomInputs) {
    std::mt19937 rng(2024);
    for (StreebogImpl other :
         {StreebogImpl::avx512_gfni, StreebogImpl::ct_ssse3, StreebogImpl::ct_generic}) {
        if (!streebog_impl_supported(other)) continue;
        SCOPED_TRACE(std::string(streebog_impl_name(other)));
        const int inputs = other == StreebogImpl::ct_generic ? 200 : 2000;  // generic is slow
        for (int i = 0; i < inputs; ++i) {
            const std::size_t len = std::uniform_int_distribution<std::size_t>(0, 600)(rng);
            const Bytes msg = random_bytes(rng, len);
            for (auto size : {DigestSize::bits256, DigestSize::bits512}) {
                ASSERT_EQ(
                    to_hex(hash_whole(StreebogImpl::public_tables, size, msg)),
                    to_hex(hash_random_splits(other, size, msg, static_cast<std::uint32_t>(i))))
                    << "input " << i << " len " << len;
            }
        }
    }
}

TEST(Streebog, ShortOutputBufferGetsPrefix) {
    // final() writes at most out.size() bytes.
    const Bytes msg{'a', 'b', 'c'};
    Streebog s(DigestSize::bits512);
    s.update(msg);
    Bytes part(10, 0xEE);
    s.final(part);
    const auto full = streebog512(msg);
    EXPECT_TRUE(std::equal(part.begin(), part.end(), full.begin()));
}

// ---- HMAC-Streebog and the constructions of RFC 7836 built on it ----

namespace {
Bytes hmac(unsigned long bits, const Bytes& key, const Bytes& msg) {
    HmacStreebog h(size_of_bits(bits), key);
    h.update(msg);
    Bytes out(h.output_bytes());
    h.final(out);
    return out;
}
Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}
}  // namespace

TEST(HmacStreebog, Rfc7836Vectors) {
    int hmac_records = 0;
    for (const VectorRecord& r : load_vectors("hmac_kdf.txt")) {
        SCOPED_TRACE(r.name());
        const std::string type = r.str("type");
        const unsigned long bits = r.number("hash_bits");
        const Bytes key = r.bytes("key");
        if (type == "HMAC") {
            ++hmac_records;
            const Bytes msg = r.bytes("msg");
            const std::string want = to_hex(r.bytes("out"));
            EXPECT_EQ(to_hex(hmac(bits, key, msg)), want);
            // Byte by byte, then the same object again (final restarts with the same key).
            HmacStreebog h(size_of_bits(bits), key);
            for (int round = 0; round < 3; ++round) {
                for (std::uint8_t b : msg) h.update(std::span<const std::uint8_t>(&b, 1));
                Bytes out(h.output_bytes());
                h.final(out);
                EXPECT_EQ(to_hex(out), want) << "round " << round;
            }
            // A copy of a keyed object works on its own.
            HmacStreebog copy = h;
            copy.update(msg);
            Bytes out(copy.output_bytes());
            copy.final(out);
            EXPECT_EQ(to_hex(out), want);
        } else if (type == "PRF_TLS") {  // TLS 1.2 P_hash, two output blocks
            const Bytes ls = cat({r.bytes("label"), r.bytes("seed")});
            const Bytes a1 = hmac(bits, key, ls);
            const Bytes a2 = hmac(bits, key, a1);
            EXPECT_EQ(to_hex(hmac(bits, key, cat({a1, ls}))), to_hex(r.bytes("t1")));
            EXPECT_EQ(to_hex(hmac(bits, key, cat({a2, ls}))), to_hex(r.bytes("t2")));
        } else if (type == "PRF_IPSEC_PRFPLUS") {  // IKEv2 prf+
            const Bytes data = r.bytes("data");
            const Bytes t1 = hmac(bits, key, cat({data, Bytes{0x01}}));
            EXPECT_EQ(to_hex(t1), to_hex(r.bytes("t1")));
            EXPECT_EQ(to_hex(hmac(bits, key, cat({t1, data, Bytes{0x02}}))), to_hex(r.bytes("t2")));
        } else if (type == "KDF") {  // KDF_GOSTR3411_2012_256
            const Bytes in = cat(
                {Bytes{0x01}, r.bytes("label"), Bytes{0x00}, r.bytes("seed"), Bytes{0x01, 0x00}});
            EXPECT_EQ(to_hex(hmac(bits, key, in)), to_hex(r.bytes("out")));
        } else if (type == "KDF_TREE") {  // KDF_TREE_GOSTR3411_2012_256, R = 1, L = 512
            ASSERT_EQ(r.number("l_bits"), 512u);
            ASSERT_EQ(r.number("r_bytes"), 1u);
            const Bytes label = r.bytes("label"), seed = r.bytes("seed");
            for (std::uint8_t i = 1; i <= 2; ++i) {
                const Bytes in = cat({Bytes{i}, label, Bytes{0x00}, seed, Bytes{0x02, 0x00}});
                EXPECT_EQ(to_hex(hmac(bits, key, in)), to_hex(r.bytes(i == 1 ? "k1" : "k2")));
            }
        } else {
            ADD_FAILURE() << "unknown record type " << type;
        }
        EXPECT_TRUE(r.unconsumed().empty());
    }
    EXPECT_EQ(hmac_records, 2);
}

// Keys of every length class (empty, short, one block, longer than a block → hashed first),
// against OpenSSL's HMAC over gost-engine's Streebog.
TEST(HmacStreebog, KeyLengthsAgainstGostEngine) {
    if (!oracle().available()) GTEST_SKIP() << "gost-engine's gostprov provider not loadable";
    std::mt19937 rng(99);
    for (std::size_t klen : {0, 1, 32, 63, 64, 65, 128, 200}) {
        for (std::size_t mlen : {0, 1, 64, 100, 1000}) {
            const Bytes key = random_bytes(rng, klen), msg = random_bytes(rng, mlen);
            for (unsigned bits : {256u, 512u}) {
                const Bytes want = oracle().hmac(bits, key, msg);
                ASSERT_FALSE(want.empty()) << "OpenSSL HMAC with gostprov failed";
                EXPECT_EQ(to_hex(hmac(bits, key, msg)), to_hex(want))
                    << "key " << klen << " msg " << mlen << " bits " << bits;
            }
        }
    }
}

// HMAC through each implementation (the default is the constant-time choice) against gost-engine.
TEST(HmacStreebog, EveryImplementationAgainstGostEngine) {
    if (!oracle().available()) GTEST_SKIP() << "gost-engine's gostprov provider not loadable";
    EXPECT_TRUE(streebog_impl_constant_time(
        Streebog(DigestSize::bits512, StreebogImpl::automatic_secret).impl()));
    std::mt19937 rng(7);
    for (StreebogImpl impl : {StreebogImpl::public_tables, StreebogImpl::avx512_gfni,
                              StreebogImpl::ct_ssse3, StreebogImpl::ct_generic}) {
        if (!streebog_impl_supported(impl)) continue;
        SCOPED_TRACE(std::string(streebog_impl_name(impl)));
        for (std::size_t klen : {0, 32, 64, 65, 200}) {
            const Bytes key = random_bytes(rng, klen), msg = random_bytes(rng, 150);
            for (unsigned bits : {256u, 512u}) {
                HmacStreebog h(size_of_bits(bits), key, impl);
                h.update(msg);
                Bytes out(h.output_bytes());
                h.final(out);
                EXPECT_EQ(to_hex(out), to_hex(oracle().hmac(bits, key, msg))) << klen;
            }
        }
    }
}

// ---- PBKDF2-HMAC-Streebog-512 ----

// The standard's short vectors through every constant-time implementation (forced).
TEST(Pbkdf2Streebog512, VectorsThroughEachConstantTimePath) {
    for (StreebogImpl impl :
         {StreebogImpl::avx512_gfni, StreebogImpl::ct_ssse3, StreebogImpl::ct_generic}) {
        if (!streebog_impl_supported(impl)) continue;
        SCOPED_TRACE(std::string(streebog_impl_name(impl)));
        ASSERT_EQ(gostcsp::core::testing::force_streebog_secret_impl(impl), impl);
        for (const VectorRecord& r : load_vectors("pbkdf2.txt")) {
            const auto c = static_cast<std::uint32_t>(r.number("c"));
            if (c > (impl == StreebogImpl::ct_generic ? 2u : 4096u)) continue;  // generic is slow
            Bytes out(r.bytes("dk").size());
            pbkdf2_streebog512(r.bytes("password_hex"), r.bytes("salt_hex"), c, out);
            EXPECT_EQ(to_hex(out), to_hex(r.bytes("dk"))) << r.name();
        }
    }
    gostcsp::core::testing::force_streebog_secret_impl(StreebogImpl::automatic_secret);
}

TEST(Pbkdf2Streebog512, Vectors) {
    const bool long_tests = std::getenv("GOSTCSP_LONG_TESTS") != nullptr;
    int run = 0;
    for (const VectorRecord& r : load_vectors("pbkdf2.txt")) {
        SCOPED_TRACE(r.name());
        const auto c = static_cast<std::uint32_t>(r.number("c"));
        r.ignore({"password", "salt"});  // text forms of password_hex / salt_hex
        const Bytes password = r.bytes("password_hex"), salt = r.bytes("salt_hex");
        const Bytes want = r.bytes("dk");
        EXPECT_EQ(want.size(), r.number("dk_len"));
        EXPECT_TRUE(r.unconsumed().empty());
        if (c > 100000 && !long_tests) {
            std::printf("skipping %s (c = %u); set GOSTCSP_LONG_TESTS=1 to run it\n",
                        r.name().c_str(), c);
            continue;
        }
        Bytes out(want.size());
        pbkdf2_streebog512(password, salt, c, out);
        EXPECT_EQ(to_hex(out), to_hex(want));
        ++run;
    }
    EXPECT_GE(run, 5);
}
