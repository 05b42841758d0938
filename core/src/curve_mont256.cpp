// SPDX-License-Identifier: Apache-2.0
// Curve arithmetic over a generic 256-bit prime (Montgomery) (curve_ops.hpp): the sets whose field
// shape is mont256, on the portable C++ path.
#include "curve_impl.hpp"

namespace gostcsp::core::ec {

template <>
const CurveOps& shape_ops<FieldShape::mont256, false>(ParamSet set) noexcept {
    return shape_ops_for<MontField<4, false>, FieldShape::mont256>(set, "mont256");
}

}  // namespace gostcsp::core::ec
