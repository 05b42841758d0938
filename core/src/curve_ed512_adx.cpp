// SPDX-License-Identifier: Apache-2.0
// Twisted Edwards curve arithmetic over p = 2^512 − c (curve_ops.hpp, ec_edwards.hpp): the set
// whose field shape is ed512, on the MULX/ADX path.
#include "curve_edwards.hpp"

namespace gostcsp::core::ec {

template <>
const CurveOps& shape_ops<FieldShape::ed512, true>(ParamSet set) noexcept {
#if GOSTCSP_EC_ASM
    return edwards_ops_for<PseudoMersenneField<8, true>, FieldShape::ed512>(set, "ed512+adx");
#else
    return shape_ops<FieldShape::ed512, false>(set);  // no kernels here: never selected
#endif
}

}  // namespace gostcsp::core::ec
