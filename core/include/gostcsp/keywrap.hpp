// SPDX-License-Identifier: Apache-2.0
// GOST 28147-89 key export: the CryptoPro KEK diversification (RFC 4357 §6.5), KExp28147 /
// KImp28147 (RFC 9189 §8.2.2: IV | ECB(K, S) | gost28147IMIT(IV, K, S)) and the CryptoPro key
// wrap / unwrap (RFC 4357 §6.3-6.4 = KExp28147 under the KEK diversified with the UKM).
// The parameter set is the one of the 28147 key (RFC 4357: usually CryptoPro-A; RFC 9189's
// CNT_IMIT suite: tc26 Z).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "gostcsp/gost28147.hpp"
#include "gostcsp/status.hpp"

namespace gostcsp::core {

constexpr std::size_t keywrap_key_bytes = 32;      // KEK and CEK
constexpr std::size_t keywrap_ukm_bytes = 8;       // UKM = IV
constexpr std::size_t keywrap_mac_bytes = 4;       // CEK_MAC
constexpr std::size_t keywrap_wrapped_bytes = 44;  // UKM | CEK_ENC | CEK_MAC

// KEK(UKM) of RFC 4357 §6.5: eight rounds of CFB-encrypting the key under itself with an IV
// made of the key words the UKM's bits select. Lengths: kek 32, ukm 8, out 32 (bad_length).
[[nodiscard]] Status cryptopro_kek_diversify(Gost28147ParamSet params,
                                             std::span<const std::uint8_t> kek,
                                             std::span<const std::uint8_t> ukm,
                                             std::span<std::uint8_t> out) noexcept;

// KExp28147(S, K, IV): out = IV | CEK_ENC | CEK_MAC (44 bytes).
[[nodiscard]] Status kexp28147(Gost28147ParamSet params, std::span<const std::uint8_t> secret,
                               std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
                               std::span<std::uint8_t> out) noexcept;
// KImp28147(SExp, K, IV): auth_failed (out zeroed) when the IV in SExp differs or the MAC fails.
[[nodiscard]] Status kimp28147(Gost28147ParamSet params, std::span<const std::uint8_t> exported,
                               std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
                               std::span<std::uint8_t> out) noexcept;

// CryptoPro key wrap: KExp28147(CEK, KEK(UKM), UKM).
[[nodiscard]] Status cryptopro_key_wrap(Gost28147ParamSet params, std::span<const std::uint8_t> kek,
                                        std::span<const std::uint8_t> ukm,
                                        std::span<const std::uint8_t> cek,
                                        std::span<std::uint8_t> out) noexcept;
// CryptoPro key unwrap: the UKM is read from the wrapped key itself.
[[nodiscard]] Status cryptopro_key_unwrap(Gost28147ParamSet params,
                                          std::span<const std::uint8_t> kek,
                                          std::span<const std::uint8_t> wrapped,
                                          std::span<std::uint8_t> out) noexcept;

}  // namespace gostcsp::core
