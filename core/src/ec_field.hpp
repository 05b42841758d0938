// SPDX-License-Identifier: Apache-2.0
// Prime-field and scalar arithmetic on fixed 64-bit limbs for GOST R 34.10-2012 (RFC 7091 §5):
// a generic Montgomery field (any odd modulus) and a pseudo-Mersenne field (p = 2^(64N) − c).
//
// Every function here is constant-time in its operands (no branches or memory indices that depend
// on limb values); only the modulus and public exponents steer control flow. No heap.
#pragma once

#include "ec_limbs.hpp"

namespace gostcsp::core::ec {

// Shared modular add/sub/neg for any modulus m < 2^(64N); inputs fully reduced.
template <std::size_t N>
struct ModBase {
    static constexpr std::size_t limbs = N;
    u64 m[N];

    inline void add(u64* r, const u64* a, const u64* b) const noexcept {
        u64 s[N], d[N];
        unsigned char c = 0, bw = 0;
        GOSTCSP_UNROLL
        for (std::size_t i = 0; i < N; ++i) c = addc(c, a[i], b[i], &s[i]);
        GOSTCSP_UNROLL
        for (std::size_t i = 0; i < N; ++i) bw = subb(bw, s[i], m[i], &d[i]);
        u64 dummy;
        bw = subb(bw, c, 0, &dummy);  // borrow out ⟺ no carry and s < m: keep s
        const u64 keep = static_cast<u64>(0) - bw;
        GOSTCSP_UNROLL
        for (std::size_t i = 0; i < N; ++i) r[i] = (s[i] & keep) | (d[i] & ~keep);
    }
    inline void sub(u64* r, const u64* a, const u64* b) const noexcept {
        u64 d[N];
        unsigned char bw = 0, c = 0;
        GOSTCSP_UNROLL
        for (std::size_t i = 0; i < N; ++i) bw = subb(bw, a[i], b[i], &d[i]);
        const u64 mask = static_cast<u64>(0) - bw;
        GOSTCSP_UNROLL
        for (std::size_t i = 0; i < N; ++i) c = addc(c, d[i], m[i] & mask, &r[i]);
    }
    void neg(u64* r, const u64* a) const noexcept {
        u64 z[N] = {};
        sub(r, z, a);
    }
    void dbl(u64* r, const u64* a) const noexcept { add(r, a, a); }
};

// Multiplies two N-limb numbers into 2N limbs (schoolbook, operand scanning).
template <std::size_t N>
inline void mul_wide(u64* t, const u64* a, const u64* b) noexcept {
    GOSTCSP_UNROLL
    for (std::size_t i = 0; i < 2 * N; ++i) t[i] = 0;
    GOSTCSP_UNROLL
    for (std::size_t i = 0; i < N; ++i) {
        u64 carry = 0;
        GOSTCSP_UNROLL
        for (std::size_t j = 0; j < N; ++j) {
            u128 p = static_cast<u128>(a[i]) * b[j] + t[i + j] + carry;
            t[i + j] = static_cast<u64>(p);
            carry = static_cast<u64>(p >> 64);
        }
        t[i + N] = carry;
    }
}

// Squares an N-limb number into 2N limbs (cross products once, doubled, plus the diagonal).
template <std::size_t N>
inline void sqr_wide(u64* t, const u64* a) noexcept {
    GOSTCSP_UNROLL
    for (std::size_t i = 0; i < 2 * N; ++i) t[i] = 0;
    GOSTCSP_UNROLL
    for (std::size_t i = 0; i < N; ++i) {
        u64 carry = 0;
        GOSTCSP_UNROLL
        for (std::size_t j = i + 1; j < N; ++j) {
            u128 p = static_cast<u128>(a[i]) * a[j] + t[i + j] + carry;
            t[i + j] = static_cast<u64>(p);
            carry = static_cast<u64>(p >> 64);
        }
        t[i + N] = carry;
    }
    u64 top = 0;
    GOSTCSP_UNROLL
    for (std::size_t i = 0; i < 2 * N; ++i) {
        const u64 nt = t[i] >> 63;
        t[i] = (t[i] << 1) | top;
        top = nt;
    }
    u64 carry = 0;
    GOSTCSP_UNROLL
    for (std::size_t i = 0; i < N; ++i) {
        u128 p = static_cast<u128>(a[i]) * a[i];
        u128 s = static_cast<u128>(t[2 * i]) + static_cast<u64>(p) + carry;
        t[2 * i] = static_cast<u64>(s);
        s = static_cast<u128>(t[2 * i + 1]) + static_cast<u64>(p >> 64) + static_cast<u64>(s >> 64);
        t[2 * i + 1] = static_cast<u64>(s);
        carry = static_cast<u64>(s >> 64);
    }
}

#if GOSTCSP_EC_ASM
// 4×4-limb product with MULX/ADCX/ADOX (BMI2 + ADX; callers check the CPU first). Two carry
// chains per row; five rotating accumulators.
inline void mul_wide4_adx(u64* t, const u64* a, const u64* b) noexcept {
    u64 A0, A1, A2, A3, A4, lo, hi, z;
    // volatile: the results leave through memory, not through the register outputs
    __asm__ __volatile__(
        // row 0
        "movq 0(%[b]), %%rdx\n\t"
        "mulxq 0(%[a]), %[A0], %[A1]\n\t"
        "mulxq 8(%[a]), %[lo], %[A2]\n\t"
        "addq %[lo], %[A1]\n\t"
        "mulxq 16(%[a]), %[lo], %[A3]\n\t"
        "adcq %[lo], %[A2]\n\t"
        "mulxq 24(%[a]), %[lo], %[A4]\n\t"
        "adcq %[lo], %[A3]\n\t"
        "adcq $0, %[A4]\n\t"
        "movq %[A0], 0(%[t])\n\t"
        // row 1: r1..r4 = A1..A4, new r5 = A0
        "movq 8(%[b]), %%rdx\n\t"
        "xorq %[z], %[z]\n\t"
        "mulxq 0(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[A1]\n\t"
        "adcxq %[hi], %[A2]\n\t"
        "mulxq 8(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[A2]\n\t"
        "adcxq %[hi], %[A3]\n\t"
        "mulxq 16(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[A3]\n\t"
        "adcxq %[hi], %[A4]\n\t"
        "mulxq 24(%[a]), %[lo], %[A0]\n\t"
        "adoxq %[lo], %[A4]\n\t"
        "adcxq %[z], %[A0]\n\t"
        "adoxq %[z], %[A0]\n\t"
        "movq %[A1], 8(%[t])\n\t"
        // row 2: r2..r5 = A2 A3 A4 A0, new r6 = A1
        "movq 16(%[b]), %%rdx\n\t"
        "xorq %[z], %[z]\n\t"
        "mulxq 0(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[A2]\n\t"
        "adcxq %[hi], %[A3]\n\t"
        "mulxq 8(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[A3]\n\t"
        "adcxq %[hi], %[A4]\n\t"
        "mulxq 16(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[A4]\n\t"
        "adcxq %[hi], %[A0]\n\t"
        "mulxq 24(%[a]), %[lo], %[A1]\n\t"
        "adoxq %[lo], %[A0]\n\t"
        "adcxq %[z], %[A1]\n\t"
        "adoxq %[z], %[A1]\n\t"
        "movq %[A2], 16(%[t])\n\t"
        // row 3: r3..r6 = A3 A4 A0 A1, new r7 = A2
        "movq 24(%[b]), %%rdx\n\t"
        "xorq %[z], %[z]\n\t"
        "mulxq 0(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[A3]\n\t"
        "adcxq %[hi], %[A4]\n\t"
        "mulxq 8(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[A4]\n\t"
        "adcxq %[hi], %[A0]\n\t"
        "mulxq 16(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[A0]\n\t"
        "adcxq %[hi], %[A1]\n\t"
        "mulxq 24(%[a]), %[lo], %[A2]\n\t"
        "adoxq %[lo], %[A1]\n\t"
        "adcxq %[z], %[A2]\n\t"
        "adoxq %[z], %[A2]\n\t"
        "movq %[A3], 24(%[t])\n\t"
        "movq %[A4], 32(%[t])\n\t"
        "movq %[A0], 40(%[t])\n\t"
        "movq %[A1], 48(%[t])\n\t"
        "movq %[A2], 56(%[t])\n\t"
        : [A0] "=&r"(A0), [A1] "=&r"(A1), [A2] "=&r"(A2), [A3] "=&r"(A3), [A4] "=&r"(A4),
          [lo] "=&r"(lo), [hi] "=&r"(hi), [z] "=&r"(z)
        : [a] "r"(a), [b] "r"(b), [t] "r"(t)
        : "rdx", "cc", "memory");
}

// p = 2^256 − c (c < 2^31): r = a·b mod p, fully reduced, in one MULX/ADX block. The low product
// limbs go to a stack scratch (r may alias a or b); the high ones stay in registers for the fold.
inline void pm4_mul_adx(u64* r, const u64* a, const u64* b, u64 c) noexcept {
    u64 A0, A1, A2, A3, A4, lo, hi, z;
    u64 tmp[3];
    const u64* ap = a;
    const u64* bp = b;
    __asm__ __volatile__(
        // ---- 4×4 product (as mul_wide4_adx), t0..t2 → tmp, t3..t7 in A3 A4 A0 A1 A2
        "movq 0(%[b]), %%rdx\n\t"
        "mulxq 0(%[a]), %[A0], %[A1]\n\t"
        "mulxq 8(%[a]), %[lo], %[A2]\n\t"
        "addq %[lo], %[A1]\n\t"
        "mulxq 16(%[a]), %[lo], %[A3]\n\t"
        "adcq %[lo], %[A2]\n\t"
        "mulxq 24(%[a]), %[lo], %[A4]\n\t"
        "adcq %[lo], %[A3]\n\t"
        "adcq $0, %[A4]\n\t"
        "movq %[A0], 0(%[tmp])\n\t"
        "movq 8(%[b]), %%rdx\n\t"
        "xorq %[z], %[z]\n\t"
        "mulxq 0(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[A1]\n\t"
        "adcxq %[hi], %[A2]\n\t"
        "mulxq 8(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[A2]\n\t"
        "adcxq %[hi], %[A3]\n\t"
        "mulxq 16(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[A3]\n\t"
        "adcxq %[hi], %[A4]\n\t"
        "mulxq 24(%[a]), %[lo], %[A0]\n\t"
        "adoxq %[lo], %[A4]\n\t"
        "adcxq %[z], %[A0]\n\t"
        "adoxq %[z], %[A0]\n\t"
        "movq %[A1], 8(%[tmp])\n\t"
        "movq 16(%[b]), %%rdx\n\t"
        "xorq %[z], %[z]\n\t"
        "mulxq 0(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[A2]\n\t"
        "adcxq %[hi], %[A3]\n\t"
        "mulxq 8(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[A3]\n\t"
        "adcxq %[hi], %[A4]\n\t"
        "mulxq 16(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[A4]\n\t"
        "adcxq %[hi], %[A0]\n\t"
        "mulxq 24(%[a]), %[lo], %[A1]\n\t"
        "adoxq %[lo], %[A0]\n\t"
        "adcxq %[z], %[A1]\n\t"
        "adoxq %[z], %[A1]\n\t"
        "movq %[A2], 16(%[tmp])\n\t"
        "movq 24(%[b]), %%rdx\n\t"
        "xorq %[z], %[z]\n\t"
        "mulxq 0(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[A3]\n\t"
        "adcxq %[hi], %[A4]\n\t"
        "mulxq 8(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[A4]\n\t"
        "adcxq %[hi], %[A0]\n\t"
        "mulxq 16(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[A0]\n\t"
        "adcxq %[hi], %[A1]\n\t"
        "mulxq 24(%[a]), %[lo], %[A2]\n\t"
        "adoxq %[lo], %[A1]\n\t"
        "adcxq %[z], %[A2]\n\t"
        "adoxq %[z], %[A2]\n\t"
        // ---- fold: u = t_lo + c·t_hi  (t4..t7 = A4 A0 A1 A2, t3 = A3)
        "movq %[c], %%rdx\n\t"
        "xorq %[z], %[z]\n\t"
        "mulxq %[A4], %[lo], %[hi]\n\t"  // lo:hi = c·t4
        "adoxq 0(%[tmp]), %[lo]\n\t"     // u0
        "mulxq %[A0], %[A4], %[a]\n\t"   // A4:a = c·t5
        "adoxq 8(%[tmp]), %[A4]\n\t"
        "adcxq %[hi], %[A4]\n\t"         // u1
        "mulxq %[A1], %[A0], %[hi]\n\t"  // A0:hi = c·t6
        "adoxq 16(%[tmp]), %[A0]\n\t"
        "adcxq %[a], %[A0]\n\t"         // u2
        "mulxq %[A2], %[A1], %[a]\n\t"  // A1:a = c·t7
        "adoxq %[A3], %[A1]\n\t"
        "adcxq %[hi], %[A1]\n\t"  // u3
        "adoxq %[z], %[a]\n\t"
        "adcxq %[z], %[a]\n\t"   // top word
        "imulq %%rdx, %[a]\n\t"  // top·c
        "addq %[a], %[lo]\n\t"
        "adcq %[z], %[A4]\n\t"
        "adcq %[z], %[A0]\n\t"
        "adcq %[z], %[A1]\n\t"
        "sbbq %[a], %[a]\n\t"  // a = −k (wrapped once)
        // w = u + c; take w if k or w carried out (u ≥ p)
        "movq %[lo], %[hi]\n\t"
        "addq %%rdx, %[hi]\n\t"
        "movq %[A4], %[A2]\n\t"
        "adcq %[z], %[A2]\n\t"
        "movq %[A0], %[A3]\n\t"
        "adcq %[z], %[A3]\n\t"
        "movq %[A1], %[b]\n\t"
        "adcq %[z], %[b]\n\t"
        "sbbq %[z], %[z]\n\t"
        "orq %[a], %[z]\n\t"
        "cmovnzq %[hi], %[lo]\n\t"
        "cmovnzq %[A2], %[A4]\n\t"
        "cmovnzq %[A3], %[A0]\n\t"
        "cmovnzq %[b], %[A1]\n\t"
        "movq %[lo], 0(%[r])\n\t"
        "movq %[A4], 8(%[r])\n\t"
        "movq %[A0], 16(%[r])\n\t"
        "movq %[A1], 24(%[r])\n\t"
        : [A0] "=&r"(A0), [A1] "=&r"(A1), [A2] "=&r"(A2), [A3] "=&r"(A3), [A4] "=&r"(A4),
          [lo] "=&r"(lo), [hi] "=&r"(hi), [z] "=&r"(z), [a] "+&r"(ap), [b] "+&r"(bp)
        : [r] "r"(r), [tmp] "r"(tmp), [c] "m"(c)  // c from memory: one register fewer (clang)
        : "rdx", "cc", "memory");
}

// p = 2^256 − c: r = a + b mod p (inputs < p), branch-free.
inline void pm4_add(u64* r, const u64* a, const u64* b, u64 c) noexcept {
    u64 s0, s1, s2, s3, w0, w1, w2, w3, k;
    __asm__ __volatile__(
        "movq 0(%[a]), %[s0]\n\t"
        "addq 0(%[b]), %[s0]\n\t"
        "movq 8(%[a]), %[s1]\n\t"
        "adcq 8(%[b]), %[s1]\n\t"
        "movq 16(%[a]), %[s2]\n\t"
        "adcq 16(%[b]), %[s2]\n\t"
        "movq 24(%[a]), %[s3]\n\t"
        "adcq 24(%[b]), %[s3]\n\t"
        "sbbq %[k], %[k]\n\t"
        "movq %[s0], %[w0]\n\t"
        "addq %[c], %[w0]\n\t"
        "movq %[s1], %[w1]\n\t"
        "adcq $0, %[w1]\n\t"
        "movq %[s2], %[w2]\n\t"
        "adcq $0, %[w2]\n\t"
        "movq %[s3], %[w3]\n\t"
        "adcq $0, %[w3]\n\t"
        "sbbq $0, %[k]\n\t"  // k = −carry1 − carry2: non-zero iff either carried
        "testq %[k], %[k]\n\t"
        "cmovnzq %[w0], %[s0]\n\t"
        "cmovnzq %[w1], %[s1]\n\t"
        "cmovnzq %[w2], %[s2]\n\t"
        "cmovnzq %[w3], %[s3]\n\t"
        "movq %[s0], 0(%[r])\n\t"
        "movq %[s1], 8(%[r])\n\t"
        "movq %[s2], 16(%[r])\n\t"
        "movq %[s3], 24(%[r])\n\t"
        : [s0] "=&r"(s0), [s1] "=&r"(s1), [s2] "=&r"(s2), [s3] "=&r"(s3), [w0] "=&r"(w0),
          [w1] "=&r"(w1), [w2] "=&r"(w2), [w3] "=&r"(w3), [k] "=&r"(k)
        : [a] "r"(a), [b] "r"(b), [r] "r"(r), [c] "r"(c)
        : "cc", "memory");
}

// p = 2^256 − c: r = a − b mod p (inputs < p), branch-free. A borrow means adding p, i.e.
// subtracting c modulo 2^256 (which cannot borrow again: the wrapped difference is ≥ c).
inline void pm4_sub(u64* r, const u64* a, const u64* b, u64 c) noexcept {
    u64 d0, d1, d2, d3, m;
    __asm__ __volatile__(
        "movq 0(%[a]), %[d0]\n\t"
        "subq 0(%[b]), %[d0]\n\t"
        "movq 8(%[a]), %[d1]\n\t"
        "sbbq 8(%[b]), %[d1]\n\t"
        "movq 16(%[a]), %[d2]\n\t"
        "sbbq 16(%[b]), %[d2]\n\t"
        "movq 24(%[a]), %[d3]\n\t"
        "sbbq 24(%[b]), %[d3]\n\t"
        "sbbq %[m], %[m]\n\t"
        "andq %[c], %[m]\n\t"
        "subq %[m], %[d0]\n\t"
        "sbbq $0, %[d1]\n\t"
        "sbbq $0, %[d2]\n\t"
        "sbbq $0, %[d3]\n\t"
        "movq %[d0], 0(%[r])\n\t"
        "movq %[d1], 8(%[r])\n\t"
        "movq %[d2], 16(%[r])\n\t"
        "movq %[d3], 24(%[r])\n\t"
        : [d0] "=&r"(d0), [d1] "=&r"(d1), [d2] "=&r"(d2), [d3] "=&r"(d3), [m] "=&r"(m)
        : [a] "r"(a), [b] "r"(b), [r] "r"(r), [c] "r"(c)
        : "cc", "memory");
}

// Montgomery product for any odd 4-limb modulus: r = a·b·2^-256 mod m (a, b < m), fused in one
// MULX/ADX block (CIOS: each row adds a·b[i] on two carry chains, then one reduction word
// k = T0·n0 and k·m on two chains; the zeroed low register becomes the new top word). mn holds
// m[0..3] and n0 = −m^{-1} mod 2^64. r may alias a or b (written at the end only).
inline void mont4_mul_adx(u64* r, const u64* a, const u64* b, const u64* mn) noexcept {
    u64 T0, T1, T2, T3, T4, T5, lo, hi, z;
    const u64* ap = a;
    u64* rp = r;
    __asm__ __volatile__(
        "xorl %k[T0], %k[T0]\n\t"
        "xorl %k[T1], %k[T1]\n\t"
        "xorl %k[T2], %k[T2]\n\t"
        "xorl %k[T3], %k[T3]\n\t"
        "xorl %k[T4], %k[T4]\n\t"
        "xorl %k[T5], %k[T5]\n\t"
        "movq 0(%[b]), %%rdx\n\t"
        "xorl %k[z], %k[z]\n\t"
        "mulxq 0(%[a]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T0]\n\t"
        "adoxq %[hi], %[T1]\n\t"
        "mulxq 8(%[a]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T1]\n\t"
        "adoxq %[hi], %[T2]\n\t"
        "mulxq 16(%[a]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T2]\n\t"
        "adoxq %[hi], %[T3]\n\t"
        "mulxq 24(%[a]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T3]\n\t"
        "adoxq %[hi], %[T4]\n\t"
        "adcxq %[z], %[T4]\n\t"
        "adoxq %[z], %[T5]\n\t"
        "adcxq %[z], %[T5]\n\t"
        "movq %[T0], %%rdx\n\t"
        "imulq 32(%[mn]), %%rdx\n\t"
        "xorl %k[z], %k[z]\n\t"
        "mulxq 0(%[mn]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T0]\n\t"
        "adoxq %[hi], %[T1]\n\t"
        "mulxq 8(%[mn]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T1]\n\t"
        "adoxq %[hi], %[T2]\n\t"
        "mulxq 16(%[mn]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T2]\n\t"
        "adoxq %[hi], %[T3]\n\t"
        "mulxq 24(%[mn]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T3]\n\t"
        "adoxq %[hi], %[T4]\n\t"
        "adcxq %[z], %[T4]\n\t"
        "adoxq %[z], %[T5]\n\t"
        "adcxq %[z], %[T5]\n\t"
        "movq 8(%[b]), %%rdx\n\t"
        "xorl %k[z], %k[z]\n\t"
        "mulxq 0(%[a]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T1]\n\t"
        "adoxq %[hi], %[T2]\n\t"
        "mulxq 8(%[a]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T2]\n\t"
        "adoxq %[hi], %[T3]\n\t"
        "mulxq 16(%[a]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T3]\n\t"
        "adoxq %[hi], %[T4]\n\t"
        "mulxq 24(%[a]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T4]\n\t"
        "adoxq %[hi], %[T5]\n\t"
        "adcxq %[z], %[T5]\n\t"
        "adoxq %[z], %[T0]\n\t"
        "adcxq %[z], %[T0]\n\t"
        "movq %[T1], %%rdx\n\t"
        "imulq 32(%[mn]), %%rdx\n\t"
        "xorl %k[z], %k[z]\n\t"
        "mulxq 0(%[mn]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T1]\n\t"
        "adoxq %[hi], %[T2]\n\t"
        "mulxq 8(%[mn]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T2]\n\t"
        "adoxq %[hi], %[T3]\n\t"
        "mulxq 16(%[mn]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T3]\n\t"
        "adoxq %[hi], %[T4]\n\t"
        "mulxq 24(%[mn]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T4]\n\t"
        "adoxq %[hi], %[T5]\n\t"
        "adcxq %[z], %[T5]\n\t"
        "adoxq %[z], %[T0]\n\t"
        "adcxq %[z], %[T0]\n\t"
        "movq 16(%[b]), %%rdx\n\t"
        "xorl %k[z], %k[z]\n\t"
        "mulxq 0(%[a]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T2]\n\t"
        "adoxq %[hi], %[T3]\n\t"
        "mulxq 8(%[a]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T3]\n\t"
        "adoxq %[hi], %[T4]\n\t"
        "mulxq 16(%[a]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T4]\n\t"
        "adoxq %[hi], %[T5]\n\t"
        "mulxq 24(%[a]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T5]\n\t"
        "adoxq %[hi], %[T0]\n\t"
        "adcxq %[z], %[T0]\n\t"
        "adoxq %[z], %[T1]\n\t"
        "adcxq %[z], %[T1]\n\t"
        "movq %[T2], %%rdx\n\t"
        "imulq 32(%[mn]), %%rdx\n\t"
        "xorl %k[z], %k[z]\n\t"
        "mulxq 0(%[mn]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T2]\n\t"
        "adoxq %[hi], %[T3]\n\t"
        "mulxq 8(%[mn]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T3]\n\t"
        "adoxq %[hi], %[T4]\n\t"
        "mulxq 16(%[mn]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T4]\n\t"
        "adoxq %[hi], %[T5]\n\t"
        "mulxq 24(%[mn]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T5]\n\t"
        "adoxq %[hi], %[T0]\n\t"
        "adcxq %[z], %[T0]\n\t"
        "adoxq %[z], %[T1]\n\t"
        "adcxq %[z], %[T1]\n\t"
        "movq 24(%[b]), %%rdx\n\t"
        "xorl %k[z], %k[z]\n\t"
        "mulxq 0(%[a]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T3]\n\t"
        "adoxq %[hi], %[T4]\n\t"
        "mulxq 8(%[a]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T4]\n\t"
        "adoxq %[hi], %[T5]\n\t"
        "mulxq 16(%[a]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T5]\n\t"
        "adoxq %[hi], %[T0]\n\t"
        "mulxq 24(%[a]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T0]\n\t"
        "adoxq %[hi], %[T1]\n\t"
        "adcxq %[z], %[T1]\n\t"
        "adoxq %[z], %[T2]\n\t"
        "adcxq %[z], %[T2]\n\t"
        "movq %[T3], %%rdx\n\t"
        "imulq 32(%[mn]), %%rdx\n\t"
        "xorl %k[z], %k[z]\n\t"
        "mulxq 0(%[mn]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T3]\n\t"
        "adoxq %[hi], %[T4]\n\t"
        "mulxq 8(%[mn]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T4]\n\t"
        "adoxq %[hi], %[T5]\n\t"
        "mulxq 16(%[mn]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T5]\n\t"
        "adoxq %[hi], %[T0]\n\t"
        "mulxq 24(%[mn]), %[lo], %[hi]\n\t"
        "adcxq %[lo], %[T0]\n\t"
        "adoxq %[hi], %[T1]\n\t"
        "adcxq %[z], %[T1]\n\t"
        "adoxq %[z], %[T2]\n\t"
        "adcxq %[z], %[T2]\n\t"
        "movq %[T4], %[lo]\n\t"
        "subq 0(%[mn]), %[lo]\n\t"
        "movq %[T5], %[hi]\n\t"
        "sbbq 8(%[mn]), %[hi]\n\t"
        "movq %[T0], %[z]\n\t"
        "sbbq 16(%[mn]), %[z]\n\t"
        "movq %[T1], %%rdx\n\t"
        "sbbq 24(%[mn]), %%rdx\n\t"
        "sbbq $0, %[T2]\n\t"
        "cmovncq %[lo], %[T4]\n\t"
        "cmovncq %[hi], %[T5]\n\t"
        "cmovncq %[z], %[T0]\n\t"
        "cmovncq %%rdx, %[T1]\n\t"
        "movq %[rp], %[a]\n\t"
        "movq %[T4], 0(%[a])\n\t"
        "movq %[T5], 8(%[a])\n\t"
        "movq %[T0], 16(%[a])\n\t"
        "movq %[T1], 24(%[a])\n\t"

        : [T0] "=&r"(T0), [T1] "=&r"(T1), [T2] "=&r"(T2), [T3] "=&r"(T3), [T4] "=&r"(T4),
          [T5] "=&r"(T5), [lo] "=&r"(lo), [hi] "=&r"(hi), [z] "=&r"(z), [a] "+r"(ap)
        : [b] "r"(b), [mn] "r"(mn), [rp] "m"(rp)
        : "rdx", "cc", "memory");
}

// p = 2^512 − c (c < 2^31): r = t mod p for a 16-limb product t, in one MULX/ADX block. The high
// half times c is added on two carry chains (low words on CF, high words on OF, one limb up),
// the top word is folded once more (top·c < 2^62), and a last conditional + c (mod 2^512)
// covers u ≥ p and the wrap past 2^512, as in PseudoMersenneField::reduce_wide. r ≠ t.
inline void pm8_reduce_adx(u64* r, const u64* t, u64 c) noexcept {
    u64 u, lo, hA, hB, z, k;
    __asm__ __volatile__(
        "movq %[c], %%rdx\n\t"
        "xorl %k[z], %k[z]\n\t"
        "movq 0(%[t]), %[u]\n\t"
        "mulxq 64(%[t]), %[lo], %[hA]\n\t"
        "adcxq %[lo], %[u]\n\t"
        "movq %[u], 0(%[r])\n\t"
        "movq 8(%[t]), %[u]\n\t"
        "mulxq 72(%[t]), %[lo], %[hB]\n\t"
        "adcxq %[lo], %[u]\n\t"
        "adoxq %[hA], %[u]\n\t"
        "movq %[u], 8(%[r])\n\t"
        "movq 16(%[t]), %[u]\n\t"
        "mulxq 80(%[t]), %[lo], %[hA]\n\t"
        "adcxq %[lo], %[u]\n\t"
        "adoxq %[hB], %[u]\n\t"
        "movq %[u], 16(%[r])\n\t"
        "movq 24(%[t]), %[u]\n\t"
        "mulxq 88(%[t]), %[lo], %[hB]\n\t"
        "adcxq %[lo], %[u]\n\t"
        "adoxq %[hA], %[u]\n\t"
        "movq %[u], 24(%[r])\n\t"
        "movq 32(%[t]), %[u]\n\t"
        "mulxq 96(%[t]), %[lo], %[hA]\n\t"
        "adcxq %[lo], %[u]\n\t"
        "adoxq %[hB], %[u]\n\t"
        "movq %[u], 32(%[r])\n\t"
        "movq 40(%[t]), %[u]\n\t"
        "mulxq 104(%[t]), %[lo], %[hB]\n\t"
        "adcxq %[lo], %[u]\n\t"
        "adoxq %[hA], %[u]\n\t"
        "movq %[u], 40(%[r])\n\t"
        "movq 48(%[t]), %[u]\n\t"
        "mulxq 112(%[t]), %[lo], %[hA]\n\t"
        "adcxq %[lo], %[u]\n\t"
        "adoxq %[hB], %[u]\n\t"
        "movq %[u], 48(%[r])\n\t"
        "movq 56(%[t]), %[u]\n\t"
        "mulxq 120(%[t]), %[lo], %[hB]\n\t"
        "adcxq %[lo], %[u]\n\t"
        "adoxq %[hA], %[u]\n\t"
        "movq %[u], 56(%[r])\n\t"
        "adcxq %[z], %[hB]\n\t"
        "adoxq %[z], %[hB]\n\t"
        "imulq %%rdx, %[hB]\n\t"
        "addq %[hB], 0(%[r])\n\t"
        "adcq $0, 8(%[r])\n\t"
        "adcq $0, 16(%[r])\n\t"
        "adcq $0, 24(%[r])\n\t"
        "adcq $0, 32(%[r])\n\t"
        "adcq $0, 40(%[r])\n\t"
        "adcq $0, 48(%[r])\n\t"
        "adcq $0, 56(%[r])\n\t"
        "sbbq %[k], %[k]\n\t"
        "movq 0(%[r]), %[lo]\n\t"
        "addq %%rdx, %[lo]\n\t"
        "movq 8(%[r]), %[lo]\n\t"
        "adcq $0, %[lo]\n\t"
        "movq 16(%[r]), %[lo]\n\t"
        "adcq $0, %[lo]\n\t"
        "movq 24(%[r]), %[lo]\n\t"
        "adcq $0, %[lo]\n\t"
        "movq 32(%[r]), %[lo]\n\t"
        "adcq $0, %[lo]\n\t"
        "movq 40(%[r]), %[lo]\n\t"
        "adcq $0, %[lo]\n\t"
        "movq 48(%[r]), %[lo]\n\t"
        "adcq $0, %[lo]\n\t"
        "movq 56(%[r]), %[lo]\n\t"
        "adcq $0, %[lo]\n\t"
        "sbbq %[hA], %[hA]\n\t"
        "orq %[hA], %[k]\n\t"
        "andq %%rdx, %[k]\n\t"
        "addq %[k], 0(%[r])\n\t"
        "adcq $0, 8(%[r])\n\t"
        "adcq $0, 16(%[r])\n\t"
        "adcq $0, 24(%[r])\n\t"
        "adcq $0, 32(%[r])\n\t"
        "adcq $0, 40(%[r])\n\t"
        "adcq $0, 48(%[r])\n\t"
        "adcq $0, 56(%[r])\n\t"

        : [u] "=&r"(u), [lo] "=&r"(lo), [hA] "=&r"(hA), [hB] "=&r"(hB), [z] "=&r"(z), [k] "=&r"(k)
        : [t] "r"(t), [r] "r"(r), [c] "r"(c)
        : "rdx", "cc", "memory");
}

// Montgomery reduction for any odd 8-limb modulus: r = t·2^-512 mod m for t < m·2^512 (16 limbs,
// overwritten), in one MULX/ADX block: per word k = t[i]·n0 and t += k·m·2^(64i) on two carry
// chains through memory, the carries into the next row's top word collected in a register; then
// one constant-time conditional subtraction. mn holds m[0..7] and n0. r ≠ t.
inline void mont8_redc_adx(u64* r, u64* t, const u64* mn) noexcept {
    u64 x, lo, hA, hB, z, top, ntop;
    __asm__ __volatile__(
        "xorl %k[top], %k[top]\n\t"
        "movq 0(%[t]), %%rdx\n\t"
        "imulq 64(%[mn]), %%rdx\n\t"
        "xorl %k[z], %k[z]\n\t"
        "mulxq 0(%[mn]), %[lo], %[hA]\n\t"
        "movq 0(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "movq %[x], 0(%[t])\n\t"
        "mulxq 8(%[mn]), %[lo], %[hB]\n\t"
        "movq 8(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 8(%[t])\n\t"
        "mulxq 16(%[mn]), %[lo], %[hA]\n\t"
        "movq 16(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movq %[x], 16(%[t])\n\t"
        "mulxq 24(%[mn]), %[lo], %[hB]\n\t"
        "movq 24(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 24(%[t])\n\t"
        "mulxq 32(%[mn]), %[lo], %[hA]\n\t"
        "movq 32(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movq %[x], 32(%[t])\n\t"
        "mulxq 40(%[mn]), %[lo], %[hB]\n\t"
        "movq 40(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 40(%[t])\n\t"
        "mulxq 48(%[mn]), %[lo], %[hA]\n\t"
        "movq 48(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movq %[x], 48(%[t])\n\t"
        "mulxq 56(%[mn]), %[lo], %[hB]\n\t"
        "movq 56(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 56(%[t])\n\t"
        "movq 64(%[t]), %[x]\n\t"
        "adcxq %[z], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movl $0, %k[ntop]\n\t"
        "adcxq %[z], %[ntop]\n\t"
        "adoxq %[z], %[ntop]\n\t"
        "addq %[top], %[x]\n\t"
        "adcq $0, %[ntop]\n\t"
        "movq %[x], 64(%[t])\n\t"
        "movq %[ntop], %[top]\n\t"
        "movq 8(%[t]), %%rdx\n\t"
        "imulq 64(%[mn]), %%rdx\n\t"
        "xorl %k[z], %k[z]\n\t"
        "mulxq 0(%[mn]), %[lo], %[hA]\n\t"
        "movq 8(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "movq %[x], 8(%[t])\n\t"
        "mulxq 8(%[mn]), %[lo], %[hB]\n\t"
        "movq 16(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 16(%[t])\n\t"
        "mulxq 16(%[mn]), %[lo], %[hA]\n\t"
        "movq 24(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movq %[x], 24(%[t])\n\t"
        "mulxq 24(%[mn]), %[lo], %[hB]\n\t"
        "movq 32(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 32(%[t])\n\t"
        "mulxq 32(%[mn]), %[lo], %[hA]\n\t"
        "movq 40(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movq %[x], 40(%[t])\n\t"
        "mulxq 40(%[mn]), %[lo], %[hB]\n\t"
        "movq 48(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 48(%[t])\n\t"
        "mulxq 48(%[mn]), %[lo], %[hA]\n\t"
        "movq 56(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movq %[x], 56(%[t])\n\t"
        "mulxq 56(%[mn]), %[lo], %[hB]\n\t"
        "movq 64(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 64(%[t])\n\t"
        "movq 72(%[t]), %[x]\n\t"
        "adcxq %[z], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movl $0, %k[ntop]\n\t"
        "adcxq %[z], %[ntop]\n\t"
        "adoxq %[z], %[ntop]\n\t"
        "addq %[top], %[x]\n\t"
        "adcq $0, %[ntop]\n\t"
        "movq %[x], 72(%[t])\n\t"
        "movq %[ntop], %[top]\n\t"
        "movq 16(%[t]), %%rdx\n\t"
        "imulq 64(%[mn]), %%rdx\n\t"
        "xorl %k[z], %k[z]\n\t"
        "mulxq 0(%[mn]), %[lo], %[hA]\n\t"
        "movq 16(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "movq %[x], 16(%[t])\n\t"
        "mulxq 8(%[mn]), %[lo], %[hB]\n\t"
        "movq 24(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 24(%[t])\n\t"
        "mulxq 16(%[mn]), %[lo], %[hA]\n\t"
        "movq 32(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movq %[x], 32(%[t])\n\t"
        "mulxq 24(%[mn]), %[lo], %[hB]\n\t"
        "movq 40(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 40(%[t])\n\t"
        "mulxq 32(%[mn]), %[lo], %[hA]\n\t"
        "movq 48(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movq %[x], 48(%[t])\n\t"
        "mulxq 40(%[mn]), %[lo], %[hB]\n\t"
        "movq 56(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 56(%[t])\n\t"
        "mulxq 48(%[mn]), %[lo], %[hA]\n\t"
        "movq 64(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movq %[x], 64(%[t])\n\t"
        "mulxq 56(%[mn]), %[lo], %[hB]\n\t"
        "movq 72(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 72(%[t])\n\t"
        "movq 80(%[t]), %[x]\n\t"
        "adcxq %[z], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movl $0, %k[ntop]\n\t"
        "adcxq %[z], %[ntop]\n\t"
        "adoxq %[z], %[ntop]\n\t"
        "addq %[top], %[x]\n\t"
        "adcq $0, %[ntop]\n\t"
        "movq %[x], 80(%[t])\n\t"
        "movq %[ntop], %[top]\n\t"
        "movq 24(%[t]), %%rdx\n\t"
        "imulq 64(%[mn]), %%rdx\n\t"
        "xorl %k[z], %k[z]\n\t"
        "mulxq 0(%[mn]), %[lo], %[hA]\n\t"
        "movq 24(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "movq %[x], 24(%[t])\n\t"
        "mulxq 8(%[mn]), %[lo], %[hB]\n\t"
        "movq 32(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 32(%[t])\n\t"
        "mulxq 16(%[mn]), %[lo], %[hA]\n\t"
        "movq 40(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movq %[x], 40(%[t])\n\t"
        "mulxq 24(%[mn]), %[lo], %[hB]\n\t"
        "movq 48(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 48(%[t])\n\t"
        "mulxq 32(%[mn]), %[lo], %[hA]\n\t"
        "movq 56(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movq %[x], 56(%[t])\n\t"
        "mulxq 40(%[mn]), %[lo], %[hB]\n\t"
        "movq 64(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 64(%[t])\n\t"
        "mulxq 48(%[mn]), %[lo], %[hA]\n\t"
        "movq 72(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movq %[x], 72(%[t])\n\t"
        "mulxq 56(%[mn]), %[lo], %[hB]\n\t"
        "movq 80(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 80(%[t])\n\t"
        "movq 88(%[t]), %[x]\n\t"
        "adcxq %[z], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movl $0, %k[ntop]\n\t"
        "adcxq %[z], %[ntop]\n\t"
        "adoxq %[z], %[ntop]\n\t"
        "addq %[top], %[x]\n\t"
        "adcq $0, %[ntop]\n\t"
        "movq %[x], 88(%[t])\n\t"
        "movq %[ntop], %[top]\n\t"
        "movq 32(%[t]), %%rdx\n\t"
        "imulq 64(%[mn]), %%rdx\n\t"
        "xorl %k[z], %k[z]\n\t"
        "mulxq 0(%[mn]), %[lo], %[hA]\n\t"
        "movq 32(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "movq %[x], 32(%[t])\n\t"
        "mulxq 8(%[mn]), %[lo], %[hB]\n\t"
        "movq 40(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 40(%[t])\n\t"
        "mulxq 16(%[mn]), %[lo], %[hA]\n\t"
        "movq 48(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movq %[x], 48(%[t])\n\t"
        "mulxq 24(%[mn]), %[lo], %[hB]\n\t"
        "movq 56(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 56(%[t])\n\t"
        "mulxq 32(%[mn]), %[lo], %[hA]\n\t"
        "movq 64(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movq %[x], 64(%[t])\n\t"
        "mulxq 40(%[mn]), %[lo], %[hB]\n\t"
        "movq 72(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 72(%[t])\n\t"
        "mulxq 48(%[mn]), %[lo], %[hA]\n\t"
        "movq 80(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movq %[x], 80(%[t])\n\t"
        "mulxq 56(%[mn]), %[lo], %[hB]\n\t"
        "movq 88(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 88(%[t])\n\t"
        "movq 96(%[t]), %[x]\n\t"
        "adcxq %[z], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movl $0, %k[ntop]\n\t"
        "adcxq %[z], %[ntop]\n\t"
        "adoxq %[z], %[ntop]\n\t"
        "addq %[top], %[x]\n\t"
        "adcq $0, %[ntop]\n\t"
        "movq %[x], 96(%[t])\n\t"
        "movq %[ntop], %[top]\n\t"
        "movq 40(%[t]), %%rdx\n\t"
        "imulq 64(%[mn]), %%rdx\n\t"
        "xorl %k[z], %k[z]\n\t"
        "mulxq 0(%[mn]), %[lo], %[hA]\n\t"
        "movq 40(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "movq %[x], 40(%[t])\n\t"
        "mulxq 8(%[mn]), %[lo], %[hB]\n\t"
        "movq 48(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 48(%[t])\n\t"
        "mulxq 16(%[mn]), %[lo], %[hA]\n\t"
        "movq 56(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movq %[x], 56(%[t])\n\t"
        "mulxq 24(%[mn]), %[lo], %[hB]\n\t"
        "movq 64(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 64(%[t])\n\t"
        "mulxq 32(%[mn]), %[lo], %[hA]\n\t"
        "movq 72(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movq %[x], 72(%[t])\n\t"
        "mulxq 40(%[mn]), %[lo], %[hB]\n\t"
        "movq 80(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 80(%[t])\n\t"
        "mulxq 48(%[mn]), %[lo], %[hA]\n\t"
        "movq 88(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movq %[x], 88(%[t])\n\t"
        "mulxq 56(%[mn]), %[lo], %[hB]\n\t"
        "movq 96(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 96(%[t])\n\t"
        "movq 104(%[t]), %[x]\n\t"
        "adcxq %[z], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movl $0, %k[ntop]\n\t"
        "adcxq %[z], %[ntop]\n\t"
        "adoxq %[z], %[ntop]\n\t"
        "addq %[top], %[x]\n\t"
        "adcq $0, %[ntop]\n\t"
        "movq %[x], 104(%[t])\n\t"
        "movq %[ntop], %[top]\n\t"
        "movq 48(%[t]), %%rdx\n\t"
        "imulq 64(%[mn]), %%rdx\n\t"
        "xorl %k[z], %k[z]\n\t"
        "mulxq 0(%[mn]), %[lo], %[hA]\n\t"
        "movq 48(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "movq %[x], 48(%[t])\n\t"
        "mulxq 8(%[mn]), %[lo], %[hB]\n\t"
        "movq 56(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 56(%[t])\n\t"
        "mulxq 16(%[mn]), %[lo], %[hA]\n\t"
        "movq 64(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movq %[x], 64(%[t])\n\t"
        "mulxq 24(%[mn]), %[lo], %[hB]\n\t"
        "movq 72(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 72(%[t])\n\t"
        "mulxq 32(%[mn]), %[lo], %[hA]\n\t"
        "movq 80(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movq %[x], 80(%[t])\n\t"
        "mulxq 40(%[mn]), %[lo], %[hB]\n\t"
        "movq 88(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 88(%[t])\n\t"
        "mulxq 48(%[mn]), %[lo], %[hA]\n\t"
        "movq 96(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movq %[x], 96(%[t])\n\t"
        "mulxq 56(%[mn]), %[lo], %[hB]\n\t"
        "movq 104(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 104(%[t])\n\t"
        "movq 112(%[t]), %[x]\n\t"
        "adcxq %[z], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movl $0, %k[ntop]\n\t"
        "adcxq %[z], %[ntop]\n\t"
        "adoxq %[z], %[ntop]\n\t"
        "addq %[top], %[x]\n\t"
        "adcq $0, %[ntop]\n\t"
        "movq %[x], 112(%[t])\n\t"
        "movq %[ntop], %[top]\n\t"
        "movq 56(%[t]), %%rdx\n\t"
        "imulq 64(%[mn]), %%rdx\n\t"
        "xorl %k[z], %k[z]\n\t"
        "mulxq 0(%[mn]), %[lo], %[hA]\n\t"
        "movq 56(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "movq %[x], 56(%[t])\n\t"
        "mulxq 8(%[mn]), %[lo], %[hB]\n\t"
        "movq 64(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 64(%[t])\n\t"
        "mulxq 16(%[mn]), %[lo], %[hA]\n\t"
        "movq 72(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movq %[x], 72(%[t])\n\t"
        "mulxq 24(%[mn]), %[lo], %[hB]\n\t"
        "movq 80(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 80(%[t])\n\t"
        "mulxq 32(%[mn]), %[lo], %[hA]\n\t"
        "movq 88(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movq %[x], 88(%[t])\n\t"
        "mulxq 40(%[mn]), %[lo], %[hB]\n\t"
        "movq 96(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 96(%[t])\n\t"
        "mulxq 48(%[mn]), %[lo], %[hA]\n\t"
        "movq 104(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movq %[x], 104(%[t])\n\t"
        "mulxq 56(%[mn]), %[lo], %[hB]\n\t"
        "movq 112(%[t]), %[x]\n\t"
        "adcxq %[lo], %[x]\n\t"
        "adoxq %[hA], %[x]\n\t"
        "movq %[x], 112(%[t])\n\t"
        "movq 120(%[t]), %[x]\n\t"
        "adcxq %[z], %[x]\n\t"
        "adoxq %[hB], %[x]\n\t"
        "movl $0, %k[ntop]\n\t"
        "adcxq %[z], %[ntop]\n\t"
        "adoxq %[z], %[ntop]\n\t"
        "addq %[top], %[x]\n\t"
        "adcq $0, %[ntop]\n\t"
        "movq %[x], 120(%[t])\n\t"
        "movq %[ntop], %[top]\n\t"
        "movq 64(%[t]), %[x]\n\t"
        "subq 0(%[mn]), %[x]\n\t"
        "movq %[x], 0(%[r])\n\t"
        "movq 72(%[t]), %[x]\n\t"
        "sbbq 8(%[mn]), %[x]\n\t"
        "movq %[x], 8(%[r])\n\t"
        "movq 80(%[t]), %[x]\n\t"
        "sbbq 16(%[mn]), %[x]\n\t"
        "movq %[x], 16(%[r])\n\t"
        "movq 88(%[t]), %[x]\n\t"
        "sbbq 24(%[mn]), %[x]\n\t"
        "movq %[x], 24(%[r])\n\t"
        "movq 96(%[t]), %[x]\n\t"
        "sbbq 32(%[mn]), %[x]\n\t"
        "movq %[x], 32(%[r])\n\t"
        "movq 104(%[t]), %[x]\n\t"
        "sbbq 40(%[mn]), %[x]\n\t"
        "movq %[x], 40(%[r])\n\t"
        "movq 112(%[t]), %[x]\n\t"
        "sbbq 48(%[mn]), %[x]\n\t"
        "movq %[x], 48(%[r])\n\t"
        "movq 120(%[t]), %[x]\n\t"
        "sbbq 56(%[mn]), %[x]\n\t"
        "movq %[x], 56(%[r])\n\t"
        "sbbq %[lo], %[lo]\n\t"
        "subq $1, %[top]\n\t"
        "andq %[top], %[lo]\n\t"
        "testq %[lo], %[lo]\n\t"
        "movq 0(%[r]), %[x]\n\t"
        "cmovnzq 64(%[t]), %[x]\n\t"
        "movq %[x], 0(%[r])\n\t"
        "movq 8(%[r]), %[x]\n\t"
        "cmovnzq 72(%[t]), %[x]\n\t"
        "movq %[x], 8(%[r])\n\t"
        "movq 16(%[r]), %[x]\n\t"
        "cmovnzq 80(%[t]), %[x]\n\t"
        "movq %[x], 16(%[r])\n\t"
        "movq 24(%[r]), %[x]\n\t"
        "cmovnzq 88(%[t]), %[x]\n\t"
        "movq %[x], 24(%[r])\n\t"
        "movq 32(%[r]), %[x]\n\t"
        "cmovnzq 96(%[t]), %[x]\n\t"
        "movq %[x], 32(%[r])\n\t"
        "movq 40(%[r]), %[x]\n\t"
        "cmovnzq 104(%[t]), %[x]\n\t"
        "movq %[x], 40(%[r])\n\t"
        "movq 48(%[r]), %[x]\n\t"
        "cmovnzq 112(%[t]), %[x]\n\t"
        "movq %[x], 48(%[r])\n\t"
        "movq 56(%[r]), %[x]\n\t"
        "cmovnzq 120(%[t]), %[x]\n\t"
        "movq %[x], 56(%[r])\n\t"

        : [x] "=&r"(x), [lo] "=&r"(lo), [hA] "=&r"(hA), [hB] "=&r"(hB), [z] "=&r"(z),
          [top] "=&r"(top), [ntop] "=&r"(ntop)
        : [t] "r"(t), [r] "r"(r), [mn] "r"(mn)
        : "rdx", "cc", "memory");
}

// 8×8-limb product from four 4×4 MULX/ADX blocks (schoolbook on 256-bit halves).
inline void mul_wide8_adx(u64* t, const u64* a, const u64* b) noexcept {
    u64 mid1[8], mid2[8];
    mul_wide4_adx(t, a, b);              // lo·lo  → t[0..7]
    mul_wide4_adx(t + 8, a + 4, b + 4);  // hi·hi  → t[8..15]
    mul_wide4_adx(mid1, a, b + 4);
    mul_wide4_adx(mid2, a + 4, b);
    unsigned char c = 0;
    GOSTCSP_UNROLL
    for (int i = 0; i < 8; ++i) c = addc(c, t[4 + i], mid1[i], &t[4 + i]);
    GOSTCSP_UNROLL
    for (int i = 12; i < 16; ++i) c = addc(c, t[i], 0, &t[i]);
    c = 0;
    GOSTCSP_UNROLL
    for (int i = 0; i < 8; ++i) c = addc(c, t[4 + i], mid2[i], &t[4 + i]);
    GOSTCSP_UNROLL
    for (int i = 12; i < 16; ++i) c = addc(c, t[i], 0, &t[i]);
}

#endif

// Montgomery arithmetic modulo any odd m (R = 2^(64N)). Elements are kept as a·R mod m.
// Product into 2N limbs; Adx selects the MULX/ADX kernel for N = 4 (x86-64 only).
template <std::size_t N, bool Adx>
inline void mul_wide_sel(u64* t, const u64* a, const u64* b) noexcept {
#if GOSTCSP_EC_ASM
    if constexpr (Adx && N == 4) {
        mul_wide4_adx(t, a, b);
        return;
    } else if constexpr (Adx && N == 8) {
        mul_wide8_adx(t, a, b);
        return;
    }
#endif
    mul_wide<N>(t, a, b);
}
template <std::size_t N, bool Adx>
inline void sqr_wide_sel(u64* t, const u64* a) noexcept {
#if GOSTCSP_EC_ASM
    if constexpr (Adx && N == 4) {
        mul_wide4_adx(t, a, a);
        return;
    } else if constexpr (Adx && N == 8) {
        mul_wide8_adx(t, a, a);
        return;
    }
#endif
    sqr_wide<N>(t, a);
}

template <std::size_t N, bool Adx = false>
struct MontField : ModBase<N> {
    using ModBase<N>::m;
    static constexpr bool adx = Adx;  // the arithmetic path (the scalar field follows it)
    u64 n0 = 0;                       // −m^{-1} mod 2^64
    u64 r2[N] = {};                   // R^2 mod m
    u64 one_[N] = {};                 // R mod m (Montgomery 1)
    u64 mn_[N + 1] = {};              // m then n0, contiguous for the fused kernel

    void init(const u64* modulus) noexcept {
        std::memcpy(m, modulus, sizeof(m));
        u64 inv = 1;  // Newton iteration for m[0]^{-1} mod 2^64
        GOSTCSP_UNROLL
        for (int i = 0; i < 6; ++i) inv *= 2 - m[0] * inv;
        n0 = static_cast<u64>(0) - inv;
        std::memcpy(mn_, m, sizeof(m));
        mn_[N] = n0;
        // R mod m by doubling 1 (64N times), then R^2 by doubling R another 64N times.
        u64 x[N] = {1};
        if (N > 1) x[0] = 1;
        for (std::size_t i = 0; i < 64 * N; ++i) this->add(x, x, x);
        std::memcpy(one_, x, sizeof(x));
        for (std::size_t i = 0; i < 64 * N; ++i) this->add(x, x, x);
        std::memcpy(r2, x, sizeof(x));
    }

    // Reduces a 2N-limb t (< m·R) to t·R^{-1} mod m.
    void redc(u64* r, u64* t) const noexcept {
        u64 top = 0;  // carry word above t[2N-1]
        GOSTCSP_UNROLL
        for (std::size_t i = 0; i < N; ++i) {
            const u64 k = t[i] * n0;
            u64 carry = 0;
            GOSTCSP_UNROLL
            for (std::size_t j = 0; j < N; ++j) {
                u128 p = static_cast<u128>(k) * m[j] + t[i + j] + carry;
                t[i + j] = static_cast<u64>(p);
                carry = static_cast<u64>(p >> 64);
            }
            // propagate carry into t[i+N], plus the running top word
            u128 s = static_cast<u128>(t[i + N]) + carry + top;
            t[i + N] = static_cast<u64>(s);
            top = static_cast<u64>(s >> 64);
        }
        u64 d[N];
        const u64 borrow = limbs_sub<N>(d, t + N, m);
        const u64 keep = mask_from_bit(borrow & (top ^ 1));
        GOSTCSP_UNROLL
        for (std::size_t i = 0; i < N; ++i) r[i] = (t[N + i] & keep) | (d[i] & ~keep);
    }
    // 8-limb products stay out of line: inlined into every point formula they multiply the
    // code size (and the compiler's footprint) for no measurable speed; 4-limb ones inline.
    void mul(u64* r, const u64* a, const u64* b) const noexcept {
        if constexpr (N > 4)
            mul_outlined(r, a, b);
        else
            mul_body(r, a, b);
    }
    void sqr(u64* r, const u64* a) const noexcept {
        if constexpr (N > 4)
            sqr_outlined(r, a);
        else
            sqr_body(r, a);
    }
    __attribute__((noinline)) void mul_outlined(u64* r, const u64* a, const u64* b) const noexcept {
        mul_body(r, a, b);
    }
    __attribute__((noinline)) void sqr_outlined(u64* r, const u64* a) const noexcept {
        sqr_body(r, a);
    }
    void mul_body(u64* r, const u64* a, const u64* b) const noexcept {
#if GOSTCSP_EC_ASM
        if constexpr (Adx && N == 4) {
            mont4_mul_adx(r, a, b, mn_);
            return;
        }
#endif
        u64 t[2 * N];
        mul_wide_sel<N, Adx>(t, a, b);
#if GOSTCSP_EC_ASM
        if constexpr (Adx && N == 8) {
            mont8_redc_adx(r, t, mn_);
            return;
        }
#endif
        redc(r, t);
    }
    void sqr_body(u64* r, const u64* a) const noexcept {
#if GOSTCSP_EC_ASM
        if constexpr (Adx && N == 4) {
            mont4_mul_adx(r, a, a, mn_);
            return;
        }
#endif
        u64 t[2 * N];
        sqr_wide_sel<N, Adx>(t, a);
#if GOSTCSP_EC_ASM
        if constexpr (Adx && N == 8) {
            mont8_redc_adx(r, t, mn_);
            return;
        }
#endif
        redc(r, t);
    }
    // Any a < 2^(64N) (not necessarily < m) -> Montgomery form of (a mod m).
    void to_internal(u64* r, const u64* a) const noexcept {
        mul(r, a, r2);
    }
    void from_internal(u64* r, const u64* a) const noexcept {
        u64 t[2 * N] = {};
        std::memcpy(t, a, N * sizeof(u64));
        redc(r, t);
    }
    const u64* one() const noexcept {
        return one_;
    }
};

// p = 2^(64N) − c with small c (< 2^31): products reduce by folding the high half times c.
// Elements are plain residues in [0, p).
template <std::size_t N, bool Adx = false>
struct PseudoMersenneField : ModBase<N> {
    using ModBase<N>::m;
    static constexpr bool adx = Adx;
    u64 c = 0;
    u64 one_[N] = {1};

    void init(const u64* modulus) noexcept {
        std::memcpy(m, modulus, sizeof(m));
        c = static_cast<u64>(0) - m[0];
        std::memset(one_, 0, sizeof(one_));
        one_[0] = 1;
    }
    // Is `modulus` of the form 2^(64N) − c with 0 < c < 2^31 (so top·c never overflows)?
    static bool applies(const u64* modulus) noexcept {
        GOSTCSP_UNROLL
        for (std::size_t i = 1; i < N; ++i)
            if (modulus[i] != ~static_cast<u64>(0)) return false;
        const u64 cc = static_cast<u64>(0) - modulus[0];
        return cc != 0 && cc < (static_cast<u64>(1) << 31);
    }
    inline void reduce_wide(u64* r, const u64* t) const noexcept {
        // u = lo + hi·c  (N limbs + top word; top ≤ c + 1)
        u64 pl[N], ph[N], u[N];
        GOSTCSP_UNROLL
        for (std::size_t i = 0; i < N; ++i) {
            const u128 p = static_cast<u128>(t[N + i]) * c;
            pl[i] = static_cast<u64>(p);
            ph[i] = static_cast<u64>(p >> 64);
        }
        unsigned char ca = 0, cb = 0;
        GOSTCSP_UNROLL
        for (std::size_t i = 0; i < N; ++i) ca = addc(ca, t[i], pl[i], &u[i]);
        GOSTCSP_UNROLL
        for (std::size_t i = 1; i < N; ++i) cb = addc(cb, u[i], ph[i - 1], &u[i]);
        const u64 top = ph[N - 1] + ca + cb;
        // fold the top word: V = u + top·c, possibly wrapping past 2^(64N) once (k = 1)
        unsigned char k = addc(0, u[0], top * c, &u[0]);
        GOSTCSP_UNROLL
        for (std::size_t i = 1; i < N; ++i) k = addc(k, u[i], 0, &u[i]);
        // w = u + c. If k: V mod p = u + c (u is tiny then, no carry). If not: u ≥ p ⟺ u + c
        // carries out (k2), and then V mod p = w mod 2^(64N).
        u64 w[N];
        unsigned char k2 = addc(0, u[0], c, &w[0]);
        GOSTCSP_UNROLL
        for (std::size_t i = 1; i < N; ++i) k2 = addc(k2, u[i], 0, &w[i]);
        const u64 take = static_cast<u64>(0) - static_cast<u64>(k | k2);
        GOSTCSP_UNROLL
        for (std::size_t i = 0; i < N; ++i) r[i] = (w[i] & take) | (u[i] & ~take);
    }
    // 8-limb products stay out of line: inlined into every point formula they multiply the
    // code size (and the compiler's footprint) for no measurable speed; 4-limb ones inline.
    void mul(u64* r, const u64* a, const u64* b) const noexcept {
        if constexpr (N > 4)
            mul_outlined(r, a, b);
        else
            mul_body(r, a, b);
    }
    void sqr(u64* r, const u64* a) const noexcept {
        if constexpr (N > 4)
            sqr_outlined(r, a);
        else
            sqr_body(r, a);
    }
    __attribute__((noinline)) void mul_outlined(u64* r, const u64* a, const u64* b) const noexcept {
        mul_body(r, a, b);
    }
    __attribute__((noinline)) void sqr_outlined(u64* r, const u64* a) const noexcept {
        sqr_body(r, a);
    }
    void mul_body(u64* r, const u64* a, const u64* b) const noexcept {
#if GOSTCSP_EC_ASM
        if constexpr (Adx && N == 4) {
            pm4_mul_adx(r, a, b, c);
            return;
        }
#endif
        u64 t[2 * N];
        mul_wide_sel<N, Adx>(t, a, b);
#if GOSTCSP_EC_ASM
        if constexpr (Adx && N == 8) {
            pm8_reduce_adx(r, t, c);
            return;
        }
#endif
        reduce_wide(r, t);
    }
    void sqr_body(u64* r, const u64* a) const noexcept {
#if GOSTCSP_EC_ASM
        if constexpr (Adx && N == 4) {
            pm4_mul_adx(r, a, a, c);
            return;
        }
#endif
        u64 t[2 * N];
        sqr_wide_sel<N, Adx>(t, a);
#if GOSTCSP_EC_ASM
        if constexpr (Adx && N == 8) {
            pm8_reduce_adx(r, t, c);
            return;
        }
#endif
        reduce_wide(r, t);
    }
#if GOSTCSP_EC_ASM
    inline void add(u64* r, const u64* a, const u64* b) const noexcept {
        if constexpr (N == 4)
            pm4_add(r, a, b, c);
        else
            ModBase<N>::add(r, a, b);
    }
    inline void sub(u64* r, const u64* a, const u64* b) const noexcept {
        if constexpr (N == 4)
            pm4_sub(r, a, b, c);
        else
            ModBase<N>::sub(r, a, b);
    }
    inline void neg(u64* r, const u64* a) const noexcept {
        u64 z[N] = {};
        sub(r, z, a);
    }
    inline void dbl(u64* r, const u64* a) const noexcept {
        add(r, a, a);
    }
#endif
    // Any a < 2^(64N) -> a mod p.
    void to_internal(u64* r, const u64* a) const noexcept {
        u64 t[2 * N] = {};
        std::memcpy(t, a, N * sizeof(u64));
        reduce_wide(r, t);
    }
    void from_internal(u64* r, const u64* a) const noexcept {
        std::memcpy(r, a, N * sizeof(u64));
    }
    const u64* one() const noexcept {
        return one_;
    }
};

// a^e for a public exponent e (N limbs), left-to-right with a 4-bit fixed window. Runs in time
// independent of a (the exponent's bits steer the flow, and exponents here are public: p−2, q−2).
template <class F>
inline void field_pow(const F& f, u64* r, const u64* a, const u64* e) noexcept {
    constexpr std::size_t N = F::limbs;
    u64 tab[16][N];
    std::memcpy(tab[0], f.one(), sizeof(tab[0]));
    std::memcpy(tab[1], a, sizeof(tab[1]));
    GOSTCSP_UNROLL
    for (int i = 2; i < 16; ++i) f.mul(tab[i], tab[i - 1], a);
    u64 acc[N];
    std::memcpy(acc, f.one(), sizeof(acc));
    bool started = false;
    for (std::size_t w = 16 * N; w-- > 0;) {
        const unsigned nib = static_cast<unsigned>(e[w / 16] >> (4 * (w % 16))) & 15;
        if (started)
            for (int s = 0; s < 4; ++s) f.sqr(acc, acc);
        if (nib) {
            f.mul(acc, acc, tab[nib]);  // index is a digit of the public exponent
            started = true;
        }
    }
    std::memcpy(r, acc, sizeof(acc));
}

// Bit `i` of a public N-limb exponent.
template <std::size_t N>
inline unsigned exp_bit(const u64* e, std::size_t i) noexcept {
    return static_cast<unsigned>(e[i / 64] >> (i % 64)) & 1;
}

// Inverse by Fermat: a^(m−2) (0 maps to 0). Constant-time in a: the exponent m − 2 is public and
// alone steers the flow. When m − 2 starts with a long run of one bits (p = 2^(64N) − c, and
// q of some sets), that run costs its squarings plus ≈ 2·log2(run) products (x^(2^h − 1) by
// doubling the run), and the remaining low bits go bit by bit; otherwise the 4-bit window.
template <class F>
inline void field_inv(const F& f, u64* r, const u64* a) noexcept {
    constexpr std::size_t N = F::limbs;
    constexpr std::size_t bits = 64 * N;
    u64 e[N];
    const u64 two[N] = {2};
    limbs_sub<N>(e, f.m, two);
    std::size_t run = 0;  // leading one bits, from the top bit of the 64N-bit word
    while (run < bits && exp_bit<N>(e, bits - 1 - run)) ++run;
    const std::size_t rest = bits - run;
    if (run < 64 || rest > 64) {
        field_pow(f, r, a, e);
        return;
    }
    // acc = a^(2^len − 1), len grows to `run` by the binary expansion of run
    u64 acc[N], t[N];
    std::memcpy(acc, a, sizeof(acc));
    std::size_t len = 1;
    std::size_t top = 0;
    while ((run >> (top + 1)) != 0) ++top;
    for (std::size_t b = top; b-- > 0;) {
        std::memcpy(t, acc, sizeof(t));
        for (std::size_t s = 0; s < len; ++s) f.sqr(t, t);
        f.mul(acc, t, acc);  // a^(2^(2len) − 1)
        len *= 2;
        if ((run >> b) & 1) {
            f.sqr(acc, acc);
            f.mul(acc, acc, a);
            len += 1;
        }
    }
    for (std::size_t i = rest; i-- > 0;) {
        f.sqr(acc, acc);
        if (exp_bit<N>(e, i)) f.mul(acc, acc, a);  // public exponent bit
    }
    std::memcpy(r, acc, sizeof(acc));
}

}  // namespace gostcsp::core::ec
