// SPDX-License-Identifier: Apache-2.0
// TLSTREE, the per-record key schedule of the GOST TLS 1.2 CTR_OMAC suites (RFC 9189 §8.1):
//   TLSTREE(K_root, i) = KDF_3(KDF_2(KDF_1(K_root, STR_8(i & C_1)), STR_8(i & C_2)), STR_8(i &
//   C_3)), KDF_j(K, D) = KDF_GOSTR3411_2012_256(K, "level<j>", D), STR_8 = 8 bytes big-endian.
// A TlsTree keeps the three level keys and recomputes only the levels whose masked sequence
// number changed, so consecutive records cost no HMAC until a window boundary is crossed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "gostcsp/secure.hpp"
#include "gostcsp/status.hpp"

namespace gostcsp::core {

// The two RFC 9189 suites that use TLSTREE (each has its own C_1..C_3).
enum class TlsTreeSuite : std::uint8_t {
    magma_ctr_omac,       // TLS_GOSTR341112_256_WITH_MAGMA_CTR_OMAC (0xC101)
    kuznyechik_ctr_omac,  // TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC (0xC100)
};

// C_1, C_2, C_3 of RFC 9189 §8.1.1 for a suite.
std::array<std::uint64_t, 3> tlstree_masks(TlsTreeSuite suite) noexcept;

class TlsTree {
  public:
    static constexpr std::size_t key_bytes = 32;

    TlsTree(TlsTreeSuite suite, std::span<const std::uint8_t, key_bytes> root) noexcept;

    // Writes TLSTREE(K_root, seqnum) to `out`.
    void derive(std::uint64_t seqnum, std::span<std::uint8_t, key_bytes> out) noexcept;

    // The level keys (Divers_1, Divers_2) of the last derive(); for tests against the RFC.
    std::span<const std::uint8_t, key_bytes> level1_key() const noexcept { return k1_.span(); }
    std::span<const std::uint8_t, key_bytes> level2_key() const noexcept { return k2_.span(); }

  private:
    std::array<std::uint64_t, 3> masks_;
    SecretBytes<key_bytes> root_;
    SecretBytes<key_bytes> k1_;
    SecretBytes<key_bytes> k2_;
    SecretBytes<key_bytes> k3_;
    std::array<std::uint64_t, 3> masked_{};  // i & C_j of the cached levels
    bool primed_ = false;                    // no level cached before the first derive()
};

// One-shot form. `root` must be 32 bytes and `out` 32 bytes, else bad_length.
[[nodiscard]] Status tlstree(TlsTreeSuite suite, std::span<const std::uint8_t> root,
                             std::uint64_t seqnum, std::span<std::uint8_t> out) noexcept;

}  // namespace gostcsp::core
