// SPDX-License-Identifier: Apache-2.0
// Kuznyechik — the 128-bit block cipher of GOST R 34.12-2015 (RFC 7801).
//
// Byte order: keys and blocks are byte strings in the order RFC 7801 prints them (its first
// printed byte is byte 0), the same as gost-engine, OpenSSL and PKCS#11 use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "gostcsp/block_cipher.hpp"

namespace gostcsp::core {

// Which implementation runs. Timing: every implementation except `table_vartime` makes no
// secret-dependent branch and no secret-indexed memory access:
//   portable     — S-box read from registers by masked selection, L as GF(2) masks (slow, any CPU)
//   ssse3, avx2  — 16 / 32 blocks byte-sliced; S-box by nibble pshufb, L by pshufb products
//   avx512_gfni  — AVX-512 VBMI + GFNI: S by vpermi2b across four blocks per register, L as
//                  GF(2^8) products (gf2p8mulb in the isomorphic AES field)
//   table_vartime — the classic 64 KiB LS tables, indexed by secret bytes: NOT constant-time,
//                  never chosen by `automatic`; kept only to compare.
// `automatic` picks the fastest constant-time one the CPU has, unless the environment variable
// GOSTCSP_KUZNYECHIK_IMPL names another (portable, ssse3, avx2, avx512_gfni, table_vartime);
// asking for one the CPU lacks gets the automatic choice.
enum class KuznyechikImpl : std::uint8_t {
    automatic,
    portable,
    ssse3,
    avx2,
    avx512_gfni,
    table_vartime
};

bool kuznyechik_impl_supported(KuznyechikImpl impl) noexcept;
// The implementation `automatic` resolves to on this machine (never table_vartime unless the
// environment variable asks for it).
KuznyechikImpl kuznyechik_impl_selected() noexcept;
std::string_view kuznyechik_impl_name(KuznyechikImpl impl) noexcept;

class Kuznyechik final : public BlockCipher {
  public:
    static constexpr std::size_t block_bytes = 16;
    static constexpr std::size_t key_bytes = 32;

    // An all-zero key until set_key().
    explicit Kuznyechik(KuznyechikImpl impl = KuznyechikImpl::automatic) noexcept;
    Kuznyechik(std::span<const std::uint8_t, key_bytes> key,
               KuznyechikImpl impl = KuznyechikImpl::automatic) noexcept;
    Kuznyechik(const Kuznyechik&) = default;
    Kuznyechik& operator=(const Kuznyechik&) = default;
    ~Kuznyechik() override;

    std::size_t block_size() const noexcept override { return block_bytes; }
    Status set_key(std::span<const std::uint8_t> key) noexcept override;
    void encrypt_blocks(const std::uint8_t* in, std::uint8_t* out,
                        std::size_t blocks) const noexcept override;
    void decrypt_blocks(const std::uint8_t* in, std::uint8_t* out,
                        std::size_t blocks) const noexcept override;

    // The implementation this object runs (never `automatic`).
    KuznyechikImpl impl() const noexcept { return impl_; }

  private:
    alignas(64) std::uint8_t enc_keys_[10][16];  // K_1..K_10 (RFC 7801 4.4)
    KuznyechikImpl impl_;
};

}  // namespace gostcsp::core
