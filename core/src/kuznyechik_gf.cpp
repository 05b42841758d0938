// SPDX-License-Identifier: Apache-2.0
// The field isomorphism between Kuznyechik's GF(2^8) (x^8+x^7+x^6+x+1) and the AES field, and the
// cipher constants carried across it (see kuznyechik_gf.hpp). Public constants only.
#include "kuznyechik_gf.hpp"

#include "kuznyechik_internal.hpp"

namespace gostcsp::core::detail::kuz {
namespace {

std::uint8_t aes_mul(std::uint8_t a, std::uint8_t b) noexcept {
    std::uint8_t r = 0;
    for (int i = 0; i < 8; ++i) {
        if (b & 1) r ^= a;
        const bool carry = a & 0x80;
        a = static_cast<std::uint8_t>(a << 1);
        if (carry) a ^= 0x1b;
        b >>= 1;
    }
    return r;
}

// gf2p8affineqb computes output bit i as parity(byte (7 - i) of the matrix AND x).
std::uint64_t affine_matrix(const std::uint8_t image[8]) noexcept {  // image[j] = f(1 << j)
    std::uint64_t m = 0;
    for (int i = 0; i < 8; ++i) {
        std::uint8_t row = 0;
        for (int j = 0; j < 8; ++j)
            if ((image[j] >> i) & 1) row |= static_cast<std::uint8_t>(1u << j);
        m |= std::uint64_t{row} << (8 * (7 - i));
    }
    return m;
}

GfConstants make() noexcept {
    GfConstants c{};
    // beta: a root of x^8 + x^7 + x^6 + x + 1 in the AES field.
    std::uint8_t beta = 0;
    for (int b = 2; b < 256 && beta == 0; ++b) {
        std::uint8_t pw[9];
        pw[0] = 1;
        for (int i = 1; i <= 8; ++i) pw[i] = aes_mul(pw[i - 1], static_cast<std::uint8_t>(b));
        if ((pw[8] ^ pw[7] ^ pw[6] ^ pw[1] ^ pw[0]) == 0) beta = static_cast<std::uint8_t>(b);
    }
    std::uint8_t basis[8];
    basis[0] = 1;
    for (int i = 1; i < 8; ++i) basis[i] = aes_mul(basis[i - 1], beta);
    std::uint8_t phi[256], phi_inv[256];
    for (int x = 0; x < 256; ++x) {
        std::uint8_t y = 0;
        for (int i = 0; i < 8; ++i)
            if ((x >> i) & 1) y ^= basis[i];
        phi[x] = y;
        phi_inv[y] = static_cast<std::uint8_t>(x);
    }
    std::uint8_t img[8], img_inv[8];
    for (int j = 0; j < 8; ++j) {
        img[j] = phi[1 << j];
        img_inv[j] = phi_inv[1 << j];
    }
    c.phi = affine_matrix(img);
    c.phi_inv = affine_matrix(img_inv);
    for (int y = 0; y < 256; ++y) {
        c.sbox[y] = phi[pi[phi_inv[y]]];
        c.sbox_inv[y] = phi[pi_inv.v[phi_inv[y]]];
    }
    for (int i = 0; i < 16; ++i)
        for (int j = 0; j < 16; ++j) {
            c.l_col[i][j] = phi[l_matrix.m[j][i]];
            c.l_inv_col[i][j] = phi[l_inv_matrix.m[j][i]];
        }
    return c;
}

}  // namespace

const GfConstants& gf_constants() noexcept {
    static const GfConstants c = make();
    return c;
}

}  // namespace gostcsp::core::detail::kuz
