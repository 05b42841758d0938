// SPDX-License-Identifier: Apache-2.0
// Magma — the 64-bit block cipher of GOST R 34.12-2015 (RFC 8891), and GOST 28147-89 (RFC 5830)
// with its parameter sets (gost28147.hpp). Both are the same 32-round Feistel network with eight
// 4-bit S-boxes; they differ in the S-boxes and in byte order.
//
// Magma byte order: keys and blocks are byte strings in the order RFC 8891 prints them (byte 0 is
// the most significant byte of the printed number), as gost-engine's magma-* ciphers use them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "gostcsp/block_cipher.hpp"

namespace gostcsp::core {

// Implementations of the 64-bit Feistel cipher (Magma and GOST 28147-89). None makes a
// secret-dependent branch or secret-indexed memory access:
//   portable    — each S-box packed into one 64-bit register, read by a shift (any CPU)
//   ssse3, avx2 — 4 / 8 blocks per register, S-boxes by pshufb
//   avx512      — AVX-512 VBMI: 16 blocks per register, all eight S-boxes by two vpermb
// `automatic` picks the fastest the CPU has unless GOSTCSP_MAGMA_IMPL names another
// (portable, ssse3, avx2, avx512); asking for one the CPU lacks gets the automatic choice.
enum class MagmaImpl : std::uint8_t { automatic, portable, ssse3, avx2, avx512 };

bool magma_impl_supported(MagmaImpl impl) noexcept;
MagmaImpl magma_impl_selected() noexcept;
std::string_view magma_impl_name(MagmaImpl impl) noexcept;

namespace detail {
// Eight 4-bit S-boxes, sbox[i][x] substituting nibble i (bits 4i..4i+3) of the round function's
// 32-bit input (RFC 8891 pi'_i, RFC 5830 K_(i+1)).
struct FeistelSboxes {
    std::uint8_t sbox[8][16];
};

// The 32-round network on (n1, n2) words with key words k[0..7]; the shared engine behind Magma
// and Gost28147. Blocks are given already as pairs of words (see the .cpp files for the byte
// orders). Holds the keys, the S-boxes in the forms each implementation needs, and the choice.
struct FeistelCore {
    std::uint32_t key[8];
    std::uint64_t packed[8];  // sbox[i] as sixteen nibbles of a 64-bit word (portable path)
    std::uint8_t sbox[8][16];
    MagmaImpl impl;
};
}  // namespace detail

class Magma final : public BlockCipher {
  public:
    static constexpr std::size_t block_bytes = 8;
    static constexpr std::size_t key_bytes = 32;

    // An all-zero key until set_key().
    explicit Magma(MagmaImpl impl = MagmaImpl::automatic) noexcept;
    Magma(std::span<const std::uint8_t, key_bytes> key,
          MagmaImpl impl = MagmaImpl::automatic) noexcept;
    Magma(const Magma&) = default;
    Magma& operator=(const Magma&) = default;
    ~Magma() override;

    std::size_t block_size() const noexcept override { return block_bytes; }
    Status set_key(std::span<const std::uint8_t> key) noexcept override;
    void encrypt_blocks(const std::uint8_t* in, std::uint8_t* out,
                        std::size_t blocks) const noexcept override;
    void decrypt_blocks(const std::uint8_t* in, std::uint8_t* out,
                        std::size_t blocks) const noexcept override;

    MagmaImpl impl() const noexcept { return core_.impl; }

  private:
    detail::FeistelCore core_;
};

}  // namespace gostcsp::core
