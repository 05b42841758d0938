// SPDX-License-Identifier: Apache-2.0
// Curve arithmetic over p = 2^256 − c (curve_ops.hpp): the sets whose field shape is pm256, on the
// portable C++ path.
#include "curve_impl.hpp"

namespace gostcsp::core::ec {

template <>
const CurveOps& shape_ops<FieldShape::pm256, false>(ParamSet set) noexcept {
    return shape_ops_for<PseudoMersenneField<4, false>, FieldShape::pm256>(set, "pm256");
}

}  // namespace gostcsp::core::ec
