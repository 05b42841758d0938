// SPDX-License-Identifier: Apache-2.0
// Curve arithmetic over p = 2^256 − c (curve_ops.hpp): the sets whose field shape is pm256, on the
// MULX/ADX path.
#include "curve_impl.hpp"

namespace gostcsp::core::ec {

template <>
const CurveOps& shape_ops<FieldShape::pm256, true>(ParamSet set) noexcept {
#if GOSTCSP_EC_ASM
    return shape_ops_for<PseudoMersenneField<4, true>, FieldShape::pm256>(set, "pm256+adx");
#else
    return shape_ops<FieldShape::pm256, false>(set);  // no kernels here: never selected
#endif
}

}  // namespace gostcsp::core::ec
