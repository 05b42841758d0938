// SPDX-License-Identifier: Apache-2.0
// The lookup from parameter set to curve implementation (curve_ops.hpp), and the choice of the
// arithmetic path (MULX/ADX kernels when the CPU has them, unless forced portable).
#include <atomic>
#include <cstdlib>

#include "curve_ops.hpp"
#include "ec_limbs.hpp"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace gostcsp::core::ec {

namespace {

// GOSTCSP_NO_ADX=1 in the environment (or testing::force_portable_arithmetic) runs the portable
// code; the unit tests run both.
std::atomic<bool> force_portable{std::getenv("GOSTCSP_NO_ADX") != nullptr};

template <bool Adx>
const CurveOps& by_shape(ParamSet set, FieldShape shape) noexcept {
    switch (shape) {
        case FieldShape::pm256:
            return shape_ops<FieldShape::pm256, Adx>(set);
        case FieldShape::pm512:
            return shape_ops<FieldShape::pm512, Adx>(set);
        case FieldShape::mont256:
            return shape_ops<FieldShape::mont256, Adx>(set);
        case FieldShape::ed256:
            return shape_ops<FieldShape::ed256, Adx>(set);
        case FieldShape::ed512:
            return shape_ops<FieldShape::ed512, Adx>(set);
        case FieldShape::mont512:
            break;
    }
    return shape_ops<FieldShape::mont512, Adx>(set);
}

}  // namespace

bool adx_available() noexcept {
#if GOSTCSP_EC_ASM
    static const bool has = [] {
        unsigned a = 0, b = 0, c = 0, d = 0;
        if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
        return ((b >> 8) & 1) != 0 && ((b >> 19) & 1) != 0;  // EBX bit 8 BMI2, bit 19 ADX
    }();
    return has;
#else
    return false;
#endif
}

Arith current_arith() noexcept {
    return adx_available() && !force_portable.load(std::memory_order_relaxed) ? Arith::adx
                                                                              : Arith::portable;
}

void set_force_portable(bool on) noexcept {
    force_portable.store(on, std::memory_order_relaxed);
}

const CurveOps* curve_ops(ParamSet set, Arith a) noexcept {
    if (static_cast<unsigned>(set) > static_cast<unsigned>(ParamSet::tc26_512_c)) return nullptr;
    if (a == Arith::adx) return adx_available() ? &by_shape<true>(set, field_shape(set)) : nullptr;
    return &by_shape<false>(set, field_shape(set));
}

const CurveOps* weierstrass_curve_ops(ParamSet set, Arith a) noexcept {
    if (static_cast<unsigned>(set) > static_cast<unsigned>(ParamSet::tc26_512_c)) return nullptr;
    const FieldShape w = weierstrass_shape(set);
    if (a == Arith::adx) return adx_available() ? &by_shape<true>(set, w) : nullptr;
    return &by_shape<false>(set, w);
}

}  // namespace gostcsp::core::ec
