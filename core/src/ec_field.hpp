// SPDX-License-Identifier: Apache-2.0
// Prime-field and scalar arithmetic on fixed 64-bit limbs for GOST R 34.10-2012 (RFC 7091 §5):
// a generic Montgomery field (any odd modulus) and a pseudo-Mersenne field (p = 2^(64N) − c).
//
// Every function here is constant-time in its operands (no branches or memory indices that depend
// on limb values); only the modulus and public exponents steer control flow. No heap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace gostcsp::core::ec {

using u64 = std::uint64_t;
__extension__ typedef unsigned __int128 u128;

// Hides a value from the optimiser so masks stay masks (no branch re-synthesis).
inline u64 value_barrier(u64 x) noexcept {
    __asm__("" : "+r"(x));
    return x;
}
// All-ones when x == 0, else 0.
inline u64 mask_is_zero(u64 x) noexcept {
    return value_barrier(static_cast<u64>(0) - (1 ^ ((x | (static_cast<u64>(0) - x)) >> 63)));
}
inline u64 mask_from_bit(u64 bit) noexcept { return value_barrier(static_cast<u64>(0) - bit); }

template <std::size_t N>
inline void limbs_cmov(u64* r, const u64* a, u64 mask) noexcept {
    for (std::size_t i = 0; i < N; ++i) r[i] = (r[i] & ~mask) | (a[i] & mask);
}
template <std::size_t N>
inline u64 limbs_is_zero_mask(const u64* a) noexcept {
    u64 acc = 0;
    for (std::size_t i = 0; i < N; ++i) acc |= a[i];
    return mask_is_zero(acc);
}
template <std::size_t N>
inline u64 limbs_eq_mask(const u64* a, const u64* b) noexcept {
    u64 acc = 0;
    for (std::size_t i = 0; i < N; ++i) acc |= a[i] ^ b[i];
    return mask_is_zero(acc);
}
// r = a + b, returns carry.
template <std::size_t N>
inline u64 limbs_add(u64* r, const u64* a, const u64* b) noexcept {
    u64 carry = 0;
    for (std::size_t i = 0; i < N; ++i) {
        u128 t = static_cast<u128>(a[i]) + b[i] + carry;
        r[i] = static_cast<u64>(t);
        carry = static_cast<u64>(t >> 64);
    }
    return carry;
}
// r = a - b, returns borrow (0/1).
template <std::size_t N>
inline u64 limbs_sub(u64* r, const u64* a, const u64* b) noexcept {
    u64 borrow = 0;
    for (std::size_t i = 0; i < N; ++i) {
        u128 t = static_cast<u128>(a[i]) - b[i] - borrow;
        r[i] = static_cast<u64>(t);
        borrow = static_cast<u64>(t >> 64) & 1;
    }
    return borrow;
}
// All-ones when a < b (constant-time).
template <std::size_t N>
inline u64 limbs_lt_mask(const u64* a, const u64* b) noexcept {
    u64 tmp[N];
    return mask_from_bit(limbs_sub<N>(tmp, a, b));
}

// Big-endian bytes (exactly 8N) <-> limbs (limb 0 least significant).
template <std::size_t N>
inline void limbs_from_be(u64* r, const std::uint8_t* in) noexcept {
    for (std::size_t i = 0; i < N; ++i) {
        u64 w = 0;
        for (std::size_t j = 0; j < 8; ++j) w = (w << 8) | in[8 * (N - 1 - i) + j];
        r[i] = w;
    }
}
template <std::size_t N>
inline void limbs_to_be(std::uint8_t* out, const u64* a) noexcept {
    for (std::size_t i = 0; i < N; ++i)
        for (std::size_t j = 0; j < 8; ++j)
            out[8 * (N - 1 - i) + j] = static_cast<std::uint8_t>(a[i] >> (56 - 8 * j));
}
template <std::size_t N>
inline void limbs_from_le(u64* r, const std::uint8_t* in) noexcept {
    for (std::size_t i = 0; i < N; ++i) {
        u64 w = 0;
        for (std::size_t j = 0; j < 8; ++j) w |= static_cast<u64>(in[8 * i + j]) << (8 * j);
        r[i] = w;
    }
}
template <std::size_t N>
inline void limbs_to_le(std::uint8_t* out, const u64* a) noexcept {
    for (std::size_t i = 0; i < N; ++i)
        for (std::size_t j = 0; j < 8; ++j) out[8 * i + j] = static_cast<std::uint8_t>(a[i] >> (8 * j));
}

// Shared modular add/sub/neg for any modulus m < 2^(64N); inputs fully reduced.
template <std::size_t N>
struct ModBase {
    static constexpr std::size_t limbs = N;
    u64 m[N];

    void add(u64* r, const u64* a, const u64* b) const noexcept {
        u64 s[N], d[N];
        const u64 carry = limbs_add<N>(s, a, b);
        const u64 borrow = limbs_sub<N>(d, s, m);
        // keep s only when no carry and s < m
        const u64 keep = mask_from_bit(borrow & (carry ^ 1));
        for (std::size_t i = 0; i < N; ++i) r[i] = (s[i] & keep) | (d[i] & ~keep);
    }
    void sub(u64* r, const u64* a, const u64* b) const noexcept {
        u64 d[N], t[N];
        const u64 borrow = limbs_sub<N>(d, a, b);
        const u64 mask = mask_from_bit(borrow);
        for (std::size_t i = 0; i < N; ++i) t[i] = m[i] & mask;
        limbs_add<N>(r, d, t);
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
    for (std::size_t i = 0; i < 2 * N; ++i) t[i] = 0;
    for (std::size_t i = 0; i < N; ++i) {
        u64 carry = 0;
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
    for (std::size_t i = 0; i < 2 * N; ++i) t[i] = 0;
    for (std::size_t i = 0; i < N; ++i) {
        u64 carry = 0;
        for (std::size_t j = i + 1; j < N; ++j) {
            u128 p = static_cast<u128>(a[i]) * a[j] + t[i + j] + carry;
            t[i + j] = static_cast<u64>(p);
            carry = static_cast<u64>(p >> 64);
        }
        t[i + N] = carry;
    }
    u64 top = 0;
    for (std::size_t i = 0; i < 2 * N; ++i) {
        const u64 nt = t[i] >> 63;
        t[i] = (t[i] << 1) | top;
        top = nt;
    }
    u64 carry = 0;
    for (std::size_t i = 0; i < N; ++i) {
        u128 p = static_cast<u128>(a[i]) * a[i];
        u128 s = static_cast<u128>(t[2 * i]) + static_cast<u64>(p) + carry;
        t[2 * i] = static_cast<u64>(s);
        s = static_cast<u128>(t[2 * i + 1]) + static_cast<u64>(p >> 64) + static_cast<u64>(s >> 64);
        t[2 * i + 1] = static_cast<u64>(s);
        carry = static_cast<u64>(s >> 64);
    }
}

// Montgomery arithmetic modulo any odd m (R = 2^(64N)). Elements are kept as a·R mod m.
template <std::size_t N>
struct MontField : ModBase<N> {
    using ModBase<N>::m;
    u64 n0 = 0;     // −m^{-1} mod 2^64
    u64 r2[N] = {};  // R^2 mod m
    u64 one_[N] = {};  // R mod m (Montgomery 1)

    void init(const u64* modulus) noexcept {
        std::memcpy(m, modulus, sizeof(m));
        u64 inv = 1;  // Newton iteration for m[0]^{-1} mod 2^64
        for (int i = 0; i < 6; ++i) inv *= 2 - m[0] * inv;
        n0 = static_cast<u64>(0) - inv;
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
        for (std::size_t i = 0; i < N; ++i) {
            const u64 k = t[i] * n0;
            u64 carry = 0;
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
        for (std::size_t i = 0; i < N; ++i) r[i] = (t[N + i] & keep) | (d[i] & ~keep);
    }
    void mul(u64* r, const u64* a, const u64* b) const noexcept {
        u64 t[2 * N];
        mul_wide<N>(t, a, b);
        redc(r, t);
    }
    void sqr(u64* r, const u64* a) const noexcept {
        u64 t[2 * N];
        sqr_wide<N>(t, a);
        redc(r, t);
    }
    // Any a < 2^(64N) (not necessarily < m) -> Montgomery form of (a mod m).
    void to_internal(u64* r, const u64* a) const noexcept { mul(r, a, r2); }
    void from_internal(u64* r, const u64* a) const noexcept {
        u64 t[2 * N] = {};
        std::memcpy(t, a, N * sizeof(u64));
        redc(r, t);
    }
    const u64* one() const noexcept { return one_; }
};

// p = 2^(64N) − c with small c (< 2^32): products reduce by folding the high half times c.
// Elements are plain residues in [0, p).
template <std::size_t N>
struct PseudoMersenneField : ModBase<N> {
    using ModBase<N>::m;
    u64 c = 0;
    u64 one_[N] = {1};

    void init(const u64* modulus) noexcept {
        std::memcpy(m, modulus, sizeof(m));
        c = static_cast<u64>(0) - m[0];
        std::memset(one_, 0, sizeof(one_));
        one_[0] = 1;
    }
    // Is `modulus` of the form 2^(64N) − c with 0 < c < 2^32?
    static bool applies(const u64* modulus) noexcept {
        for (std::size_t i = 1; i < N; ++i)
            if (modulus[i] != ~static_cast<u64>(0)) return false;
        const u64 cc = static_cast<u64>(0) - modulus[0];
        return cc != 0 && cc < (static_cast<u64>(1) << 32);
    }
    void reduce_wide(u64* r, const u64* t) const noexcept {
        // u = lo + hi·c  (N limbs + top word, top ≤ c)
        u64 u[N];
        u64 carry = 0;
        for (std::size_t i = 0; i < N; ++i) {
            u128 p = static_cast<u128>(t[N + i]) * c + t[i] + carry;
            u[i] = static_cast<u64>(p);
            carry = static_cast<u64>(p >> 64);
        }
        // fold top word: u + carry·c (< 2^(64N) + c^2)
        u128 s = static_cast<u128>(u[0]) + static_cast<u128>(carry) * c;
        u[0] = static_cast<u64>(s);
        u64 k = static_cast<u64>(s >> 64);
        for (std::size_t i = 1; i < N; ++i) {
            s = static_cast<u128>(u[i]) + k;
            u[i] = static_cast<u64>(s);
            k = static_cast<u64>(s >> 64);
        }
        // a final wrap past 2^(64N) is worth c more (the value is then tiny, no new carry)
        s = static_cast<u128>(u[0]) + (c & mask_from_bit(k));
        u[0] = static_cast<u64>(s);
        k = static_cast<u64>(s >> 64);
        for (std::size_t i = 1; i < N; ++i) {
            s = static_cast<u128>(u[i]) + k;
            u[i] = static_cast<u64>(s);
            k = static_cast<u64>(s >> 64);
        }
        // now u < 2^(64N); subtract p once if u ≥ p  (u ≥ p  ⟺  u + c carries out)
        u64 v[N];
        s = static_cast<u128>(u[0]) + c;
        v[0] = static_cast<u64>(s);
        k = static_cast<u64>(s >> 64);
        for (std::size_t i = 1; i < N; ++i) {
            s = static_cast<u128>(u[i]) + k;
            v[i] = static_cast<u64>(s);
            k = static_cast<u64>(s >> 64);
        }
        const u64 take = mask_from_bit(k);
        for (std::size_t i = 0; i < N; ++i) r[i] = (v[i] & take) | (u[i] & ~take);
    }
    void mul(u64* r, const u64* a, const u64* b) const noexcept {
        u64 t[2 * N];
        mul_wide<N>(t, a, b);
        reduce_wide(r, t);
    }
    void sqr(u64* r, const u64* a) const noexcept {
        u64 t[2 * N];
        sqr_wide<N>(t, a);
        reduce_wide(r, t);
    }
    // Any a < 2^(64N) -> a mod p.
    void to_internal(u64* r, const u64* a) const noexcept {
        u64 t[2 * N] = {};
        std::memcpy(t, a, N * sizeof(u64));
        reduce_wide(r, t);
    }
    void from_internal(u64* r, const u64* a) const noexcept { std::memcpy(r, a, N * sizeof(u64)); }
    const u64* one() const noexcept { return one_; }
};

// a^e for a public exponent e (N limbs), left-to-right with a 4-bit fixed window. Runs in time
// independent of a (the exponent's bits steer the flow, and exponents here are public: p−2, q−2).
template <class F>
inline void field_pow(const F& f, u64* r, const u64* a, const u64* e) noexcept {
    constexpr std::size_t N = F::limbs;
    u64 tab[16][N];
    std::memcpy(tab[0], f.one(), sizeof(tab[0]));
    std::memcpy(tab[1], a, sizeof(tab[1]));
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

// Inverse by Fermat: a^(m−2) (0 maps to 0). Constant-time in a.
template <class F>
inline void field_inv(const F& f, u64* r, const u64* a) noexcept {
    constexpr std::size_t N = F::limbs;
    u64 e[N];
    const u64 two[N] = {2};
    limbs_sub<N>(e, f.m, two);
    field_pow(f, r, a, e);
}

}  // namespace gostcsp::core::ec
