// SPDX-License-Identifier: Apache-2.0
// Constant-time byte-sliced Kuznyechik with SSSE3 (16 blocks per batch); see kuznyechik_sliced.inc.
#include <cstddef>
#include <cstdint>

#include "kuznyechik_internal.hpp"

#if defined(GOSTCSP_KUZNYECHIK_HAVE_X86)
#include <immintrin.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("ssse3"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("ssse3")
#endif

namespace gostcsp::core::detail::kuz {
namespace {

struct V {
    using T = __m128i;
    static constexpr std::size_t lanes = 16;
    static T zero() noexcept { return _mm_setzero_si128(); }
    static T set1(std::uint8_t v) noexcept { return _mm_set1_epi8(static_cast<char>(v)); }
    static T load(const std::uint8_t* p) noexcept {
        return _mm_load_si128(reinterpret_cast<const __m128i*>(p));
    }
    static void store(std::uint8_t* p, T v) noexcept {
        _mm_store_si128(reinterpret_cast<__m128i*>(p), v);
    }
    static T table(const std::uint8_t (&t)[16]) noexcept { return load(t); }
    static T bxor(T a, T b) noexcept { return _mm_xor_si128(a, b); }
    static T band(T a, T b) noexcept { return _mm_and_si128(a, b); }
    static T bor(T a, T b) noexcept { return _mm_or_si128(a, b); }
    static T adds(T a, T b) noexcept { return _mm_adds_epu8(a, b); }
    static T srli4(T a) noexcept { return _mm_srli_epi16(a, 4); }
    static T shuffle(T table, T idx) noexcept { return _mm_shuffle_epi8(table, idx); }
};

#include "kuznyechik_sliced.inc"

}  // namespace

void encrypt_ssse3(const RoundKeys& rk, const std::uint8_t* in, std::uint8_t* out,
                   std::size_t blocks) noexcept {
    sliced::run(rk, in, out, blocks, false);
}
void decrypt_ssse3(const RoundKeys& rk, const std::uint8_t* in, std::uint8_t* out,
                   std::size_t blocks) noexcept {
    sliced::run(rk, in, out, blocks, true);
}

}  // namespace gostcsp::core::detail::kuz

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif
