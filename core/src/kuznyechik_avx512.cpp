// SPDX-License-Identifier: Apache-2.0
// Kuznyechik with AVX-512 VBMI + GFNI, four blocks per register, constant-time: the S-box is two
// vpermi2b over the 256-byte table held in registers (plus a blend on the top bit), L is sixteen
// byte broadcasts times GF(2^8) constants (gf2p8mulb), all in the AES-field image of the cipher
// (kuznyechik_gf.hpp). No secret-dependent branch or memory index.
#include "kuznyechik_internal.hpp"

#if defined(GOSTCSP_KUZNYECHIK_HAVE_X86)
#include <immintrin.h>

#include "kuznyechik_gf.hpp"

#define KUZ_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi,gfni")))
#define KUZ_AVX512_INLINE KUZ_AVX512 __attribute__((always_inline)) inline

// GCC 12's _mm512_broadcast_i32x4 reads an "undefined" register on purpose (as Streebog's notes).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace gostcsp::core::detail::kuz {
namespace {

struct Tables {
    __m512i s[4];       // the S-box (forward or inverse), 64 entries per register
    __m512i col[16];    // L (or L^-1) column i, broadcast to the four blocks
    __m512i bcast[16];  // vpshufb index: byte i of each block to all of its bytes
    __m512i keys[10];   // phi(K_r), broadcast
    __m512i phi, phi_inv;
};

KUZ_AVX512_INLINE void load_tables(Tables& t, bool inverse, const RoundKeys& rk) noexcept {
    const GfConstants& g = gf_constants();
    const std::uint8_t* s = inverse ? g.sbox_inv : g.sbox;
    for (int i = 0; i < 4; ++i) t.s[i] = _mm512_load_si512(s + 64 * i);
    for (int i = 0; i < 16; ++i) {
        t.col[i] = _mm512_broadcast_i32x4(_mm_load_si128(
            reinterpret_cast<const __m128i*>(inverse ? g.l_inv_col[i] : g.l_col[i])));
        t.bcast[i] = _mm512_set1_epi8(static_cast<char>(i));
    }
    t.phi = _mm512_set1_epi64(static_cast<long long>(g.phi));
    t.phi_inv = _mm512_set1_epi64(static_cast<long long>(g.phi_inv));
    for (int r = 0; r < 10; ++r)
        t.keys[r] = _mm512_gf2p8affine_epi64_epi8(
            _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(rk[r]))), t.phi,
            0);
}

KUZ_AVX512_INLINE __m512i sbox(const Tables& t, __m512i x) noexcept {
    const __m512i lo = _mm512_permutex2var_epi8(t.s[0], x, t.s[1]);
    const __m512i hi = _mm512_permutex2var_epi8(t.s[2], x, t.s[3]);
    return _mm512_mask_blend_epi8(_mm512_movepi8_mask(x), lo, hi);
}

KUZ_AVX512_INLINE __m512i linear(const Tables& t, __m512i x) noexcept {
    __m512i acc0 = _mm512_gf2p8mul_epi8(_mm512_shuffle_epi8(x, t.bcast[0]), t.col[0]);
    __m512i acc1 = _mm512_gf2p8mul_epi8(_mm512_shuffle_epi8(x, t.bcast[1]), t.col[1]);
    for (int i = 2; i < 16; i += 2) {
        const __m512i a = _mm512_gf2p8mul_epi8(_mm512_shuffle_epi8(x, t.bcast[i]), t.col[i]);
        const __m512i b =
            _mm512_gf2p8mul_epi8(_mm512_shuffle_epi8(x, t.bcast[i + 1]), t.col[i + 1]);
        acc0 = _mm512_xor_si512(acc0, a);
        acc1 = _mm512_xor_si512(acc1, b);
    }
    return _mm512_xor_si512(acc0, acc1);
}

template <int W>
KUZ_AVX512_INLINE void encrypt_regs(const Tables& t, __m512i (&x)[W]) noexcept {
    for (int w = 0; w < W; ++w) x[w] = _mm512_gf2p8affine_epi64_epi8(x[w], t.phi, 0);
    for (int r = 0; r < 9; ++r) {
        for (int w = 0; w < W; ++w) x[w] = sbox(t, _mm512_xor_si512(x[w], t.keys[r]));
        for (int w = 0; w < W; ++w) x[w] = linear(t, x[w]);
    }
    for (int w = 0; w < W; ++w)
        x[w] = _mm512_gf2p8affine_epi64_epi8(_mm512_xor_si512(x[w], t.keys[9]), t.phi_inv, 0);
}

template <int W>
KUZ_AVX512_INLINE void decrypt_regs(const Tables& t, __m512i (&x)[W]) noexcept {
    for (int w = 0; w < W; ++w) x[w] = _mm512_gf2p8affine_epi64_epi8(x[w], t.phi, 0);
    for (int r = 9; r > 0; --r) {
        for (int w = 0; w < W; ++w) x[w] = linear(t, _mm512_xor_si512(x[w], t.keys[r]));
        for (int w = 0; w < W; ++w) x[w] = sbox(t, x[w]);
    }
    for (int w = 0; w < W; ++w)
        x[w] = _mm512_gf2p8affine_epi64_epi8(_mm512_xor_si512(x[w], t.keys[0]), t.phi_inv, 0);
}

template <bool Inverse>
KUZ_AVX512 void run(const RoundKeys& rk, const std::uint8_t* in, std::uint8_t* out,
                    std::size_t blocks) noexcept {
    Tables t;
    load_tables(t, Inverse, rk);
    while (blocks >= 16) {
        __m512i x[4];
        for (int w = 0; w < 4; ++w) x[w] = _mm512_loadu_si512(in + 64 * w);
        if constexpr (Inverse)
            decrypt_regs(t, x);
        else
            encrypt_regs(t, x);
        for (int w = 0; w < 4; ++w) _mm512_storeu_si512(out + 64 * w, x[w]);
        in += 256;
        out += 256;
        blocks -= 16;
    }
    while (blocks != 0) {
        const std::size_t n = blocks < 4 ? blocks : 4;
        const __mmask64 m = n == 4 ? ~__mmask64{0} : (__mmask64{1} << (16 * n)) - 1;
        __m512i x[1] = {_mm512_maskz_loadu_epi8(m, in)};
        if constexpr (Inverse)
            decrypt_regs(t, x);
        else
            encrypt_regs(t, x);
        _mm512_mask_storeu_epi8(out, m, x[0]);
        in += 16 * n;
        out += 16 * n;
        blocks -= n;
    }
    // Wipe the key images (the tables themselves are public).
    for (auto& k : t.keys) k = _mm512_setzero_si512();
    __asm__ volatile("" : : "m"(t) : "memory");
}

}  // namespace

// L(S(x)) of one block for the key schedule (constant-time like the rest of this file).
KUZ_AVX512 void lsx_avx512(const std::uint8_t in[16], std::uint8_t out[16]) noexcept {
    const GfConstants& g = gf_constants();
    const __m128i phi = _mm_set1_epi64x(static_cast<long long>(g.phi));
    const __m128i phi_inv = _mm_set1_epi64x(static_cast<long long>(g.phi_inv));
    __m128i x =
        _mm_gf2p8affine_epi64_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in)), phi, 0);
    const __m512i s0 = _mm512_load_si512(g.sbox), s1 = _mm512_load_si512(g.sbox + 64);
    const __m512i s2 = _mm512_load_si512(g.sbox + 128), s3 = _mm512_load_si512(g.sbox + 192);
    const __m512i xz = _mm512_castsi128_si512(x);
    const __m512i lo = _mm512_permutex2var_epi8(s0, xz, s1);
    const __m512i hi = _mm512_permutex2var_epi8(s2, xz, s3);
    x = _mm512_castsi512_si128(_mm512_mask_blend_epi8(_mm512_movepi8_mask(xz), lo, hi));
    __m128i acc = _mm_setzero_si128();
    for (int i = 0; i < 16; ++i) {
        const __m128i col = _mm_load_si128(reinterpret_cast<const __m128i*>(g.l_col[i]));
        acc = _mm_xor_si128(
            acc, _mm_gf2p8mul_epi8(_mm_shuffle_epi8(x, _mm_set1_epi8(static_cast<char>(i))), col));
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm_gf2p8affine_epi64_epi8(acc, phi_inv, 0));
}

void encrypt_avx512(const RoundKeys& rk, const std::uint8_t* in, std::uint8_t* out,
                    std::size_t blocks) noexcept {
    run<false>(rk, in, out, blocks);
}

void decrypt_avx512(const RoundKeys& rk, const std::uint8_t* in, std::uint8_t* out,
                    std::size_t blocks) noexcept {
    run<true>(rk, in, out, blocks);
}

}  // namespace gostcsp::core::detail::kuz

#pragma GCC diagnostic pop
#endif
