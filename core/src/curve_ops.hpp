// SPDX-License-Identifier: Apache-2.0
// The curve interface of GOST R 34.10-2012 / VKO: the few group and scalar operations that
// gost3410.cpp is written over, one implementation per field shape and arithmetic path
// (curve_<shape>[_adx].cpp over ec_curve.hpp), and the one lookup from parameter set to
// implementation (curve_lookup.cpp).
//
// Data crossing the interface is plain: scalars and affine coordinates are little-endian 64-bit
// limbs, limbs() of them (4 or 8), fully reduced. Projective points are opaque (the
// implementation's internal representation) and only go back into to_affine().
//
// ---- The constant-time boundary (stated here once) ----
// Secret inputs are allowed ONLY in: mul_base, mul, to_affine, scalar_mul, scalar_add,
// scalar_reduce, scalar_inv. These run in time independent of every operand (no branch and no
// memory index on limb values; only the set's public constants steer control flow).
// Everything named *_vartime branches on its inputs and must only ever see public data
// (signature verification and public-key validation).
#pragma once

#include <cstddef>
#include <cstdint>

#include "gostcsp/params.hpp"

namespace gostcsp::core::ec {

using u64 = std::uint64_t;
constexpr std::size_t max_limbs = 8;

// Plain affine coordinates (standard Weierstrass form, limbs() little-endian limbs each).
struct AffinePoint {
    u64 x[max_limbs];
    u64 y[max_limbs];
};
// An implementation's projective point; only to_affine() reads it.
struct ProjPoint {
    u64 w[3 * max_limbs];
};

class CurveOps {
  public:
    virtual ~CurveOps() = default;

    // ---- public facts of the set
    std::size_t limbs() const noexcept { return limbs_; }
    const u64* order() const noexcept { return q_; }  // q, plain limbs
    const u64* prime() const noexcept { return p_; }  // p, plain limbs
    unsigned cofactor() const noexcept { return cofactor_; }
    const char* shape_name() const noexcept { return shape_name_; }

    // ---- constant-time (secret operands allowed)
    // R = k·G, 0 ≤ k < q.
    virtual void mul_base(ProjPoint& r, const u64* k) const noexcept = 0;
    // R = k·P for P in the order-q subgroup, 0 ≤ k < q.
    virtual void mul(ProjPoint& r, const AffinePoint& p, const u64* k) const noexcept = 0;
    // Affine coordinates of P; returns all-ones (and x = y = 0) when P is the identity, else 0.
    virtual u64 to_affine(AffinePoint& out, const ProjPoint& p) const noexcept = 0;
    // Scalars mod q, plain limbs. a, b < q except scalar_reduce (any a < 2^(64·limbs)).
    virtual void scalar_mul(u64* r, const u64* a, const u64* b) const noexcept = 0;
    virtual void scalar_add(u64* r, const u64* a, const u64* b) const noexcept = 0;
    virtual void scalar_reduce(u64* r, const u64* a) const noexcept = 0;
    // a^(q−2) (0 maps to 0).
    virtual void scalar_inv(u64* r, const u64* a) const noexcept = 0;

    // ---- variable time (public data only)
    // R = u1·G + u2·P, u1, u2 < q, P on the curve.
    virtual void mul2_vartime(ProjPoint& r, const u64* u1, const AffinePoint& p,
                              const u64* u2) const noexcept = 0;
    // Verification's last step without an inversion: is (x(P) mod q) = r for the affine x of P
    // (false when P is the identity)? r < q. Tries the x = r + j·q below p projectively.
    virtual bool x_mod_q_equals_vartime(const ProjPoint& p, const u64* r) const noexcept = 0;
    // Coordinates < p and y² = x³ + a·x + b.
    virtual bool on_curve_vartime(const AffinePoint& p) const noexcept = 0;
    // q·P is the true identity (meaningful on the cofactor-4 sets; P on the curve).
    virtual bool in_subgroup_vartime(const AffinePoint& p) const noexcept = 0;
    // The set's embedded constants agree through every multiplier: G on the curve, q·G = O,
    // (q−1)·G = −G and 2·G through each path (testing::check_base_point).
    virtual bool self_check_vartime() const noexcept = 0;

  protected:
    std::size_t limbs_ = 0;
    unsigned cofactor_ = 1;
    const char* shape_name_ = "";
    u64 q_[max_limbs] = {};
    u64 p_[max_limbs] = {};
};

// ---- the one table: which field shape serves which set
enum class FieldShape : std::uint8_t {
    pm256,    // p = 2^256 − c, c < 2^31 (folding reduction)
    pm512,    // p = 2^512 − c
    mont256,  // any other 256-bit prime (Montgomery)
    mont512,  // any other 512-bit prime
    ed256,    // twisted Edwards form over p = 2^256 − c (ec_edwards.hpp)
    ed512,    // twisted Edwards form over p = 2^512 − c
};
// The short-Weierstrass unit of every set (the reference for the Edwards units).
constexpr FieldShape weierstrass_shape(ParamSet s) noexcept {
    switch (s) {
        case ParamSet::tc26_256_a:
        case ParamSet::tc26_256_b:
            return FieldShape::pm256;
        case ParamSet::tc26_512_a:
        case ParamSet::tc26_512_c:
            return FieldShape::pm512;
        case ParamSet::gost2001_test:
        case ParamSet::tc26_256_c:
        case ParamSet::tc26_256_d:
            return FieldShape::mont256;
        case ParamSet::tc26_512_test:
        case ParamSet::tc26_512_b:
            return FieldShape::mont512;
    }
    return FieldShape::mont512;
}
// The unit in use: the twisted Edwards one for the sets that have an Edwards form (tc26-256-A,
// tc26-512-C; inputs and outputs stay Weierstrass), else the Weierstrass one.
constexpr FieldShape field_shape(ParamSet s) noexcept {
    if (s == ParamSet::tc26_256_a) return FieldShape::ed256;
    if (s == ParamSet::tc26_512_c) return FieldShape::ed512;
    return weierstrass_shape(s);
}

enum class Arith : std::uint8_t { portable, adx };

// The implementation for `set` on path `a`, or nullptr when the set is unknown or the path is not
// available here (adx needs x86-64 GCC and a CPU with BMI2 + ADX).
const CurveOps* curve_ops(ParamSet set, Arith a) noexcept;
// The short-Weierstrass implementation of `set` on path `a` (the same as curve_ops except for the
// Edwards sets); for tests that pin the Edwards units to the Weierstrass code.
const CurveOps* weierstrass_curve_ops(ParamSet set, Arith a) noexcept;
// The path in use: adx when available, unless GOSTCSP_NO_ADX is set in the environment or
// set_force_portable(true) was called.
Arith current_arith() noexcept;
void set_force_portable(bool on) noexcept;
bool adx_available() noexcept;

// Defined by one unit per field shape and path (curve_<shape>[_adx].cpp).
template <FieldShape Shape, bool Adx>
const CurveOps& shape_ops(ParamSet set) noexcept;
template <>
const CurveOps& shape_ops<FieldShape::pm256, false>(ParamSet set) noexcept;
template <>
const CurveOps& shape_ops<FieldShape::pm256, true>(ParamSet set) noexcept;
template <>
const CurveOps& shape_ops<FieldShape::pm512, false>(ParamSet set) noexcept;
template <>
const CurveOps& shape_ops<FieldShape::pm512, true>(ParamSet set) noexcept;
template <>
const CurveOps& shape_ops<FieldShape::mont256, false>(ParamSet set) noexcept;
template <>
const CurveOps& shape_ops<FieldShape::mont256, true>(ParamSet set) noexcept;
template <>
const CurveOps& shape_ops<FieldShape::mont512, false>(ParamSet set) noexcept;
template <>
const CurveOps& shape_ops<FieldShape::mont512, true>(ParamSet set) noexcept;
template <>
const CurveOps& shape_ops<FieldShape::ed256, false>(ParamSet set) noexcept;
template <>
const CurveOps& shape_ops<FieldShape::ed256, true>(ParamSet set) noexcept;
template <>
const CurveOps& shape_ops<FieldShape::ed512, false>(ParamSet set) noexcept;
template <>
const CurveOps& shape_ops<FieldShape::ed512, true>(ParamSet set) noexcept;

}  // namespace gostcsp::core::ec
