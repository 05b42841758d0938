// SPDX-License-Identifier: Apache-2.0
// The curve implementations (core/src/curve_ops.hpp) agree with each other: for every set, the
// MULX/ADX unit and the portable C++ unit (the reference) give the same results on the same
// random inputs, GOSTCSP_AGREE_COUNT per set per operation (default 10,000), plus the edge
// scalars 0, 1, 2, q−2, q−1. Within each path the three multipliers also agree algebraically
// (k·G by the fixed-base comb = k·G by the variable-base ladder = u1·G + u2·G by the
// double-scalar verifier with u1 + u2 = k), which needs no second path.
// The standard vectors and the gost-engine / Botan differential runs live elsewhere
// (core_gost3410_test, conformance/gost3410_diff); this test pins the paths to each other.
#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "curve_ops.hpp"
#include "ec_field.hpp"
#include "ec_limbs.hpp"

namespace {

using gostcsp::core::all_param_sets;
using gostcsp::core::param_set_info;
using gostcsp::core::ParamSet;
using namespace gostcsp::core::ec;

unsigned agree_count() {
    const char* env = std::getenv("GOSTCSP_AGREE_COUNT");
    if (env && *env) return static_cast<unsigned>(std::strtoul(env, nullptr, 10));
    return 10000;
}

struct Rng {
    std::mt19937_64 gen;
    explicit Rng(unsigned seed) : gen(seed) {}
    // A scalar below q: 64·n random bits reduced mod q.
    void scalar(const CurveOps& c, u64* out) {
        u64 raw[max_limbs] = {};
        for (std::size_t i = 0; i < c.limbs(); ++i) raw[i] = gen();
        std::memset(out, 0, 8 * max_limbs);
        c.scalar_reduce(out, raw);
    }
};

bool same_limbs(const u64* a, const u64* b, std::size_t n) {
    return std::memcmp(a, b, 8 * n) == 0;
}
std::string hex(const u64* a, std::size_t n) {
    std::string s;
    char buf[17];
    for (std::size_t i = n; i-- > 0;) {
        std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(a[i]));
        s += buf;
    }
    return s;
}

// Affine result of an operation, with the identity flagged.
struct Out {
    AffinePoint p{};
    bool inf = false;
};
bool same(const Out& a, const Out& b, std::size_t n) {
    return a.inf == b.inf && same_limbs(a.p.x, b.p.x, n) && same_limbs(a.p.y, b.p.y, n);
}
Out base(const CurveOps& c, const u64* k) {
    ProjPoint r;
    Out o;
    c.mul_base(r, k);
    o.inf = c.to_affine(o.p, r) != 0;
    return o;
}
Out var(const CurveOps& c, const AffinePoint& p, const u64* k) {
    ProjPoint r;
    Out o;
    c.mul(r, p, k);
    o.inf = c.to_affine(o.p, r) != 0;
    return o;
}
Out dbl_scalar(const CurveOps& c, const u64* u1, const AffinePoint& p, const u64* u2) {
    ProjPoint r;
    Out o;
    c.mul2_vartime(r, u1, p, u2);
    o.inf = c.to_affine(o.p, r) != 0;
    return o;
}

// verify's projective comparison: x(R) mod q = r exactly for r = x(R) mod q, and not for r + 1
void check_x_mod_q(const CurveOps& c, const u64* u1, const AffinePoint& p, const u64* u2,
                   const std::string& name) {
    ProjPoint r;
    c.mul2_vartime(r, u1, p, u2);
    AffinePoint a;
    const std::size_t n = c.limbs();
    if (c.to_affine(a, r)) {
        const u64 one[max_limbs] = {1};
        ASSERT_FALSE(c.x_mod_q_equals_vartime(r, one)) << name << " identity";
        return;
    }
    u64 xr[max_limbs] = {}, bumped[max_limbs] = {};
    const u64 one[max_limbs] = {1};
    c.scalar_reduce(xr, a.x);
    c.scalar_add(bumped, xr, one);
    ASSERT_TRUE(c.x_mod_q_equals_vartime(r, xr))
        << name << " " << c.shape_name() << " " << hex(xr, n);
    ASSERT_FALSE(c.x_mod_q_equals_vartime(r, bumped)) << name << " " << c.shape_name();
}

class CurveAgree : public ::testing::TestWithParam<ParamSet> {};

// Fixed-base, variable-base and double-scalar multiplication agree with each other on one path.
TEST_P(CurveAgree, MultipliersAgreeOnEveryPath) {
    for (Arith a : {Arith::portable, Arith::adx}) {
        const CurveOps* c = curve_ops(GetParam(), a);
        if (!c) continue;
        const std::size_t n = c->limbs();
        const u64 one[max_limbs] = {1};
        const Out g = base(*c, one);
        ASSERT_FALSE(g.inf);
        ASSERT_TRUE(c->on_curve_vartime(g.p));
        Rng rng(7);
        const unsigned count = agree_count() / 16 + 8;
        for (unsigned i = 0; i < count; ++i) {
            u64 k[max_limbs], u1[max_limbs], u2[max_limbs];
            rng.scalar(*c, k);
            rng.scalar(*c, u1);
            // u2 = k − u1 mod q = k + (q − u1)
            u64 neg[max_limbs] = {};
            const u64 zero[max_limbs] = {};
            if (!same_limbs(u1, zero, n)) {
                unsigned char bw = 0;
                for (std::size_t j = 0; j < n; ++j) bw = subb(bw, c->order()[j], u1[j], &neg[j]);
            }
            c->scalar_add(u2, k, neg);
            const Out b = base(*c, k);
            ASSERT_TRUE(same(b, var(*c, g.p, k), n)) << c->shape_name() << " k=" << hex(k, n);
            ASSERT_TRUE(same(b, dbl_scalar(*c, u1, g.p, u2), n))
                << c->shape_name() << " k=" << hex(k, n);
        }
    }
}

// The MULX/ADX unit and the portable reference give identical results.
TEST_P(CurveAgree, AdxAgreesWithPortableReference) {
    const CurveOps* ref = curve_ops(GetParam(), Arith::portable);
    const CurveOps* fast = curve_ops(GetParam(), Arith::adx);
    ASSERT_NE(ref, nullptr);
    if (!fast) GTEST_SKIP() << "no MULX/ADX path on this build or CPU";
    const std::size_t n = ref->limbs();
    ASSERT_EQ(n, fast->limbs());
    ASSERT_TRUE(same_limbs(ref->order(), fast->order(), n));
    const std::string name(param_set_info(GetParam()).name);
    Rng rng(static_cast<unsigned>(GetParam()) + 1);
    const u64 one[max_limbs] = {1};
    Out p = base(*ref, one);  // the running point: always in the subgroup
    const unsigned count = agree_count();
    // Edge scalars first, then random ones.
    u64 edges[5][max_limbs] = {{0}, {1}, {2}, {}, {}};
    const u64 two[max_limbs] = {2};
    {
        unsigned char bw = 0;
        for (std::size_t j = 0; j < n; ++j) bw = subb(bw, ref->order()[j], one[j], &edges[3][j]);
        bw = 0;
        for (std::size_t j = 0; j < n; ++j) bw = subb(bw, ref->order()[j], two[j], &edges[4][j]);
    }
    for (unsigned i = 0; i < count + 5; ++i) {
        u64 k[max_limbs] = {}, k2[max_limbs] = {};
        if (i < 5) {
            std::memcpy(k, edges[i], sizeof(k));
            std::memcpy(k2, edges[4 - i], sizeof(k2));
        } else {
            rng.scalar(*ref, k);
            rng.scalar(*ref, k2);
        }
        // scalar arithmetic mod q
        u64 r1[max_limbs] = {}, r2[max_limbs] = {};
        ref->scalar_mul(r1, k, k2);
        fast->scalar_mul(r2, k, k2);
        ASSERT_TRUE(same_limbs(r1, r2, n)) << name << " scalar_mul " << hex(k, n);
        ref->scalar_add(r1, k, k2);
        fast->scalar_add(r2, k, k2);
        ASSERT_TRUE(same_limbs(r1, r2, n)) << name << " scalar_add " << hex(k, n);
        ref->scalar_inv(r1, k);
        fast->scalar_inv(r2, k);
        ASSERT_TRUE(same_limbs(r1, r2, n)) << name << " scalar_inv " << hex(k, n);
        if (i != 0) {  // k ≠ 0: k·k^{-1} = 1
            u64 prod[max_limbs] = {};
            ref->scalar_mul(prod, r1, k);
            ASSERT_TRUE(same_limbs(prod, one, n)) << name << " k·k^-1 " << hex(k, n);
        }
        u64 raw[max_limbs] = {};
        for (std::size_t j = 0; j < n; ++j) raw[j] = rng.gen();
        ref->scalar_reduce(r1, raw);
        fast->scalar_reduce(r2, raw);
        ASSERT_TRUE(same_limbs(r1, r2, n)) << name << " scalar_reduce " << hex(raw, n);
        // point operations
        const Out b1 = base(*ref, k), b2 = base(*fast, k);
        ASSERT_TRUE(same(b1, b2, n)) << name << " mul_base k=" << hex(k, n);
        const Out v1 = var(*ref, p.p, k2), v2 = var(*fast, p.p, k2);
        ASSERT_TRUE(same(v1, v2, n)) << name << " mul k=" << hex(k2, n);
        const Out d1 = dbl_scalar(*ref, k, p.p, k2), d2 = dbl_scalar(*fast, k, p.p, k2);
        ASSERT_TRUE(same(d1, d2, n)) << name << " mul2 " << hex(k, n) << " " << hex(k2, n);
        if (i % 8 == 0) {
            check_x_mod_q(*ref, k, p.p, k2, name);
            check_x_mod_q(*fast, k, p.p, k2, name);
        }
        // validation: the result is on the curve for both; a perturbed y is not
        if (!v1.inf) {
            ASSERT_TRUE(ref->on_curve_vartime(v1.p) && fast->on_curve_vartime(v1.p)) << name;
            AffinePoint bad = v1.p;
            bad.y[0] ^= 1;
            ASSERT_EQ(ref->on_curve_vartime(bad), fast->on_curve_vartime(bad)) << name;
            ASSERT_FALSE(ref->on_curve_vartime(bad)) << name;
            p = v1;
        }
    }
}

// ---- the twisted Edwards units (tc26-256-A, tc26-512-C) against the Weierstrass code of the
// same set on the same path. Points of order 4 and 2 (computed from the RFC 7836 e, d: (s + t, s)
// and (t, 0) with s = (1 − d)/4, t = (1 + d)/6; the test checks they are on the curve and that
// twice the first is the second) drive the double multiplication and the subgroup check through
// the cofactor part of the group, which only public-key validation and verify can see.
struct Torsion {
    ParamSet set;
    u64 t4x[max_limbs], t4y[max_limbs], t2x[max_limbs];
};
const Torsion torsion_points[] = {
    {ParamSet::tc26_256_a,
     {0xace7c5118c2f5977ull, 0xbc5d80d1f36a9dc0ull, 0x38b45a5d95c39353ull, 0x7f7f80c605350075ull},
     {0x06b74f34a48e0ecdull, 0x35188275da3fd942ull, 0xaa1d0f18c14ab9fbull, 0x7e7e82520f9f015full},
     {0xa63075dce7a14aaaull, 0x8744fe5c192ac47eull, 0x8e974b44d478d958ull, 0x0100fe73f595ff15ull}},
    {ParamSet::tc26_512_c,
     {0xef26a6db1101748full, 0xc932995a7051d270ull, 0x14ed197a575d7b72ull, 0x9cc65d7f23e2ff71ull,
      0x02d1f2a27ea3fa5dull, 0x31baa6e3a8897bd7ull, 0x13b22ebaed630024ull, 0xb2ceb83455358988ull},
     {0xcd73f4913304621eull, 0x5b97cc0f50f57752ull, 0x3ec74c6f06187258ull, 0xd653187d6ba8fe53ull,
      0x0875d7e77bebef18ull, 0x952ff4aaf99c7385ull, 0x3b168c30c829006cull, 0x186c289cffa09c98ull},
     {0x21b2b249ddfd1271ull, 0x6d9acd4b1f5c5b1eull, 0xd625cd0b5145091aull, 0xc6734501b83a011dull,
      0xfa5c1abb02b80b44ull, 0x9c8ab238aeed0851ull, 0xd89ba28a2539ffb7ull, 0x9a628f975594ecefull}},
};

class EdwardsAgree : public ::testing::TestWithParam<ParamSet> {};

TEST_P(EdwardsAgree, EdwardsAgreesWithWeierstrass) {
    const Torsion* tor = nullptr;
    for (const Torsion& t : torsion_points)
        if (t.set == GetParam()) tor = &t;
    ASSERT_NE(tor, nullptr);
    const std::string name(param_set_info(GetParam()).name);
    int paths = 0;
    for (Arith a : {Arith::adx, Arith::portable}) {
        const CurveOps* ed = curve_ops(GetParam(), a);
        const CurveOps* w = weierstrass_curve_ops(GetParam(), a);
        if (!ed || !w) continue;
        // the full count on the first path present; the second is pinned to it by
        // AdxAgreesWithPortableReference, so it gets a share
        const unsigned count = paths++ == 0 ? agree_count() : agree_count() / 8 + 8;
        const std::size_t n = w->limbs();
        ASSERT_EQ(n, ed->limbs());
        ASSERT_NE(std::string(ed->shape_name()), std::string(w->shape_name()));
        ASSERT_EQ(std::string(ed->shape_name()).substr(0, 2), "ed") << ed->shape_name();
        ASSERT_TRUE(same_limbs(ed->order(), w->order(), n));
        ASSERT_TRUE(same_limbs(ed->prime(), w->prime(), n));
        ASSERT_TRUE(ed->self_check_vartime()) << ed->shape_name();
        AffinePoint t4{}, t2{};
        std::memcpy(t4.x, tor->t4x, 8 * n);
        std::memcpy(t4.y, tor->t4y, 8 * n);
        std::memcpy(t2.x, tor->t2x, 8 * n);
        for (const CurveOps* c : {ed, w}) {
            ASSERT_TRUE(c->on_curve_vartime(t4)) << c->shape_name();
            ASSERT_TRUE(c->on_curve_vartime(t2)) << c->shape_name();
            ASSERT_FALSE(c->in_subgroup_vartime(t4)) << c->shape_name();
            ASSERT_FALSE(c->in_subgroup_vartime(t2)) << c->shape_name();
        }
        const u64 zero[max_limbs] = {}, one[max_limbs] = {1}, two[max_limbs] = {2};
        // 2·T4 = T2 and 4·T4 = O, through the double multiplication of both units
        const u64 four[max_limbs] = {4};
        for (const CurveOps* c : {ed, w}) {
            const Out twice = dbl_scalar(*c, zero, t4, two);
            ASSERT_FALSE(twice.inf) << c->shape_name();
            ASSERT_TRUE(same_limbs(twice.p.x, t2.x, n) && same_limbs(twice.p.y, t2.y, n))
                << c->shape_name() << " 2·T4 = " << hex(twice.p.x, n);
            ASSERT_TRUE(dbl_scalar(*c, zero, t4, four).inf) << c->shape_name();
            ASSERT_TRUE(dbl_scalar(*c, zero, t2, two).inf) << c->shape_name();
        }
        Rng rng(static_cast<unsigned>(GetParam()) + 101);
        Out p = base(*w, one);
        u64 edges[5][max_limbs] = {{0}, {1}, {2}, {}, {}};
        {
            unsigned char bw = 0;
            for (std::size_t j = 0; j < n; ++j) bw = subb(bw, w->order()[j], one[j], &edges[3][j]);
            bw = 0;
            for (std::size_t j = 0; j < n; ++j) bw = subb(bw, w->order()[j], two[j], &edges[4][j]);
        }
        for (unsigned i = 0; i < count + 5; ++i) {
            u64 k[max_limbs] = {}, k2[max_limbs] = {};
            if (i < 5) {
                std::memcpy(k, edges[i], sizeof(k));
                std::memcpy(k2, edges[4 - i], sizeof(k2));
            } else {
                rng.scalar(*w, k);
                rng.scalar(*w, k2);
            }
            const Out b1 = base(*w, k), b2 = base(*ed, k);
            ASSERT_TRUE(same(b1, b2, n)) << name << " mul_base k=" << hex(k, n);
            const Out v1 = var(*w, p.p, k2), v2 = var(*ed, p.p, k2);
            ASSERT_TRUE(same(v1, v2, n)) << name << " mul k=" << hex(k2, n);
            const Out d1 = dbl_scalar(*w, k, p.p, k2), d2 = dbl_scalar(*ed, k, p.p, k2);
            ASSERT_TRUE(same(d1, d2, n)) << name << " mul2 " << hex(k, n) << " " << hex(k2, n);
            if (i % 16 == 0) {
                // a point with a torsion component: Q = k·G + T4 (then + T2 on odd rounds)
                const AffinePoint& tp = (i / 16) % 2 ? t2 : t4;
                const Out q1 = dbl_scalar(*w, k, tp, one), q2 = dbl_scalar(*ed, k, tp, one);
                ASSERT_TRUE(same(q1, q2, n)) << name << " k·G + T " << hex(k, n);
                ASSERT_FALSE(q1.inf);
                ASSERT_TRUE(w->on_curve_vartime(q1.p) && ed->on_curve_vartime(q1.p)) << name;
                ASSERT_FALSE(w->in_subgroup_vartime(q1.p)) << name;
                ASSERT_FALSE(ed->in_subgroup_vartime(q1.p)) << name;
                const Out r1 = dbl_scalar(*w, k2, q1.p, k), r2 = dbl_scalar(*ed, k2, q1.p, k);
                ASSERT_TRUE(same(r1, r2, n)) << name << " mul2 on Q " << hex(k, n);
                check_x_mod_q(*w, k2, q1.p, k, name);
                check_x_mod_q(*ed, k2, q1.p, k, name);
                check_x_mod_q(*w, zero, tp, one, name);  // the torsion point itself
                check_x_mod_q(*ed, zero, tp, one, name);
                check_x_mod_q(*ed, k, p.p, k2, name);
                ASSERT_TRUE(w->in_subgroup_vartime(p.p) && ed->in_subgroup_vartime(p.p)) << name;
            }
            if (!v1.inf) p = v1;
        }
    }
    if (paths == 0) GTEST_FAIL() << "no implementation";
}

// The MULX/ADX field kernels against the portable field code on edge operands (0, 1, 2, c, p − 1,
// p − 2, 2^(64N−1), all-ones-below-p patterns) and random ones, for the moduli of the sets.
template <class Fast, class Ref>
void field_kernels_agree(const u64* modulus, const char* what) {
    constexpr std::size_t N = Fast::limbs;
    Fast f;
    Ref g;
    f.init(modulus);
    g.init(modulus);
    std::vector<std::array<u64, N>> vals;
    auto add = [&](std::array<u64, N> v) { vals.push_back(v); };
    std::array<u64, N> v{};
    add(v);
    v[0] = 1;
    add(v);
    v[0] = 2;
    add(v);
    v[0] = 0 - modulus[0];  // c for p = 2^(64N) − c
    add(v);
    for (u64 d : {1ull, 2ull, 3ull}) {
        std::array<u64, N> m{};
        for (std::size_t i = 0; i < N; ++i) m[i] = modulus[i];
        unsigned char bw = 0;
        for (std::size_t i = 0; i < N; ++i) bw = subb(bw, m[i], i == 0 ? d : 0, &m[i]);
        add(m);  // p − d
    }
    v = {};
    v[N - 1] = 1ull << 63;
    if (limbs_lt_mask<N>(v.data(), modulus)) add(v);
    std::mt19937_64 gen(99);
    for (int i = 0; i < 200; ++i) {
        std::array<u64, N> r{};
        for (auto& x : r) x = gen();
        r[N - 1] &= modulus[N - 1];
        if (limbs_lt_mask<N>(r.data(), modulus)) add(r);
    }
    for (const auto& a : vals)
        for (const auto& b : vals) {
            u64 r1[N], r2[N];
            f.mul(r1, a.data(), b.data());
            g.mul(r2, a.data(), b.data());
            ASSERT_TRUE(same_limbs(r1, r2, N))
                << what << " mul " << hex(a.data(), N) << " " << hex(b.data(), N);
        }
    for (const auto& a : vals) {
        u64 r1[N], r2[N];
        f.sqr(r1, a.data());
        g.sqr(r2, a.data());
        ASSERT_TRUE(same_limbs(r1, r2, N)) << what << " sqr " << hex(a.data(), N);
    }
}

TEST(FieldKernels, AdxAgreesWithPortableOnEdgeOperands) {
    if (!adx_available()) GTEST_SKIP() << "no MULX/ADX path on this build or CPU";
    for (const auto& info : all_param_sets()) {
        const CurveOps* c = weierstrass_curve_ops(info.id, Arith::portable);
        ASSERT_NE(c, nullptr);
        const u64* p = c->prime();
        const u64* q = c->order();
        if (c->limbs() == 4) {
            field_kernels_agree<MontField<4, true>, MontField<4, false>>(
                p, std::string(info.name).c_str());
            field_kernels_agree<MontField<4, true>, MontField<4, false>>(
                q, std::string(info.name).c_str());
            if (PseudoMersenneField<4>::applies(p))
                field_kernels_agree<PseudoMersenneField<4, true>, PseudoMersenneField<4, false>>(
                    p, std::string(info.name).c_str());
        } else {
            field_kernels_agree<MontField<8, true>, MontField<8, false>>(
                p, std::string(info.name).c_str());
            field_kernels_agree<MontField<8, true>, MontField<8, false>>(
                q, std::string(info.name).c_str());
            if (PseudoMersenneField<8>::applies(p))
                field_kernels_agree<PseudoMersenneField<8, true>, PseudoMersenneField<8, false>>(
                    p, std::string(info.name).c_str());
        }
    }
}

INSTANTIATE_TEST_SUITE_P(EdwardsSets, EdwardsAgree,
                         ::testing::Values(ParamSet::tc26_256_a, ParamSet::tc26_512_c),
                         [](const ::testing::TestParamInfo<ParamSet>& p) {
                             std::string s(param_set_info(p.param).name);
                             for (char& ch : s)
                                 if (ch == '-') ch = '_';
                             return s;
                         });

INSTANTIATE_TEST_SUITE_P(EverySet, CurveAgree,
                         ::testing::Values(ParamSet::gost2001_test, ParamSet::tc26_256_a,
                                           ParamSet::tc26_256_b, ParamSet::tc26_256_c,
                                           ParamSet::tc26_256_d, ParamSet::tc26_512_test,
                                           ParamSet::tc26_512_a, ParamSet::tc26_512_b,
                                           ParamSet::tc26_512_c),
                         [](const ::testing::TestParamInfo<ParamSet>& p) {
                             std::string s(param_set_info(p.param).name);
                             for (char& ch : s)
                                 if (ch == '-') ch = '_';
                             return s;
                         });

}  // namespace
