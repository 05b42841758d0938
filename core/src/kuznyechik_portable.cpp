// SPDX-License-Identifier: Apache-2.0
// Portable constant-time Kuznyechik: the S-box is read from registers by masked selection of the
// 64-bit word that holds the entry (no secret-indexed load), and L is applied bit by bit as a
// GF(2)-linear map with masks. Slow (see docs/performance.md), but safe on any CPU.
#include <bit>
#include <cstring>

#include "kuznyechik_internal.hpp"

namespace gostcsp::core::detail::kuz {
namespace {

struct PackedSbox {
    std::uint64_t w[32];  // entry x is byte (x & 7) of word x >> 3
};
constexpr PackedSbox pack(const std::uint8_t* s) {
    PackedSbox p{};
    for (int x = 0; x < 256; ++x) p.w[x >> 3] |= std::uint64_t{s[x]} << (8 * (x & 7));
    return p;
}
constexpr PackedSbox sbox_fwd = pack(pi.data());
constexpr PackedSbox sbox_inv = pack(pi_inv.v);

// For input bit k (byte k / 8, bit k % 8) the 16 output bytes of the map, as two words.
struct BitColumns {
    std::uint64_t c[128][2];
};
constexpr BitColumns make_columns(const Matrix& m) {
    BitColumns r{};
    for (int i = 0; i < 16; ++i)
        for (int b = 0; b < 8; ++b)
            for (int j = 0; j < 16; ++j) {
                const std::uint8_t v = gf_mul(m.m[j][i], static_cast<std::uint8_t>(1u << b));
                r.c[8 * i + b][j / 8] |= std::uint64_t{v} << (8 * (j % 8));
            }
    return r;
}
constexpr BitColumns l_cols = make_columns(l_matrix);
constexpr BitColumns l_inv_cols = make_columns(l_inv_matrix);

inline std::uint64_t barrier(std::uint64_t v) noexcept {
#if defined(__GNUC__) || defined(__clang__)
    __asm__("" : "+r"(v));  // keeps the compiler from turning the masked scan into a load
#endif
    return v;
}

inline std::uint8_t sbox_ct(const PackedSbox& s, std::uint8_t x) noexcept {
    const std::uint64_t hi = x >> 3;
    std::uint64_t word = 0;
    for (std::uint64_t w = 0; w < 32; ++w) {
        const std::uint64_t mask = barrier(((w ^ hi) - 1) >> 63) * ~std::uint64_t{0};
        word |= s.w[w] & mask;
    }
    return static_cast<std::uint8_t>(word >> (8 * (x & 7)));
}

inline void load(const std::uint8_t* p, std::uint64_t v[2]) noexcept {
    std::memcpy(v, p, 16);
}
inline void store(std::uint8_t* p, const std::uint64_t v[2]) noexcept {
    std::memcpy(p, v, 16);
}

// Byte i of the block is byte i % 8 of v[i / 8] on a little-endian machine; the columns were
// built in that layout, so big-endian hosts would need a byte swap here (none is supported yet).
static_assert(std::endian::native == std::endian::little, "portable Kuznyechik assumes LE");

inline void linear(const BitColumns& cols, std::uint64_t v[2]) noexcept {
    std::uint64_t y0 = 0, y1 = 0;
    for (int k = 0; k < 128; ++k) {
        const std::uint64_t mask = ~((v[k >> 6] >> (k & 63)) & 1) + 1;
        y0 ^= cols.c[k][0] & mask;
        y1 ^= cols.c[k][1] & mask;
    }
    v[0] = y0;
    v[1] = y1;
}

inline void substitute(const PackedSbox& s, std::uint64_t v[2]) noexcept {
    std::uint8_t b[16];
    std::memcpy(b, v, 16);
    for (auto& x : b) x = sbox_ct(s, x);
    std::memcpy(v, b, 16);
}

}  // namespace

void lsx_portable(const std::uint8_t in[16], std::uint8_t out[16]) noexcept {
    std::uint64_t v[2];
    load(in, v);
    substitute(sbox_fwd, v);
    linear(l_cols, v);
    store(out, v);
}

void encrypt_portable(const RoundKeys& rk, const std::uint8_t* in, std::uint8_t* out,
                      std::size_t blocks) noexcept {
    for (std::size_t b = 0; b < blocks; ++b, in += 16, out += 16) {
        std::uint64_t v[2], k[2];
        load(in, v);
        for (int r = 0; r < 9; ++r) {
            load(rk[r], k);
            v[0] ^= k[0];
            v[1] ^= k[1];
            substitute(sbox_fwd, v);
            linear(l_cols, v);
        }
        load(rk[9], k);
        v[0] ^= k[0];
        v[1] ^= k[1];
        store(out, v);
    }
}

void decrypt_portable(const RoundKeys& rk, const std::uint8_t* in, std::uint8_t* out,
                      std::size_t blocks) noexcept {
    for (std::size_t b = 0; b < blocks; ++b, in += 16, out += 16) {
        std::uint64_t v[2], k[2];
        load(in, v);
        for (int r = 9; r > 0; --r) {
            load(rk[r], k);
            v[0] ^= k[0];
            v[1] ^= k[1];
            linear(l_inv_cols, v);
            substitute(sbox_inv, v);
        }
        load(rk[0], k);
        v[0] ^= k[0];
        v[1] ^= k[1];
        store(out, v);
    }
}

}  // namespace gostcsp::core::detail::kuz
