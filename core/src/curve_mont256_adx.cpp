// SPDX-License-Identifier: Apache-2.0
// Curve arithmetic over a generic 256-bit prime (Montgomery) (curve_ops.hpp): the sets whose field
// shape is mont256, on the MULX/ADX path.
#include "curve_impl.hpp"

namespace gostcsp::core::ec {

template <>
const CurveOps& shape_ops<FieldShape::mont256, true>(ParamSet set) noexcept {
#if GOSTCSP_EC_ASM
    return shape_ops_for<MontField<4, true>, FieldShape::mont256>(set, "mont256+adx");
#else
    return shape_ops<FieldShape::mont256, false>(set);  // no kernels here: never selected
#endif
}

}  // namespace gostcsp::core::ec
