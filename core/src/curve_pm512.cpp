// SPDX-License-Identifier: Apache-2.0
// Curve arithmetic over p = 2^512 − c (curve_ops.hpp): the sets whose field shape is pm512, on the
// portable C++ path.
#include "curve_impl.hpp"

namespace gostcsp::core::ec {

template <>
const CurveOps& shape_ops<FieldShape::pm512, false>(ParamSet set) noexcept {
    return shape_ops_for<PseudoMersenneField<8, false>, FieldShape::pm512>(set, "pm512");
}

}  // namespace gostcsp::core::ec
