// SPDX-License-Identifier: Apache-2.0
// Streebog (GOST R 34.11-2012) compression without data-dependent memory indices or branches,
// for secret inputs (HMAC keys, PBKDF2 passwords, the VKO point) on CPUs without AVX-512/GFNI.
//
// LPS(x) = L(P(S(x))). With y = S(x) and P the byte transpose, output word i is
//     LPS(x)_i = XOR_j l_j(byte i of y_j),   l_j(v) = l(v placed at byte j) (RFC 6986 A rows).
// l_j is linear, so l_j(v) = l_j(v & 0x0f) ^ l_j(v & 0xf0): 16 tables of 16 entries (2 nibble
// halves x 8 byte positions j), each entry 8 bytes. Output byte b of word i only needs byte b of
// the entries, so for fixed (j, half, b) the look-up is a 16-entry byte table indexed by the
// nibbles of word y_j, eight words at once: one PSHUFB, an in-register shuffle (no memory address
// depends on data). The results come out transposed (lane i of accumulator b = byte b of word i);
// one 8x8 byte transpose restores the layout.
// S itself is 16 PSHUFBs over the rows Pi'(16h..16h+15), each masked to the bytes whose high
// nibble is h.
// The generic path does the same without SIMD: S by comparing every byte with all 256 inputs
// (SWAR, 8 bytes at once) and l as a masked XOR of the 64 rows of A. Slow (~50x the tables), but
// constant-time on any CPU; SSSE3 is present on every x86-64 CPU since 2006 except AMD K10.
#include <array>

#include "gostcsp/secure.hpp"
#include "streebog_internal.hpp"

#if defined(GOSTCSP_STREEBOG_HAVE_SSSE3)
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace gostcsp::core::detail {
namespace {

namespace sc = streebog_constants;

// l applied to byte value v at byte position j of a word (bit 8j+t of the word selects A row
// 63-8j-t, as in the table implementation).
constexpr std::uint64_t l_of_byte(int j, unsigned v) {
    std::uint64_t acc = 0;
    for (int bit = 0; bit < 8; ++bit)
        if ((v >> bit) & 1u) acc ^= sc::a[static_cast<std::size_t>(63 - 8 * j - bit)];
    return acc;
}

// ---------------------------------------------------------------- generic 64-bit code

constexpr std::uint64_t bytes_of(unsigned v) {
    return 0x0101010101010101ULL * v;
}

// 0xff in every byte of x that is zero, 0x00 elsewhere; no carries between bytes.
inline std::uint64_t zero_bytes_mask(std::uint64_t x) noexcept {
    constexpr std::uint64_t low7 = 0x7f7f7f7f7f7f7f7fULL;
    const std::uint64_t nonzero_high = ((x & low7) + low7) | x;  // bit 7 set iff byte nonzero
    const std::uint64_t zero_high = ~nonzero_high & ~low7;
    return (zero_high >> 7) * 0xff;
}

void lpsx_generic(std::uint64_t* __restrict out, const std::uint64_t* a,
                  const std::uint64_t* b) noexcept {
    std::uint64_t x[8], y[8] = {};
    for (int j = 0; j < 8; ++j) x[j] = a[j] ^ b[j];
    for (unsigned v = 0; v < 256; ++v) {
        const std::uint64_t probe = bytes_of(v);
        const std::uint64_t image = bytes_of(sc::pi[v]);
        for (int j = 0; j < 8; ++j) y[j] |= image & zero_bytes_mask(x[j] ^ probe);
    }
    for (int i = 0; i < 8; ++i) {
        std::uint64_t acc = 0;
        for (int j = 0; j < 8; ++j) {
            const std::uint64_t byte = (y[j] >> (8 * i)) & 0xff;
            for (int bit = 0; bit < 8; ++bit) {
                const std::uint64_t take = 0 - ((byte >> bit) & 1u);
                acc ^= take & sc::a[static_cast<std::size_t>(63 - 8 * j - bit)];
            }
        }
        out[i] = acc;
    }
    secure_zero(x, sizeof x);
    secure_zero(y, sizeof y);
}

struct lps_generic_fn {
    void operator()(std::uint64_t* out, const std::uint64_t* a, const std::uint64_t* b) const {
        lpsx_generic(out, a, b);
    }
};

}  // namespace

void streebog_compress_ct_generic(std::uint64_t h[8], const std::uint64_t n[8],
                                  const std::uint64_t m[8]) noexcept {
    std::uint64_t scratch[3][8];
    compress_with(lps_generic_fn{}, h, n, m, scratch[0], scratch[1], scratch[2]);
    secure_zero(scratch, sizeof scratch);
}

void streebog_blocks_ct_generic(std::uint64_t h[8], std::uint64_t n[8], std::uint64_t sigma[8],
                                const std::uint8_t* data, std::size_t blocks) noexcept {
    blocks_with(streebog_compress_ct_generic, h, n, sigma, data, blocks);
}

// ---------------------------------------------------------------- SSSE3

#if defined(GOSTCSP_STREEBOG_HAVE_SSSE3)
namespace {

struct alignas(16) ShuffleTables {
    std::uint8_t sbox[16][16];      // [h][l] = Pi'(16h + l)
    std::uint8_t lin[8][2][8][16];  // [j][half][b][v] = byte b of l_j(v << 4 half)
};

constexpr ShuffleTables make_shuffle_tables() {
    ShuffleTables t{};
    for (int h = 0; h < 16; ++h)
        for (int l = 0; l < 16; ++l) t.sbox[h][l] = sc::pi[static_cast<std::size_t>(16 * h + l)];
    for (int j = 0; j < 8; ++j)
        for (int half = 0; half < 2; ++half)
            for (unsigned v = 0; v < 16; ++v) {
                const std::uint64_t e = l_of_byte(j, v << (4 * half));
                for (int b = 0; b < 8; ++b)
                    t.lin[j][half][b][v] = static_cast<std::uint8_t>(e >> (8 * b));
            }
    return t;
}

alignas(16) constexpr ShuffleTables shuffle_tables = make_shuffle_tables();

#define GOSTCSP_SSSE3 __attribute__((target("ssse3")))

GOSTCSP_SSSE3 inline __m128i table(const std::uint8_t* row) noexcept {
    return _mm_load_si128(reinterpret_cast<const __m128i*>(row));
}

GOSTCSP_SSSE3 inline __m128i sub_bytes(__m128i x) noexcept {
    const __m128i nib = _mm_set1_epi8(0x0f);
    const __m128i lo = _mm_and_si128(x, nib);
    const __m128i hi = _mm_and_si128(_mm_srli_epi16(x, 4), nib);
    __m128i r = _mm_setzero_si128();
    for (int h = 0; h < 16; ++h) {
        const __m128i sel = _mm_cmpeq_epi8(hi, _mm_set1_epi8(static_cast<char>(h)));
        r = _mm_or_si128(r,
                         _mm_and_si128(_mm_shuffle_epi8(table(shuffle_tables.sbox[h]), lo), sel));
    }
    return r;
}

GOSTCSP_SSSE3 void lpsx_ssse3(std::uint64_t* __restrict out, const std::uint64_t* a,
                              const std::uint64_t* b) noexcept {
    const __m128i nib = _mm_set1_epi8(0x0f);
    __m128i y[4];
    for (int q = 0; q < 4; ++q) {
        const __m128i va = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + 2 * q));
        const __m128i vb = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 2 * q));
        y[q] = sub_bytes(_mm_xor_si128(va, vb));
    }
    // acc[b] lane i (i < 8) = byte b of output word i; lanes 8..15 are don't-care.
    __m128i acc[8];
    for (auto& v : acc) v = _mm_setzero_si128();
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) {
        const __m128i w = (j & 1) ? _mm_unpackhi_epi64(y[j / 2], y[j / 2]) : y[j / 2];
        const __m128i lo = _mm_and_si128(w, nib);
        const __m128i hi = _mm_and_si128(_mm_srli_epi16(w, 4), nib);
#pragma GCC unroll 8
        for (int k = 0; k < 8; ++k) {
            const __m128i tl = _mm_shuffle_epi8(table(shuffle_tables.lin[j][0][k]), lo);
            const __m128i th = _mm_shuffle_epi8(table(shuffle_tables.lin[j][1][k]), hi);
            acc[k] = _mm_xor_si128(acc[k], _mm_xor_si128(tl, th));
        }
    }
    // 8x8 byte transpose of the low halves: word i byte k <- acc[k] lane i.
    const __m128i t01 = _mm_unpacklo_epi8(acc[0], acc[1]);
    const __m128i t23 = _mm_unpacklo_epi8(acc[2], acc[3]);
    const __m128i t45 = _mm_unpacklo_epi8(acc[4], acc[5]);
    const __m128i t67 = _mm_unpacklo_epi8(acc[6], acc[7]);
    const __m128i u03l = _mm_unpacklo_epi16(t01, t23);  // words 0..3, bytes 0..3
    const __m128i u03h = _mm_unpackhi_epi16(t01, t23);  // words 4..7, bytes 0..3
    const __m128i u47l = _mm_unpacklo_epi16(t45, t67);  // words 0..3, bytes 4..7
    const __m128i u47h = _mm_unpackhi_epi16(t45, t67);  // words 4..7, bytes 4..7
    auto* o = reinterpret_cast<__m128i*>(out);
    _mm_storeu_si128(o + 0, _mm_unpacklo_epi32(u03l, u47l));
    _mm_storeu_si128(o + 1, _mm_unpackhi_epi32(u03l, u47l));
    _mm_storeu_si128(o + 2, _mm_unpacklo_epi32(u03h, u47h));
    _mm_storeu_si128(o + 3, _mm_unpackhi_epi32(u03h, u47h));
}

struct lps_ssse3_fn {
    void operator()(std::uint64_t* out, const std::uint64_t* a, const std::uint64_t* b) const {
        lpsx_ssse3(out, a, b);
    }
};

}  // namespace

void streebog_compress_ct_ssse3(std::uint64_t h[8], const std::uint64_t n[8],
                                const std::uint64_t m[8]) noexcept {
    std::uint64_t scratch[3][8];
    compress_with(lps_ssse3_fn{}, h, n, m, scratch[0], scratch[1], scratch[2]);
    secure_zero(scratch, sizeof scratch);
}

void streebog_blocks_ct_ssse3(std::uint64_t h[8], std::uint64_t n[8], std::uint64_t sigma[8],
                              const std::uint8_t* data, std::size_t blocks) noexcept {
    blocks_with(streebog_compress_ct_ssse3, h, n, sigma, data, blocks);
}
#endif

bool ssse3_usable() noexcept {
#if defined(GOSTCSP_STREEBOG_HAVE_SSSE3)
    static const bool usable = [] {
        unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
        if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) return false;
        return (ecx & (1u << 9)) != 0;  // SSSE3
    }();
    return usable;
#else
    return false;
#endif
}

}  // namespace gostcsp::core::detail
