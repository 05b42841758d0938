// SPDX-License-Identifier: Apache-2.0
// KEG, the export-key generation of R 1323565.1.020-2018 §6.4.5.1 used by the GOST TLS 1.2
// CTR_OMAC suites (RFC 9189 §8.2.1) to derive K_Exp_MAC | K_Exp_ENC for KExp15/KImp15:
//   UKM = INT(h[1..16]) read big-endian (0 -> 1),
//   256-bit keys: KDF_TREE_GOSTR3411_2012_256(VKO_256(d, Q, UKM), "kdf tree", h[17..24], R = 1),
//   512-bit keys: VKO_512(d, Q, UKM).
// Timing is that of vko() (constant-time in d) and of HMAC-Streebog.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "gostcsp/gost3410.hpp"
#include "gostcsp/status.hpp"

namespace gostcsp::core {

constexpr std::size_t keg_input_bytes = 32;   // h = HASH(r_c | r_s), Streebog-256
constexpr std::size_t keg_output_bytes = 64;  // K_Exp_MAC (32) | K_Exp_ENC (32)

// KEG(d, Q, h). `h` must be 32 bytes and `out` 64 bytes (bad_length); the errors of vko()
// (param_set_mismatch, ...) pass through. On failure `out` is zeroed.
[[nodiscard]] Status keg(const PrivateKey& own, const PublicKey& peer,
                         std::span<const std::uint8_t> h, std::span<std::uint8_t> out) noexcept;

// The two halves of KEG around VKO, for callers whose private key lives elsewhere (a token that
// computes VKO in place): the UKM as vko() reads it (little-endian, 16 bytes; h[1..16] reversed,
// 0 -> 1), and for 256-bit keys the KDF_TREE step from VKO_256's 32-byte output.
constexpr std::size_t keg_ukm_bytes = 16;
[[nodiscard]] Status keg_ukm(std::span<const std::uint8_t> h,
                             std::span<std::uint8_t, keg_ukm_bytes> ukm_le) noexcept;
[[nodiscard]] Status keg_expand_256(std::span<const std::uint8_t> vko256,
                                    std::span<const std::uint8_t> h,
                                    std::span<std::uint8_t> out) noexcept;

}  // namespace gostcsp::core
