// SPDX-License-Identifier: Apache-2.0
// Magma / GOST 28147-89 with AVX-512 VBMI: sixteen blocks per register pair. All eight 4-bit
// S-boxes are applied by two vpermb over 64-byte tables indexed by (nibble | byte position << 4);
// the tables live in registers, so nothing secret indexes memory.
#include "feistel_internal.hpp"

#if defined(GOSTCSP_FEISTEL_HAVE_X86)
#include <immintrin.h>

#define FEISTEL_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi")))
#define FEISTEL_AVX512_INLINE FEISTEL_AVX512 __attribute__((always_inline)) inline

// GCC 12's AVX-512 intrinsics read an "undefined" register on purpose.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace gostcsp::core::detail {
namespace {

struct Consts {
    __m512i t_lo, t_hi, offset, nibble;
    __m512i key[8];
};

FEISTEL_AVX512_INLINE void load(const FeistelCore& c, Consts& k) noexcept {
    alignas(64) std::uint8_t lo[64], hi[64];
    for (int b = 0; b < 4; ++b)
        for (int x = 0; x < 16; ++x) {
            lo[16 * b + x] = c.sbox[2 * b][x];
            hi[16 * b + x] = static_cast<std::uint8_t>(c.sbox[2 * b + 1][x] << 4);
        }
    k.t_lo = _mm512_load_si512(lo);
    k.t_hi = _mm512_load_si512(hi);
    k.offset = _mm512_set1_epi32(0x30201000);  // byte b of each word reads table part b
    k.nibble = _mm512_set1_epi8(0x0f);
    for (int i = 0; i < 8; ++i) k.key[i] = _mm512_set1_epi32(static_cast<int>(c.key[i]));
}

FEISTEL_AVX512_INLINE __m512i f(const Consts& k, __m512i x, int key) noexcept {
    const __m512i t = _mm512_add_epi32(x, k.key[key]);
    const __m512i lo = _mm512_or_si512(_mm512_and_si512(t, k.nibble), k.offset);
    const __m512i hi =
        _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi32(t, 4), k.nibble), k.offset);
    const __m512i y =
        _mm512_or_si512(_mm512_permutexvar_epi8(lo, k.t_lo), _mm512_permutexvar_epi8(hi, k.t_hi));
    return _mm512_rol_epi32(y, 11);
}

FEISTEL_AVX512_INLINE void rounds(const Consts& k, FeistelOp op, __m512i& a, __m512i& b, __m512i& c,
                                  __m512i& d) noexcept {
    const int n = op == FeistelOp::imit16 ? 16 : 32;
    for (int r = 0; r < n; r += 2) {
        const int k0 = feistel_key_index(op, r), k1 = feistel_key_index(op, r + 1);
        b = _mm512_xor_si512(b, f(k, a, k0));
        d = _mm512_xor_si512(d, f(k, c, k0));
        a = _mm512_xor_si512(a, f(k, b, k1));
        c = _mm512_xor_si512(c, f(k, d, k1));
    }
}

}  // namespace

FEISTEL_AVX512 void feistel_run_avx512(const FeistelCore& core, FeistelOp op, std::uint32_t* w,
                                       std::size_t blocks) noexcept {
    Consts k;
    load(core, k);
    const __m512i even =
        _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i odd = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    const __m512i lo_mix = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    const __m512i hi_mix =
        _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
    const bool swap_out = op != FeistelOp::imit16;
    while (blocks != 0) {
        // 32 blocks per iteration (two independent register pairs); a short tail is masked.
        const std::size_t n = blocks < 32 ? blocks : 32;
        const std::size_t words = 2 * n;
        const __mmask16 m0 = words >= 16 ? 0xffff : static_cast<__mmask16>((1u << words) - 1);
        const std::size_t w1 = words > 16 ? words - 16 : 0;
        const __mmask16 m1 = w1 >= 16 ? 0xffff : static_cast<__mmask16>((1u << w1) - 1);
        const std::size_t w2 = words > 32 ? words - 32 : 0;
        const __mmask16 m2 = w2 >= 16 ? 0xffff : static_cast<__mmask16>((1u << w2) - 1);
        const std::size_t w3 = words > 48 ? words - 48 : 0;
        const __mmask16 m3 = w3 >= 16 ? 0xffff : static_cast<__mmask16>((1u << w3) - 1);
        const __m512i x0 = _mm512_maskz_loadu_epi32(m0, w);
        const __m512i x1 = _mm512_maskz_loadu_epi32(m1, w + 16);
        const __m512i x2 = _mm512_maskz_loadu_epi32(m2, w + 32);
        const __m512i x3 = _mm512_maskz_loadu_epi32(m3, w + 48);
        __m512i n1a = _mm512_permutex2var_epi32(x0, even, x1);
        __m512i n2a = _mm512_permutex2var_epi32(x0, odd, x1);
        __m512i n1b = _mm512_permutex2var_epi32(x2, even, x3);
        __m512i n2b = _mm512_permutex2var_epi32(x2, odd, x3);
        rounds(k, op, n1a, n2a, n1b, n2b);
        const __m512i fa = swap_out ? n2a : n1a, sa = swap_out ? n1a : n2a;
        const __m512i fb = swap_out ? n2b : n1b, sb = swap_out ? n1b : n2b;
        _mm512_mask_storeu_epi32(w, m0, _mm512_permutex2var_epi32(fa, lo_mix, sa));
        _mm512_mask_storeu_epi32(w + 16, m1, _mm512_permutex2var_epi32(fa, hi_mix, sa));
        _mm512_mask_storeu_epi32(w + 32, m2, _mm512_permutex2var_epi32(fb, lo_mix, sb));
        _mm512_mask_storeu_epi32(w + 48, m3, _mm512_permutex2var_epi32(fb, hi_mix, sb));
        w += 64;
        blocks -= n;
    }
    for (auto& key : k.key) key = _mm512_setzero_si512();
    __asm__ volatile("" : : "m"(k) : "memory");
}

}  // namespace gostcsp::core::detail

#pragma GCC diagnostic pop
#endif
