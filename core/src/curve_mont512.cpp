// SPDX-License-Identifier: Apache-2.0
// Curve arithmetic over a generic 512-bit prime (Montgomery) (curve_ops.hpp): the sets whose field
// shape is mont512, on the portable C++ path.
#include "curve_impl.hpp"

namespace gostcsp::core::ec {

template <>
const CurveOps& shape_ops<FieldShape::mont512, false>(ParamSet set) noexcept {
    return shape_ops_for<MontField<8, false>, FieldShape::mont512>(set, "mont512");
}

}  // namespace gostcsp::core::ec
