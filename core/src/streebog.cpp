// SPDX-License-Identifier: Apache-2.0
// Streebog (GOST R 34.11-2012, RFC 6986) hashing, HMAC-Streebog (R 50.1.113-2016, RFC 7836) and
// PBKDF2-HMAC-Streebog-512 (R 50.1.111-2016, RFC 9337), with run-time implementation choice.
#include "gostcsp/streebog.hpp"

#include <algorithm>
#include <atomic>

#include "gostcsp/secure.hpp"
#include "streebog_internal.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#endif

namespace gostcsp::core {
namespace detail {

bool avx512_gfni_usable() noexcept {
#if defined(GOSTCSP_STREEBOG_HAVE_AVX512)
    static const bool usable = [] {
        unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
        if (__get_cpuid_max(0, nullptr) < 7) return false;
        __cpuid(1, eax, ebx, ecx, edx);
        if (!(ecx & (1u << 27))) return false;  // OSXSAVE
        unsigned xcr0_lo = 0, xcr0_hi = 0;
        __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
        // XMM, YMM, opmask, ZMM_Hi256, Hi16_ZMM state enabled by the OS.
        if ((xcr0_lo & 0xe6u) != 0xe6u) return false;
        __cpuid_count(7, 0, eax, ebx, ecx, edx);
        const bool avx512f = ebx & (1u << 16);
        const bool avx512bw = ebx & (1u << 30);
        const bool avx512vl = ebx & (1u << 31);
        const bool avx512vbmi = ecx & (1u << 1);
        const bool gfni = ecx & (1u << 8);
        return avx512f && avx512bw && avx512vl && avx512vbmi && gfni;
    }();
    return usable;
#else
    return false;
#endif
}

}  // namespace detail

namespace {

std::atomic<StreebogImpl> secret_override{StreebogImpl::automatic_secret};

StreebogImpl resolve(StreebogImpl impl) noexcept {
    if (impl == StreebogImpl::automatic) return streebog_impl_selected();
    if (impl == StreebogImpl::automatic_secret) return streebog_secret_impl_selected();
    if (streebog_impl_supported(impl)) return impl;
    return streebog_impl_constant_time(impl) ? streebog_secret_impl_selected()
                                             : streebog_impl_selected();
}

void compress(StreebogImpl impl, std::uint64_t h[8], const std::uint64_t n[8],
              const std::uint64_t m[8]) noexcept {
    switch (impl) {
#if defined(GOSTCSP_STREEBOG_HAVE_AVX512)
        case StreebogImpl::avx512_gfni:
            return detail::streebog_compress_avx512(h, n, m);
#endif
#if defined(GOSTCSP_STREEBOG_HAVE_SSSE3)
        case StreebogImpl::ct_ssse3:
            return detail::streebog_compress_ct_ssse3(h, n, m);
#endif
        case StreebogImpl::ct_generic:
            return detail::streebog_compress_ct_generic(h, n, m);
        default:
            return detail::streebog_compress_portable(h, n, m);
    }
}

void blocks(StreebogImpl impl, std::uint64_t h[8], std::uint64_t n[8], std::uint64_t sigma[8],
            const std::uint8_t* data, std::size_t count) noexcept {
    switch (impl) {
#if defined(GOSTCSP_STREEBOG_HAVE_AVX512)
        case StreebogImpl::avx512_gfni:
            return detail::streebog_blocks_avx512(h, n, sigma, data, count);
#endif
#if defined(GOSTCSP_STREEBOG_HAVE_SSSE3)
        case StreebogImpl::ct_ssse3:
            return detail::streebog_blocks_ct_ssse3(h, n, sigma, data, count);
#endif
        case StreebogImpl::ct_generic:
            return detail::streebog_blocks_ct_generic(h, n, sigma, data, count);
        default:
            return detail::streebog_blocks_portable(h, n, sigma, data, count);
    }
}

}  // namespace

bool streebog_impl_supported(StreebogImpl impl) noexcept {
    switch (impl) {
        case StreebogImpl::automatic:
        case StreebogImpl::automatic_secret:
        case StreebogImpl::public_tables:
        case StreebogImpl::ct_generic:
            return true;
        case StreebogImpl::avx512_gfni:
            return detail::avx512_gfni_usable();
        case StreebogImpl::ct_ssse3:
            return detail::ssse3_usable();
    }
    return false;
}

bool streebog_impl_constant_time(StreebogImpl impl) noexcept {
    return impl == StreebogImpl::avx512_gfni || impl == StreebogImpl::ct_ssse3 ||
           impl == StreebogImpl::ct_generic || impl == StreebogImpl::automatic_secret;
}

StreebogImpl streebog_impl_selected() noexcept {
    return detail::avx512_gfni_usable() ? StreebogImpl::avx512_gfni : StreebogImpl::public_tables;
}

StreebogImpl streebog_secret_impl_selected() noexcept {
    const StreebogImpl forced = secret_override.load(std::memory_order_relaxed);
    if (forced != StreebogImpl::automatic_secret) return forced;
    if (detail::avx512_gfni_usable()) return StreebogImpl::avx512_gfni;
    if (detail::ssse3_usable()) return StreebogImpl::ct_ssse3;
    return StreebogImpl::ct_generic;
}

std::string_view streebog_impl_name(StreebogImpl impl) noexcept {
    switch (impl) {
        case StreebogImpl::automatic:
            return "automatic";
        case StreebogImpl::automatic_secret:
            return "automatic_secret";
        case StreebogImpl::public_tables:
            return "public_tables";
        case StreebogImpl::avx512_gfni:
            return "avx512_gfni";
        case StreebogImpl::ct_ssse3:
            return "ct_ssse3";
        case StreebogImpl::ct_generic:
            return "ct_generic";
    }
    return "unknown";
}

namespace testing {
StreebogImpl force_streebog_secret_impl(StreebogImpl impl) noexcept {
    const bool reset = impl == StreebogImpl::automatic || impl == StreebogImpl::automatic_secret ||
                       !streebog_impl_supported(impl);
    secret_override.store(reset ? StreebogImpl::automatic_secret : impl, std::memory_order_relaxed);
    return streebog_secret_impl_selected();
}
}  // namespace testing

Streebog::Streebog(DigestSize size, StreebogImpl impl) noexcept
    : h_{}, n_{}, sigma_{}, buffer_{}, size_(size), impl_(resolve(impl)) {
    reset();
}

Streebog::~Streebog() {
    secure_zero(this, sizeof *this);
}

void Streebog::reset() noexcept {
    // IV: 0^512 for Streebog-512, (00000001)^64 for Streebog-256 (RFC 6986 6.1).
    const std::uint64_t iv = size_ == DigestSize::bits512 ? 0 : 0x0101010101010101ULL;
    for (auto& w : h_) w = iv;
    for (auto& w : n_) w = 0;
    for (auto& w : sigma_) w = 0;
    secure_zero(buffer_, sizeof buffer_);
    buffered_ = 0;
}

void Streebog::update(std::span<const std::uint8_t> data) noexcept {
    const std::uint8_t* p = data.data();
    std::size_t len = data.size();
    if (len == 0) return;
    if (buffered_ != 0) {
        const std::size_t take = std::min(len, block_size - buffered_);
        std::memcpy(buffer_ + buffered_, p, take);
        buffered_ += take;
        p += take;
        len -= take;
        if (buffered_ < block_size) return;
        blocks(impl_, h_, n_, sigma_, buffer_, 1);
        buffered_ = 0;
    }
    // A full block is compressed as soon as it is complete: the final step always pads a
    // remainder of 0..63 bytes (RFC 6986 step 3), so no full block needs to be held back.
    const std::size_t full = len / block_size;
    if (full != 0) {
        blocks(impl_, h_, n_, sigma_, p, full);
        p += full * block_size;
        len -= full * block_size;
    }
    if (len != 0) {
        std::memcpy(buffer_, p, len);
        buffered_ = len;
    }
}

void Streebog::final(std::span<std::uint8_t> out) noexcept {
    // Step 3.1: m = 0^(511-|M|) || 1 || M, i.e. the bytes of M, then 0x01, then zeros.
    std::memset(buffer_ + buffered_, 0, block_size - buffered_);
    buffer_[buffered_] = 0x01;
    std::uint64_t m[8];
    for (int w = 0; w < 8; ++w) m[w] = detail::load_le64(buffer_ + 8 * w);
    compress(impl_, h_, n_, m);                                           // 3.2
    detail::add512_small(n_, static_cast<std::uint64_t>(buffered_) * 8);  // 3.3
    detail::add512(sigma_, m);                                            // 3.4
    static constexpr std::uint64_t zero[8] = {};
    compress(impl_, h_, zero, n_);      // 3.5
    compress(impl_, h_, zero, sigma_);  // 3.6
    // The 256-bit hash is MSB_256, i.e. the upper half: memory bytes 32..63.
    const std::size_t words = output_bytes() / 8;
    const std::size_t first = 8 - words;
    const std::size_t n = std::min(out.size(), output_bytes());
    std::uint8_t digest[64];
    for (std::size_t w = 0; w < words; ++w) detail::store_le64(digest + 8 * w, h_[first + w]);
    std::memcpy(out.data(), digest, n);
    secure_zero(digest, sizeof digest);
    secure_zero(m, sizeof m);
    reset();
}

std::array<std::uint8_t, 32> streebog256(std::span<const std::uint8_t> data) noexcept {
    Streebog s(DigestSize::bits256);
    s.update(data);
    std::array<std::uint8_t, 32> out;
    s.final(out);
    return out;
}

std::array<std::uint8_t, 64> streebog512(std::span<const std::uint8_t> data) noexcept {
    Streebog s(DigestSize::bits512);
    s.update(data);
    std::array<std::uint8_t, 64> out;
    s.final(out);
    return out;
}

// ---- HMAC (RFC 2104; R 50.1.113-2016 section 4.1.1, RFC 7836 section 4.1) ----

namespace {
StreebogImpl hmac_impl(StreebogImpl impl) noexcept {
    return impl == StreebogImpl::automatic ? StreebogImpl::automatic_secret : impl;
}
}  // namespace

HmacStreebog::HmacStreebog(DigestSize size, std::span<const std::uint8_t> key,
                           StreebogImpl impl) noexcept
    : inner_(size, hmac_impl(impl)),
      outer_(size, hmac_impl(impl)),
      inner_start_(size, hmac_impl(impl)),
      outer_start_(size, hmac_impl(impl)) {
    std::uint8_t k[Streebog::block_size] = {};
    if (key.size() > Streebog::block_size) {
        Streebog kh(size, inner_.impl());
        kh.update(key);
        kh.final(k);  // the rest of k stays zero
    } else if (!key.empty()) {
        std::memcpy(k, key.data(), key.size());
    }
    std::uint8_t pad[Streebog::block_size];
    for (std::size_t i = 0; i < sizeof pad; ++i) pad[i] = static_cast<std::uint8_t>(k[i] ^ 0x36);
    inner_start_.update(pad);
    for (std::size_t i = 0; i < sizeof pad; ++i) pad[i] = static_cast<std::uint8_t>(k[i] ^ 0x5c);
    outer_start_.update(pad);
    secure_zero(pad, sizeof pad);
    secure_zero(k, sizeof k);
    inner_ = inner_start_;
    outer_ = outer_start_;
}

HmacStreebog::~HmacStreebog() = default;  // each Streebog member wipes itself

void HmacStreebog::update(std::span<const std::uint8_t> data) noexcept {
    inner_.update(data);
}

void HmacStreebog::final(std::span<std::uint8_t> out) noexcept {
    std::uint8_t ih[64];
    const std::size_t len = inner_.output_bytes();
    inner_.final(std::span<std::uint8_t>(ih, len));
    outer_.update(std::span<const std::uint8_t>(ih, len));
    outer_.final(out);
    secure_zero(ih, sizeof ih);
    inner_ = inner_start_;
    outer_ = outer_start_;
}

// ---- PBKDF2 (RFC 8018 section 5.2) with HMAC-Streebog-512 ----

void pbkdf2_streebog512(std::span<const std::uint8_t> password, std::span<const std::uint8_t> salt,
                        std::uint32_t iterations, std::span<std::uint8_t> out) noexcept {
    constexpr std::size_t hlen = 64;
    const HmacStreebog prf(DigestSize::bits512, password);
    std::uint8_t u[hlen];
    std::uint8_t t[hlen];
    std::size_t done = 0;
    for (std::uint32_t block = 1; done < out.size(); ++block) {
        HmacStreebog mac = prf;
        mac.update(salt);
        const std::uint8_t be[4] = {
            static_cast<std::uint8_t>(block >> 24), static_cast<std::uint8_t>(block >> 16),
            static_cast<std::uint8_t>(block >> 8), static_cast<std::uint8_t>(block)};
        mac.update(be);
        mac.final(u);
        std::memcpy(t, u, hlen);
        for (std::uint32_t i = 1; i < iterations; ++i) {
            mac.update(u);
            mac.final(u);
            for (std::size_t j = 0; j < hlen; ++j) t[j] ^= u[j];
        }
        const std::size_t take = std::min(hlen, out.size() - done);
        std::memcpy(out.data() + done, t, take);
        done += take;
    }
    secure_zero(u, sizeof u);
    secure_zero(t, sizeof t);
}

}  // namespace gostcsp::core
