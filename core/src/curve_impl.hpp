// SPDX-License-Identifier: Apache-2.0
// CurveOps over ec::Curve<F> for one field type F. Included only by the per-shape units
// (curve_<shape>[_adx].cpp), each of which instantiates it once; see curve_ops.hpp for the
// interface and its constant-time boundary.
#pragma once

#include <cstring>

#include "curve_data.hpp"
#include "curve_ops.hpp"
#include "ec_curve.hpp"

namespace gostcsp::core::ec {

template <class F>
class CurveImpl final : public CurveOps {
    using C = Curve<F>;
    static constexpr std::size_t N = C::N;
    static_assert(3 * N <= 3 * max_limbs);

  public:
    CurveImpl(ParamSet s, const char* shape) noexcept {
        const detail::CurveData& d = detail::curve_data[static_cast<std::size_t>(s)];
        c_.init(d.p, d.a, d.b, d.q, d.x, d.y, d.cofactor);
        limbs_ = N;
        cofactor_ = d.cofactor;
        shape_name_ = shape;
        std::memcpy(q_, c_.q, sizeof(c_.q));
        std::memcpy(p_, c_.fp.m, sizeof(c_.fp.m));
    }

    void mul_base(ProjPoint& r, const u64* k) const noexcept override {
        typename C::Point p;
        c_.mul_base_ct(p, k);
        store(r, p);
        C::secure_wipe(p);
    }
    void mul(ProjPoint& r, const AffinePoint& pa, const u64* k) const noexcept override {
        typename C::Affine a;
        load(a, pa);
        typename C::Point p;
        c_.mul_ct_jac(p, a, k);
        store(r, p);
        C::secure_wipe(p);
    }
    u64 to_affine(AffinePoint& out, const ProjPoint& r) const noexcept override {
        typename C::Point p;
        std::memcpy(&p, r.w, sizeof(p));
        typename C::Affine a;
        const u64 inf = c_.to_affine(a, p);
        std::memset(&out, 0, sizeof(out));
        c_.fp.from_internal(out.x, a.x);
        c_.fp.from_internal(out.y, a.y);
        C::secure_wipe(p);
        C::secure_wipe(a);
        return inf;
    }
    void scalar_mul(u64* r, const u64* a, const u64* b) const noexcept override {
        u64 am[N];
        c_.fq.to_internal(am, a);
        c_.fq.mul(r, am, b);  // (a·R)·b·R^{-1} = a·b
        C::secure_wipe(am);
    }
    void scalar_add(u64* r, const u64* a, const u64* b) const noexcept override {
        c_.fq.add(r, a, b);
    }
    void scalar_reduce(u64* r, const u64* a) const noexcept override {
        u64 am[N];
        c_.fq.to_internal(am, a);
        c_.fq.from_internal(r, am);
        C::secure_wipe(am);
    }
    void scalar_inv(u64* r, const u64* a) const noexcept override {
        u64 am[N], im[N];
        c_.fq.to_internal(am, a);
        field_inv(c_.fq, im, am);
        c_.fq.from_internal(r, im);
        C::secure_wipe(am);
        C::secure_wipe(im);
    }

    void mul2_vartime(ProjPoint& r, const u64* u1, const AffinePoint& pa,
                      const u64* u2) const noexcept override {
        typename C::Affine a;
        load(a, pa);
        typename C::Point p;
        c_.mul2_vartime(p, u1, a, u2);
        store(r, p);
    }
    // x = X/Z (homogeneous): r + j·q = x ⟺ (r + j·q)·Z = X.
    bool x_mod_q_equals_vartime(const ProjPoint& r, const u64* rv) const noexcept override {
        typename C::Point p;
        std::memcpy(&p, r.w, sizeof(p));
        if (limbs_is_zero_mask<N>(p.z)) return false;
        u64 cand[N], ci[N], t[N];
        std::memcpy(cand, rv, sizeof(cand));
        while (limbs_lt_mask<N>(cand, c_.fp.m)) {
            c_.fp.to_internal(ci, cand);
            c_.fp.mul(t, ci, p.z);
            if (limbs_eq_mask<N>(t, p.x)) return true;
            unsigned char carry = 0;
            for (std::size_t i = 0; i < N; ++i) carry = addc(carry, cand[i], c_.q[i], &cand[i]);
            if (carry) break;
        }
        return false;
    }
    bool on_curve_vartime(const AffinePoint& pa) const noexcept override {
        if (!limbs_lt_mask<N>(pa.x, c_.fp.m) || !limbs_lt_mask<N>(pa.y, c_.fp.m)) return false;
        typename C::Affine a;
        load(a, pa);
        return c_.on_curve(a);
    }
    bool in_subgroup_vartime(const AffinePoint& pa) const noexcept override {
        typename C::Affine a;
        load(a, pa);
        typename C::Point t;
        c_.mul_ct(t, a, c_.q);
        return c_.is_true_identity(t);
    }
    bool self_check_vartime() const noexcept override;

  private:
    void load(typename C::Affine& a, const AffinePoint& pa) const noexcept {
        c_.fp.to_internal(a.x, pa.x);
        c_.fp.to_internal(a.y, pa.y);
    }
    static void store(ProjPoint& r, const typename C::Point& p) noexcept {
        std::memset(&r, 0, sizeof(r));
        std::memcpy(r.w, &p, sizeof(p));
    }
    C c_;
};

template <class F>
bool CurveImpl<F>::self_check_vartime() const noexcept {
    const C& c = c_;
    if (!c.on_curve(c.g)) return false;
    typename C::Point p1, p2, p3;
    const u64 zero[N] = {};
    c.mul_base_ct(p1, c.q);
    c.mul_ct(p2, c.g, c.q);
    c.mul2_vartime(p3, zero, c.g, c.q);
    bool all = c.is_true_identity(p1) && c.is_true_identity(p2) && c.is_true_identity(p3);
    // (q−1)·G = −G through every multiplier (Jacobian paths included), and 2·G agrees.
    u64 qm1[N], one[N] = {1}, two[N] = {2};
    limbs_sub<N>(qm1, c.q, one);
    typename C::Affine neg_g = c.g, a1;
    c.fp.neg(neg_g.y, neg_g.y);
    auto is = [&](const typename C::Point& pt, const typename C::Affine& want) {
        typename C::Affine got;
        if (c.to_affine(got, pt)) return false;
        return limbs_eq_mask<N>(got.x, want.x) && limbs_eq_mask<N>(got.y, want.y);
    };
    c.mul_base_ct(p1, qm1);
    all = all && is(p1, neg_g);
    c.mul_ct(p1, c.g, qm1);
    all = all && is(p1, neg_g);
    c.mul_ct_jac(p1, c.g, qm1);
    all = all && is(p1, neg_g);
    c.mul2_vartime(p1, zero, c.g, qm1);
    all = all && is(p1, neg_g);
    c.mul2_vartime(p1, qm1, c.g, zero);
    all = all && is(p1, neg_g);
    typename C::Point gp;
    c.from_affine(gp, c.g);
    c.dbl(p2, gp);
    if (c.to_affine(a1, p2)) return false;
    c.mul_base_ct(p1, two);
    all = all && is(p1, a1);
    c.mul_ct_jac(p1, c.g, two);
    all = all && is(p1, a1);
    c.mul2_vartime(p1, one, c.g, one);
    all = all && is(p1, a1);
    return all;
}

// One CurveImpl per set of this shape, in static storage (the fixed-base table lives inside, no
// heap), built on first use, thread-safely (function-local static initialisation).
template <class F, ParamSet S>
const CurveOps& curve_instance(const char* shape) noexcept {
    static const CurveImpl<F> obj(S, shape);
    return obj;
}

// The body of shape_ops<Shape, Adx>: only the sets of this shape get an instance.
template <class F, FieldShape Shape>
const CurveOps& shape_ops_for(ParamSet set, const char* shape) noexcept {
    using P = ParamSet;
    const CurveOps* out = nullptr;
    auto pick = [&]<P S>() {
        if constexpr (weierstrass_shape(S) == Shape)
            if (set == S) out = &curve_instance<F, S>(shape);
    };
    pick.template operator()<P::gost2001_test>();
    pick.template operator()<P::tc26_256_a>();
    pick.template operator()<P::tc26_256_b>();
    pick.template operator()<P::tc26_256_c>();
    pick.template operator()<P::tc26_256_d>();
    pick.template operator()<P::tc26_512_test>();
    pick.template operator()<P::tc26_512_a>();
    pick.template operator()<P::tc26_512_b>();
    pick.template operator()<P::tc26_512_c>();
    return *out;  // the lookup only asks for sets of this shape
}

}  // namespace gostcsp::core::ec
