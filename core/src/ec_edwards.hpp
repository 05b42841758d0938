// SPDX-License-Identifier: Apache-2.0
// Twisted Edwards arithmetic for the two GOST R 34.10-2012 sets that have an Edwards form,
// tc26-256-A and tc26-512-C (RFC 7836 App. A; R 1323565.1.024-2019): e·u² + v² = 1 + d·u²·v² with
// e = 1 and d a non-square mod p, birationally equivalent to the set's Weierstrass curve
// y² = x³ + a·x + b through s = (e − d)/4, t = (e + d)/6 (a = s² − 3t², b = 2t³ − t·s²):
//   x = s(1 + v)/(1 − v) + t,  y = s(1 + v)/((1 − v)·u);   u = (x − t)/y,  v = (x − t − s)/(x − t +
//   s).
// Inputs and outputs stay Weierstrass; the conversions happen at the boundary (from_weierstrass,
// to_weierstrass). On these curves the only exceptional point of the map is the 2-torsion point
// (t, 0) ↔ (0, −1) (no other rational 2-torsion, no Edwards points at infinity: d is not a
// square), and both conversions handle it without a branch.
//
// Points are extended coordinates (Hisil–Wong–Carter–Dawson 2008): (X : Y : Z : T) with
// u = X/Z, v = Y/Z, T = X·Y/Z. With e = 1 a square and d a non-square the addition law is
// complete on the whole curve (Bernstein–Lange), so the formulas below have no exceptional case:
// the identity (0 : 1 : 1 : 0), equal and opposite operands, torsion components all go through
// the same straight-line code. Cost: addition 9M (8M with an affine table entry), doubling
// 4M + 4S (3M + 4S when T is not needed next).
//
// Constant-time: mul_base_ct, mul_ct, the formulas and both conversions (masked table scans, no
// branch or index on secret data). mul2_vartime branches on its scalars: public data only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "ec_curve.hpp"
#include "ec_field.hpp"

namespace gostcsp::core::ec {

template <class F>
struct Edwards {
    static constexpr std::size_t N = F::limbs;
    using W = Curve<F>;  // for the shared scalar recodings (scalar_bits, booth, wnaf_vartime)
    static constexpr unsigned base_w = 6;  // fixed-base signed window
    static constexpr unsigned base_windows = (64 * N + 1 + base_w - 1) / base_w;
    static constexpr unsigned base_entries = 1u << (base_w - 1);  // |digit| in 1..32
    static constexpr unsigned var_w = 5;                          // variable-base signed window
    static constexpr unsigned var_windows = (64 * N + 1 + var_w - 1) / var_w;
    static constexpr unsigned var_entries = 1u << (var_w - 1);  // 1..16
    static constexpr unsigned g_naf_w = 7;                      // verify: wNAF width for u1·G
    static constexpr unsigned g_odd = 1u << (g_naf_w - 2);      // G, 3G, .., 63G
    static constexpr unsigned p_naf_w = 5;                      // and for u2·P
    static constexpr unsigned p_odd = 1u << (p_naf_w - 2);      // P, 3P, .., 15P

    struct Ext {  // (X : Y : Z : T), T = XY/Z
        u64 x[N], y[N], z[N], t[N];
    };
    struct Niels {  // affine table entry (u, v, d·u·v)
        u64 x[N], y[N], kt[N];
    };
    struct Cached {  // projective operand (X, Y, Z, d·T)
        u64 x[N], y[N], z[N], kt[N];
    };

    F fp;                     // base field
    MontField<N, F::adx> fq;  // scalars mod q (on the field's arithmetic path)
    u64 q[N];                 // subgroup order, plain
    unsigned cofactor = 1;
    u64 d[N], s[N], t[N];    // Edwards d and the map constants (internal form)
    u64 wa[N], wb[N];        // the Weierstrass a, b (internal form), for validation
    u64 gx[N], gy[N];        // the Weierstrass base point (internal form)
    bool params_ok = false;  // a, b recomputed from d equal the set's a, b; G maps onto the curve
    Niels g;                 // the base point in Edwards form
    // table[i·entries + j] = (j+1)·2^(6i)·G (static storage, no heap)
    Niels table[base_windows * base_entries];
    Niels g_odd_tab[g_odd];

    // ---- construction (once per set): Weierstrass constants big-endian, and Edwards d
    void init(const std::uint8_t* p_be, const std::uint8_t* a_be, const std::uint8_t* b_be,
              const std::uint8_t* q_be, const std::uint8_t* x_be, const std::uint8_t* y_be,
              const std::uint8_t* d_be, unsigned cof) {
        u64 v[N];
        limbs_from_be<N>(v, p_be);
        fp.init(v);
        limbs_from_be<N>(q, q_be);
        fq.init(q);
        cofactor = cof;
        limbs_from_be<N>(v, a_be);
        fp.to_internal(wa, v);
        limbs_from_be<N>(v, b_be);
        fp.to_internal(wb, v);
        limbs_from_be<N>(v, x_be);
        fp.to_internal(gx, v);
        limbs_from_be<N>(v, y_be);
        fp.to_internal(gy, v);
        limbs_from_be<N>(v, d_be);
        fp.to_internal(d, v);
        // s = (1 − d)/4, t = (1 + d)/6
        const u64 four[N] = {4}, six[N] = {6};
        u64 i4[N], i6[N], w[N];
        fp.to_internal(w, four);
        field_inv(fp, i4, w);
        fp.to_internal(w, six);
        field_inv(fp, i6, w);
        fp.sub(w, fp.one(), d);
        fp.mul(s, w, i4);
        fp.add(w, fp.one(), d);
        fp.mul(t, w, i6);
        // a = s² − 3t², b = 2t³ − t·s² must be the set's own
        u64 s2[N], t2[N], a_[N], b_[N];
        fp.sqr(s2, s);
        fp.sqr(t2, t);
        fp.add(w, t2, t2);
        fp.add(w, w, t2);
        fp.sub(a_, s2, w);
        fp.add(w, t2, t2);
        fp.sub(w, w, s2);
        fp.mul(b_, w, t);
        params_ok = limbs_eq_mask<N>(a_, wa) && limbs_eq_mask<N>(b_, wb);
        Ext ge;
        from_weierstrass(ge, gx, gy);
        to_niels(g, ge);
        params_ok = params_ok && on_curve_niels(g);
        build_table();
        build_odd_multiples();
    }

    // ---- field helpers
    void cneg(u64* v, u64 mask) const noexcept {
        u64 n[N];
        fp.neg(n, v);
        limbs_cmov<N>(v, n, mask);
    }

    // ---- the boundary: Weierstrass <-> Edwards (internal-form coordinates), constant-time
    // Projectively, no inversion: with x' = x − t and W = y·(x' + s), U = x'·(x' + s),
    // V = (x' − s)·y: u = U/W, v = V/W, and (X : Y : Z : T) = (U·W : V·W : W² : U·V).
    // The 2-torsion point (t, 0) (W = 0) becomes (0 : −1 : 1 : 0).
    void from_weierstrass(Ext& r, const u64* x, const u64* y) const noexcept {
        u64 xt[N], xs[N], xm[N], w[N], uu[N], vv[N];
        fp.sub(xt, x, t);
        fp.add(xs, xt, s);
        fp.sub(xm, xt, s);
        fp.mul(w, y, xs);
        fp.mul(uu, xt, xs);
        fp.mul(vv, xm, y);
        fp.mul(r.x, uu, w);
        fp.mul(r.y, vv, w);
        fp.sqr(r.z, w);
        fp.mul(r.t, uu, vv);
        const u64 tor = limbs_is_zero_mask<N>(y);
        u64 minus_one[N];
        fp.neg(minus_one, fp.one());
        const u64 zero[N] = {};
        limbs_cmov<N>(r.x, zero, tor);
        limbs_cmov<N>(r.y, minus_one, tor);
        limbs_cmov<N>(r.z, fp.one(), tor);
        limbs_cmov<N>(r.t, zero, tor);
    }
    // Weierstrass (x, y) of (X : Y : Z) with one inversion: with m = s·(Z + Y)/((Z − Y)·X),
    // x = m·X + t, y = m·Z. Returns all-ones (and x = y = 0) for the identity (X = 0, Y = Z).
    // X = 0, Y = −Z (the 2-torsion point) comes out as (t, 0) by itself (the inverse of 0 is 0).
    u64 to_weierstrass(u64* x, u64* y, const u64* X, const u64* Y, const u64* Z) const noexcept {
        u64 zm[N], zp[N], den[N], inv[N], m[N];
        fp.sub(zm, Z, Y);
        fp.add(zp, Z, Y);
        fp.mul(den, zm, X);
        field_inv(fp, inv, den);
        fp.mul(m, s, zp);
        fp.mul(m, m, inv);
        fp.mul(x, m, X);
        fp.add(x, x, t);
        fp.mul(y, m, Z);
        const u64 inf = limbs_is_zero_mask<N>(X) & limbs_is_zero_mask<N>(zm);
        const u64 zero[N] = {};
        limbs_cmov<N>(x, zero, inf);
        limbs_cmov<N>(y, zero, inf);
        return inf;
    }

    // ---- points
    void set_identity(Ext& p) const noexcept {
        std::memset(&p, 0, sizeof(p));
        std::memcpy(p.y, fp.one(), sizeof(p.y));
        std::memcpy(p.z, fp.one(), sizeof(p.z));
    }
    void niels_identity(Niels& p) const noexcept {
        std::memset(&p, 0, sizeof(p));
        std::memcpy(p.y, fp.one(), sizeof(p.y));
    }
    void cached_identity(Cached& p) const noexcept {
        std::memset(&p, 0, sizeof(p));
        std::memcpy(p.y, fp.one(), sizeof(p.y));
        std::memcpy(p.z, fp.one(), sizeof(p.z));
    }
    void to_cached(Cached& r, const Ext& p) const noexcept {
        std::memcpy(r.x, p.x, sizeof(r.x));
        std::memcpy(r.y, p.y, sizeof(r.y));
        std::memcpy(r.z, p.z, sizeof(r.z));
        fp.mul(r.kt, p.t, d);
    }
    // Affine (u, v, d·u·v) of P (constant-time; one inversion).
    void to_niels(Niels& r, const Ext& p) const noexcept {
        u64 zi[N];
        field_inv(fp, zi, p.z);
        fp.mul(r.x, p.x, zi);
        fp.mul(r.y, p.y, zi);
        fp.mul(r.kt, r.x, r.y);
        fp.mul(r.kt, r.kt, d);
    }
    bool on_curve_niels(const Niels& p) const noexcept {
        u64 u2[N], v2[N], l[N], r[N];
        fp.sqr(u2, p.x);
        fp.sqr(v2, p.y);
        fp.add(l, u2, v2);
        fp.mul(r, u2, v2);
        fp.mul(r, r, d);
        fp.add(r, r, fp.one());
        return limbs_eq_mask<N>(l, r) != 0;
    }

    // R = P + Q (add-2008-hwcd, e = 1): A = X1X2, B = Y1Y2, C = T1·dT2, D = Z1Z2,
    // E = (X1 + Y1)(X2 + Y2) − A − B, F = D − C, G = D + C, H = B − A;
    // (X3, Y3, T3, Z3) = (EF, GH, EH, FG). Complete. 9M.
    void add(Ext& r, const Ext& p, const Cached& q_) const noexcept {
        u64 a_[N], b_[N], c_[N], d_[N], e[N], f[N], g_[N], h[N], w[N];
        fp.mul(a_, p.x, q_.x);
        fp.mul(b_, p.y, q_.y);
        fp.mul(c_, p.t, q_.kt);
        fp.mul(d_, p.z, q_.z);
        fp.add(e, p.x, p.y);
        fp.add(w, q_.x, q_.y);
        fp.mul(e, e, w);
        fp.sub(e, e, a_);
        fp.sub(e, e, b_);
        fp.sub(f, d_, c_);
        fp.add(g_, d_, c_);
        fp.sub(h, b_, a_);
        fp.mul(r.x, e, f);
        fp.mul(r.y, g_, h);
        fp.mul(r.t, e, h);
        fp.mul(r.z, f, g_);
    }
    // R = P + Q for an affine Q (Z2 = 1, D = Z1). Complete. 8M.
    void madd(Ext& r, const Ext& p, const Niels& q_) const noexcept {
        u64 a_[N], b_[N], c_[N], e[N], f[N], g_[N], h[N], w[N];
        fp.mul(a_, p.x, q_.x);
        fp.mul(b_, p.y, q_.y);
        fp.mul(c_, p.t, q_.kt);
        fp.add(e, p.x, p.y);
        fp.add(w, q_.x, q_.y);
        fp.mul(e, e, w);
        fp.sub(e, e, a_);
        fp.sub(e, e, b_);
        fp.sub(f, p.z, c_);
        fp.add(g_, p.z, c_);
        fp.sub(h, b_, a_);
        fp.mul(r.x, e, f);
        fp.mul(r.y, g_, h);
        fp.mul(r.t, e, h);
        fp.mul(r.z, f, g_);
    }
    // R = 2P (dbl-2008-hwcd, e = 1): A = X², B = Y², C = 2Z², E = (X + Y)² − A − B, G = A + B,
    // F = G − C, H = A − B; (X3, Y3, Z3, T3) = (EF, GH, FG, EH). T3 only when WithT (the next
    // operation is an addition). Complete. 4S + 3M (+1M).
    template <bool WithT = true>
    void dbl(Ext& r, const Ext& p) const noexcept {
        u64 a_[N], b_[N], c_[N], e[N], f[N], g_[N], h[N];
        fp.sqr(a_, p.x);
        fp.sqr(b_, p.y);
        fp.sqr(c_, p.z);
        fp.add(c_, c_, c_);
        fp.add(e, p.x, p.y);
        fp.sqr(e, e);
        fp.sub(e, e, a_);
        fp.sub(e, e, b_);
        fp.add(g_, a_, b_);
        fp.sub(f, g_, c_);
        fp.sub(h, a_, b_);
        fp.mul(r.x, e, f);
        fp.mul(r.y, g_, h);
        fp.mul(r.z, f, g_);
        if constexpr (WithT) fp.mul(r.t, e, h);
    }
    // X = 0 and Y = Z (exact: the law is complete, there is no degenerate representation).
    bool is_identity_vartime(const Ext& p) const noexcept {
        u64 w[N];
        fp.sub(w, p.y, p.z);
        return limbs_is_zero_mask<N>(p.x) && limbs_is_zero_mask<N>(w);
    }

    // ---- tables (construction only; public data)
    void build_table() {
        Ext b;
        from_weierstrass(b, gx, gy);
        for (unsigned i = 0; i < base_windows; ++i) {
            Ext row[base_entries];
            Cached bc;
            to_cached(bc, b);
            row[0] = b;
            for (unsigned j = 1; j < base_entries; ++j) add(row[j], row[j - 1], bc);
            // batch inversion of the row's Z (Montgomery's trick)
            u64 acc[base_entries][N];
            std::memcpy(acc[0], row[0].z, sizeof(acc[0]));
            for (unsigned j = 1; j < base_entries; ++j) fp.mul(acc[j], acc[j - 1], row[j].z);
            u64 inv[N];
            field_inv(fp, inv, acc[base_entries - 1]);
            for (unsigned j = base_entries; j-- > 0;) {
                u64 zi[N];
                if (j > 0) {
                    fp.mul(zi, inv, acc[j - 1]);
                    fp.mul(inv, inv, row[j].z);
                } else {
                    std::memcpy(zi, inv, sizeof(zi));
                }
                Niels& e = table[i * base_entries + j];
                fp.mul(e.x, row[j].x, zi);
                fp.mul(e.y, row[j].y, zi);
                fp.mul(e.kt, e.x, e.y);
                fp.mul(e.kt, e.kt, d);
            }
            for (unsigned k = 0; k < base_w; ++k) dbl(b, b);
        }
    }
    void build_odd_multiples() {
        Ext g1, acc;
        from_weierstrass(g1, gx, gy);
        Ext g2;
        dbl(g2, g1);
        Cached g2c;
        to_cached(g2c, g2);
        acc = g1;
        for (unsigned j = 0; j < g_odd; ++j) {
            if (j > 0) add(acc, acc, g2c);
            to_niels(g_odd_tab[j], acc);
        }
    }

    // ---- constant-time scalar multiplication
    // ±digit·2^(6i)·G for window i of k; the identity when the digit is 0 (masked scan).
    void base_lookup(Niels& r, const u64* k, unsigned i) const noexcept {
        const unsigned in = W::scalar_bits(k, static_cast<int>(base_w * i) - 1, base_w + 1);
        unsigned digit, sign;
        W::booth(in, base_w, digit, sign);
        niels_identity(r);
        const Niels* row = &table[i * base_entries];
        for (unsigned j = 0; j < base_entries; ++j) {
            const u64 m = mask_is_zero(static_cast<u64>(digit ^ (j + 1)));
            limbs_cmov<N>(r.x, row[j].x, m);
            limbs_cmov<N>(r.y, row[j].y, m);
            limbs_cmov<N>(r.kt, row[j].kt, m);
        }
        const u64 neg = mask_from_bit(sign);  // −(u, v) = (−u, v)
        cneg(r.x, neg);
        cneg(r.kt, neg);
    }
    // R = k·G for any k < 2^(64N), constant-time in k: one complete mixed addition per window.
    void mul_base_ct(Ext& r, const u64* k) const noexcept {
        set_identity(r);
        for (unsigned i = 0; i < base_windows; ++i) {
            Niels e;
            base_lookup(e, k, i);
            madd(r, r, e);
            secure_wipe(e);
        }
    }
    // R = k·P for any point P of the curve and any k < 2^(64N), constant-time in k and P:
    // signed 5-bit windows over j·P (j = 0..16, 0 the identity), complete formulas throughout.
    void mul_ct(Ext& r, const Ext& p, const u64* k) const noexcept {
        Cached tab[var_entries + 1];
        cached_identity(tab[0]);
        to_cached(tab[1], p);
        Ext cur;
        dbl(cur, p);
        to_cached(tab[2], cur);
        for (unsigned j = 3; j <= var_entries; ++j) {
            add(cur, cur, tab[1]);
            to_cached(tab[j], cur);
        }
        Ext acc;
        set_identity(acc);
        for (unsigned i = var_windows; i-- > 0;) {
            if (i + 1 != var_windows) {  // the top window starts from the identity (public)
                for (unsigned s_ = 0; s_ + 1 < var_w; ++s_) dbl<false>(acc, acc);
                dbl<true>(acc, acc);
            }
            const unsigned in = W::scalar_bits(k, static_cast<int>(var_w * i) - 1, var_w + 1);
            unsigned digit, sign;
            W::booth(in, var_w, digit, sign);
            Cached e;
            cached_identity(e);
            for (unsigned j = 1; j <= var_entries; ++j) {
                const u64 m = mask_is_zero(static_cast<u64>(digit ^ j));
                limbs_cmov<N>(e.x, tab[j].x, m);
                limbs_cmov<N>(e.y, tab[j].y, m);
                limbs_cmov<N>(e.z, tab[j].z, m);
                limbs_cmov<N>(e.kt, tab[j].kt, m);
            }
            const u64 neg = mask_from_bit(sign);
            cneg(e.x, neg);
            cneg(e.kt, neg);
            add(acc, acc, e);
            secure_wipe(e);
        }
        r = acc;
        secure_wipe(acc);
        secure_wipe(cur);
        secure_wipe(tab);
    }

    // ---- verification only (variable time, public inputs)
    // R = u1·G + u2·P: interleaved Strauss–Shamir over one doubling chain, width-7 wNAF of u1 on
    // the affine odd multiples of G, width-5 wNAF of u2 on odd multiples of P. Complete formulas:
    // the branches are on the (public) digits only.
    void mul2_vartime(Ext& r, const u64* u1, const Ext& p, const u64* u2) const noexcept {
        Cached tp[p_odd];
        Ext cur, p2;
        dbl(p2, p);
        Cached p2c;
        to_cached(p2c, p2);
        cur = p;
        to_cached(tp[0], cur);
        for (unsigned j = 1; j < p_odd; ++j) {
            add(cur, cur, p2c);
            to_cached(tp[j], cur);
        }
        int naf1[64 * N + 2], naf2[64 * N + 2];
        const unsigned len1 = W::wnaf_vartime(naf1, u1, g_naf_w);
        const unsigned len2 = W::wnaf_vartime(naf2, u2, p_naf_w);
        Ext acc;
        set_identity(acc);
        bool started = false;
        for (unsigned i = len1 > len2 ? len1 : len2; i-- > 0;) {
            const int d1 = i < len1 ? naf1[i] : 0;
            const int d2 = i < len2 ? naf2[i] : 0;
            if (started) {
                if (d1 != 0 || d2 != 0)
                    dbl<true>(acc, acc);
                else
                    dbl<false>(acc, acc);  // T is recomputed before it is read
            }
            if (d2 != 0) {
                Cached e = tp[(d2 > 0 ? d2 : -d2) / 2];
                if (d2 < 0) {
                    fp.neg(e.x, e.x);
                    fp.neg(e.kt, e.kt);
                }
                add(acc, acc, e);
                started = true;
            }
            if (d1 != 0) {
                Niels e = g_odd_tab[(d1 > 0 ? d1 : -d1) / 2];
                if (d1 < 0) {
                    fp.neg(e.x, e.x);
                    fp.neg(e.kt, e.kt);
                }
                madd(acc, acc, e);
                started = true;
            }
        }
        r = acc;
    }

    template <class T>
    static void secure_wipe(T& obj) noexcept {
        volatile unsigned char* p = reinterpret_cast<volatile unsigned char*>(&obj);
        for (std::size_t i = 0; i < sizeof(T); ++i) p[i] = 0;
    }
};

}  // namespace gostcsp::core::ec
