// SPDX-License-Identifier: Apache-2.0
// The 32-round Feistel network shared by Magma (GOST R 34.12-2015) and GOST 28147-89, working on
// word pairs: w[2b] = N1 (the half that enters the first round function), w[2b + 1] = N2. On
// return w[2b] / w[2b + 1] hold the output halves in the order they are written out (RFC 5830:
// N2 first... see gostcrypt: the first output word is the last N2, the second the last N1).
#pragma once

#include <cstddef>
#include <cstdint>

#include "gostcsp/magma.hpp"

namespace gostcsp::core::detail {

enum class FeistelOp : std::uint8_t { encrypt, decrypt, imit16 };

// Fills core.packed from core.sbox (call after changing the S-boxes).
void feistel_prepare_sboxes(FeistelCore& core) noexcept;
// Resolves `automatic` (and unsupported choices) to an implementation.
MagmaImpl feistel_resolve(MagmaImpl impl) noexcept;
// Runs `op` on `blocks` word pairs in place. imit16 is the 16-round IMIT step whose output
// order is (N1, N2) unswapped, as RFC 5830 §7 keeps them.
void feistel_run(const FeistelCore& core, FeistelOp op, std::uint32_t* w,
                 std::size_t blocks) noexcept;

void feistel_run_portable(const FeistelCore& core, FeistelOp op, std::uint32_t* w,
                          std::size_t blocks) noexcept;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define GOSTCSP_FEISTEL_HAVE_X86 1
#define GOSTCSP_FEISTEL_PSHUFB 1  // the SSSE3 / AVX2 pshufb kernels
void feistel_run_ssse3(const FeistelCore& core, FeistelOp op, std::uint32_t* w,
                       std::size_t blocks) noexcept;
void feistel_run_avx2(const FeistelCore& core, FeistelOp op, std::uint32_t* w,
                      std::size_t blocks) noexcept;
void feistel_run_avx512(const FeistelCore& core, FeistelOp op, std::uint32_t* w,
                        std::size_t blocks) noexcept;
#endif

// Key word used by round r (0..31) of `op`.
constexpr int feistel_key_index(FeistelOp op, int r) noexcept {
    if (op == FeistelOp::decrypt) return r < 8 ? r : 7 - (r % 8);
    return r < 24 ? r % 8 : 7 - (r % 8);
}

inline std::uint32_t load_le32(const std::uint8_t* p) noexcept {
    return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
           std::uint32_t{p[3]} << 24;
}
inline std::uint32_t load_be32(const std::uint8_t* p) noexcept {
    return std::uint32_t{p[3]} | std::uint32_t{p[2]} << 8 | std::uint32_t{p[1]} << 16 |
           std::uint32_t{p[0]} << 24;
}
inline void store_le32(std::uint8_t* p, std::uint32_t v) noexcept {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
inline void store_be32(std::uint8_t* p, std::uint32_t v) noexcept {
    for (int i = 0; i < 4; ++i) p[3 - i] = static_cast<std::uint8_t>(v >> (8 * i));
}

}  // namespace gostcsp::core::detail
