// SPDX-License-Identifier: Apache-2.0
// Short-Weierstrass curve arithmetic for GOST R 34.10-2012 (RFC 7091 §5–6): complete projective
// formulas (Renes–Costello–Batina 2016, Alg. 1–3 for any a; exact on the prime-order subgroup of
// every set, see is_true_identity for the cofactor-4 curves), constant-time fixed-base and
// variable-base scalar multiplication with signed (Booth) windows and masked table scans, and a
// variable-time double-scalar multiplication for verification only.
//
// Constant-time: mul_base_ct, mul_ct, to_affine and every point formula (complete formulas have
// no exceptional cases, so no branch on point values). *_vartime functions branch on the scalars
// and must only see public data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "ec_field.hpp"

namespace gostcsp::core::ec {

template <class F>
struct Curve {
    static constexpr std::size_t N = F::limbs;
    static constexpr unsigned base_w = 6;  // fixed-base window bits
    static constexpr unsigned base_windows = (64 * N + 1 + base_w - 1) / base_w;
    static constexpr unsigned base_entries = 1u << (base_w - 1);  // |digit| in 1..32
    static constexpr unsigned var_w = 5;                          // variable-base window
    static constexpr unsigned var_windows = (64 * N + 1 + var_w - 1) / var_w;
    static constexpr unsigned var_entries = 1u << (var_w - 1);  // 1..16

    struct Point {
        u64 x[N], y[N], z[N];
    };
    struct Affine {
        u64 x[N], y[N];
    };

    F fp;                     // the base field (internal representation per F)
    MontField<N, F::adx> fq;  // scalars mod q (Montgomery, on the field's arithmetic path)
    u64 a[N], b3[N];          // a and 3b, internal form
    bool a_is_minus3 = false;
    u64 q[N];  // the subgroup order, plain
    unsigned cofactor = 1;
    Affine g;  // base point, internal form
    // table[i·entries + j] = (j+1)·2^(6i)·G, affine, internal form (static storage, no heap).
    Affine table[base_windows * base_entries];
    // Odd multiples G, 3G, .., 63G (affine) for the width-7 wNAF of u1 in verification.
    static constexpr unsigned g_naf_w = 7;
    static constexpr unsigned g_odd = 1u << (g_naf_w - 2);
    Affine g_odd_tab[g_odd];

    // ---- construction (once per parameter set) ----
    // Loads big-endian constants; builds the fixed-base table.
    void init(const std::uint8_t* p_be, const std::uint8_t* a_be, const std::uint8_t* b_be,
              const std::uint8_t* q_be, const std::uint8_t* x_be, const std::uint8_t* y_be,
              unsigned cof) {
        u64 t[N];
        limbs_from_be<N>(t, p_be);
        fp.init(t);
        limbs_from_be<N>(q, q_be);
        fq.init(q);
        cofactor = cof;
        limbs_from_be<N>(t, a_be);
        fp.to_internal(a, t);
        u64 m3[N];
        const u64 three[N] = {3};
        fp.to_internal(m3, three);
        fp.neg(m3, m3);
        a_is_minus3 = limbs_eq_mask<N>(a, m3) != 0;
        limbs_from_be<N>(t, b_be);
        u64 b[N];
        fp.to_internal(b, t);
        fp.add(b3, b, b);
        fp.add(b3, b3, b);
        limbs_from_be<N>(t, x_be);
        fp.to_internal(g.x, t);
        limbs_from_be<N>(t, y_be);
        fp.to_internal(g.y, t);
        build_table();
        build_odd_multiples();
    }

    // ---- field helpers ----
    void mul_a(u64* r, const u64* x) const noexcept {
        if (a_is_minus3) {  // public curve property
            u64 t[N];
            fp.add(t, x, x);
            fp.add(t, t, x);
            fp.neg(r, t);
        } else {
            fp.mul(r, a, x);
        }
    }

    // ---- point formulas (complete; RCB 2016) ----
    void set_identity(Point& p) const noexcept {
        std::memset(&p, 0, sizeof(p));
        std::memcpy(p.y, fp.one(), sizeof(p.y));
    }
    void from_affine(Point& p, const Affine& a_) const noexcept {
        std::memcpy(p.x, a_.x, sizeof(p.x));
        std::memcpy(p.y, a_.y, sizeof(p.y));
        std::memcpy(p.z, fp.one(), sizeof(p.z));
    }

    // Algorithm 1: R = P + Q for any P, Q (including equal, opposite, identity).
    void add(Point& r, const Point& p, const Point& q_) const noexcept {
        u64 t0[N], t1[N], t2[N], t3[N], t4[N], t5[N], x3[N], y3[N], z3[N];
        fp.mul(t0, p.x, q_.x);
        fp.mul(t1, p.y, q_.y);
        fp.mul(t2, p.z, q_.z);
        fp.add(t3, p.x, p.y);
        fp.add(t4, q_.x, q_.y);
        fp.mul(t3, t3, t4);
        fp.add(t4, t0, t1);
        fp.sub(t3, t3, t4);
        fp.add(t4, p.x, p.z);
        fp.add(t5, q_.x, q_.z);
        fp.mul(t4, t4, t5);
        fp.add(t5, t0, t2);
        fp.sub(t4, t4, t5);
        fp.add(t5, p.y, p.z);
        fp.add(x3, q_.y, q_.z);
        fp.mul(t5, t5, x3);
        fp.add(x3, t1, t2);
        fp.sub(t5, t5, x3);
        mul_a(z3, t4);
        fp.mul(x3, b3, t2);
        fp.add(z3, x3, z3);
        fp.sub(x3, t1, z3);
        fp.add(z3, t1, z3);
        fp.mul(y3, x3, z3);
        fp.add(t1, t0, t0);
        fp.add(t1, t1, t0);
        mul_a(t2, t2);
        fp.mul(t4, b3, t4);
        fp.add(t1, t1, t2);
        fp.sub(t2, t0, t2);
        mul_a(t2, t2);
        fp.add(t4, t4, t2);
        fp.mul(t0, t1, t4);
        fp.add(y3, y3, t0);
        fp.mul(t0, t5, t4);
        fp.mul(x3, t3, x3);
        fp.sub(x3, x3, t0);
        fp.mul(t0, t3, t1);
        fp.mul(z3, t5, z3);
        fp.add(z3, z3, t0);
        std::memcpy(r.x, x3, sizeof(x3));
        std::memcpy(r.y, y3, sizeof(y3));
        std::memcpy(r.z, z3, sizeof(z3));
    }

    // Algorithm 2: R = P + Q with Q affine (Q must not be the identity; P may be).
    void add_mixed(Point& r, const Point& p, const Affine& q_) const noexcept {
        u64 t0[N], t1[N], t2[N], t3[N], t4[N], t5[N], x3[N], y3[N], z3[N];
        fp.mul(t0, p.x, q_.x);
        fp.mul(t1, p.y, q_.y);
        fp.add(t3, q_.x, q_.y);
        fp.add(t4, p.x, p.y);
        fp.mul(t3, t3, t4);
        fp.add(t4, t0, t1);
        fp.sub(t3, t3, t4);
        fp.mul(t4, q_.x, p.z);
        fp.add(t4, t4, p.x);
        fp.mul(t5, q_.y, p.z);
        fp.add(t5, t5, p.y);
        mul_a(z3, t4);
        fp.mul(x3, b3, p.z);
        fp.add(z3, x3, z3);
        fp.sub(x3, t1, z3);
        fp.add(z3, t1, z3);
        fp.mul(y3, x3, z3);
        fp.add(t1, t0, t0);
        fp.add(t1, t1, t0);
        mul_a(t2, p.z);
        fp.mul(t4, b3, t4);
        fp.add(t1, t1, t2);
        fp.sub(t2, t0, t2);
        mul_a(t2, t2);
        fp.add(t4, t4, t2);
        fp.mul(t0, t1, t4);
        fp.add(y3, y3, t0);
        fp.mul(t0, t5, t4);
        fp.mul(x3, t3, x3);
        fp.sub(x3, x3, t0);
        fp.mul(t0, t3, t1);
        fp.mul(z3, t5, z3);
        fp.add(z3, z3, t0);
        std::memcpy(r.x, x3, sizeof(x3));
        std::memcpy(r.y, y3, sizeof(y3));
        std::memcpy(r.z, z3, sizeof(z3));
    }

    // Algorithm 3: R = 2P for any P.
    void dbl(Point& r, const Point& p) const noexcept {
        u64 t0[N], t1[N], t2[N], t3[N], x3[N], y3[N], z3[N];
        fp.sqr(t0, p.x);
        fp.sqr(t1, p.y);
        fp.sqr(t2, p.z);
        fp.mul(t3, p.x, p.y);
        fp.add(t3, t3, t3);
        fp.mul(z3, p.x, p.z);
        fp.add(z3, z3, z3);
        mul_a(x3, z3);
        fp.mul(y3, b3, t2);
        fp.add(y3, x3, y3);
        fp.sub(x3, t1, y3);
        fp.add(y3, t1, y3);
        fp.mul(y3, x3, y3);
        fp.mul(x3, t3, x3);
        fp.mul(z3, b3, z3);
        mul_a(t2, t2);
        fp.sub(t3, t0, t2);
        mul_a(t3, t3);
        fp.add(t3, t3, z3);
        fp.add(z3, t0, t0);
        fp.add(t0, z3, t0);
        fp.add(t0, t0, t2);
        fp.mul(t0, t0, t3);
        fp.add(y3, y3, t0);
        fp.mul(t2, p.y, p.z);
        fp.add(t2, t2, t2);
        fp.mul(t0, t2, t3);
        fp.sub(x3, x3, t0);
        fp.mul(z3, t2, t1);
        fp.add(z3, z3, z3);
        fp.add(z3, z3, z3);
        std::memcpy(r.x, x3, sizeof(x3));
        std::memcpy(r.y, y3, sizeof(y3));
        std::memcpy(r.z, z3, sizeof(z3));
    }

    // ---- Jacobian coordinates (x = X/Z², y = Y/Z³): cheaper doubling and mixed addition, but
    // not complete. Callers rule out the exceptional cases (see the scalar multipliers below);
    // the *_vartime forms handle them with branches. The identity is any point with Z = 0.
    struct Jac {
        u64 x[N], y[N], z[N];
    };

    // 2P. a = −3: dbl-2001-b (3M + 5S); any a: dbl-2007-bl (1M + 8S + 1·a). Exact for every P of
    // odd order (no 2-torsion in the subgroup); maps Z = 0 to Z = 0.
    void jdbl(Jac& r, const Jac& p) const noexcept {
        u64 x3[N], y3[N], z3[N];
        if (a_is_minus3) {
            u64 delta[N], gamma[N], beta[N], alpha[N], t1[N], t2[N];
            fp.sqr(delta, p.z);
            fp.sqr(gamma, p.y);
            fp.mul(beta, p.x, gamma);
            fp.sub(t1, p.x, delta);
            fp.add(t2, p.x, delta);
            fp.mul(alpha, t1, t2);
            fp.add(t1, alpha, alpha);
            fp.add(alpha, t1, alpha);  // alpha = 3(X − δ)(X + δ)
            fp.add(z3, p.y, p.z);
            fp.sqr(z3, z3);
            fp.sub(z3, z3, gamma);
            fp.sub(z3, z3, delta);
            fp.add(beta, beta, beta);
            fp.add(beta, beta, beta);  // 4β
            fp.sqr(x3, alpha);
            fp.add(t1, beta, beta);
            fp.sub(x3, x3, t1);  // X3 = α² − 8β
            fp.sub(t1, beta, x3);
            fp.mul(y3, alpha, t1);
            fp.sqr(t2, gamma);
            fp.add(t2, t2, t2);
            fp.add(t2, t2, t2);
            fp.add(t2, t2, t2);  // 8γ²
            fp.sub(y3, y3, t2);
        } else {
            u64 xx[N], yy[N], yyyy[N], zz[N], sv[N], m[N], t[N];
            fp.sqr(xx, p.x);
            fp.sqr(yy, p.y);
            fp.sqr(yyyy, yy);
            fp.sqr(zz, p.z);
            fp.add(t, p.x, yy);
            fp.sqr(t, t);
            fp.sub(t, t, xx);
            fp.sub(t, t, yyyy);
            fp.add(sv, t, t);  // S
            fp.sqr(t, zz);
            mul_a(t, t);
            fp.add(m, xx, xx);
            fp.add(m, m, xx);
            fp.add(m, m, t);  // M = 3XX + a·ZZ²
            fp.add(z3, p.y, p.z);
            fp.sqr(z3, z3);
            fp.sub(z3, z3, yy);
            fp.sub(z3, z3, zz);
            fp.sqr(x3, m);
            fp.add(t, sv, sv);
            fp.sub(x3, x3, t);  // T = M² − 2S
            fp.sub(t, sv, x3);
            fp.mul(y3, m, t);
            fp.add(t, yyyy, yyyy);
            fp.add(t, t, t);
            fp.add(t, t, t);
            fp.sub(y3, y3, t);
        }
        std::memcpy(r.x, x3, sizeof(x3));
        std::memcpy(r.y, y3, sizeof(y3));
        std::memcpy(r.z, z3, sizeof(z3));
    }

    // P + Q (add-2007-bl, 11M + 5S). Requires P ≠ ±Q and neither the identity.
    // Also returns H = U2 − U1 and R = 2(S2 − S1) through h_out / r_out when asked.
    void jadd(Jac& r, const Jac& p, const Jac& q_, u64* h_out = nullptr,
              u64* r_out = nullptr) const noexcept {
        u64 z1z1[N], z2z2[N], u1[N], u2[N], s1[N], s2[N], h[N], i_[N], j[N], rr[N], v[N];
        u64 x3[N], y3[N], z3[N];
        fp.sqr(z1z1, p.z);
        fp.sqr(z2z2, q_.z);
        fp.mul(u1, p.x, z2z2);
        fp.mul(u2, q_.x, z1z1);
        fp.mul(s1, p.y, q_.z);
        fp.mul(s1, s1, z2z2);
        fp.mul(s2, q_.y, p.z);
        fp.mul(s2, s2, z1z1);
        fp.sub(h, u2, u1);
        fp.add(i_, h, h);
        fp.sqr(i_, i_);
        fp.mul(j, h, i_);
        fp.sub(rr, s2, s1);
        fp.add(rr, rr, rr);
        fp.mul(v, u1, i_);
        fp.sqr(x3, rr);
        fp.sub(x3, x3, j);
        fp.sub(x3, x3, v);
        fp.sub(x3, x3, v);
        fp.sub(y3, v, x3);
        fp.mul(y3, rr, y3);
        fp.mul(s1, s1, j);
        fp.add(s1, s1, s1);
        fp.sub(y3, y3, s1);
        fp.add(z3, p.z, q_.z);
        fp.sqr(z3, z3);
        fp.sub(z3, z3, z1z1);
        fp.sub(z3, z3, z2z2);
        fp.mul(z3, z3, h);
        if (h_out) std::memcpy(h_out, h, sizeof(h));
        if (r_out) std::memcpy(r_out, rr, sizeof(rr));
        std::memcpy(r.x, x3, sizeof(x3));
        std::memcpy(r.y, y3, sizeof(y3));
        std::memcpy(r.z, z3, sizeof(z3));
    }

    // P + Q with Q affine (madd-2007-bl, 7M + 4S). Requires P ≠ ±Q, P not the identity.
    void jmadd(Jac& r, const Jac& p, const Affine& q_, u64* h_out = nullptr,
               u64* r_out = nullptr) const noexcept {
        u64 z1z1[N], u2[N], s2[N], h[N], hh[N], i_[N], j[N], rr[N], v[N];
        u64 x3[N], y3[N], z3[N];
        fp.sqr(z1z1, p.z);
        fp.mul(u2, q_.x, z1z1);
        fp.mul(s2, q_.y, p.z);
        fp.mul(s2, s2, z1z1);
        fp.sub(h, u2, p.x);
        fp.sqr(hh, h);
        fp.add(i_, hh, hh);
        fp.add(i_, i_, i_);
        fp.mul(j, h, i_);
        fp.sub(rr, s2, p.y);
        fp.add(rr, rr, rr);
        fp.mul(v, p.x, i_);
        fp.sqr(x3, rr);
        fp.sub(x3, x3, j);
        fp.sub(x3, x3, v);
        fp.sub(x3, x3, v);
        fp.sub(y3, v, x3);
        fp.mul(y3, rr, y3);
        u64 t[N];
        fp.mul(t, p.y, j);
        fp.add(t, t, t);
        fp.sub(y3, y3, t);
        fp.add(z3, p.z, h);
        fp.sqr(z3, z3);
        fp.sub(z3, z3, z1z1);
        fp.sub(z3, z3, hh);
        if (h_out) std::memcpy(h_out, h, sizeof(h));
        if (r_out) std::memcpy(r_out, rr, sizeof(rr));
        std::memcpy(r.x, x3, sizeof(x3));
        std::memcpy(r.y, y3, sizeof(y3));
        std::memcpy(r.z, z3, sizeof(z3));
    }

    void jac_from_affine(Jac& r, const Affine& a_) const noexcept {
        std::memcpy(r.x, a_.x, sizeof(r.x));
        std::memcpy(r.y, a_.y, sizeof(r.y));
        std::memcpy(r.z, fp.one(), sizeof(r.z));
    }
    void jac_cmov(Jac& r, const Jac& a_, u64 mask) const noexcept {
        limbs_cmov<N>(r.x, a_.x, mask);
        limbs_cmov<N>(r.y, a_.y, mask);
        limbs_cmov<N>(r.z, a_.z, mask);
    }
    // Homogeneous projective (X·Z : Y : Z³); the identity becomes (0 : 1 : 0). Constant-time.
    void jac_to_proj(Point& r, const Jac& p) const noexcept {
        const u64 inf = limbs_is_zero_mask<N>(p.z);
        u64 z2[N];
        fp.mul(r.x, p.x, p.z);
        std::memcpy(r.y, p.y, sizeof(r.y));
        fp.sqr(z2, p.z);
        fp.mul(r.z, z2, p.z);
        limbs_cmov<N>(r.y, fp.one(), inf);
        u64 zero[N] = {};
        limbs_cmov<N>(r.x, zero, inf);
    }

    // Variable-time P + Q for any P, Q (public data only).
    void jadd_vartime(Jac& r, const Jac& p, const Jac& q_) const noexcept {
        if (limbs_is_zero_mask<N>(p.z)) {
            r = q_;
            return;
        }
        if (limbs_is_zero_mask<N>(q_.z)) {
            r = p;
            return;
        }
        u64 h[N], rr[N];
        Jac t;
        jadd(t, p, q_, h, rr);
        if (limbs_is_zero_mask<N>(h)) {
            if (limbs_is_zero_mask<N>(rr)) {
                jdbl(r, p);
            } else {
                std::memset(&r, 0, sizeof(r));  // P = −Q
            }
            return;
        }
        r = t;
    }

    // Variable-time P + Q for any P and an affine Q (public data only).
    void jmadd_vartime(Jac& r, const Jac& p, const Affine& q_) const noexcept {
        if (limbs_is_zero_mask<N>(p.z)) {
            jac_from_affine(r, q_);
            return;
        }
        u64 h[N], rr[N];
        Jac t;
        jmadd(t, p, q_, h, rr);
        if (limbs_is_zero_mask<N>(h)) {
            if (limbs_is_zero_mask<N>(rr))
                jdbl(r, p);
            else
                std::memset(&r, 0, sizeof(r));  // P = −Q
            return;
        }
        r = t;
    }

    // All-ones when P is the identity (Z = 0).
    u64 is_identity_mask(const Point& p) const noexcept { return limbs_is_zero_mask<N>(p.z); }
    // The RCB formulas are complete only on curves without rational 2-torsion. On the cofactor-4
    // sets they stay exact for points of the odd-order subgroup <P> (differences never have order
    // 2), but a point with a 2-torsion component can drive them to the degenerate (0:0:0). The
    // true identity is (0:Y:0) with Y ≠ 0; subgroup checks on untrusted points must use this.
    bool is_true_identity(const Point& p) const noexcept {
        return limbs_is_zero_mask<N>(p.z) && !limbs_is_zero_mask<N>(p.y);
    }

    // Affine coordinates (internal form); returns all-ones if P is the identity (then x=y=0).
    u64 to_affine(Affine& out, const Point& p) const noexcept {
        u64 zi[N];
        field_inv(fp, zi, p.z);
        fp.mul(out.x, p.x, zi);
        fp.mul(out.y, p.y, zi);
        return is_identity_mask(p);
    }

    // y^2 == x^3 + a·x + b for internal-form x, y (variable-time comparison is fine: public).
    bool on_curve(const Affine& pt) const noexcept {
        u64 l[N], r[N], t[N];
        fp.sqr(l, pt.y);
        fp.sqr(r, pt.x);
        fp.mul(r, r, pt.x);
        mul_a(t, pt.x);
        fp.add(r, r, t);
        // b = b3 / 3 is not stored; compare 3·(y^2 − x^3 − a·x) with b3 instead
        fp.sub(l, l, r);
        fp.add(t, l, l);
        fp.add(t, t, l);
        return limbs_eq_mask<N>(t, b3) != 0;
    }

    // ---- scalar recoding ----
    // Bits [pos, pos+count) of a little-endian limb scalar (pos may be negative: zeros below 0).
    static unsigned scalar_bits(const u64* k, int pos, unsigned count) noexcept {
        unsigned v = 0;
        for (unsigned i = 0; i < count; ++i) {
            const int b = pos + static_cast<int>(i);
            if (b < 0 || b >= static_cast<int>(64 * N)) continue;  // public positions
            v |= static_cast<unsigned>((k[b / 64] >> (b % 64)) & 1) << i;
        }
        return v;
    }
    // Booth recoding of a (w+1)-bit window: digit in [0, 2^(w-1)], sign 0/1 (branch-free).
    static void booth(unsigned in, unsigned w, unsigned& digit, unsigned& sign) noexcept {
        unsigned s = ~((in >> w) - 1);
        unsigned d = (1u << (w + 1)) - in - 1;
        d = (d & s) | (in & ~s);
        d = (d >> 1) + (d & 1);
        sign = s & 1;
        digit = d;
    }

    void cneg_y(u64* y, u64 mask) const noexcept {
        u64 ny[N];
        fp.neg(ny, y);
        limbs_cmov<N>(y, ny, mask);
    }

    // ---- fixed-base table ----
    void build_table() {
        Point b;
        from_affine(b, g);
        Point row[base_entries];
        for (unsigned i = 0; i < base_windows; ++i) {
            row[0] = b;
            for (unsigned j = 1; j < base_entries; ++j) add(row[j], row[j - 1], b);
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
                Affine& e = table[i * base_entries + j];
                fp.mul(e.x, row[j].x, zi);
                fp.mul(e.y, row[j].y, zi);
            }
            for (unsigned s = 0; s < base_w; ++s) dbl(b, b);
        }
    }

    void build_odd_multiples() {
        Point g1, g2, acc;
        from_affine(g1, g);
        dbl(g2, g1);
        acc = g1;
        for (unsigned j = 0; j < g_odd; ++j) {
            if (j > 0) add(acc, acc, g2);
            to_affine(g_odd_tab[j], acc);
        }
    }

    // Constant-time lookup of window i's digit: ±(digit)·2^(6i)·G, affine (garbage if digit 0).
    void base_lookup(Affine& t, const u64* k, unsigned i, unsigned& digit) const noexcept {
        const unsigned in = scalar_bits(k, static_cast<int>(base_w * i) - 1, base_w + 1);
        unsigned sign;
        booth(in, base_w, digit, sign);
        std::memset(&t, 0, sizeof(t));
        const Affine* row = &table[i * base_entries];
        for (unsigned j = 0; j < base_entries; ++j) {
            const u64 m = mask_is_zero(static_cast<u64>(digit ^ (j + 1)));
            limbs_cmov<N>(t.x, row[j].x, m);
            limbs_cmov<N>(t.y, row[j].y, m);
        }
        cneg_y(t.y, mask_from_bit(sign));
    }

    // R = k·G for 0 ≤ k < q, constant-time in k. The low windows use Jacobian mixed additions:
    // with k < q their partial sums are integers below 2^(6i) < q, so R = ±T cannot occur (and
    // R = O at the start is handled by a masked select). Only the top two windows can wrap past
    // q; they use the complete formula.
    void mul_base_ct(Point& r, const u64* k) const noexcept {
        Jac acc;
        std::memset(&acc, 0, sizeof(acc));  // Z = 0: identity
        for (unsigned i = 0; i + 2 < base_windows; ++i) {
            Affine t;
            unsigned digit;
            base_lookup(t, k, i, digit);
            Jac s_, tj;
            jmadd(s_, acc, t);
            jac_from_affine(tj, t);
            jac_cmov(s_, tj, limbs_is_zero_mask<N>(acc.z));  // R = O: the sum is T
            jac_cmov(s_, acc, mask_is_zero(digit));          // digit 0: keep R
            acc = s_;
            secure_wipe(t);
            secure_wipe(tj);
            secure_wipe(s_);
        }
        jac_to_proj(r, acc);
        secure_wipe(acc);
        for (unsigned i = base_windows - 2; i < base_windows; ++i) {
            Affine t;
            unsigned digit;
            base_lookup(t, k, i, digit);
            Point s_;
            add_mixed(s_, r, t);
            const u64 keep = mask_is_zero(digit);
            limbs_cmov<N>(s_.x, r.x, keep);
            limbs_cmov<N>(s_.y, r.y, keep);
            limbs_cmov<N>(s_.z, r.z, keep);
            r = s_;
            secure_wipe(t);
            secure_wipe(s_);
        }
    }

    // R = k·P for P in the prime-order subgroup (affine) and 0 ≤ k < q, constant-time in k and P,
    // in Jacobian coordinates. From the top window down the partial scalar only grows (Booth
    // digits are ≤ 16 in size, the prefix is ≥ 1 once non-zero and stays below q), so after the
    // doublings R = 32·prefix·P is never ±T = ±d·P; R = O before the first non-zero digit is
    // handled by a masked select. Used for VKO (k < q by construction).
    void mul_ct_jac(Point& r, const Affine& p, const u64* k) const noexcept {
        Jac tab[var_entries + 1];  // tab[j] = j·P, tab[0] unused (selected only with digit 0)
        std::memset(&tab[0], 0, sizeof(tab[0]));
        jac_from_affine(tab[1], p);
        jdbl(tab[2], tab[1]);
        for (unsigned j = 3; j <= var_entries; ++j) jmadd(tab[j], tab[j - 1], p);
        Jac acc;
        std::memset(&acc, 0, sizeof(acc));
        for (unsigned i = var_windows; i-- > 0;) {
            for (unsigned s = 0; s < var_w; ++s) jdbl(acc, acc);
            const unsigned in = scalar_bits(k, static_cast<int>(var_w * i) - 1, var_w + 1);
            unsigned digit, sign;
            booth(in, var_w, digit, sign);
            Jac t;
            std::memset(&t, 0, sizeof(t));
            for (unsigned j = 1; j <= var_entries; ++j)
                jac_cmov(t, tab[j], mask_is_zero(static_cast<u64>(digit ^ j)));
            cneg_y(t.y, mask_from_bit(sign));
            Jac s_;
            jadd(s_, acc, t);
            jac_cmov(s_, t, limbs_is_zero_mask<N>(acc.z));
            jac_cmov(s_, acc, mask_is_zero(digit));
            acc = s_;
            secure_wipe(t);
            secure_wipe(s_);
        }
        jac_to_proj(r, acc);
        secure_wipe(acc);
        secure_wipe(tab);
    }

    // R = k·P for any affine P and any k < 2^(64N), constant-time in k and P, with the complete
    // formulas only (used for subgroup checks of untrusted points, where k = q).
    void mul_ct(Point& r, const Affine& p, const u64* k) const noexcept {
        Point tab[var_entries + 1];  // tab[j] = j·P, tab[0] = identity
        set_identity(tab[0]);
        from_affine(tab[1], p);
        for (unsigned j = 2; j <= var_entries; ++j) {
            if (j % 2 == 0)
                dbl(tab[j], tab[j / 2]);
            else
                add(tab[j], tab[j - 1], tab[1]);
        }
        set_identity(r);
        for (unsigned i = var_windows; i-- > 0;) {
            for (unsigned s = 0; s < var_w; ++s) dbl(r, r);
            const unsigned in = scalar_bits(k, static_cast<int>(var_w * i) - 1, var_w + 1);
            unsigned digit, sign;
            booth(in, var_w, digit, sign);
            Point t;
            std::memset(&t, 0, sizeof(t));
            for (unsigned j = 0; j <= var_entries; ++j) {
                const u64 m = mask_is_zero(static_cast<u64>(digit ^ j));
                limbs_cmov<N>(t.x, tab[j].x, m);
                limbs_cmov<N>(t.y, tab[j].y, m);
                limbs_cmov<N>(t.z, tab[j].z, m);
            }
            cneg_y(t.y, mask_from_bit(sign));
            add(r, r, t);
            secure_wipe(t);
        }
        secure_wipe(tab);
    }

    // ---- verification only (variable time, public inputs) ----
    // Width-w NAF of k (64N+1 digits, odd digits in ±(2^w−1)); returns the number of digits.
    static unsigned wnaf_vartime(int* out, const u64* k_in, unsigned w) noexcept {
        u64 k[N + 1] = {};
        std::memcpy(k, k_in, N * sizeof(u64));
        unsigned len = 0;
        const int full = 1 << w, half = 1 << (w - 1);
        auto is_zero = [&] {
            for (std::size_t i = 0; i <= N; ++i)
                if (k[i]) return false;
            return true;
        };
        while (!is_zero()) {
            int d = 0;
            if (k[0] & 1) {
                d = static_cast<int>(k[0] & static_cast<u64>(full - 1));
                if (d >= half) d -= full;
                // k -= d
                if (d > 0) {
                    u64 borrow = static_cast<u64>(d);
                    for (std::size_t i = 0; i <= N && borrow; ++i) {
                        const u64 old = k[i];
                        k[i] -= borrow;
                        borrow = old < borrow ? 1 : 0;
                    }
                } else {
                    u64 carry = static_cast<u64>(-d);
                    for (std::size_t i = 0; i <= N && carry; ++i) {
                        k[i] += carry;
                        carry = k[i] < carry ? 1 : 0;
                    }
                }
            }
            out[len++] = d;
            for (std::size_t i = 0; i < N; ++i) k[i] = (k[i] >> 1) | (k[i + 1] << 63);
            k[N] >>= 1;
        }
        return len;
    }

    // R = u1·G + u2·P (variable time; for verification of public values only): interleaved
    // Strauss–Shamir over one doubling chain, u1 by a width-7 wNAF on the precomputed odd
    // multiples of G (affine), u2 by a width-5 wNAF on odd multiples of P (Jacobian); every
    // exceptional case of the incomplete formulas is handled by a branch.
    void mul2_vartime(Point& r, const u64* u1, const Affine& p, const u64* u2) const noexcept {
        constexpr unsigned w = 5;
        constexpr unsigned tn = 1u << (w - 2);  // odd multiples 1,3,..,15
        Jac tp[tn], p2;
        jac_from_affine(tp[0], p);
        jdbl(p2, tp[0]);
        for (unsigned j = 1; j < tn; ++j) jadd_vartime(tp[j], tp[j - 1], p2);
        int naf1[64 * N + 2], naf2[64 * N + 2];
        const unsigned len1 = wnaf_vartime(naf1, u1, g_naf_w);
        const unsigned len2 = wnaf_vartime(naf2, u2, w);
        Jac acc;
        std::memset(&acc, 0, sizeof(acc));
        for (unsigned i = len1 > len2 ? len1 : len2; i-- > 0;) {
            if (!limbs_is_zero_mask<N>(acc.z)) jdbl(acc, acc);
            const int d2 = i < len2 ? naf2[i] : 0;
            if (d2 != 0) {
                Jac t = tp[(d2 > 0 ? d2 : -d2) / 2];
                if (d2 < 0) fp.neg(t.y, t.y);
                jadd_vartime(acc, acc, t);
            }
            const int d1 = i < len1 ? naf1[i] : 0;
            if (d1 != 0) {
                Affine t = g_odd_tab[(d1 > 0 ? d1 : -d1) / 2];
                if (d1 < 0) fp.neg(t.y, t.y);
                jmadd_vartime(acc, acc, t);
            }
        }
        jac_to_proj(r, acc);
    }

    template <class T>
    static void secure_wipe(T& obj) noexcept {
        volatile unsigned char* p = reinterpret_cast<volatile unsigned char*>(&obj);
        for (std::size_t i = 0; i < sizeof(T); ++i) p[i] = 0;
    }
};

}  // namespace gostcsp::core::ec
