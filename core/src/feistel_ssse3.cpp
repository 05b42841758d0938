// SPDX-License-Identifier: Apache-2.0
// Magma / GOST 28147-89 with SSSE3: 8 blocks per batch (see feistel_pshufb.inc).
#include <cstddef>
#include <cstdint>

#include "feistel_internal.hpp"

#if defined(GOSTCSP_FEISTEL_HAVE_X86)
#include <immintrin.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("ssse3"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("ssse3")
#endif

namespace gostcsp::core::detail {
namespace {

struct V {
    using T = __m128i;
    static constexpr std::size_t words = 4;
    static T zero() noexcept { return _mm_setzero_si128(); }
    static T set1_8(std::uint8_t v) noexcept { return _mm_set1_epi8(static_cast<char>(v)); }
    static T set1_32(std::uint32_t v) noexcept { return _mm_set1_epi32(static_cast<int>(v)); }
    static T table(const std::uint8_t* p) noexcept {
        return _mm_load_si128(reinterpret_cast<const __m128i*>(p));
    }
    static T load(const std::uint32_t* p) noexcept {
        return _mm_load_si128(reinterpret_cast<const __m128i*>(p));
    }
    static void store(std::uint32_t* p, T v) noexcept {
        _mm_store_si128(reinterpret_cast<__m128i*>(p), v);
    }
    static T add32(T a, T b) noexcept { return _mm_add_epi32(a, b); }
    static T bxor(T a, T b) noexcept { return _mm_xor_si128(a, b); }
    static T band(T a, T b) noexcept { return _mm_and_si128(a, b); }
    static T bor(T a, T b) noexcept { return _mm_or_si128(a, b); }
    static T srli16_4(T a) noexcept { return _mm_srli_epi16(a, 4); }
    static T slli32(T a, int n) noexcept { return _mm_sll_epi32(a, _mm_cvtsi32_si128(n)); }
    static T srli32(T a, int n) noexcept { return _mm_srl_epi32(a, _mm_cvtsi32_si128(n)); }
    static T shuffle(T table, T idx) noexcept { return _mm_shuffle_epi8(table, idx); }
};

#include "feistel_pshufb.inc"

}  // namespace

void feistel_run_ssse3(const FeistelCore& core, FeistelOp op, std::uint32_t* w,
                       std::size_t blocks) noexcept {
    pshufb::run(core, op, w, blocks);
}

}  // namespace gostcsp::core::detail

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif
