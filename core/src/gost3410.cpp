// SPDX-License-Identifier: Apache-2.0
// GOST R 34.10-2012 signatures (RFC 7091 §6.1 sign, §6.2 verify), key generation and validation,
// and VKO_GOSTR3410_2012_256/512 (R 50.1.113-2016 §4.3, RFC 7836 §4.3) on fixed-limb arithmetic.
#include "gostcsp/gost3410.hpp"

#include <openssl/rand.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "curve_data.hpp"
#include "gostcsp/ct.hpp"
#include "ec_curve.hpp"

namespace gostcsp::core {

namespace {

using ec::u64;
// Portable instantiations, and MULX/ADX ones chosen at run time when the CPU has BMI2 + ADX.
template <bool Adx>
using C256M = ec::Curve<ec::MontField<4, Adx>>;
template <bool Adx>
using C256P = ec::Curve<ec::PseudoMersenneField<4, Adx>>;
template <bool Adx>
using C512M = ec::Curve<ec::MontField<8, Adx>>;
template <bool Adx>
using C512P = ec::Curve<ec::PseudoMersenneField<8, Adx>>;

template <class C>
void init_curve(C& c, ParamSet s) noexcept {
    const detail::CurveData& d = detail::curve_data[static_cast<std::size_t>(s)];
    c.init(d.p, d.a, d.b, d.q, d.x, d.y, d.cofactor);
}

// One object per (field type, set) in static storage (the fixed-base table lives inside, no
// heap); built on first use, thread-safely (function-local static initialisation).
template <class C, ParamSet S>
const C& curve_instance() noexcept {
    static C obj;
    static const bool built = (init_curve(obj, S), true);
    (void)built;
    return obj;
}

// Calls fn(curve) with the curve object of `set`; pseudo-Mersenne primes get the folding field.
template <bool Adx, class Fn>
Status with_curve_impl(ParamSet set, Fn&& fn) noexcept {
    using P = ParamSet;
    switch (set) {
        case P::gost2001_test:
            return fn(curve_instance<C256M<Adx>, P::gost2001_test>());
        case P::tc26_256_a:
            return fn(curve_instance<C256P<Adx>, P::tc26_256_a>());
        case P::tc26_256_b:
            return fn(curve_instance<C256P<Adx>, P::tc26_256_b>());
        case P::tc26_256_c:
            return fn(curve_instance<C256M<Adx>, P::tc26_256_c>());
        case P::tc26_256_d:
            return fn(curve_instance<C256M<Adx>, P::tc26_256_d>());
        case P::tc26_512_test:
            return fn(curve_instance<C512M<Adx>, P::tc26_512_test>());
        case P::tc26_512_a:
            return fn(curve_instance<C512P<Adx>, P::tc26_512_a>());
        case P::tc26_512_b:
            return fn(curve_instance<C512M<Adx>, P::tc26_512_b>());
        case P::tc26_512_c:
            return fn(curve_instance<C512P<Adx>, P::tc26_512_c>());
    }
    return Status::unknown_param_set;
}

// Set GOSTCSP_NO_ADX=1 in the environment (or call testing::force_portable_arithmetic) to run
// the portable code; the unit tests run both.
std::atomic<bool> force_portable{std::getenv("GOSTCSP_NO_ADX") != nullptr};

bool use_adx() noexcept {
#if GOSTCSP_EC_ASM
    return ec::cpu_has_adx() && !force_portable.load(std::memory_order_relaxed);
#else
    return false;
#endif
}

template <class Fn>
Status with_curve(ParamSet set, Fn&& fn) noexcept {
    if (use_adx()) return with_curve_impl<true>(set, fn);
    return with_curve_impl<false>(set, fn);
}

bool valid_set(ParamSet set) noexcept {
    return static_cast<unsigned>(set) <= 8;
}

// Secret limb buffer wiped on scope exit.
template <std::size_t N>
struct SecretLimbs {
    u64 v[N] = {};
    SecretLimbs() = default;
    SecretLimbs(const SecretLimbs&) = delete;
    SecretLimbs& operator=(const SecretLimbs&) = delete;
    ~SecretLimbs() { secure_zero(v, sizeof(v)); }
};

template <class T>
struct Wiped {
    T v;
    Wiped() noexcept { std::memset(&v, 0, sizeof(v)); }
    Wiped(const Wiped&) = delete;
    Wiped& operator=(const Wiped&) = delete;
    ~Wiped() { secure_zero(&v, sizeof(v)); }
};

// Little-endian bytes (len ≤ 8N) into N limbs, zero-padded.
template <std::size_t N>
void limbs_from_le_short(u64* r, const std::uint8_t* in, std::size_t len) noexcept {
    std::uint8_t buf[8 * N] = {};
    std::memcpy(buf, in, len);
    ec::limbs_from_le<N>(r, buf);
    secure_zero(buf, sizeof(buf));
}

// Number of significant bits of q.
template <std::size_t N>
unsigned bit_length(const u64* q) noexcept {
    for (std::size_t i = N; i-- > 0;)
        if (q[i])
            return static_cast<unsigned>(64 * i + 64 -
                                         static_cast<unsigned>(__builtin_clzll(q[i])));
    return 0;
}

// Uniform scalar in [1, q−1] from `fill` (which writes 8N bytes) by masking to bitlen(q) and
// rejecting out-of-range candidates; the rejections reveal nothing about the accepted value.
template <std::size_t N, class Fill>
Status sample_scalar(const u64* q, u64* out, Fill&& fill) noexcept {
    const unsigned bits = bit_length<N>(q);
    for (int attempt = 0; attempt < 256; ++attempt) {
        std::uint8_t buf[8 * N];
        if (!fill(buf, attempt)) {
            secure_zero(buf, sizeof(buf));
            return Status::rng_failure;
        }
        ec::limbs_from_le<N>(out, buf);
        secure_zero(buf, sizeof(buf));
        for (std::size_t i = 0; i < N; ++i) {
            const unsigned lo = static_cast<unsigned>(64 * i);
            if (lo >= bits)
                out[i] = 0;
            else if (bits - lo < 64)
                out[i] &= (static_cast<u64>(1) << (bits - lo)) - 1;
        }
        const u64 ok_mask = ec::limbs_lt_mask<N>(out, q) & ~ec::limbs_is_zero_mask<N>(out);
        // CT declassify: only the number of rejected candidates is revealed (issue #15).
        if (ct::declassify(ok_mask)) return Status::ok;
    }
    return Status::rng_failure;  // 256 rejections in a row: the generator is broken
}

// Plain scalar d (< q) from a PrivateKey.
template <std::size_t N>
void load_private(const PrivateKey& key, u64* d) noexcept {
    ec::limbs_from_le<N>(d, key.le_bytes().data());
}

template <class C>
void store_public(const C& c, const typename C::Affine& p, std::uint8_t* xy_le) noexcept {
    constexpr std::size_t N = C::N;
    u64 t[N];
    c.fp.from_internal(t, p.x);
    ec::limbs_to_le<N>(xy_le, t);
    c.fp.from_internal(t, p.y);
    ec::limbs_to_le<N>(xy_le + 8 * N, t);
}

// Parses X‖Y little-endian into internal-form affine coordinates; false if a coordinate ≥ p.
template <class C>
bool load_public(const C& c, const std::uint8_t* xy_le, typename C::Affine& p) noexcept {
    constexpr std::size_t N = C::N;
    u64 x[N], y[N];
    ec::limbs_from_le<N>(x, xy_le);
    ec::limbs_from_le<N>(y, xy_le + 8 * N);
    if (!ec::limbs_lt_mask<N>(x, c.fp.m) || !ec::limbs_lt_mask<N>(y, c.fp.m)) return false;
    c.fp.to_internal(p.x, x);
    c.fp.to_internal(p.y, y);
    return true;
}

// The core of RFC 7091 §6.1 steps 3–6 with a given nonce k ∈ [1, q−1] and e ≠ 0 mod q.
// Writes s‖r big-endian; returns false when r or s is 0 (the caller picks a new k).
template <class C>
bool sign_with_k(const C& c, const u64* d, const u64* e_mont, const u64* k,
                 std::uint8_t* sig) noexcept {
    constexpr std::size_t N = C::N;
    Wiped<typename C::Point> cp;
    Wiped<typename C::Affine> ca;
    c.mul_base_ct(cp.v, k);
    c.to_affine(ca.v, cp.v);
    u64 x[N], r_m[N], r[N];
    c.fp.from_internal(x, ca.v.x);
    c.fq.to_internal(r_m, x);  // r = x(C) mod q (x < p < 2^(64N))
    c.fq.from_internal(r, r_m);
    ct::unpoison(r, sizeof r);  // CT declassify: r is part of the signature (issue #15)
    if (ec::limbs_is_zero_mask<N>(r)) return false;  // r is public
    SecretLimbs<N> d_m, k_m, s_m, t;
    u64 s[N];
    c.fq.to_internal(d_m.v, d);
    c.fq.to_internal(k_m.v, k);
    c.fq.mul(s_m.v, r_m, d_m.v);
    c.fq.mul(t.v, k_m.v, e_mont);
    c.fq.add(s_m.v, s_m.v, t.v);
    c.fq.from_internal(s, s_m.v);
    ct::unpoison(s, sizeof s);  // CT declassify: s is part of the signature (issue #15)
    if (ec::limbs_is_zero_mask<N>(s)) return false;  // s is public
    ec::limbs_to_be<N>(sig, s);
    ec::limbs_to_be<N>(sig + 8 * N, r);
    return true;
}

// e = digest (little-endian) mod q in Montgomery form, 0 → 1.
template <class C>
void digest_to_e(const C& c, std::span<const std::uint8_t> digest, u64* e_mont) noexcept {
    constexpr std::size_t N = C::N;
    u64 e[N];
    limbs_from_le_short<N>(e, digest.data(), digest.size());
    c.fq.to_internal(e_mont, e);
    ec::limbs_cmov<N>(e_mont, c.fq.one(), ec::limbs_is_zero_mask<N>(e_mont));
}

Status check_digest(ParamSet set, std::span<const std::uint8_t> digest) noexcept {
    if (digest.empty() || digest.size() > param_set_info(set).field_bytes())
        return Status::bad_length;
    return Status::ok;
}

// Hedged nonce: k = HMAC-Streebog-512(key = d, 64 random bytes ‖ digest ‖ attempt) taken to
// [1, q−1] by rejection. Fresh randomness each call; the key and digest keep k unpredictable even
// if the generator's output were known or repeated.
template <class C>
Status sign_random(const C& c, const PrivateKey& key, std::span<const std::uint8_t> digest,
                   std::span<std::uint8_t> sig) noexcept {
    constexpr std::size_t N = C::N;
    SecretLimbs<N> d, k;
    u64 e_m[N];
    load_private<N>(key, d.v);
    digest_to_e(c, digest, e_m);
    for (int tries = 0; tries < 16; ++tries) {
        SecretBytes<64> rnd;
        if (RAND_priv_bytes(rnd.data(), static_cast<int>(rnd.size())) != 1)
            return Status::rng_failure;
        HmacStreebog mac(DigestSize::bits512, key.le_bytes());
        mac.update(rnd.span());
        mac.update(digest);
        const Status st = sample_scalar<N>(c.q, k.v, [&](std::uint8_t* buf, int attempt) {
            const std::uint8_t ctr[2] = {static_cast<std::uint8_t>(tries),
                                         static_cast<std::uint8_t>(attempt)};
            HmacStreebog m2 = mac;
            m2.update(ctr);
            SecretBytes<64> out;
            m2.final(out.span());
            std::memcpy(buf, out.data(), 8 * N);
            return true;
        });
        if (!ok(st)) return st;
        if (sign_with_k(c, d.v, e_m, k.v, sig.data())) return Status::ok;
    }
    return Status::rng_failure;  // r or s was 0 sixteen times: impossible unless broken
}

template <class C>
Status verify_impl(const C& c, const PublicKey& key, std::span<const std::uint8_t> digest,
                   std::span<const std::uint8_t> sig) noexcept {
    constexpr std::size_t N = C::N;
    u64 s[N], r[N];
    ec::limbs_from_be<N>(s, sig.data());
    ec::limbs_from_be<N>(r, sig.data() + 8 * N);
    if (ec::limbs_is_zero_mask<N>(r) || ec::limbs_is_zero_mask<N>(s) ||
        !ec::limbs_lt_mask<N>(r, c.q) || !ec::limbs_lt_mask<N>(s, c.q))
        return Status::invalid_signature;
    typename C::Affine q_pt;
    if (!load_public(c, key.le_xy().data(), q_pt)) return Status::invalid_public_key;
    u64 e_m[N], v[N], z1[N], z2[N], t[N];
    digest_to_e(c, digest, e_m);
    ec::field_inv(c.fq, v, e_m);  // v = e^{-1}
    c.fq.to_internal(t, s);
    c.fq.mul(z1, t, v);  // z1 = s·v
    c.fq.to_internal(t, r);
    c.fq.mul(z2, t, v);
    c.fq.neg(z2, z2);  // z2 = −r·v
    c.fq.from_internal(z1, z1);
    c.fq.from_internal(z2, z2);
    typename C::Point cp;
    c.mul2_vartime(cp, z1, q_pt, z2);
    typename C::Affine ca;
    if (c.to_affine(ca, cp)) return Status::invalid_signature;
    u64 x[N], rr[N];
    c.fp.from_internal(x, ca.x);
    c.fq.to_internal(t, x);
    c.fq.from_internal(rr, t);
    return ec::limbs_eq_mask<N>(rr, r) ? Status::ok : Status::invalid_signature;
}

}  // namespace

// ---------------------------------------------------------------- keys

Status PrivateKey::generate(ParamSet set, PrivateKey& out) noexcept {
    if (!valid_set(set)) return Status::unknown_param_set;
    return with_curve(set, [&](const auto& c) {
        constexpr std::size_t N = std::remove_cvref_t<decltype(c)>::N;
        SecretLimbs<N> d;
        const Status st = sample_scalar<N>(c.q, d.v, [](std::uint8_t* buf, int) {
            return RAND_priv_bytes(buf, static_cast<int>(8 * N)) == 1;
        });
        if (!ok(st)) return st;
        out.d_le_.wipe();
        out.set_ = set;
        ec::limbs_to_le<N>(out.d_le_.data(), d.v);
        return Status::ok;
    });
}

Status PrivateKey::from_le_bytes(ParamSet set, std::span<const std::uint8_t> d_le,
                                 PrivateKey& out) noexcept {
    if (!valid_set(set)) return Status::unknown_param_set;
    if (d_le.size() != param_set_info(set).field_bytes()) return Status::bad_length;
    return with_curve(set, [&](const auto& c) {
        constexpr std::size_t N = std::remove_cvref_t<decltype(c)>::N;
        SecretLimbs<N> d;
        ec::limbs_from_le<N>(d.v, d_le.data());
        const u64 good = ec::limbs_lt_mask<N>(d.v, c.q) & ~ec::limbs_is_zero_mask<N>(d.v);
        if (!ct::declassify(good)) return Status::invalid_private_key;  // CT declassify: validity
        out.d_le_.wipe();
        out.set_ = set;
        std::memcpy(out.d_le_.data(), d_le.data(), d_le.size());
        return Status::ok;
    });
}

Status PrivateKey::derive_public(PublicKey& out) const noexcept {
    return with_curve(set_, [&](const auto& c) {
        using Cv = std::remove_cvref_t<decltype(c)>;
        constexpr std::size_t N = Cv::N;
        SecretLimbs<N> d;
        load_private<N>(*this, d.v);
        Wiped<typename Cv::Point> p;
        typename Cv::Affine a;
        c.mul_base_ct(p.v, d.v);
        c.to_affine(a, p.v);
        out.set_ = set_;
        std::memset(out.xy_le_, 0, sizeof(out.xy_le_));
        store_public(c, a, out.xy_le_);
        return Status::ok;
    });
}

Status PublicKey::from_le_xy(ParamSet set, std::span<const std::uint8_t> xy,
                             PublicKey& out) noexcept {
    if (!valid_set(set)) return Status::unknown_param_set;
    if (xy.size() != param_set_info(set).public_key_bytes()) return Status::bad_length;
    return with_curve(set, [&](const auto& c) {
        using Cv = std::remove_cvref_t<decltype(c)>;
        typename Cv::Affine a;
        // Affine coordinates cannot encode the identity, so "not the identity" holds by form.
        if (!load_public(c, xy.data(), a) || !c.on_curve(a)) return Status::invalid_public_key;
        if (c.cofactor != 1) {
            // Cofactor-4 curves: require q·Q = O (Q in the prime-order subgroup).
            typename Cv::Point t;
            c.mul_ct(t, a, c.q);
            if (!c.is_true_identity(t)) return Status::invalid_public_key;
        }
        out.set_ = set;
        std::memset(out.xy_le_, 0, sizeof(out.xy_le_));
        std::memcpy(out.xy_le_, xy.data(), xy.size());
        return Status::ok;
    });
}

// ---------------------------------------------------------------- signatures

Status sign_digest(const PrivateKey& key, std::span<const std::uint8_t> digest,
                   std::span<std::uint8_t> sig) noexcept {
    const ParamSet set = key.param_set();
    if (Status st = check_digest(set, digest); !ok(st)) return st;
    if (sig.size() != param_set_info(set).signature_bytes()) return Status::bad_length;
    return with_curve(set, [&](const auto& c) { return sign_random(c, key, digest, sig); });
}

Status verify_digest(const PublicKey& key, std::span<const std::uint8_t> digest,
                     std::span<const std::uint8_t> sig) noexcept {
    const ParamSet set = key.param_set();
    if (Status st = check_digest(set, digest); !ok(st)) return st;
    if (sig.size() != param_set_info(set).signature_bytes()) return Status::bad_length;
    return with_curve(set, [&](const auto& c) { return verify_impl(c, key, digest, sig); });
}

Status sign_message(const PrivateKey& key, std::span<const std::uint8_t> msg,
                    std::span<std::uint8_t> sig) noexcept {
    std::uint8_t h[64];
    Streebog hash(message_digest_size(key.param_set()));
    hash.update(msg);
    hash.final(h);
    return sign_digest(key, {h, hash.output_bytes()}, sig);
}

Status verify_message(const PublicKey& key, std::span<const std::uint8_t> msg,
                      std::span<const std::uint8_t> sig) noexcept {
    std::uint8_t h[64];
    Streebog hash(message_digest_size(key.param_set()));
    hash.update(msg);
    hash.final(h);
    return verify_digest(key, {h, hash.output_bytes()}, sig);
}

// ---------------------------------------------------------------- VKO

Status vko(const PrivateKey& key, const PublicKey& peer, std::span<const std::uint8_t> ukm,
           DigestSize kek_size, std::span<std::uint8_t> kek) noexcept {
    const ParamSet set = key.param_set();
    if (peer.param_set() != set) return Status::param_set_mismatch;
    if (kek_size != DigestSize::bits256 && kek_size != DigestSize::bits512)
        return Status::bad_length;
    if (kek.size() != digest_bytes(kek_size)) return Status::bad_length;
    if (ukm.empty() || ukm.size() > param_set_info(set).field_bytes()) return Status::invalid_ukm;
    return with_curve(set, [&](const auto& c) {
        using Cv = std::remove_cvref_t<decltype(c)>;
        constexpr std::size_t N = Cv::N;
        // Re-validate the peer point (PublicKey objects are validated, but the check is cheap
        // next to the multiplication and keeps vko() safe on its own).
        typename Cv::Affine q_pt;
        if (!load_public(c, peer.le_xy().data(), q_pt) || !c.on_curve(q_pt))
            return Status::invalid_public_key;
        SecretLimbs<N> u, u_m, d, d_m, t_m, t;
        limbs_from_le_short<N>(u.v, ukm.data(), ukm.size());
        c.fq.to_internal(u_m.v, u.v);
        if (ec::limbs_is_zero_mask<N>(u_m.v)) return Status::invalid_ukm;  // UKM ≡ 0 mod q
        load_private<N>(key, d.v);
        c.fq.to_internal(d_m.v, d.v);
        c.fq.mul(t_m.v, u_m.v, d_m.v);
        for (unsigned i = 0; i < c.cofactor; ++i) c.fq.add(t.v, t.v, t_m.v);  // cofactor·u·d
        c.fq.from_internal(t.v, t.v);
        Wiped<typename Cv::Point> kp;
        Wiped<typename Cv::Affine> ka;
        c.mul_ct_jac(kp.v, q_pt, t.v);  // t < q and Q in <P>: see mul_ct_jac
        const u64 inf = c.to_affine(ka.v, kp.v);
        // CT declassify: K = O only for a peer point outside <P>, a public property (issue #15).
        if (ct::declassify(inf)) return Status::invalid_public_key;
        SecretBytes<2 * max_field_bytes> xy;
        store_public(c, ka.v, xy.data());
        Streebog h(kek_size, StreebogImpl::automatic_secret);  // the point is secret (issue #15)
        h.update({xy.data(), 16 * N});
        h.final(kek);
        return Status::ok;
    });
}

// ---------------------------------------------------------------- test hook

namespace testing {
Status sign_digest_with_nonce(const PrivateKey& key, std::span<const std::uint8_t> digest,
                              std::span<const std::uint8_t> k_be,
                              std::span<std::uint8_t> sig) noexcept {
    const ParamSet set = key.param_set();
    const std::size_t n = param_set_info(set).field_bytes();
    if (Status st = check_digest(set, digest); !ok(st)) return st;
    if (sig.size() != param_set_info(set).signature_bytes() || k_be.size() != n)
        return Status::bad_length;
    return with_curve(set, [&](const auto& c) {
        constexpr std::size_t N = std::remove_cvref_t<decltype(c)>::N;
        SecretLimbs<N> d, k;
        u64 e_m[N];
        ec::limbs_from_be<N>(k.v, k_be.data());
        if (ec::limbs_is_zero_mask<N>(k.v) || !ec::limbs_lt_mask<N>(k.v, c.q))
            return Status::invalid_private_key;
        load_private<N>(key, d.v);
        digest_to_e(c, digest, e_m);
        return sign_with_k(c, d.v, e_m, k.v, sig.data()) ? Status::ok : Status::invalid_signature;
    });
}

bool force_portable_arithmetic(bool on) noexcept {
    force_portable.store(on, std::memory_order_relaxed);
    return use_adx();
}

Status check_base_point(ParamSet set) noexcept {
    if (!valid_set(set)) return Status::unknown_param_set;
    return with_curve(set, [&](const auto& c) {
        using Cv = std::remove_cvref_t<decltype(c)>;
        constexpr std::size_t N = Cv::N;
        if (!c.on_curve(c.g)) return Status::invalid_public_key;
        typename Cv::Point p1, p2, p3;
        const u64 zero[N] = {};
        c.mul_base_ct(p1, c.q);
        c.mul_ct(p2, c.g, c.q);
        c.mul2_vartime(p3, zero, c.g, c.q);
        bool all = c.is_true_identity(p1) && c.is_true_identity(p2) && c.is_true_identity(p3);
        // (q−1)·G = −G through every multiplier (Jacobian paths included), and 2·G agrees.
        u64 qm1[N], one[N] = {1}, two[N] = {2};
        ec::limbs_sub<N>(qm1, c.q, one);
        typename Cv::Affine neg_g = c.g, a1;
        c.fp.neg(neg_g.y, neg_g.y);
        auto is = [&](const typename Cv::Point& pt, const typename Cv::Affine& want) {
            typename Cv::Affine got;
            if (c.to_affine(got, pt)) return false;
            return ec::limbs_eq_mask<N>(got.x, want.x) && ec::limbs_eq_mask<N>(got.y, want.y);
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
        typename Cv::Point gp;
        c.from_affine(gp, c.g);
        c.dbl(p2, gp);
        if (c.to_affine(a1, p2)) return Status::invalid_public_key;
        c.mul_base_ct(p1, two);
        all = all && is(p1, a1);
        c.mul_ct_jac(p1, c.g, two);
        all = all && is(p1, a1);
        c.mul2_vartime(p1, one, c.g, one);
        all = all && is(p1, a1);
        return all ? Status::ok : Status::invalid_public_key;
    });
}
}  // namespace testing

}  // namespace gostcsp::core
