// SPDX-License-Identifier: Apache-2.0
// Streebog (GOST R 34.11-2012) compression function with AVX-512 VBMI and GFNI: the whole
// 512-bit state in one register, no table loads indexed by data.
//
// Layout. A 512-bit value x is normally held as eight words x_0..x_7 (word i = bytes 8i..8i+7).
// This file keeps every value (h, N, m, K, C[i], the round state) in the *transposed* layout
// x^T: byte 8j+i of the register is byte j of word i, so 64-bit lane j holds byte position j
// of all eight words. P (RFC 6986 Tau) is itself that transpose, and l (the 64x64 GF(2)
// matrix A) maps input byte j of a word to output byte k through an 8x8 bit matrix M[k][j].
// In the transposed layout the same M[k][j] applies to all eight words at once, which is what
// GF2P8AFFINEQB does with a per-lane matrix. With W = (P(S(x)))^T:
//     (L W)^T lane k = XOR_j M[k][j] * (W lane j)
//                    = XOR_d  affine(Mat_d lane k, W lane (k+d) mod 8),  d = 0..7,
// where Mat_d lane k = M[k][(k+d) mod 8]. Each rotated copy of W is one VPERMB applied to
// S(x)^T (the index folds the transpose P into the rotation), so
//     LPS = S: 2x VPERMI2B + VPMOVB2M + blend;  8x VPERMB;  8x GF2P8AFFINEQB;  XOR tree.
// The key schedule and the state form two independent chains that the core overlaps.
#include <immintrin.h>

#include <array>

#include "gostcsp/secure.hpp"
#include "streebog_internal.hpp"

#if defined(GOSTCSP_STREEBOG_HAVE_AVX512)

#define GOSTCSP_AVX512_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi,gfni")))
#define GOSTCSP_AVX512_INLINE GOSTCSP_AVX512_TARGET __attribute__((always_inline)) inline

// GCC 12's _mm512_permutexvar_epi8 passes _mm512_undefined_epi32() as the merge source, which
// -Wuninitialized reports once inlined; the value is never used (no mask).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace gostcsp::core::detail {
namespace {

namespace sc = streebog_constants;

struct alignas(64) Block64 {
    std::uint8_t b[64];
};
struct alignas(64) Qwords64 {
    std::uint64_t q[8];
};

// Transposed-layout index: T byte 8j+i <- normal byte 8i+j (an involution).
constexpr Block64 make_transpose_index() {
    Block64 r{};
    for (int j = 0; j < 8; ++j)
        for (int i = 0; i < 8; ++i) r.b[8 * j + i] = static_cast<std::uint8_t>(8 * i + j);
    return r;
}

// VPERMB indices giving W rotated by d lanes from Z = S(x)^T: byte 8k+i <- Z byte 8i+(k+d)%8.
constexpr std::array<Block64, 8> make_rotation_indices() {
    std::array<Block64, 8> r{};
    for (int d = 0; d < 8; ++d)
        for (int k = 0; k < 8; ++k)
            for (int i = 0; i < 8; ++i)
                r[d].b[8 * k + i] = static_cast<std::uint8_t>(8 * i + (k + d) % 8);
    return r;
}

// The 8x8 bit matrix M[k][j] of l from input byte j to output byte k, in GF2P8AFFINEQB form:
// result bit t of a byte is parity(matrix byte (7 - t) AND input byte).
// Output bit 8k+t of l(w) = XOR_s bit s of byte j of w  *  bit 8k+t of A[63 - 8j - s].
constexpr std::uint64_t gfni_matrix(int k, int j) {
    std::uint64_t mat = 0;
    for (int t = 0; t < 8; ++t) {
        std::uint64_t row = 0;
        for (int s = 0; s < 8; ++s) {
            const std::uint64_t a_row = sc::a[static_cast<std::size_t>(63 - 8 * j - s)];
            row |= ((a_row >> (8 * k + t)) & 1u) << s;
        }
        mat |= row << (8 * (7 - t));
    }
    return mat;
}

constexpr std::array<Qwords64, 8> make_matrices() {
    std::array<Qwords64, 8> r{};
    for (int d = 0; d < 8; ++d)
        for (int k = 0; k < 8; ++k) r[d].q[k] = gfni_matrix(k, (k + d) % 8);
    return r;
}

// Iteration constants C[1..12] in the transposed layout.
constexpr std::array<Block64, 12> make_constants_t() {
    std::array<Block64, 12> r{};
    for (int c = 0; c < 12; ++c)
        for (int j = 0; j < 8; ++j)
            for (int i = 0; i < 8; ++i)
                r[c].b[8 * j + i] =
                    static_cast<std::uint8_t>(iteration_constants.c[c][i] >> (8 * j));
    return r;
}

constexpr std::array<Block64, 4> make_pi_quarters() {
    std::array<Block64, 4> r{};
    for (int q = 0; q < 4; ++q)
        for (int i = 0; i < 64; ++i) r[q].b[i] = sc::pi[static_cast<std::size_t>(64 * q + i)];
    return r;
}

alignas(64) constexpr Block64 transpose_index = make_transpose_index();
alignas(64) constexpr std::array<Block64, 8> rotation_indices = make_rotation_indices();
alignas(64) constexpr std::array<Qwords64, 8> matrices = make_matrices();
alignas(64) constexpr std::array<Block64, 12> constants_t = make_constants_t();
alignas(64) constexpr std::array<Block64, 4> pi_quarters = make_pi_quarters();

struct Consts {
    __m512i pi[4];
    __m512i rot[8];
    __m512i mat[8];
    __m512i transpose;
};

GOSTCSP_AVX512_INLINE __m512i load(const void* p) {
    return _mm512_load_si512(p);
}

GOSTCSP_AVX512_INLINE void load_consts(Consts& c) {
    for (int q = 0; q < 4; ++q) c.pi[q] = load(pi_quarters[static_cast<std::size_t>(q)].b);
    for (int d = 0; d < 8; ++d) {
        c.rot[d] = load(rotation_indices[static_cast<std::size_t>(d)].b);
        c.mat[d] = load(matrices[static_cast<std::size_t>(d)].q);
    }
    c.transpose = load(transpose_index.b);
}

// LPS(x) ^ y with x, y and the result in the transposed layout. Folding the XOR of the next
// round key into the sum of L takes it off the critical path.
GOSTCSP_AVX512_INLINE __m512i lps_xor_t(const Consts& c, __m512i x, __m512i y) {
    // S: Pi on every byte; VPERMI2B indexes 128 entries by bits 0..6, bit 7 picks the half.
    const __m512i lo = _mm512_permutex2var_epi8(c.pi[0], x, c.pi[1]);
    const __m512i hi = _mm512_permutex2var_epi8(c.pi[2], x, c.pi[3]);
    const __m512i z = _mm512_mask_blend_epi8(_mm512_movepi8_mask(x), lo, hi);
    // P and L: eight rotated copies through per-lane 8x8 bit matrices, summed in a chain
    // matching the order in which the products arrive.
    const __m512i t0 =
        _mm512_gf2p8affine_epi64_epi8(_mm512_permutexvar_epi8(c.rot[0], z), c.mat[0], 0);
    const __m512i t1 =
        _mm512_gf2p8affine_epi64_epi8(_mm512_permutexvar_epi8(c.rot[1], z), c.mat[1], 0);
    const __m512i t2 =
        _mm512_gf2p8affine_epi64_epi8(_mm512_permutexvar_epi8(c.rot[2], z), c.mat[2], 0);
    const __m512i t3 =
        _mm512_gf2p8affine_epi64_epi8(_mm512_permutexvar_epi8(c.rot[3], z), c.mat[3], 0);
    const __m512i t4 =
        _mm512_gf2p8affine_epi64_epi8(_mm512_permutexvar_epi8(c.rot[4], z), c.mat[4], 0);
    const __m512i t5 =
        _mm512_gf2p8affine_epi64_epi8(_mm512_permutexvar_epi8(c.rot[5], z), c.mat[5], 0);
    const __m512i t6 =
        _mm512_gf2p8affine_epi64_epi8(_mm512_permutexvar_epi8(c.rot[6], z), c.mat[6], 0);
    const __m512i t7 =
        _mm512_gf2p8affine_epi64_epi8(_mm512_permutexvar_epi8(c.rot[7], z), c.mat[7], 0);
    const __m512i a = _mm512_ternarylogic_epi64(t0, t1, y, 0x96);
    const __m512i b = _mm512_ternarylogic_epi64(a, t2, t3, 0x96);
    const __m512i d = _mm512_ternarylogic_epi64(b, t4, t5, 0x96);
    return _mm512_ternarylogic_epi64(d, t6, t7, 0x96);
}

GOSTCSP_AVX512_INLINE __m512i to_t(const Consts& c, __m512i x) {
    return _mm512_permutexvar_epi8(c.transpose, x);
}

// Returns g_N(h, m), all in the transposed layout. Each chain carries its value already XORed
// with the next round key/constant, so the XOR joins the tree of the previous LPS.
GOSTCSP_AVX512_INLINE __m512i round_chain(const Consts& c, __m512i h, __m512i n, __m512i m) {
    const __m512i c0 = load(constants_t[0].b);
    __m512i kc = lps_xor_t(c, _mm512_xor_si512(h, n), c0);  // K1 ^ C1
    __m512i k = _mm512_xor_si512(kc, c0);                   // K1
    __m512i sk = _mm512_xor_si512(m, k);                    // state ^ next round key
#pragma GCC unroll 12
    for (std::size_t r = 0; r < 12; ++r) {
        // K[r+2] = LPS(K[r+1] ^ C[r+1]); carried as K[r+2] ^ C[r+2] (or plain K13 at the end).
        const __m512i cn = r < 11 ? load(constants_t[r + 1].b) : _mm512_setzero_si512();
        kc = lps_xor_t(c, kc, cn);
        k = r < 11 ? _mm512_xor_si512(kc, cn) : kc;
        sk = lps_xor_t(c, sk, k);  // LPS(state ^ K[r+1]) ^ K[r+2]
    }
    // sk = E(K, m) = LPS(...) ^ K13; g = h ^ E ^ m
    return _mm512_ternarylogic_epi64(h, sk, m, 0x96);
}

}  // namespace

GOSTCSP_AVX512_TARGET
void streebog_compress_avx512(std::uint64_t h[8], const std::uint64_t n[8],
                              const std::uint64_t m[8]) noexcept {
    Consts c;
    load_consts(c);
    const __m512i ht = to_t(c, _mm512_loadu_si512(h));
    const __m512i nt = to_t(c, _mm512_loadu_si512(n));
    const __m512i mt = to_t(c, _mm512_loadu_si512(m));
    _mm512_storeu_si512(h, to_t(c, round_chain(c, ht, nt, mt)));
}

GOSTCSP_AVX512_TARGET
void streebog_blocks_avx512(std::uint64_t h[8], std::uint64_t n[8], std::uint64_t sigma[8],
                            const std::uint8_t* data, std::size_t blocks) noexcept {
    static_assert(std::endian::native == std::endian::little);
    Consts c;
    load_consts(c);
    __m512i ht = to_t(c, _mm512_loadu_si512(h));
    std::uint64_t m[8];
    for (std::size_t b = 0; b < blocks; ++b, data += 64) {
        const __m512i mv = _mm512_loadu_si512(data);
        const __m512i nt = to_t(c, _mm512_loadu_si512(n));
        ht = round_chain(c, ht, nt, to_t(c, mv));
        // N += 512 and Sigma += m on the scalar side, overlapping the vector work.
        std::memcpy(m, data, 64);
        add512_small(n, 512);
        add512(sigma, m);
    }
    _mm512_storeu_si512(h, to_t(c, ht));
    secure_zero(m, sizeof m);
}

}  // namespace gostcsp::core::detail

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif  // GOSTCSP_STREEBOG_HAVE_AVX512
