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
    static constexpr unsigned base_w = 6;                             // fixed-base window bits
    static constexpr unsigned base_windows = (64 * N + 1 + base_w - 1) / base_w;
    static constexpr unsigned base_entries = 1u << (base_w - 1);      // |digit| in 1..32
    static constexpr unsigned var_w = 5;                              // variable-base window
    static constexpr unsigned var_windows = (64 * N + 1 + var_w - 1) / var_w;
    static constexpr unsigned var_entries = 1u << (var_w - 1);        // 1..16

    struct Point {
        u64 x[N], y[N], z[N];
    };
    struct Affine {
        u64 x[N], y[N];
    };

    F fp;               // the base field (internal representation per F)
    MontField<N> fq;    // scalars mod q (Montgomery)
    u64 a[N], b3[N];    // a and 3b, internal form
    bool a_is_minus3 = false;
    u64 q[N];           // the subgroup order, plain
    unsigned cofactor = 1;
    Affine g;           // base point, internal form
    // table[i·entries + j] = (j+1)·2^(6i)·G, affine, internal form (static storage, no heap).
    Affine table[base_windows * base_entries];

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

    // R = k·G, constant-time in k (k < 2^(64N)).
    void mul_base_ct(Point& r, const u64* k) const noexcept {
        set_identity(r);
        for (unsigned i = 0; i < base_windows; ++i) {
            const unsigned in =
                scalar_bits(k, static_cast<int>(base_w * i) - 1, base_w + 1);
            unsigned digit, sign;
            booth(in, base_w, digit, sign);
            Affine t;
            std::memset(&t, 0, sizeof(t));
            const Affine* row = &table[i * base_entries];
            for (unsigned j = 0; j < base_entries; ++j) {
                const u64 m = mask_is_zero(static_cast<u64>(digit ^ (j + 1)));
                limbs_cmov<N>(t.x, row[j].x, m);
                limbs_cmov<N>(t.y, row[j].y, m);
            }
            cneg_y(t.y, mask_from_bit(sign));
            Point s;
            add_mixed(s, r, t);
            const u64 keep = mask_is_zero(digit);  // digit 0: the sum is garbage, keep r
            limbs_cmov<N>(s.x, r.x, keep);
            limbs_cmov<N>(s.y, r.y, keep);
            limbs_cmov<N>(s.z, r.z, keep);
            r = s;
            secure_wipe(t);
            secure_wipe(s);
        }
    }

    // R = k·P for an affine P (not the identity), constant-time in k and P.
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

    // R = u1·G + u2·P (variable time; for verification of public values only).
    void mul2_vartime(Point& r, const u64* u1, const Affine& p, const u64* u2) const noexcept {
        constexpr unsigned w = 5;
        constexpr unsigned tn = 1u << (w - 2);  // odd multiples 1,3,..,15
        Point tp[tn], tg[tn];
        from_affine(tp[0], p);
        Point p2;
        dbl(p2, tp[0]);
        for (unsigned j = 1; j < tn; ++j) add(tp[j], tp[j - 1], p2);
        from_affine(tg[0], g);
        dbl(p2, tg[0]);
        for (unsigned j = 1; j < tn; ++j) add(tg[j], tg[j - 1], p2);
        int n1[64 * N + 2], n2[64 * N + 2];
        const unsigned l1 = wnaf_vartime(n1, u1, w);
        const unsigned l2 = wnaf_vartime(n2, u2, w);
        set_identity(r);
        bool started = false;
        for (unsigned i = (l1 > l2 ? l1 : l2); i-- > 0;) {
            if (started) dbl(r, r);
            auto apply = [&](const Point* tab, int d) {
                if (d == 0) return;
                Point t = tab[(d > 0 ? d : -d) / 2];
                if (d < 0) fp.neg(t.y, t.y);
                add(r, r, t);
                started = true;
            };
            if (i < l1) apply(tg, n1[i]);
            if (i < l2) apply(tp, n2[i]);
        }
    }

    template <class T>
    static void secure_wipe(T& obj) noexcept {
        volatile unsigned char* p = reinterpret_cast<volatile unsigned char*>(&obj);
        for (std::size_t i = 0; i < sizeof(T); ++i) p[i] = 0;
    }
};

}  // namespace gostcsp::core::ec
