// SPDX-License-Identifier: Apache-2.0
// KExp15 / KImp15, the key export of R 1323565.1.017-2018 used by the GOST TLS 1.2 CTR_OMAC
// suites (RFC 9189 §8.2.1) with Kuznyechik (n = 16) or Magma (n = 8):
//   KExp15(S, K_Exp_MAC, K_Exp_ENC, IV) = CTR(K_Exp_ENC, IV, S | OMAC(K_Exp_MAC, IV | S)),
//   IV of n/2 bytes; the result is |S| + n bytes. KImp15 checks the MAC in constant time and
// returns auth_failed (with `out` zeroed) when it does not match.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "gostcsp/status.hpp"

namespace gostcsp::core {

enum class Kexp15Cipher : std::uint8_t { kuznyechik, magma };

constexpr std::size_t kexp15_block_bytes(Kexp15Cipher c) noexcept {
    return c == Kexp15Cipher::kuznyechik ? 16 : 8;
}
constexpr std::size_t kexp15_key_bytes = 32;  // K_Exp_MAC and K_Exp_ENC
constexpr std::size_t kexp15_max_secret_bytes = 64;

// `secret` 1..64 bytes, keys 32 bytes each, `iv` n/2 bytes, out.size() == secret.size() + n;
// else bad_length.
[[nodiscard]] Status kexp15(Kexp15Cipher cipher, std::span<const std::uint8_t> secret,
                            std::span<const std::uint8_t> k_mac,
                            std::span<const std::uint8_t> k_enc, std::span<const std::uint8_t> iv,
                            std::span<std::uint8_t> out) noexcept;

// `exported` n+1 .. 64+n bytes, out.size() == exported.size() - n; else bad_length.
[[nodiscard]] Status kimp15(Kexp15Cipher cipher, std::span<const std::uint8_t> exported,
                            std::span<const std::uint8_t> k_mac,
                            std::span<const std::uint8_t> k_enc, std::span<const std::uint8_t> iv,
                            std::span<std::uint8_t> out) noexcept;

}  // namespace gostcsp::core
