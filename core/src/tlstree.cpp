// SPDX-License-Identifier: Apache-2.0
// TLSTREE (RFC 9189 §8.1) over KDF_GOSTR3411_2012_256.
#include "gostcsp/tlstree.hpp"

#include <algorithm>

#include "gostcsp/kdf.hpp"

namespace gostcsp::core {

namespace {

constexpr std::uint8_t level_labels[3][6] = {
    {'l', 'e', 'v', 'e', 'l', '1'},
    {'l', 'e', 'v', 'e', 'l', '2'},
    {'l', 'e', 'v', 'e', 'l', '3'},
};

void diversify(std::span<const std::uint8_t, 32> in, unsigned level, std::uint64_t masked,
               std::span<std::uint8_t, 32> out) {
    std::array<std::uint8_t, 8> seed{};
    for (unsigned j = 0; j < 8; ++j) seed[j] = static_cast<std::uint8_t>(masked >> (56 - 8 * j));
    kdf_gostr3411_2012_256(in, level_labels[level], seed, out);
}

}  // namespace

std::array<std::uint64_t, 3> tlstree_masks(TlsTreeSuite suite) noexcept {
    switch (suite) {
        case TlsTreeSuite::magma_ctr_omac:
            return {0xFFFFFFC000000000ULL, 0xFFFFFFFFFE000000ULL, 0xFFFFFFFFFFFFF000ULL};
        case TlsTreeSuite::kuznyechik_ctr_omac:
            break;
    }
    return {0xFFFFFFFF00000000ULL, 0xFFFFFFFFFFF80000ULL, 0xFFFFFFFFFFFFFFC0ULL};
}

TlsTree::TlsTree(TlsTreeSuite suite, std::span<const std::uint8_t, key_bytes> root) noexcept
    : masks_(tlstree_masks(suite)) {
    std::copy(root.begin(), root.end(), root_.data());
}

void TlsTree::derive(std::uint64_t seqnum, std::span<std::uint8_t, key_bytes> out) noexcept {
    const std::array<std::uint64_t, 3> masked = {seqnum & masks_[0], seqnum & masks_[1],
                                                 seqnum & masks_[2]};
    // A level is recomputed when it, or the level above it, changed (the sequence number is
    // public, so these branches reveal nothing secret).
    bool stale = !primed_;
    if (stale || masked[0] != masked_[0]) {
        diversify(root_.span(), 0, masked[0], k1_.span());
        stale = true;
    }
    if (stale || masked[1] != masked_[1]) {
        diversify(k1_.span(), 1, masked[1], k2_.span());
        stale = true;
    }
    if (stale || masked[2] != masked_[2]) diversify(k2_.span(), 2, masked[2], k3_.span());
    masked_ = masked;
    primed_ = true;
    std::copy(k3_.data(), k3_.data() + key_bytes, out.data());
}

Status tlstree(TlsTreeSuite suite, std::span<const std::uint8_t> root, std::uint64_t seqnum,
               std::span<std::uint8_t> out) noexcept {
    if (root.size() != TlsTree::key_bytes || out.size() != TlsTree::key_bytes)
        return Status::bad_length;
    TlsTree tree(suite, root.first<TlsTree::key_bytes>());
    tree.derive(seqnum, out.first<TlsTree::key_bytes>());
    return Status::ok;
}

}  // namespace gostcsp::core
