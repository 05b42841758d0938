// SPDX-License-Identifier: Apache-2.0
// Key derivation with HMAC-Streebog: KDF_GOSTR3411_2012_256 and KDF_TREE_GOSTR3411_2012_256
// (R 50.1.113-2016, RFC 7836 §4.4-4.5) and the TLS 1.2 PRF with HMAC-Streebog (RFC 7836 §4.1.2,
// RFC 9189 §4.3). No heap; intermediate HMAC states are wiped by HmacStreebog itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "gostcsp/status.hpp"
#include "gostcsp/streebog.hpp"

namespace gostcsp::core {

constexpr std::size_t kdf256_output_bytes = 32;

// KDF_GOSTR3411_2012_256(K, label, seed) = HMAC256(K, 0x01 | label | 0x00 | seed | 0x01 0x00).
void kdf_gostr3411_2012_256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> label,
                            std::span<const std::uint8_t> seed,
                            std::span<std::uint8_t, kdf256_output_bytes> out) noexcept;

// KDF_TREE_GOSTR3411_2012_256(K, label, seed, R) with L = 8 · out.size() bits:
// out = K(1) | K(2) | ... truncated to out.size(), K(i) = HMAC256(K, [i]_b | label | 0x00 | seed |
// [L]_b), [i]_b = i as r_bytes big-endian bytes, [L]_b = L big-endian without leading zero bytes
// (as gost-engine and the RFC's example, L = 512 -> 02 00). r_bytes must be 1..4 and the
// number of blocks must fit in r_bytes (else bad_length); out must not be empty.
[[nodiscard]] Status kdf_tree_gostr3411_2012_256(std::span<const std::uint8_t> key,
                                                 std::span<const std::uint8_t> label,
                                                 std::span<const std::uint8_t> seed,
                                                 unsigned r_bytes,
                                                 std::span<std::uint8_t> out) noexcept;

// PRF_TLS_GOSTR3411_2012_256 / _512: the TLS 1.2 P_hash (RFC 5246 §5) over HMAC-Streebog;
// fills `out` with the first out.size() bytes of P_hash(secret, label | seed).
void prf_tls_gostr3411_2012(DigestSize hash, std::span<const std::uint8_t> secret,
                            std::span<const std::uint8_t> label, std::span<const std::uint8_t> seed,
                            std::span<std::uint8_t> out) noexcept;

}  // namespace gostcsp::core
