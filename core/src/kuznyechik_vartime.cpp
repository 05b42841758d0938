// SPDX-License-Identifier: Apache-2.0
// Table-lookup Kuznyechik (the classic 16 x 256 LS tables, as gost-engine and Botan use). The
// tables are indexed by secret bytes: NOT constant-time. Only reachable by asking for
// KuznyechikImpl::table_vartime; kept to compare speed and as a second implementation in tests.
#include <cstring>

#include "kuznyechik_internal.hpp"

namespace gostcsp::core::detail::kuz {
namespace {

struct Tables {
    std::uint64_t enc[16][256][2];  // L(S(x) at byte i)
    std::uint64_t dec[16][256][2];  // L^-1(x at byte i), applied after S^-1 below
};

const Tables& tables() {
    static const Tables t = [] {
        Tables r{};
        for (int i = 0; i < 16; ++i)
            for (int x = 0; x < 256; ++x) {
                std::uint8_t ce[16], cd[16];
                for (int j = 0; j < 16; ++j) {
                    ce[j] = gf_mul(l_matrix.m[j][i], pi[x]);
                    cd[j] = gf_mul(l_inv_matrix.m[j][i], static_cast<std::uint8_t>(x));
                }
                std::memcpy(r.enc[i][x], ce, 16);
                std::memcpy(r.dec[i][x], cd, 16);
            }
        return r;
    }();
    return t;
}

}  // namespace

void encrypt_vartime(const RoundKeys& rk, const std::uint8_t* in, std::uint8_t* out,
                     std::size_t blocks) noexcept {
    const Tables& t = tables();
    for (std::size_t b = 0; b < blocks; ++b, in += 16, out += 16) {
        std::uint8_t x[16];
        std::memcpy(x, in, 16);
        for (int r = 0; r < 9; ++r) {
            std::uint64_t y0 = 0, y1 = 0;
            for (int i = 0; i < 16; ++i) {
                const auto& e = t.enc[i][x[i] ^ rk[r][i]];
                y0 ^= e[0];
                y1 ^= e[1];
            }
            std::memcpy(x, &y0, 8);
            std::memcpy(x + 8, &y1, 8);
        }
        for (int i = 0; i < 16; ++i) out[i] = x[i] ^ rk[9][i];
    }
}

void decrypt_vartime(const RoundKeys& rk, const std::uint8_t* in, std::uint8_t* out,
                     std::size_t blocks) noexcept {
    const Tables& t = tables();
    for (std::size_t b = 0; b < blocks; ++b, in += 16, out += 16) {
        std::uint8_t x[16];
        std::memcpy(x, in, 16);
        for (int r = 9; r > 0; --r) {
            std::uint64_t y0 = 0, y1 = 0;
            for (int i = 0; i < 16; ++i) {
                const auto& e = t.dec[i][x[i] ^ rk[r][i]];
                y0 ^= e[0];
                y1 ^= e[1];
            }
            std::memcpy(x, &y0, 8);
            std::memcpy(x + 8, &y1, 8);
            for (auto& v : x) v = pi_inv.v[v];
        }
        for (int i = 0; i < 16; ++i) out[i] = x[i] ^ rk[0][i];
    }
}

}  // namespace gostcsp::core::detail::kuz
