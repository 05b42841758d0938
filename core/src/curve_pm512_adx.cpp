// SPDX-License-Identifier: Apache-2.0
// Curve arithmetic over p = 2^512 − c (curve_ops.hpp): the sets whose field shape is pm512, on the
// MULX/ADX path.
#include "curve_impl.hpp"

namespace gostcsp::core::ec {

template <>
const CurveOps& shape_ops<FieldShape::pm512, true>(ParamSet set) noexcept {
#if GOSTCSP_EC_ASM
    return shape_ops_for<PseudoMersenneField<8, true>, FieldShape::pm512>(set, "pm512+adx");
#else
    return shape_ops<FieldShape::pm512, false>(set);  // no kernels here: never selected
#endif
}

}  // namespace gostcsp::core::ec
