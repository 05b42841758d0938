// SPDX-License-Identifier: Apache-2.0
// GOST R 34.10-2012 curve constants as embedded data (RFC 7836 App. A, RFC 4357 §11.4, RFC 9215).
#pragma once

#include <cstdint>

namespace gostcsp::core::detail {

// One parameter set's short-Weierstrass curve; integers big-endian, bits/8 bytes used.
struct CurveData {
    unsigned bits;
    unsigned cofactor;
    std::uint8_t p[64], a[64], b[64], q[64], x[64], y[64];
};

// In ParamSet enum order.
inline constexpr CurveData curve_data[9] = {
#include "curve_data.inc"
};

}  // namespace gostcsp::core::detail
