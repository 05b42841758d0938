// SPDX-License-Identifier: Apache-2.0
// Twisted Edwards curve arithmetic over p = 2^256 − c (curve_ops.hpp, ec_edwards.hpp): the set
// whose field shape is ed256, on the MULX/ADX path.
#include "curve_edwards.hpp"

namespace gostcsp::core::ec {

template <>
const CurveOps& shape_ops<FieldShape::ed256, true>(ParamSet set) noexcept {
#if GOSTCSP_EC_ASM
    return edwards_ops_for<PseudoMersenneField<4, true>, FieldShape::ed256>(set, "ed256+adx");
#else
    return shape_ops<FieldShape::ed256, false>(set);  // no kernels here: never selected
#endif
}

}  // namespace gostcsp::core::ec
