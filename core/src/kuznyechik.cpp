// SPDX-License-Identifier: Apache-2.0
// Kuznyechik (GOST R 34.12-2015, RFC 7801): key schedule and run-time choice of implementation.
#include "gostcsp/kuznyechik.hpp"

#include <cstdlib>
#include <cstring>

#include "cpu_features.hpp"
#include "gostcsp/secure.hpp"
#include "kuznyechik_internal.hpp"

namespace gostcsp::core {
namespace {

namespace kuz = detail::kuz;

bool compiled_in(KuznyechikImpl impl) noexcept {
    switch (impl) {
        case KuznyechikImpl::automatic:
        case KuznyechikImpl::portable:
        case KuznyechikImpl::table_vartime:
            return true;
#if defined(GOSTCSP_KUZNYECHIK_HAVE_X86)
        case KuznyechikImpl::ssse3:
            return GOSTCSP_KUZNYECHIK_SLICED && detail::cpu_has_ssse3();
        case KuznyechikImpl::avx2:
            return GOSTCSP_KUZNYECHIK_SLICED && detail::cpu_has_avx2();
        case KuznyechikImpl::avx512_gfni:
            return detail::cpu_has_avx512_vbmi_gfni();
#else
        case KuznyechikImpl::ssse3:
        case KuznyechikImpl::avx2:
        case KuznyechikImpl::avx512_gfni:
            return false;
#endif
    }
    return false;
}

KuznyechikImpl fastest_constant_time() noexcept {
    for (auto impl : {KuznyechikImpl::avx512_gfni, KuznyechikImpl::avx2, KuznyechikImpl::ssse3})
        if (compiled_in(impl)) return impl;
    return KuznyechikImpl::portable;
}

KuznyechikImpl from_environment() noexcept {
    const char* v = std::getenv("GOSTCSP_KUZNYECHIK_IMPL");
    if (v == nullptr) return KuznyechikImpl::automatic;
    for (auto impl : {KuznyechikImpl::portable, KuznyechikImpl::ssse3, KuznyechikImpl::avx2,
                      KuznyechikImpl::avx512_gfni, KuznyechikImpl::table_vartime})
        if (kuznyechik_impl_name(impl) == v) return impl;
    return KuznyechikImpl::automatic;
}

KuznyechikImpl resolve(KuznyechikImpl impl) noexcept {
    if (impl != KuznyechikImpl::automatic && compiled_in(impl)) return impl;
    return kuznyechik_impl_selected();
}

void run(KuznyechikImpl impl, bool enc, const kuz::RoundKeys& rk, const std::uint8_t* in,
         std::uint8_t* out, std::size_t blocks) noexcept {
    switch (impl) {
#if defined(GOSTCSP_KUZNYECHIK_HAVE_X86)
        case KuznyechikImpl::ssse3:
            return enc ? kuz::encrypt_ssse3(rk, in, out, blocks)
                       : kuz::decrypt_ssse3(rk, in, out, blocks);
        case KuznyechikImpl::avx2:
            return enc ? kuz::encrypt_avx2(rk, in, out, blocks)
                       : kuz::decrypt_avx2(rk, in, out, blocks);
        case KuznyechikImpl::avx512_gfni:
            return enc ? kuz::encrypt_avx512(rk, in, out, blocks)
                       : kuz::decrypt_avx512(rk, in, out, blocks);
#endif
        case KuznyechikImpl::table_vartime:
            return enc ? kuz::encrypt_vartime(rk, in, out, blocks)
                       : kuz::decrypt_vartime(rk, in, out, blocks);
        default:
            return enc ? kuz::encrypt_portable(rk, in, out, blocks)
                       : kuz::decrypt_portable(rk, in, out, blocks);
    }
}

}  // namespace

bool kuznyechik_impl_supported(KuznyechikImpl impl) noexcept {
    return compiled_in(impl);
}

KuznyechikImpl kuznyechik_impl_selected() noexcept {
    static const KuznyechikImpl chosen = [] {
        const KuznyechikImpl asked = from_environment();
        return asked != KuznyechikImpl::automatic && compiled_in(asked) ? asked
                                                                        : fastest_constant_time();
    }();
    return chosen;
}

std::string_view kuznyechik_impl_name(KuznyechikImpl impl) noexcept {
    switch (impl) {
        case KuznyechikImpl::automatic:
            return "automatic";
        case KuznyechikImpl::portable:
            return "portable";
        case KuznyechikImpl::ssse3:
            return "ssse3";
        case KuznyechikImpl::avx2:
            return "avx2";
        case KuznyechikImpl::avx512_gfni:
            return "avx512_gfni";
        case KuznyechikImpl::table_vartime:
            return "table_vartime";
    }
    return "unknown";
}

Kuznyechik::Kuznyechik(KuznyechikImpl impl) noexcept : enc_keys_{}, impl_(resolve(impl)) {
    static constexpr std::uint8_t zero[key_bytes] = {};
    (void)set_key(zero);
}

Kuznyechik::Kuznyechik(std::span<const std::uint8_t, key_bytes> key, KuznyechikImpl impl) noexcept
    : enc_keys_{}, impl_(resolve(impl)) {
    (void)set_key(key);
}

Kuznyechik::~Kuznyechik() {
    secure_zero(enc_keys_, sizeof enc_keys_);
}

// RFC 7801 §4.4: (K_1, K_2) = the key halves; each further pair after eight Feistel steps
// F[C](a1, a0) = (LSX[C](a1) xor a0, a1). Constant-time: the portable LSX, or the AVX-512 one
// (ACPKM re-keys every section, so the key schedule is on the data path there).
Status Kuznyechik::set_key(std::span<const std::uint8_t> key) noexcept {
    if (key.size() != key_bytes) return Status::bad_length;
    auto lsx = kuz::lsx_portable;
#if defined(GOSTCSP_KUZNYECHIK_HAVE_X86)
    if (impl_ == KuznyechikImpl::avx512_gfni) lsx = kuz::lsx_avx512;
#endif
    std::uint8_t a1[16], a0[16], t[16];
    std::memcpy(a1, key.data(), 16);
    std::memcpy(a0, key.data() + 16, 16);
    std::memcpy(enc_keys_[0], a1, 16);
    std::memcpy(enc_keys_[1], a0, 16);
    for (int i = 0; i < 4; ++i) {
        for (int j = 0; j < 8; ++j) {
            const auto& c = kuz::round_constants.c[8 * i + j];
            for (int b = 0; b < 16; ++b) t[b] = a1[b] ^ c[b];
            lsx(t, t);
            for (int b = 0; b < 16; ++b) t[b] ^= a0[b];
            std::memcpy(a0, a1, 16);
            std::memcpy(a1, t, 16);
        }
        std::memcpy(enc_keys_[2 * i + 2], a1, 16);
        std::memcpy(enc_keys_[2 * i + 3], a0, 16);
    }
    secure_zero(a1, sizeof a1);
    secure_zero(a0, sizeof a0);
    secure_zero(t, sizeof t);
    return Status::ok;
}

void Kuznyechik::encrypt_blocks(const std::uint8_t* in, std::uint8_t* out,
                                std::size_t blocks) const noexcept {
    run(impl_, true, enc_keys_, in, out, blocks);
}

void Kuznyechik::decrypt_blocks(const std::uint8_t* in, std::uint8_t* out,
                                std::size_t blocks) const noexcept {
    run(impl_, false, enc_keys_, in, out, blocks);
}

}  // namespace gostcsp::core
