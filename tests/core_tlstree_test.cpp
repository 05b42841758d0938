// SPDX-License-Identifier: Apache-2.0
// TLSTREE (RFC 9189 §8.1): every example of RFC 9189 Appendix A.1.1 for both suites (all three
// levels, at the sequence numbers either side of each window boundary), gost-engine's all-FF
// example, the cache against fresh trees in any order, and bad lengths.
#include <gtest/gtest.h>

#include <array>
#include <random>
#include <vector>

#include "gostcsp/tlstree.hpp"
#include "vector_file.hpp"

using namespace gostcsp::core;
using gostcsp::test::load_vectors;
using gostcsp::test::to_hex;
using Bytes = std::vector<std::uint8_t>;

namespace {
TlsTreeSuite suite_of(const std::string& s) {
    EXPECT_TRUE(s == "magma" || s == "kuznyechik") << s;
    return s == "magma" ? TlsTreeSuite::magma_ctr_omac : TlsTreeSuite::kuznyechik_ctr_omac;
}
}  // namespace

TEST(TlsTree, Rfc9189AppendixA11) {
    const auto recs = load_vectors("tlstree.txt");
    ASSERT_EQ(recs.size(), 15u);
    // One long-lived tree per file order (exercises the cache across boundaries) and a fresh
    // one-shot per record.
    for (const auto& rec : recs) {
        SCOPED_TRACE(rec.name());
        const auto suite = suite_of(rec.str("suite"));
        const Bytes root = rec.bytes("root");
        ASSERT_EQ(root.size(), 32u);
        const std::uint64_t seq = rec.number("seqnum");
        std::array<std::uint8_t, 32> out{};
        ASSERT_EQ(tlstree(suite, root, seq, out), Status::ok);
        EXPECT_EQ(to_hex(out), to_hex(rec.bytes("k3")));
        TlsTree tree(suite, std::span<const std::uint8_t, 32>(root.data(), 32));
        tree.derive(seq, out);
        EXPECT_EQ(to_hex(out), to_hex(rec.bytes("k3")));
        if (rec.has("k1")) {
            EXPECT_EQ(to_hex(tree.level1_key()), to_hex(rec.bytes("k1")));
            EXPECT_EQ(to_hex(tree.level2_key()), to_hex(rec.bytes("k2")));
        }
        EXPECT_TRUE(rec.unconsumed().empty());
    }
}

TEST(TlsTree, CachedTreeMatchesFreshInAnyOrder) {
    const auto recs = load_vectors("tlstree.txt");
    for (const char* name : {"magma", "kuznyechik"}) {
        SCOPED_TRACE(name);
        std::vector<const gostcsp::test::VectorRecord*> mine;
        for (const auto& rec : recs)
            if (rec.str("suite") == name && rec.has("k1")) mine.push_back(&rec);
        ASSERT_EQ(mine.size(), 7u);
        const Bytes root = mine[0]->bytes("root");
        TlsTree tree(suite_of(name), std::span<const std::uint8_t, 32>(root.data(), 32));
        std::mt19937 rng(12);
        for (int round = 0; round < 40; ++round) {
            const auto* rec = mine[rng() % mine.size()];
            std::array<std::uint8_t, 32> out{};
            tree.derive(rec->number("seqnum"), out);
            EXPECT_EQ(to_hex(out), to_hex(rec->bytes("k3")));
            EXPECT_EQ(to_hex(tree.level1_key()), to_hex(rec->bytes("k1")));
            EXPECT_EQ(to_hex(tree.level2_key()), to_hex(rec->bytes("k2")));
        }
    }
}

TEST(TlsTree, FirstDeriveInsideFirstWindowIsNotZero) {
    // A cache primed with "seqnum 0" state would return an unset key for 1..63 on first use.
    const Bytes root(32, 0xFF);
    TlsTree tree(TlsTreeSuite::kuznyechik_ctr_omac,
                 std::span<const std::uint8_t, 32>(root.data(), 32));
    std::array<std::uint8_t, 32> out{};
    tree.derive(63, out);
    EXPECT_EQ(to_hex(out), "507642d958c520c6d7eef5ca8a5316d4f34b855d2dd4bcbf4e5bf0ff641a19ff");
}

TEST(TlsTree, MasksAndBadLengths) {
    EXPECT_EQ(tlstree_masks(TlsTreeSuite::magma_ctr_omac)[2], 0xFFFFFFFFFFFFF000ULL);
    EXPECT_EQ(tlstree_masks(TlsTreeSuite::kuznyechik_ctr_omac)[2], 0xFFFFFFFFFFFFFFC0ULL);
    const Bytes root(32, 1), short_root(31, 1);
    std::array<std::uint8_t, 32> out{};
    std::array<std::uint8_t, 31> short_out{};
    EXPECT_EQ(tlstree(TlsTreeSuite::magma_ctr_omac, short_root, 0, out), Status::bad_length);
    EXPECT_EQ(tlstree(TlsTreeSuite::magma_ctr_omac, root, 0, short_out), Status::bad_length);
}
