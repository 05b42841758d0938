// SPDX-License-Identifier: Apache-2.0
// CurveOps over ec::Edwards<F> (ec_edwards.hpp) for the sets with a twisted Edwards form
// (tc26-256-A, tc26-512-C). Included only by curve_ed256[_adx].cpp / curve_ed512[_adx].cpp, each
// instantiating it once. Everything crossing the interface stays Weierstrass (curve_ops.hpp);
// ProjPoint holds the Edwards (X : Y : Z) of a result, which only to_affine() reads.
#pragma once

#include <cstring>

#include "curve_data.hpp"
#include "curve_ops.hpp"
#include "ec_edwards.hpp"

namespace gostcsp::core::ec {

template <class F>
class EdwardsImpl final : public CurveOps {
    using E = Edwards<F>;
    static constexpr std::size_t N = E::N;
    static_assert(3 * N <= 3 * max_limbs);

  public:
    EdwardsImpl(ParamSet s, const std::uint8_t* d_be, const char* shape) noexcept {
        const detail::CurveData& cd = detail::curve_data[static_cast<std::size_t>(s)];
        e_.init(cd.p, cd.a, cd.b, cd.q, cd.x, cd.y, d_be, cd.cofactor);
        limbs_ = N;
        cofactor_ = cd.cofactor;
        shape_name_ = shape;
        std::memcpy(q_, e_.q, sizeof(e_.q));
        std::memcpy(p_, e_.fp.m, sizeof(e_.fp.m));
    }

    void mul_base(ProjPoint& r, const u64* k) const noexcept override {
        typename E::Ext p;
        e_.mul_base_ct(p, k);
        store(r, p);
        E::secure_wipe(p);
    }
    void mul(ProjPoint& r, const AffinePoint& pa, const u64* k) const noexcept override {
        typename E::Ext a, p;
        load(a, pa);
        e_.mul_ct(p, a, k);
        store(r, p);
        E::secure_wipe(a);
        E::secure_wipe(p);
    }
    u64 to_affine(AffinePoint& out, const ProjPoint& r) const noexcept override {
        u64 x[N], y[N];
        const u64 inf = e_.to_weierstrass(x, y, r.w, r.w + N, r.w + 2 * N);
        std::memset(&out, 0, sizeof(out));
        e_.fp.from_internal(out.x, x);
        e_.fp.from_internal(out.y, y);
        E::secure_wipe(x);
        E::secure_wipe(y);
        return inf;
    }
    void scalar_mul(u64* r, const u64* a, const u64* b) const noexcept override {
        u64 am[N];
        e_.fq.to_internal(am, a);
        e_.fq.mul(r, am, b);  // (a·R)·b·R^{-1} = a·b
        E::secure_wipe(am);
    }
    void scalar_add(u64* r, const u64* a, const u64* b) const noexcept override {
        e_.fq.add(r, a, b);
    }
    void scalar_reduce(u64* r, const u64* a) const noexcept override {
        u64 am[N];
        e_.fq.to_internal(am, a);
        e_.fq.from_internal(r, am);
        E::secure_wipe(am);
    }
    void scalar_inv(u64* r, const u64* a) const noexcept override {
        u64 am[N], im[N];
        e_.fq.to_internal(am, a);
        field_inv(e_.fq, im, am);
        e_.fq.from_internal(r, im);
        E::secure_wipe(am);
        E::secure_wipe(im);
    }

    void mul2_vartime(ProjPoint& r, const u64* u1, const AffinePoint& pa,
                      const u64* u2) const noexcept override {
        typename E::Ext a, p;
        load(a, pa);
        e_.mul2_vartime(p, u1, a, u2);
        store(r, p);
    }
    // x = s(Z + Y)/(Z − Y) + t for X ≠ 0 (then Z ≠ Y): r + j·q = x ⟺ (r + j·q − t)·(Z − Y) =
    // s·(Z + Y). X = 0 (the identity, or the 2-torsion point with x = t) goes through to_affine.
    bool x_mod_q_equals_vartime(const ProjPoint& r, const u64* rv) const noexcept override {
        const u64* X = r.w;
        const u64* Y = r.w + N;
        const u64* Z = r.w + 2 * N;
        const F& fp = e_.fp;
        if (limbs_is_zero_mask<N>(X)) {
            AffinePoint a;
            if (to_affine(a, r)) return false;
            u64 red[N];
            scalar_reduce(red, a.x);
            return limbs_eq_mask<N>(red, rv) != 0;
        }
        u64 den[N], num[N], w[N], cand[N], ci[N];
        fp.sub(den, Z, Y);
        fp.add(w, Z, Y);
        fp.mul(num, w, e_.s);
        std::memcpy(cand, rv, sizeof(cand));
        while (limbs_lt_mask<N>(cand, fp.m)) {
            fp.to_internal(ci, cand);
            fp.sub(ci, ci, e_.t);
            fp.mul(w, ci, den);
            if (limbs_eq_mask<N>(w, num)) return true;
            unsigned char carry = 0;
            for (std::size_t i = 0; i < N; ++i) carry = addc(carry, cand[i], e_.q[i], &cand[i]);
            if (carry) break;
        }
        return false;
    }
    // y² = x³ + a·x + b on the Weierstrass form (the one the data crosses the interface in).
    bool on_curve_vartime(const AffinePoint& pa) const noexcept override {
        if (!limbs_lt_mask<N>(pa.x, e_.fp.m) || !limbs_lt_mask<N>(pa.y, e_.fp.m)) return false;
        u64 x[N], y[N], l[N], r[N], t[N];
        e_.fp.to_internal(x, pa.x);
        e_.fp.to_internal(y, pa.y);
        e_.fp.sqr(l, y);
        e_.fp.sqr(r, x);
        e_.fp.mul(r, r, x);
        e_.fp.mul(t, e_.wa, x);
        e_.fp.add(r, r, t);
        e_.fp.add(r, r, e_.wb);
        return limbs_eq_mask<N>(l, r) != 0;
    }
    // q·P = O on the Edwards form (exact: the map is a group isomorphism on the whole curve and
    // the law is complete).
    bool in_subgroup_vartime(const AffinePoint& pa) const noexcept override {
        typename E::Ext a, t;
        load(a, pa);
        e_.mul_ct(t, a, e_.q);
        return e_.is_identity_vartime(t);
    }
    bool self_check_vartime() const noexcept override;

  private:
    void load(typename E::Ext& a, const AffinePoint& pa) const noexcept {
        u64 x[N], y[N];
        e_.fp.to_internal(x, pa.x);
        e_.fp.to_internal(y, pa.y);
        e_.from_weierstrass(a, x, y);
    }
    static void store(ProjPoint& r, const typename E::Ext& p) noexcept {
        std::memset(&r, 0, sizeof(r));
        std::memcpy(r.w, p.x, sizeof(p.x));
        std::memcpy(r.w + N, p.y, sizeof(p.y));
        std::memcpy(r.w + 2 * N, p.z, sizeof(p.z));
    }
    E e_;
};

// The embedded constants agree: a and b recomputed from d are the set's, G maps onto the Edwards
// curve, q·G = O, (q−1)·G = −G and 2·G through every multiplier, and 2·G equals the affine
// Weierstrass doubling of G (λ = (3x² + a)/2y), which ties the Edwards law to the set's own.
template <class F>
bool EdwardsImpl<F>::self_check_vartime() const noexcept {
    const E& e = e_;
    if (!e.params_ok) return false;
    AffinePoint g{};
    e.fp.from_internal(g.x, e.gx);
    e.fp.from_internal(g.y, e.gy);
    if (!on_curve_vartime(g)) return false;
    const F& fp = e.fp;
    u64 qm1[N], one[N] = {1}, two[N] = {2};
    const u64 zero[N] = {};
    limbs_sub<N>(qm1, e.q, one);
    ProjPoint r;
    AffinePoint out;
    auto is = [&](const AffinePoint& want) {
        AffinePoint got;
        if (to_affine(got, r)) return false;
        return limbs_eq_mask<N>(got.x, want.x) && limbs_eq_mask<N>(got.y, want.y);
    };
    auto is_inf = [&] { return to_affine(out, r) != 0; };
    mul_base(r, e.q);
    bool all = is_inf();
    mul(r, g, e.q);
    all = all && is_inf();
    mul2_vartime(r, zero, g, e.q);
    all = all && is_inf();
    all = all && in_subgroup_vartime(g);
    // −G
    AffinePoint neg_g = g;
    {
        u64 y[N];
        fp.to_internal(y, g.y);
        fp.neg(y, y);
        fp.from_internal(neg_g.y, y);
    }
    mul_base(r, qm1);
    all = all && is(neg_g);
    mul(r, g, qm1);
    all = all && is(neg_g);
    mul2_vartime(r, zero, g, qm1);
    all = all && is(neg_g);
    mul2_vartime(r, qm1, g, zero);
    all = all && is(neg_g);
    // 2·G by the Weierstrass tangent
    AffinePoint g2{};
    {
        u64 x2[N], num[N], den[N], lam[N], x3[N], y3[N], w[N];
        fp.sqr(x2, e.gx);
        fp.add(num, x2, x2);
        fp.add(num, num, x2);
        fp.add(num, num, e.wa);
        fp.add(den, e.gy, e.gy);
        field_inv(fp, den, den);
        fp.mul(lam, num, den);
        fp.sqr(x3, lam);
        fp.sub(x3, x3, e.gx);
        fp.sub(x3, x3, e.gx);
        fp.sub(w, e.gx, x3);
        fp.mul(y3, lam, w);
        fp.sub(y3, y3, e.gy);
        fp.from_internal(g2.x, x3);
        fp.from_internal(g2.y, y3);
    }
    mul_base(r, two);
    all = all && is(g2);
    mul(r, g, two);
    all = all && is(g2);
    mul2_vartime(r, one, g, one);
    all = all && is(g2);
    return all;
}

// One EdwardsImpl per Edwards set of this field type, in static storage, built on first use.
template <class F, ParamSet S>
const CurveOps& edwards_instance(const std::uint8_t* d_be, const char* shape) noexcept {
    static const EdwardsImpl<F> obj(S, d_be, shape);
    return obj;
}

// The body of shape_ops<ed256|ed512, Adx>.
template <class F, FieldShape Shape>
const CurveOps& edwards_ops_for(ParamSet set, const char* shape) noexcept {
    if constexpr (Shape == FieldShape::ed256) {
        (void)set;  // the lookup only asks for tc26-256-A here
        return edwards_instance<F, ParamSet::tc26_256_a>(detail::edwards_d_256a, shape);
    } else {
        (void)set;  // tc26-512-C
        return edwards_instance<F, ParamSet::tc26_512_c>(detail::edwards_d_512c, shape);
    }
}

}  // namespace gostcsp::core::ec
