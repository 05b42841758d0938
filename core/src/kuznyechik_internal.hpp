// SPDX-License-Identifier: Apache-2.0
// Kuznyechik (GOST R 34.12-2015, RFC 7801) internals: constants derived at compile time from the
// S-box and the l coefficients, and the per-implementation entry points.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "streebog_constants.hpp"

namespace gostcsp::core::detail::kuz {

// Pi' of RFC 7801 §4.1 is the S-box of Streebog (RFC 6986 §6.2): one table for both.
inline constexpr const auto& pi = streebog_constants::pi;

struct ByteTable {
    std::uint8_t v[256];
};
constexpr ByteTable make_pi_inv() {
    ByteTable t{};
    for (int i = 0; i < 256; ++i) t.v[pi[i]] = static_cast<std::uint8_t>(i);
    return t;
}
inline constexpr ByteTable pi_inv = make_pi_inv();

// Multiplication in Q = GF(2)[x] / (x^8 + x^7 + x^6 + x + 1) (RFC 7801 §3.2).
constexpr std::uint8_t gf_mul(std::uint8_t a, std::uint8_t b) {
    std::uint8_t r = 0;
    for (int i = 0; i < 8; ++i) {
        if (b & 1) r ^= a;
        const bool carry = a & 0x80;
        a = static_cast<std::uint8_t>(a << 1);
        if (carry) a ^= 0xc3;
        b >>= 1;
    }
    return r;
}

// The l coefficients by memory byte: byte 0 is a_15 (the first printed byte).
inline constexpr std::uint8_t l_coef[16] = {148, 32,  133, 16, 194, 192, 1,   251,
                                            1,   192, 194, 16, 133, 32,  148, 1};

using Block = std::array<std::uint8_t, 16>;

// R (RFC 7801 §4.3) on a block in memory order: the new byte l(a) enters at byte 0.
constexpr Block r_step(const Block& a) {
    std::uint8_t t = 0;
    for (int j = 0; j < 16; ++j) t ^= gf_mul(l_coef[j], a[j]);
    Block out{};
    for (int j = 15; j > 0; --j) out[j] = a[j - 1];
    out[0] = t;
    return out;
}
constexpr Block r_inv_step(const Block& y) {
    Block m{};
    for (int j = 0; j < 15; ++j) m[j] = y[j + 1];
    std::uint8_t t = y[0];
    for (int j = 0; j < 15; ++j) t ^= gf_mul(l_coef[j], y[j + 1]);
    m[15] = t;  // l_coef[15] == 1
    return m;
}
constexpr Block l_apply(Block a) {
    for (int i = 0; i < 16; ++i) a = r_step(a);
    return a;
}
constexpr Block l_inv_apply(Block a) {
    for (int i = 0; i < 16; ++i) a = r_inv_step(a);
    return a;
}

// m[j][i]: output byte j of L for input byte i (L is linear over GF(2^8)).
struct Matrix {
    std::uint8_t m[16][16];
};
constexpr Matrix make_matrix(bool inverse) {
    Matrix r{};
    for (int i = 0; i < 16; ++i) {
        Block e{};
        e[i] = 1;
        const Block col = inverse ? l_inv_apply(e) : l_apply(e);
        for (int j = 0; j < 16; ++j) r.m[j][i] = col[j];
    }
    return r;
}
inline constexpr Matrix l_matrix = make_matrix(false);
inline constexpr Matrix l_inv_matrix = make_matrix(true);

// Round constants C_i = L(Vec_128(i)), i = 1..32 (Vec_128(i) has i in its last byte).
struct RoundConstants {
    Block c[32];
};
constexpr RoundConstants make_round_constants() {
    RoundConstants r{};
    for (int i = 0; i < 32; ++i) {
        Block v{};
        v[15] = static_cast<std::uint8_t>(i + 1);
        r.c[i] = l_apply(v);
    }
    return r;
}
inline constexpr RoundConstants round_constants = make_round_constants();

using RoundKeys = std::uint8_t[10][16];

// Entry points of each implementation. `rk` are K_1..K_10; in == out allowed.
// lsx: out = L(S(in)) (the key schedule's step; constant-time in every implementation).
void encrypt_portable(const RoundKeys& rk, const std::uint8_t* in, std::uint8_t* out,
                      std::size_t blocks) noexcept;
void decrypt_portable(const RoundKeys& rk, const std::uint8_t* in, std::uint8_t* out,
                      std::size_t blocks) noexcept;
void lsx_portable(const std::uint8_t in[16], std::uint8_t out[16]) noexcept;

void encrypt_vartime(const RoundKeys& rk, const std::uint8_t* in, std::uint8_t* out,
                     std::size_t blocks) noexcept;
void decrypt_vartime(const RoundKeys& rk, const std::uint8_t* in, std::uint8_t* out,
                     std::size_t blocks) noexcept;

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define GOSTCSP_KUZNYECHIK_HAVE_X86 1
#define GOSTCSP_KUZNYECHIK_SLICED 1  // the byte-sliced SSSE3 / AVX2 kernels
void encrypt_ssse3(const RoundKeys& rk, const std::uint8_t* in, std::uint8_t* out,
                   std::size_t blocks) noexcept;
void decrypt_ssse3(const RoundKeys& rk, const std::uint8_t* in, std::uint8_t* out,
                   std::size_t blocks) noexcept;
void encrypt_avx2(const RoundKeys& rk, const std::uint8_t* in, std::uint8_t* out,
                  std::size_t blocks) noexcept;
void decrypt_avx2(const RoundKeys& rk, const std::uint8_t* in, std::uint8_t* out,
                  std::size_t blocks) noexcept;
void encrypt_avx512(const RoundKeys& rk, const std::uint8_t* in, std::uint8_t* out,
                    std::size_t blocks) noexcept;
void decrypt_avx512(const RoundKeys& rk, const std::uint8_t* in, std::uint8_t* out,
                    std::size_t blocks) noexcept;
void lsx_avx512(const std::uint8_t in[16], std::uint8_t out[16]) noexcept;
#endif

}  // namespace gostcsp::core::detail::kuz
