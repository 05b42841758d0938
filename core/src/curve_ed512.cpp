// SPDX-License-Identifier: Apache-2.0
// Twisted Edwards curve arithmetic over p = 2^512 − c (curve_ops.hpp, ec_edwards.hpp): the set
// whose field shape is ed512, on the portable C++ path.
#include "curve_edwards.hpp"

namespace gostcsp::core::ec {

template <>
const CurveOps& shape_ops<FieldShape::ed512, false>(ParamSet set) noexcept {
    return edwards_ops_for<PseudoMersenneField<8, false>, FieldShape::ed512>(set, "ed512");
}

}  // namespace gostcsp::core::ec
