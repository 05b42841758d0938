// SPDX-License-Identifier: Apache-2.0
// Curve arithmetic over a generic 512-bit prime (Montgomery) (curve_ops.hpp): the sets whose field
// shape is mont512, on the MULX/ADX path.
#include "curve_impl.hpp"

namespace gostcsp::core::ec {

template <>
const CurveOps& shape_ops<FieldShape::mont512, true>(ParamSet set) noexcept {
#if GOSTCSP_EC_ASM
    return shape_ops_for<MontField<8, true>, FieldShape::mont512>(set, "mont512+adx");
#else
    return shape_ops<FieldShape::mont512, false>(set);  // no kernels here: never selected
#endif
}

}  // namespace gostcsp::core::ec
