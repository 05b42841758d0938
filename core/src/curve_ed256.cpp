// SPDX-License-Identifier: Apache-2.0
// Twisted Edwards curve arithmetic over p = 2^256 − c (curve_ops.hpp, ec_edwards.hpp): the set
// whose field shape is ed256, on the portable C++ path.
#include "curve_edwards.hpp"

namespace gostcsp::core::ec {

template <>
const CurveOps& shape_ops<FieldShape::ed256, false>(ParamSet set) noexcept {
    return edwards_ops_for<PseudoMersenneField<4, false>, FieldShape::ed256>(set, "ed256");
}

}  // namespace gostcsp::core::ec
