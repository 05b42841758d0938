// SPDX-License-Identifier: Apache-2.0
// GOST R 34.10-2012 signatures (RFC 7091 §6.1 sign, §6.2 verify), key generation and validation,
// and VKO_GOSTR3410_2012_256/512 (R 50.1.113-2016 §4.3, RFC 7836 §4.3), written once over the
// curve interface (curve_ops.hpp: which operations may see secrets is stated there).
#include "gostcsp/gost3410.hpp"

#include <openssl/rand.h>

#include <cstring>

#include "curve_ops.hpp"
#include "ec_limbs.hpp"
#include "gostcsp/ct.hpp"

namespace gostcsp::core {

namespace {

using ec::AffinePoint;
using ec::CurveOps;
using ec::max_limbs;
using ec::ProjPoint;
using ec::u64;

// ---- plain scalar helpers over n = ops.limbs() limbs (n is public; constant-time in values)

u64 is_zero_mask(const u64* a, std::size_t n) noexcept {
    u64 acc = 0;
    for (std::size_t i = 0; i < n; ++i) acc |= a[i];
    return ec::mask_is_zero(acc);
}
// All-ones when a < b.
u64 lt_mask(const u64* a, const u64* b, std::size_t n) noexcept {
    unsigned char borrow = 0;
    u64 t;
    for (std::size_t i = 0; i < n; ++i) borrow = ec::subb(borrow, a[i], b[i], &t);
    return static_cast<u64>(0) - borrow;
}
// r = a − b (a ≥ b; public values only).
void sub(u64* r, const u64* a, const u64* b, std::size_t n) noexcept {
    unsigned char borrow = 0;
    for (std::size_t i = 0; i < n; ++i) borrow = ec::subb(borrow, a[i], b[i], &r[i]);
}
void cmov(u64* r, const u64* a, u64 mask, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) r[i] = (r[i] & ~mask) | (a[i] & mask);
}
// Little-endian bytes (len ≤ 8n) into n limbs, zero-padded.
void from_le(u64* r, const std::uint8_t* in, std::size_t len, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) r[i] = 0;
    for (std::size_t j = 0; j < len; ++j) r[j / 8] |= static_cast<u64>(in[j]) << (8 * (j % 8));
}
void to_le(std::uint8_t* out, const u64* a, std::size_t n) noexcept {
    for (std::size_t j = 0; j < 8 * n; ++j)
        out[j] = static_cast<std::uint8_t>(a[j / 8] >> (8 * (j % 8)));
}
void from_be(u64* r, const std::uint8_t* in, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) r[i] = 0;
    for (std::size_t j = 0; j < 8 * n; ++j) {
        const std::size_t bit = 8 * (8 * n - 1 - j);
        r[bit / 64] |= static_cast<u64>(in[j]) << (bit % 64);
    }
}
void to_be(std::uint8_t* out, const u64* a, std::size_t n) noexcept {
    for (std::size_t j = 0; j < 8 * n; ++j) {
        const std::size_t bit = 8 * (8 * n - 1 - j);
        out[j] = static_cast<std::uint8_t>(a[bit / 64] >> (bit % 64));
    }
}

// Secret scalar wiped on scope exit.
struct Secret {
    u64 v[max_limbs] = {};
    Secret() = default;
    Secret(const Secret&) = delete;
    Secret& operator=(const Secret&) = delete;
    ~Secret() { secure_zero(v, sizeof(v)); }
};
template <class T>
struct Wiped {
    T v{};
    Wiped() = default;
    Wiped(const Wiped&) = delete;
    Wiped& operator=(const Wiped&) = delete;
    ~Wiped() { secure_zero(&v, sizeof(v)); }
};

const CurveOps* ops_for(ParamSet set) noexcept {
    return ec::curve_ops(set, ec::current_arith());
}

unsigned bit_length(const u64* q, std::size_t n) noexcept {
    for (std::size_t i = n; i-- > 0;)
        if (q[i])
            return static_cast<unsigned>(64 * i + 64 -
                                         static_cast<unsigned>(__builtin_clzll(q[i])));
    return 0;
}

// Uniform scalar in [1, q−1] from `fill` (which writes 8n bytes) by masking to bitlen(q) and
// rejecting out-of-range candidates; the rejections reveal nothing about the accepted value.
template <class Fill>
Status sample_scalar(const CurveOps& c, u64* out, Fill&& fill) noexcept {
    const std::size_t n = c.limbs();
    const unsigned bits = bit_length(c.order(), n);
    for (int attempt = 0; attempt < 256; ++attempt) {
        std::uint8_t buf[8 * max_limbs];
        if (!fill(buf, attempt)) {
            secure_zero(buf, sizeof(buf));
            return Status::rng_failure;
        }
        from_le(out, buf, 8 * n, n);
        secure_zero(buf, sizeof(buf));
        for (std::size_t i = 0; i < n; ++i) {
            const unsigned lo = static_cast<unsigned>(64 * i);
            if (lo >= bits)
                out[i] = 0;
            else if (bits - lo < 64)
                out[i] &= (static_cast<u64>(1) << (bits - lo)) - 1;
        }
        // CT declassify: only the number of rejected candidates is revealed (issue #15).
        if (ct::declassify(lt_mask(out, c.order(), n) & ~is_zero_mask(out, n))) return Status::ok;
    }
    return Status::rng_failure;  // 256 rejections in a row: the generator is broken
}

// Parses X‖Y little-endian; the curve check rejects coordinates ≥ p.
void load_public(const CurveOps& c, const std::uint8_t* xy_le, AffinePoint& p) noexcept {
    const std::size_t n = c.limbs();
    std::memset(&p, 0, sizeof(p));
    from_le(p.x, xy_le, 8 * n, n);
    from_le(p.y, xy_le + 8 * n, 8 * n, n);
}
void store_public(const CurveOps& c, const AffinePoint& p, std::uint8_t* xy_le) noexcept {
    const std::size_t n = c.limbs();
    to_le(xy_le, p.x, n);
    to_le(xy_le + 8 * n, p.y, n);
}

// e = digest (little-endian) mod q, 0 → 1 (RFC 7091 §6.1 step 2).
void digest_to_e(const CurveOps& c, std::span<const std::uint8_t> digest, u64* e) noexcept {
    const std::size_t n = c.limbs();
    u64 t[max_limbs];
    const u64 one[max_limbs] = {1};
    from_le(t, digest.data(), digest.size(), n);
    c.scalar_reduce(e, t);
    cmov(e, one, is_zero_mask(e, n), n);
}

Status check_digest(ParamSet set, std::span<const std::uint8_t> digest) noexcept {
    if (digest.empty() || digest.size() > param_set_info(set).field_bytes())
        return Status::bad_length;
    return Status::ok;
}

// RFC 7091 §6.1 steps 3–6 with a given nonce k ∈ [1, q−1]. Writes s‖r big-endian; false when
// r or s is 0 (the caller picks a new k).
bool sign_with_k(const CurveOps& c, const u64* d, const u64* e, const u64* k,
                 std::uint8_t* sig) noexcept {
    const std::size_t n = c.limbs();
    Wiped<ProjPoint> cp;
    Wiped<AffinePoint> ca;
    c.mul_base(cp.v, k);
    c.to_affine(ca.v, cp.v);
    u64 r[max_limbs] = {}, s[max_limbs] = {};
    c.scalar_reduce(r, ca.v.x);            // r = x(C) mod q
    ct::unpoison(r, 8 * n);                // CT declassify: r is part of the signature (#15)
    if (is_zero_mask(r, n)) return false;  // r is public
    Secret rd, ke;
    c.scalar_mul(rd.v, r, d);
    c.scalar_mul(ke.v, k, e);
    c.scalar_add(s, rd.v, ke.v);
    ct::unpoison(s, 8 * n);                // CT declassify: s is part of the signature (#15)
    if (is_zero_mask(s, n)) return false;  // s is public
    to_be(sig, s, n);
    to_be(sig + 8 * n, r, n);
    return true;
}

// Hedged nonce: k = HMAC-Streebog-512(key = d, 64 random bytes ‖ digest ‖ attempt) taken to
// [1, q−1] by rejection. Fresh randomness each call; the key and digest keep k unpredictable even
// if the generator's output were known or repeated.
Status sign_random(const CurveOps& c, const PrivateKey& key, std::span<const std::uint8_t> digest,
                   std::span<std::uint8_t> sig) noexcept {
    const std::size_t n = c.limbs();
    Secret d, k;
    u64 e[max_limbs];
    from_le(d.v, key.le_bytes().data(), 8 * n, n);
    digest_to_e(c, digest, e);
    for (int tries = 0; tries < 16; ++tries) {
        SecretBytes<64> rnd;
        if (RAND_priv_bytes(rnd.data(), static_cast<int>(rnd.size())) != 1)
            return Status::rng_failure;
        HmacStreebog mac(DigestSize::bits512, key.le_bytes());
        mac.update(rnd.span());
        mac.update(digest);
        const Status st = sample_scalar(c, k.v, [&](std::uint8_t* buf, int attempt) {
            const std::uint8_t ctr[2] = {static_cast<std::uint8_t>(tries),
                                         static_cast<std::uint8_t>(attempt)};
            HmacStreebog m2 = mac;
            m2.update(ctr);
            SecretBytes<64> out;
            m2.final(out.span());
            std::memcpy(buf, out.data(), 8 * n);
            return true;
        });
        if (!ok(st)) return st;
        if (sign_with_k(c, d.v, e, k.v, sig.data())) return Status::ok;
    }
    return Status::rng_failure;  // r or s was 0 sixteen times: impossible unless broken
}

// RFC 7091 §6.2 (public data only).
Status verify_with(const CurveOps& c, const PublicKey& key, std::span<const std::uint8_t> digest,
                   std::span<const std::uint8_t> sig) noexcept {
    const std::size_t n = c.limbs();
    u64 s[max_limbs], r[max_limbs];
    from_be(s, sig.data(), n);
    from_be(r, sig.data() + 8 * n, n);
    if (is_zero_mask(r, n) || is_zero_mask(s, n) || !lt_mask(r, c.order(), n) ||
        !lt_mask(s, c.order(), n))
        return Status::invalid_signature;
    AffinePoint q_pt;
    load_public(c, key.le_xy().data(), q_pt);
    if (!c.on_curve_vartime(q_pt)) return Status::invalid_public_key;
    u64 e[max_limbs], v[max_limbs], z1[max_limbs], z2[max_limbs] = {}, t[max_limbs];
    digest_to_e(c, digest, e);
    c.scalar_inv(v, e);      // v = e^{-1}
    c.scalar_mul(z1, s, v);  // z1 = s·v
    c.scalar_mul(t, r, v);
    if (!is_zero_mask(t, n)) sub(z2, c.order(), t, n);  // z2 = −r·v mod q
    ProjPoint cp;
    c.mul2_vartime(cp, z1, q_pt, z2);
    // x(C) mod q = r, compared projectively (no inversion); C = O is invalid
    return c.x_mod_q_equals_vartime(cp, r) ? Status::ok : Status::invalid_signature;
}

}  // namespace

// ---------------------------------------------------------------- keys

Status PrivateKey::generate(ParamSet set, PrivateKey& out) noexcept {
    const CurveOps* c = ops_for(set);
    if (!c) return Status::unknown_param_set;
    const std::size_t n = c->limbs();
    Secret d;
    const Status st = sample_scalar(*c, d.v, [n](std::uint8_t* buf, int) {
        return RAND_priv_bytes(buf, static_cast<int>(8 * n)) == 1;
    });
    if (!ok(st)) return st;
    out.d_le_.wipe();
    out.set_ = set;
    to_le(out.d_le_.data(), d.v, n);
    return Status::ok;
}

Status PrivateKey::from_le_bytes(ParamSet set, std::span<const std::uint8_t> d_le,
                                 PrivateKey& out) noexcept {
    const CurveOps* c = ops_for(set);
    if (!c) return Status::unknown_param_set;
    if (d_le.size() != param_set_info(set).field_bytes()) return Status::bad_length;
    const std::size_t n = c->limbs();
    Secret d;
    from_le(d.v, d_le.data(), d_le.size(), n);
    // CT declassify: whether the scalar is valid (#15).
    if (!ct::declassify(lt_mask(d.v, c->order(), n) & ~is_zero_mask(d.v, n)))
        return Status::invalid_private_key;
    out.d_le_.wipe();
    out.set_ = set;
    std::memcpy(out.d_le_.data(), d_le.data(), d_le.size());
    return Status::ok;
}

Status PrivateKey::derive_public(PublicKey& out) const noexcept {
    const CurveOps* c = ops_for(set_);
    if (!c) return Status::unknown_param_set;
    const std::size_t n = c->limbs();
    Secret d;
    from_le(d.v, d_le_.data(), 8 * n, n);
    Wiped<ProjPoint> p;
    AffinePoint a;
    c->mul_base(p.v, d.v);
    c->to_affine(a, p.v);
    out.set_ = set_;
    std::memset(out.xy_le_, 0, sizeof(out.xy_le_));
    store_public(*c, a, out.xy_le_);
    return Status::ok;
}

Status PublicKey::from_le_xy(ParamSet set, std::span<const std::uint8_t> xy,
                             PublicKey& out) noexcept {
    const CurveOps* c = ops_for(set);
    if (!c) return Status::unknown_param_set;
    if (xy.size() != param_set_info(set).public_key_bytes()) return Status::bad_length;
    AffinePoint a;
    load_public(*c, xy.data(), a);
    // Affine coordinates cannot encode the identity, so "not the identity" holds by form.
    if (!c->on_curve_vartime(a)) return Status::invalid_public_key;
    // Cofactor-4 curves: require q·Q = O (Q in the prime-order subgroup).
    if (c->cofactor() != 1 && !c->in_subgroup_vartime(a)) return Status::invalid_public_key;
    out.set_ = set;
    std::memset(out.xy_le_, 0, sizeof(out.xy_le_));
    std::memcpy(out.xy_le_, xy.data(), xy.size());
    return Status::ok;
}

// ---------------------------------------------------------------- signatures

Status sign_digest(const PrivateKey& key, std::span<const std::uint8_t> digest,
                   std::span<std::uint8_t> sig) noexcept {
    const ParamSet set = key.param_set();
    const CurveOps* c = ops_for(set);
    if (!c) return Status::unknown_param_set;
    if (Status st = check_digest(set, digest); !ok(st)) return st;
    if (sig.size() != param_set_info(set).signature_bytes()) return Status::bad_length;
    return sign_random(*c, key, digest, sig);
}

Status verify_digest(const PublicKey& key, std::span<const std::uint8_t> digest,
                     std::span<const std::uint8_t> sig) noexcept {
    const ParamSet set = key.param_set();
    const CurveOps* c = ops_for(set);
    if (!c) return Status::unknown_param_set;
    if (Status st = check_digest(set, digest); !ok(st)) return st;
    if (sig.size() != param_set_info(set).signature_bytes()) return Status::bad_length;
    return verify_with(*c, key, digest, sig);
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
    const CurveOps* c = ops_for(set);
    if (!c) return Status::unknown_param_set;
    const std::size_t n = c->limbs();
    // Re-validate the peer point (PublicKey objects are validated, but the check is cheap next
    // to the multiplication and keeps vko() safe on its own).
    AffinePoint q_pt;
    load_public(*c, peer.le_xy().data(), q_pt);
    if (!c->on_curve_vartime(q_pt)) return Status::invalid_public_key;
    Secret u, d, ud, t;
    from_le(t.v, ukm.data(), ukm.size(), n);
    c->scalar_reduce(u.v, t.v);
    if (is_zero_mask(u.v, n)) return Status::invalid_ukm;  // UKM ≡ 0 mod q
    from_le(d.v, key.le_bytes().data(), 8 * n, n);
    c->scalar_mul(ud.v, u.v, d.v);
    std::memset(t.v, 0, sizeof(t.v));
    for (unsigned i = 0; i < c->cofactor(); ++i) c->scalar_add(t.v, t.v, ud.v);  // cofactor·u·d
    Wiped<ProjPoint> kp;
    Wiped<AffinePoint> ka;
    c->mul(kp.v, q_pt, t.v);  // t < q and Q in <P> (validated PublicKey)
    // CT declassify: K = O only for a peer point outside <P>, a public property (#15).
    if (ct::declassify(c->to_affine(ka.v, kp.v))) return Status::invalid_public_key;
    SecretBytes<2 * max_field_bytes> xy;
    store_public(*c, ka.v, xy.data());
    Streebog h(kek_size, StreebogImpl::automatic_secret);  // the point is secret (#15)
    h.update({xy.data(), 16 * n});
    h.final(kek);
    return Status::ok;
}

// ---------------------------------------------------------------- test hooks

namespace testing {
Status sign_digest_with_nonce(const PrivateKey& key, std::span<const std::uint8_t> digest,
                              std::span<const std::uint8_t> k_be,
                              std::span<std::uint8_t> sig) noexcept {
    const ParamSet set = key.param_set();
    const CurveOps* c = ops_for(set);
    if (!c) return Status::unknown_param_set;
    const std::size_t n = c->limbs();
    if (Status st = check_digest(set, digest); !ok(st)) return st;
    if (sig.size() != param_set_info(set).signature_bytes() || k_be.size() != 8 * n)
        return Status::bad_length;
    Secret d, k;
    u64 e[max_limbs];
    from_be(k.v, k_be.data(), n);
    if (is_zero_mask(k.v, n) || !lt_mask(k.v, c->order(), n)) return Status::invalid_private_key;
    from_le(d.v, key.le_bytes().data(), 8 * n, n);
    digest_to_e(*c, digest, e);
    return sign_with_k(*c, d.v, e, k.v, sig.data()) ? Status::ok : Status::invalid_signature;
}

bool force_portable_arithmetic(bool on) noexcept {
    ec::set_force_portable(on);
    return ec::current_arith() == ec::Arith::adx;
}

Status check_base_point(ParamSet set) noexcept {
    const CurveOps* c = ops_for(set);
    if (!c) return Status::unknown_param_set;
    return c->self_check_vartime() ? Status::ok : Status::invalid_public_key;
}
}  // namespace testing

}  // namespace gostcsp::core
