// SPDX-License-Identifier: Apache-2.0
// Fixed-length 64-bit limb helpers shared by the field code and the plain 34.10 code: carry
// primitives (the only functions forced inline), constant-time masks, comparisons and byte
// conversions. Everything here is constant-time in the limb values; N is public.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define GOSTCSP_INLINE inline __attribute__((always_inline))
// The MULX/ADX inline-assembly kernels (x86-64, GCC). Clang 14's register allocator rejects them
// once inlined into the curve formulas, so clang builds use the portable C++ path.
#if defined(__x86_64__) && !defined(__clang__)
#define GOSTCSP_EC_ASM 1
#else
#define GOSTCSP_EC_ASM 0
#endif
// Fixed-length limb loops must unroll so carries stay in the flags (adc/sbb chains), also at -O2.
#define GOSTCSP_UNROLL _Pragma("GCC unroll 16")

namespace gostcsp::core::ec {

using u64 = std::uint64_t;
__extension__ typedef unsigned __int128 u128;

// Add/subtract with carry (adc/sbb on x86-64), carry in/out 0 or 1.
GOSTCSP_INLINE unsigned char addc(unsigned char c, u64 a, u64 b, u64* r) noexcept {
#if defined(__x86_64__)
    unsigned long long o;
    c = _addcarry_u64(c, a, b, &o);
    *r = o;
    return c;
#else
    const u128 t = static_cast<u128>(a) + b + c;
    *r = static_cast<u64>(t);
    return static_cast<unsigned char>(t >> 64);
#endif
}
GOSTCSP_INLINE unsigned char subb(unsigned char c, u64 a, u64 b, u64* r) noexcept {
#if defined(__x86_64__)
    unsigned long long o;
    c = _subborrow_u64(c, a, b, &o);
    *r = o;
    return c;
#else
    const u128 t = static_cast<u128>(a) - b - c;
    *r = static_cast<u64>(t);
    return static_cast<unsigned char>((t >> 64) & 1);
#endif
}

// Hides a value from the optimiser so masks stay masks (no branch re-synthesis).
inline u64 value_barrier(u64 x) noexcept {
    __asm__("" : "+r"(x));
    return x;
}
// All-ones when x == 0, else 0.
inline u64 mask_is_zero(u64 x) noexcept {
    return value_barrier(static_cast<u64>(0) - (1 ^ ((x | (static_cast<u64>(0) - x)) >> 63)));
}
inline u64 mask_from_bit(u64 bit) noexcept {
    return value_barrier(static_cast<u64>(0) - bit);
}

template <std::size_t N>
inline void limbs_cmov(u64* r, const u64* a, u64 mask) noexcept {
    GOSTCSP_UNROLL
    for (std::size_t i = 0; i < N; ++i) r[i] = (r[i] & ~mask) | (a[i] & mask);
}
template <std::size_t N>
inline u64 limbs_is_zero_mask(const u64* a) noexcept {
    u64 acc = 0;
    GOSTCSP_UNROLL
    for (std::size_t i = 0; i < N; ++i) acc |= a[i];
    return mask_is_zero(acc);
}
template <std::size_t N>
inline u64 limbs_eq_mask(const u64* a, const u64* b) noexcept {
    u64 acc = 0;
    GOSTCSP_UNROLL
    for (std::size_t i = 0; i < N; ++i) acc |= a[i] ^ b[i];
    return mask_is_zero(acc);
}
// r = a + b, returns carry.
template <std::size_t N>
GOSTCSP_INLINE u64 limbs_add(u64* r, const u64* a, const u64* b) noexcept {
    unsigned char c = 0;
    GOSTCSP_UNROLL
    for (std::size_t i = 0; i < N; ++i) c = addc(c, a[i], b[i], &r[i]);
    return c;
}
// r = a - b, returns borrow (0/1).
template <std::size_t N>
GOSTCSP_INLINE u64 limbs_sub(u64* r, const u64* a, const u64* b) noexcept {
    unsigned char c = 0;
    GOSTCSP_UNROLL
    for (std::size_t i = 0; i < N; ++i) c = subb(c, a[i], b[i], &r[i]);
    return c;
}
// All-ones when a < b (constant-time).
template <std::size_t N>
inline u64 limbs_lt_mask(const u64* a, const u64* b) noexcept {
    u64 tmp[N];
    return mask_from_bit(limbs_sub<N>(tmp, a, b));
}

// Big-endian bytes (exactly 8N) <-> limbs (limb 0 least significant).
template <std::size_t N>
inline void limbs_from_be(u64* r, const std::uint8_t* in) noexcept {
    GOSTCSP_UNROLL
    for (std::size_t i = 0; i < N; ++i) {
        u64 w = 0;
        GOSTCSP_UNROLL
        for (std::size_t j = 0; j < 8; ++j) w = (w << 8) | in[8 * (N - 1 - i) + j];
        r[i] = w;
    }
}
template <std::size_t N>
inline void limbs_to_be(std::uint8_t* out, const u64* a) noexcept {
    GOSTCSP_UNROLL
    for (std::size_t i = 0; i < N; ++i) GOSTCSP_UNROLL
    for (std::size_t j = 0; j < 8; ++j)
        out[8 * (N - 1 - i) + j] = static_cast<std::uint8_t>(a[i] >> (56 - 8 * j));
}
template <std::size_t N>
inline void limbs_from_le(u64* r, const std::uint8_t* in) noexcept {
    GOSTCSP_UNROLL
    for (std::size_t i = 0; i < N; ++i) {
        u64 w = 0;
        GOSTCSP_UNROLL
        for (std::size_t j = 0; j < 8; ++j) w |= static_cast<u64>(in[8 * i + j]) << (8 * j);
        r[i] = w;
    }
}
template <std::size_t N>
inline void limbs_to_le(std::uint8_t* out, const u64* a) noexcept {
    GOSTCSP_UNROLL
    for (std::size_t i = 0; i < N; ++i) GOSTCSP_UNROLL
    for (std::size_t j = 0; j < 8; ++j) out[8 * i + j] = static_cast<std::uint8_t>(a[i] >> (8 * j));
}

}  // namespace gostcsp::core::ec
