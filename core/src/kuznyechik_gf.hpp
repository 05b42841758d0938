// SPDX-License-Identifier: Apache-2.0
// Constants for the Kuznyechik paths that compute in the AES field GF(2)[x]/(x^8+x^4+x^3+x+1):
// GFNI multiplies only there, so the AVX-512 path maps every byte through a field isomorphism phi
// (a GF(2)-linear map, one gf2p8affineqb) and runs the cipher on phi-images: S' = phi.pi.phi^-1,
// L' = the matrix of phi(l_matrix entries). Derived at start-up from the RFC 7801 constants.
#pragma once

#include <cstdint>

namespace gostcsp::core::detail::kuz {

struct GfConstants {
    std::uint64_t phi;      // gf2p8affineqb matrix of phi
    std::uint64_t phi_inv;  // and of phi^-1
    alignas(64) std::uint8_t sbox[256];      // phi . pi . phi^-1
    alignas(64) std::uint8_t sbox_inv[256];  // phi . pi^-1 . phi^-1
    alignas(64) std::uint8_t l_col[16][16];      // l_col[i][j] = phi(L matrix [j][i])
    alignas(64) std::uint8_t l_inv_col[16][16];  // the same for L^-1
};

const GfConstants& gf_constants() noexcept;

}  // namespace gostcsp::core::detail::kuz
