// SPDX-License-Identifier: Apache-2.0
// MGM (R 1323565.1.026-2019, RFC 9058). The Y (encryption) and Z (authentication) counter blocks
// of a batch go through the cipher in one many-block call; the GF(2^n) products use PCLMULQDQ
// where the CPU has it and a masked shift-and-add otherwise — both constant-time.
#include "gostcsp/mgm.hpp"

#include <algorithm>
#include <cstring>
#include <new>

#include "cpu_features.hpp"
#include "ctr_internal.hpp"
#include "gostcsp/secure.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define GOSTCSP_MGM_X86 1
#endif

namespace gostcsp::core {
namespace {

constexpr std::size_t batch = 16;  // blocks per counter stream per cipher call

using detail::load_be64;
using detail::store_be64;

// Elements of GF(2^n) as big-endian words: w[0] holds the top 64 bits (n = 128) or all (n = 64).
struct Elem {
    std::uint64_t hi = 0, lo = 0;
};

Elem load(const std::uint8_t* p, std::size_t n) noexcept {
    Elem e;
    if (n == 16) {
        e.hi = load_be64(p);
        e.lo = load_be64(p + 8);
    } else {
        e.lo = load_be64(p);
    }
    return e;
}
void store(std::uint8_t* p, const Elem& e, std::size_t n) noexcept {
    if (n == 16) {
        store_be64(p, e.hi);
        store_be64(p + 8, e.lo);
    } else {
        store_be64(p, e.lo);
    }
}

// Portable: x * y by scanning y's bits from the top, masks instead of branches.
Elem mul_portable(const Elem& x, const Elem& y, std::size_t n) noexcept {
    Elem r;
    if (n == 16) {
        for (int i = 127; i >= 0; --i) {
            const std::uint64_t carry = 0 - (r.hi >> 63);
            r.hi = r.hi << 1 | r.lo >> 63;
            r.lo = (r.lo << 1) ^ (carry & 0x87);  // w^128 = w^7 + w^2 + w + 1
            const std::uint64_t bit = i >= 64 ? (y.hi >> (i - 64)) & 1 : (y.lo >> i) & 1;
            const std::uint64_t m = 0 - bit;
            r.hi ^= x.hi & m;
            r.lo ^= x.lo & m;
        }
    } else {
        for (int i = 63; i >= 0; --i) {
            const std::uint64_t carry = 0 - (r.lo >> 63);
            r.lo = (r.lo << 1) ^ (carry & 0x1b);  // w^64 = w^4 + w^3 + w + 1
            r.lo ^= x.lo & (0 - ((y.lo >> i) & 1));
        }
    }
    return r;
}

#if defined(GOSTCSP_MGM_X86)
__attribute__((target("pclmul,sse4.1"))) Elem mul_clmul(const Elem& x, const Elem& y,
                                                        std::size_t n) noexcept {
    if (n == 8) {
        const __m128i a = _mm_set_epi64x(0, static_cast<long long>(x.lo));
        const __m128i b = _mm_set_epi64x(0, static_cast<long long>(y.lo));
        const __m128i p = _mm_clmulepi64_si128(a, b, 0x00);  // 127-bit product
        const __m128i poly = _mm_set_epi64x(0, 0x1b);
        // Fold the high 64 bits twice: h * w^64 = h * 0x1b.
        __m128i t = _mm_clmulepi64_si128(p, poly, 0x01);  // hi(p) * 0x1b, < 2^68
        __m128i u = _mm_clmulepi64_si128(t, poly, 0x01);  // hi(t) * 0x1b, < 2^8
        const std::uint64_t r = static_cast<std::uint64_t>(_mm_cvtsi128_si64(p)) ^
                                static_cast<std::uint64_t>(_mm_cvtsi128_si64(t)) ^
                                static_cast<std::uint64_t>(_mm_cvtsi128_si64(u));
        Elem e;
        e.lo = r;
        return e;
    }
    const __m128i a = _mm_set_epi64x(static_cast<long long>(x.hi), static_cast<long long>(x.lo));
    const __m128i b = _mm_set_epi64x(static_cast<long long>(y.hi), static_cast<long long>(y.lo));
    const __m128i lo = _mm_clmulepi64_si128(a, b, 0x00);
    const __m128i hi = _mm_clmulepi64_si128(a, b, 0x11);
    const __m128i mid =
        _mm_xor_si128(_mm_clmulepi64_si128(a, b, 0x01), _mm_clmulepi64_si128(a, b, 0x10));
    // 256-bit product p3:p2:p1:p0.
    __m128i r0 = _mm_xor_si128(lo, _mm_slli_si128(mid, 8));  // p1:p0
    __m128i r1 = _mm_xor_si128(hi, _mm_srli_si128(mid, 8));  // p3:p2
    const __m128i poly = _mm_set_epi64x(0, 0x87);
    // Fold p3 (at w^192): p3 * 0x87 lands at w^64..w^135.
    __m128i t3 = _mm_clmulepi64_si128(r1, poly, 0x01);  // p3 * 0x87 (< 2^72)
    r0 = _mm_xor_si128(r0, _mm_slli_si128(t3, 8));
    r1 = _mm_xor_si128(r1, _mm_srli_si128(t3, 8));  // the top bits of t3 go into p2
    // Fold p2 (at w^128).
    __m128i t2 = _mm_clmulepi64_si128(r1, poly, 0x00);  // p2 * 0x87 (< 2^72)
    r0 = _mm_xor_si128(r0, t2);
    Elem e;
    e.lo = static_cast<std::uint64_t>(_mm_cvtsi128_si64(r0));
    e.hi = static_cast<std::uint64_t>(_mm_extract_epi64(r0, 1));
    return e;
}
#endif

Elem mul(const Elem& x, const Elem& y, std::size_t n) noexcept {
#if defined(GOSTCSP_MGM_X86)
    static const bool clmul = detail::cpu_has_pclmul();
    if (clmul) return mul_clmul(x, y, n);
#endif
    return mul_portable(x, y, n);
}

// incr_l / incr_r: +1 mod 2^(n/2) on the left / right half (big-endian).
void incr_half(std::uint8_t* half, std::size_t len) noexcept {
    unsigned carry = 1;
    for (std::size_t i = len; i-- > 0;) {
        const unsigned v = half[i] + carry;
        half[i] = static_cast<std::uint8_t>(v);
        carry = v >> 8;
    }
}

// The MGM state of one message: both counters and the running sum.
class Engine {
  public:
    Engine(const BlockCipher& c, const std::uint8_t* nonce) noexcept : c_(c), n_(c.block_size()) {
        std::uint8_t b[max_block_bytes];
        std::memcpy(b, nonce, n_);
        b[0] &= 0x7f;
        c_.encrypt_block(b, y_);  // Y_1 = E_K(0 || ICN)
        b[0] |= 0x80;
        c_.encrypt_block(b, z_);  // Z_1 = E_K(1 || ICN)
        secure_zero(b, sizeof b);
    }
    ~Engine() {
        secure_zero(y_, sizeof y_);
        secure_zero(z_, sizeof z_);
        secure_zero(buf_, sizeof buf_);
        secure_zero(&sum_, sizeof sum_);
    }

    // sum ^= H_i (x) X_i for each (zero-padded) block of `data`.
    void authenticate(const std::uint8_t* data, std::size_t len) noexcept {
        while (len != 0) {
            const std::size_t blocks = std::min(batch, (len + n_ - 1) / n_);
            std::uint8_t* h = buf_;
            for (std::size_t b = 0; b < blocks; ++b) next_z(h + b * n_);
            c_.encrypt_blocks(h, h, blocks);
            for (std::size_t b = 0; b < blocks; ++b) {
                std::uint8_t x[max_block_bytes] = {};
                const std::size_t take = std::min(len, n_);
                std::memcpy(x, data, take);
                sum_ = add(sum_, mul(load(h + b * n_, n_), load(x, n_), n_));
                data += take;
                len -= take;
            }
        }
    }

    // out = in xor E_K(Y_i) stream; when `mac_out` also authenticates the output blocks
    // (encryption), with the Y and Z blocks of a batch encrypted together.
    void crypt(const std::uint8_t* in, std::uint8_t* out, std::size_t len, bool mac_out) noexcept {
        while (len != 0) {
            const std::size_t blocks = std::min(batch, (len + n_ - 1) / n_);
            std::uint8_t* ks = buf_;
            std::uint8_t* h = buf_ + batch * n_;
            for (std::size_t b = 0; b < blocks; ++b) {
                std::memcpy(ks + b * n_, y_, n_);
                incr_half(y_ + n_ / 2, n_ / 2);
                if (mac_out) next_z(ks + (blocks + b) * n_);
            }
            c_.encrypt_blocks(ks, ks, mac_out ? 2 * blocks : blocks);
            h = ks + blocks * n_;
            for (std::size_t b = 0; b < blocks; ++b) {
                const std::size_t take = std::min(len, n_);
                for (std::size_t i = 0; i < take; ++i) out[i] = in[i] ^ ks[b * n_ + i];
                if (mac_out) {
                    std::uint8_t x[max_block_bytes] = {};
                    std::memcpy(x, out, take);
                    sum_ = add(sum_, mul(load(h + b * n_, n_), load(x, n_), n_));
                }
                in += take;
                out += take;
                len -= take;
            }
        }
    }

    // T = E_K(sum xor H_(h+q+1) (x) (len(A) || len(C))); writes the full n-byte block.
    void finish(std::uint64_t aad_bits, std::uint64_t text_bits, std::uint8_t* t) noexcept {
        std::uint8_t h[max_block_bytes], l[max_block_bytes] = {};
        next_z(h);
        c_.encrypt_block(h, h);
        if (n_ == 16) {
            store_be64(l, aad_bits);
            store_be64(l + 8, text_bits);
        } else {
            for (int i = 3; i >= 0; --i, aad_bits >>= 8) l[i] = static_cast<std::uint8_t>(aad_bits);
            for (int i = 7; i >= 4; --i, text_bits >>= 8)
                l[i] = static_cast<std::uint8_t>(text_bits);
        }
        sum_ = add(sum_, mul(load(h, n_), load(l, n_), n_));
        store(t, sum_, n_);
        c_.encrypt_block(t, t);
        secure_zero(h, sizeof h);
    }

  private:
    static Elem add(const Elem& a, const Elem& b) noexcept { return {a.hi ^ b.hi, a.lo ^ b.lo}; }
    void next_z(std::uint8_t* dst) noexcept {
        std::memcpy(dst, z_, n_);
        incr_half(z_, n_ / 2);
    }

    const BlockCipher& c_;
    std::size_t n_;
    std::uint8_t y_[max_block_bytes];
    std::uint8_t z_[max_block_bytes];
    alignas(64) std::uint8_t buf_[2 * batch * max_block_bytes];
    Elem sum_;
};

// RFC 9058 §4: nonce n bytes with top bit 0, 32 <= S <= n, 0 < |A| + |P| < 2^(n/2) bits.
Status check(std::size_t n, std::span<const std::uint8_t> nonce, std::size_t aad, std::size_t text,
             std::size_t tag) noexcept {
    if (n != 8 && n != 16) return Status::bad_length;
    if (nonce.size() != n || (nonce[0] & 0x80) != 0) return Status::bad_length;
    if (tag < 4 || tag > n) return Status::bad_length;
    if (aad == 0 && text == 0) return Status::bad_length;
    if (n == 8) {
        const std::uint64_t limit_bytes = std::uint64_t{1} << 29;  // 2^32 bits
        if (aad >= limit_bytes || text >= limit_bytes || aad + text >= limit_bytes)
            return Status::limit_exceeded;
    }
    return Status::ok;
}

}  // namespace

Status Mgm::encrypt(std::span<const std::uint8_t> nonce, std::span<const std::uint8_t> aad,
                    std::span<const std::uint8_t> pt, std::span<std::uint8_t> ct,
                    std::span<std::uint8_t> tag) const noexcept {
    const std::size_t n = cipher_.block_size();
    if (ct.size() != pt.size()) return Status::bad_length;
    if (Status s = check(n, nonce, aad.size(), pt.size(), tag.size()); s != Status::ok) return s;
    Engine e(cipher_, nonce.data());
    e.authenticate(aad.data(), aad.size());
    e.crypt(pt.data(), ct.data(), pt.size(), true);
    std::uint8_t t[max_block_bytes];
    e.finish(std::uint64_t{aad.size()} * 8, std::uint64_t{pt.size()} * 8, t);
    std::memcpy(tag.data(), t, tag.size());  // MSB_S
    secure_zero(t, sizeof t);
    return Status::ok;
}

Status Mgm::decrypt(std::span<const std::uint8_t> nonce, std::span<const std::uint8_t> aad,
                    std::span<const std::uint8_t> ct, std::span<const std::uint8_t> tag,
                    std::span<std::uint8_t> pt) const noexcept {
    const std::size_t n = cipher_.block_size();
    if (ct.size() != pt.size()) return Status::bad_length;
    if (Status s = check(n, nonce, aad.size(), ct.size(), tag.size()); s != Status::ok) return s;
    Engine e(cipher_, nonce.data());
    e.authenticate(aad.data(), aad.size());
    e.authenticate(ct.data(), ct.size());
    std::uint8_t t[max_block_bytes];
    e.finish(std::uint64_t{aad.size()} * 8, std::uint64_t{ct.size()} * 8, t);
    const bool good = constant_time_equal(std::span(t, tag.size()), tag);
    secure_zero(t, sizeof t);
    if (!good) {
        secure_zero(pt.data(), pt.size());  // no plaintext on failure
        return Status::auth_failed;
    }
    e.crypt(ct.data(), pt.data(), ct.size(), false);
    return Status::ok;
}

// ---- MgmStream ----

namespace {
Engine& engine_at(std::uint8_t* storage) noexcept {
    return *std::launder(reinterpret_cast<Engine*>(storage));
}
bool over_limit(std::size_t n, std::uint64_t aad, std::uint64_t text) noexcept {
    return n == 8 && aad + text >= (std::uint64_t{1} << 29);
}
}  // namespace

MgmStream::~MgmStream() {
    if (live_) engine_at(engine_).~Engine();
    secure_zero(ks_, sizeof ks_);
    secure_zero(cbuf_, sizeof cbuf_);
    secure_zero(abuf_, sizeof abuf_);
}

Status MgmStream::start(std::span<const std::uint8_t> nonce) noexcept {
    static_assert(sizeof(Engine) <= engine_bytes && alignof(Engine) <= 64);
    const std::size_t n = cipher_.block_size();
    if ((n != 8 && n != 16) || nonce.size() != n || (nonce[0] & 0x80) != 0)
        return Status::bad_length;
    if (live_) engine_at(engine_).~Engine();
    new (engine_) Engine(cipher_, nonce.data());
    live_ = true;
    text_ = false;
    alen_ = used_ = 0;
    aad_bytes_ = text_bytes_ = 0;
    return Status::ok;
}

Status MgmStream::aad(std::span<const std::uint8_t> data) noexcept {
    if (!live_ || text_) return Status::bad_state;
    const std::size_t n = cipher_.block_size();
    if (over_limit(n, aad_bytes_ + data.size(), 0)) return Status::limit_exceeded;
    // Nothing to add; an empty span may carry a null data() (memcpy from null is undefined).
    if (data.empty()) return Status::ok;
    aad_bytes_ += data.size();
    Engine& e = engine_at(engine_);
    const std::uint8_t* p = data.data();
    std::size_t len = data.size();
    if (alen_ != 0) {
        const std::size_t take = std::min(len, n - alen_);
        std::memcpy(abuf_ + alen_, p, take);
        alen_ += take;
        p += take;
        len -= take;
        if (alen_ == n) {
            e.authenticate(abuf_, n);
            alen_ = 0;
        }
    }
    const std::size_t full = len - len % n;
    if (full != 0) e.authenticate(p, full);
    std::memcpy(abuf_ + alen_, p + full, len - full);
    alen_ += len - full;
    return Status::ok;
}

void MgmStream::flush_aad() noexcept {
    if (alen_ != 0) engine_at(engine_).authenticate(abuf_, alen_);  // zero-padded last block
    alen_ = 0;
    text_ = true;
}

Status MgmStream::process(std::span<const std::uint8_t> in, std::span<std::uint8_t> out,
                          bool encrypt) noexcept {
    if (!live_) return Status::bad_state;
    if (out.size() != in.size()) return Status::bad_length;
    const std::size_t n = cipher_.block_size();
    if (over_limit(n, aad_bytes_, text_bytes_ + in.size())) return Status::limit_exceeded;
    if (!text_) flush_aad();
    text_bytes_ += in.size();
    Engine& e = engine_at(engine_);
    const std::uint8_t* src = in.data();
    std::uint8_t* dst = out.data();
    std::size_t len = in.size();
    while (len != 0) {
        if (used_ == 0 && len >= n) {
            const std::size_t full = len - len % n;
            if (encrypt) {
                e.crypt(src, dst, full, true);
            } else {
                e.authenticate(src, full);
                e.crypt(src, dst, full, false);
            }
            src += full;
            dst += full;
            len -= full;
            continue;
        }
        if (used_ == 0) {
            std::uint8_t zero[max_block_bytes] = {};
            e.crypt(zero, ks_, n, false);  // the next key stream block E_K(Y_i)
        }
        const std::size_t take = std::min(len, n - used_);
        for (std::size_t i = 0; i < take; ++i) {
            const std::uint8_t x = src[i];
            const std::uint8_t y = static_cast<std::uint8_t>(x ^ ks_[used_ + i]);
            cbuf_[used_ + i] = encrypt ? y : x;  // the ciphertext is authenticated
            dst[i] = y;
        }
        used_ += take;
        src += take;
        dst += take;
        len -= take;
        if (used_ == n) {
            e.authenticate(cbuf_, n);
            used_ = 0;
        }
    }
    return Status::ok;
}

Status MgmStream::finish(std::span<std::uint8_t> tag) noexcept {
    if (!live_) return Status::bad_state;
    const std::size_t n = cipher_.block_size();
    if (tag.size() < 4 || tag.size() > n) return Status::bad_length;
    if (aad_bytes_ + text_bytes_ == 0) return Status::bad_length;
    if (!text_) flush_aad();
    Engine& e = engine_at(engine_);
    if (used_ != 0) e.authenticate(cbuf_, used_);
    used_ = 0;
    std::uint8_t t[max_block_bytes];
    e.finish(aad_bytes_ * 8, text_bytes_ * 8, t);
    std::memcpy(tag.data(), t, tag.size());
    secure_zero(t, sizeof t);
    e.~Engine();
    live_ = false;
    return Status::ok;
}

}  // namespace gostcsp::core
