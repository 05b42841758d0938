// SPDX-License-Identifier: Apache-2.0
// Internal interface of the Streebog (GOST R 34.11-2012) compression-function implementations.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "streebog_constants.hpp"

namespace gostcsp::core::detail {

// The 512-bit values h, N, Sigma, K and message blocks are held as eight 64-bit words, word i
// being bits 64i..64i+63 of the number, i.e. memory bytes 8i..8i+7 read little-endian.
using Words = std::uint64_t[8];

inline std::uint64_t load_le64(const std::uint8_t* p) noexcept {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    if constexpr (std::endian::native == std::endian::big) {
        std::uint64_t r = 0;
        for (int i = 0; i < 8; ++i) r |= ((v >> (8 * i)) & 0xff) << (56 - 8 * i);
        v = r;
    }
    return v;
}

inline void store_le64(std::uint8_t* p, std::uint64_t v) noexcept {
    for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// x += y (mod 2^512).
inline void add512(std::uint64_t x[8], const std::uint64_t y[8]) noexcept {
    std::uint64_t carry = 0;
    for (int i = 0; i < 8; ++i) {
        const std::uint64_t s = x[i] + y[i];
        const std::uint64_t c1 = s < x[i] ? 1u : 0u;
        x[i] = s + carry;
        const std::uint64_t c2 = x[i] < s ? 1u : 0u;
        carry = c1 | c2;
    }
}

// x += v (mod 2^512) for a small v.
inline void add512_small(std::uint64_t x[8], std::uint64_t v) noexcept {
    std::uint64_t carry = v;
    for (int i = 0; i < 8; ++i) {
        x[i] += carry;
        carry = x[i] < carry ? 1u : 0u;
    }
}

// The iteration constants C[1..12] as words (word 0 = least significant part).
struct IterationConstants {
    std::uint64_t c[12][8];
};
constexpr IterationConstants make_iteration_constants() {
    IterationConstants r{};
    for (int i = 0; i < 12; ++i)
        for (int w = 0; w < 8; ++w) r.c[i][w] = streebog_constants::c_printed[i][7 - w];
    return r;
}
inline constexpr IterationConstants iteration_constants = make_iteration_constants();

// Tau is the 8x8 byte transpose: output byte 8i+j comes from input byte 8j+i. Both
// implementations rely on this; check it against the standard's table.
constexpr bool tau_is_transpose() {
    for (int k = 0; k < 64; ++k)
        if (streebog_constants::tau[k] != 8 * (k % 8) + k / 8) return false;
    return true;
}
static_assert(tau_is_transpose(), "RFC 6986 Tau is the 8x8 byte transpose");

// h := g_N(h, m) (RFC 6986 section 8) around a given out = LPS(a ^ b), with scratch k, s, tmp
// supplied by the caller so it can be wiped once. Every implementation on 64-bit words uses it.
template <class Lpsx>
inline void compress_with(Lpsx lpsx, std::uint64_t h[8], const std::uint64_t n[8],
                          const std::uint64_t m[8], std::uint64_t k[8], std::uint64_t s[8],
                          std::uint64_t tmp[8]) noexcept {
    lpsx(k, h, n);  // K1 = LPS(h ^ N)
    lpsx(s, m, k);  // LPS X[K1] (m)
    for (int r = 0; r < 11; ++r) {
        lpsx(tmp, k, iteration_constants.c[r]);  // K[r+2]
        lpsx(k, s, tmp);                         // LPS X[K[r+2]]
        for (int w = 0; w < 8; ++w) s[w] = k[w];
        for (int w = 0; w < 8; ++w) k[w] = tmp[w];
    }
    lpsx(tmp, k, iteration_constants.c[11]);  // K13
    for (int w = 0; w < 8; ++w) h[w] ^= s[w] ^ tmp[w] ^ m[w];
}

// For each of `count` 64-byte blocks of `data`: h := g_N(h, m); N += 512; Sigma += m.
template <class Compress>
inline void blocks_with(Compress compress, std::uint64_t h[8], std::uint64_t n[8],
                        std::uint64_t sigma[8], const std::uint8_t* data,
                        std::size_t count) noexcept {
    std::uint64_t m[8];
    for (std::size_t b = 0; b < count; ++b, data += 64) {
        for (int w = 0; w < 8; ++w) m[w] = load_le64(data + 8 * w);
        compress(h, n, m);
        add512_small(n, 512);
        add512(sigma, m);
    }
    for (auto& w : m) *static_cast<volatile std::uint64_t*>(&w) = 0;
}

// h := g_N(h, m) (RFC 6986 section 8).
void streebog_compress_portable(std::uint64_t h[8], const std::uint64_t n[8],
                                const std::uint64_t m[8]) noexcept;
// For each of `blocks` 64-byte blocks of `data`: h := g_N(h, m); N += 512; Sigma += m.
void streebog_blocks_portable(std::uint64_t h[8], std::uint64_t n[8], std::uint64_t sigma[8],
                              const std::uint8_t* data, std::size_t blocks) noexcept;

// Constant-time compression (no data-dependent branch or memory index), for secret inputs:
// eight 16-entry in-register look-ups per S-box byte instead of a 256-entry table, and l as
// in-register nibble tables. Generic 64-bit code on every CPU (slow); SSSE3 PSHUFB when present.
void streebog_compress_ct_generic(std::uint64_t h[8], const std::uint64_t n[8],
                                  const std::uint64_t m[8]) noexcept;
void streebog_blocks_ct_generic(std::uint64_t h[8], std::uint64_t n[8], std::uint64_t sigma[8],
                                const std::uint8_t* data, std::size_t blocks) noexcept;

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define GOSTCSP_STREEBOG_HAVE_SSSE3 1
// Callable only when ssse3_usable() is true.
void streebog_compress_ct_ssse3(std::uint64_t h[8], const std::uint64_t n[8],
                                const std::uint64_t m[8]) noexcept;
void streebog_blocks_ct_ssse3(std::uint64_t h[8], std::uint64_t n[8], std::uint64_t sigma[8],
                              const std::uint8_t* data, std::size_t blocks) noexcept;
#endif
bool ssse3_usable() noexcept;

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define GOSTCSP_STREEBOG_HAVE_AVX512 1
// Same contracts; callable only when avx512_gfni_usable() is true.
void streebog_compress_avx512(std::uint64_t h[8], const std::uint64_t n[8],
                              const std::uint64_t m[8]) noexcept;
void streebog_blocks_avx512(std::uint64_t h[8], std::uint64_t n[8], std::uint64_t sigma[8],
                            const std::uint8_t* data, std::size_t blocks) noexcept;
#endif

// CPU and OS support AVX-512 F/BW/VL/VBMI and GFNI with ZMM state enabled.
bool avx512_gfni_usable() noexcept;

}  // namespace gostcsp::core::detail
