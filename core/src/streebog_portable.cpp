// SPDX-License-Identifier: Apache-2.0
// Streebog (GOST R 34.11-2012) compression function for PUBLIC data: 64-bit table-driven LPS.
//
// LPS = L o P o S fused into eight 256-entry tables of 64-bit words (16 KiB), built at compile
// time from Pi', Tau and A of RFC 6986. P is the byte transpose, so output word i gathers
// byte i of every input word j:  LPS(x)[i] = XOR_j T[j][byte_i(x[j])], with
// T[j][v] = l(Pi(v) placed at byte j), l = right multiplication by A.
// Table look-ups are indexed by state bytes, so like every table implementation (gost-engine,
// Botan, libgcrypt) this path leaks its input to a cache-timing observer. It runs only for
// StreebogImpl::public_tables (message digests); secret inputs (HMAC keys, PBKDF2 passwords,
// the VKO point) take a constant-time path (streebog_ct.cpp, streebog_avx512.cpp).
#include "streebog_internal.hpp"

#include "gostcsp/secure.hpp"

namespace gostcsp::core::detail {
namespace {

struct LpsTables {
    std::uint64_t t[8][256];
};

constexpr LpsTables make_lps_tables() {
    LpsTables r{};
    for (int j = 0; j < 8; ++j) {
        for (int v = 0; v < 256; ++v) {
            const unsigned s = streebog_constants::pi[static_cast<std::size_t>(v)];
            std::uint64_t acc = 0;
            // Bit b of the 64-bit vector selects row A[63 - b]; byte j holds bits 8j..8j+7.
            for (int bit = 0; bit < 8; ++bit)
                if ((s >> bit) & 1u)
                    acc ^= streebog_constants::a[static_cast<std::size_t>(63 - 8 * j - bit)];
            r.t[j][v] = acc;
        }
    }
    return r;
}

alignas(64) constexpr LpsTables lps_tables = make_lps_tables();

// out = LPS(a ^ b). `out` may alias neither input.
inline void lpsx(std::uint64_t* __restrict out, const std::uint64_t* a,
                 const std::uint64_t* b) noexcept {
    std::uint64_t x[8];
    for (int j = 0; j < 8; ++j) x[j] = a[j] ^ b[j];
    const auto& t = lps_tables.t;
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) {
        const int sh = 8 * i;
        out[i] = t[0][(x[0] >> sh) & 0xff] ^ t[1][(x[1] >> sh) & 0xff] ^ t[2][(x[2] >> sh) & 0xff] ^
                 t[3][(x[3] >> sh) & 0xff] ^ t[4][(x[4] >> sh) & 0xff] ^ t[5][(x[5] >> sh) & 0xff] ^
                 t[6][(x[6] >> sh) & 0xff] ^ t[7][(x[7] >> sh) & 0xff];
    }
}

struct lps_tables_fn {
    void operator()(std::uint64_t* out, const std::uint64_t* a, const std::uint64_t* b) const {
        lpsx(out, a, b);
    }
};

}  // namespace

void streebog_compress_portable(std::uint64_t h[8], const std::uint64_t n[8],
                                const std::uint64_t m[8]) noexcept {
    std::uint64_t scratch[3][8];
    compress_with(lps_tables_fn{}, h, n, m, scratch[0], scratch[1], scratch[2]);
    secure_zero(scratch, sizeof scratch);
}

void streebog_blocks_portable(std::uint64_t h[8], std::uint64_t n[8], std::uint64_t sigma[8],
                              const std::uint8_t* data, std::size_t blocks) noexcept {
    std::uint64_t scratch[3][8];
    blocks_with(
        [&](std::uint64_t* hh, const std::uint64_t* nn, const std::uint64_t* mm) {
            compress_with(lps_tables_fn{}, hh, nn, mm, scratch[0], scratch[1], scratch[2]);
        },
        h, n, sigma, data, blocks);
    secure_zero(scratch, sizeof scratch);
}

}  // namespace gostcsp::core::detail
