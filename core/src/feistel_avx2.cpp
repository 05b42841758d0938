// SPDX-License-Identifier: Apache-2.0
// Magma / GOST 28147-89 with AVX2: 16 blocks per batch (see feistel_pshufb.inc).
#include <cstddef>
#include <cstdint>

#include "feistel_internal.hpp"

#if defined(GOSTCSP_FEISTEL_HAVE_X86)
#include <immintrin.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2")
#endif

namespace gostcsp::core::detail {
namespace {

struct V {
    using T = __m256i;
    static constexpr std::size_t words = 8;
    static T zero() noexcept { return _mm256_setzero_si256(); }
    static T set1_8(std::uint8_t v) noexcept { return _mm256_set1_epi8(static_cast<char>(v)); }
    static T set1_32(std::uint32_t v) noexcept { return _mm256_set1_epi32(static_cast<int>(v)); }
    static T table(const std::uint8_t* p) noexcept {
        return _mm256_broadcastsi128_si256(_mm_load_si128(reinterpret_cast<const __m128i*>(p)));
    }
    static T load(const std::uint32_t* p) noexcept {
        return _mm256_load_si256(reinterpret_cast<const __m256i*>(p));
    }
    static void store(std::uint32_t* p, T v) noexcept {
        _mm256_store_si256(reinterpret_cast<__m256i*>(p), v);
    }
    static T add32(T a, T b) noexcept { return _mm256_add_epi32(a, b); }
    static T bxor(T a, T b) noexcept { return _mm256_xor_si256(a, b); }
    static T band(T a, T b) noexcept { return _mm256_and_si256(a, b); }
    static T bor(T a, T b) noexcept { return _mm256_or_si256(a, b); }
    static T srli16_4(T a) noexcept { return _mm256_srli_epi16(a, 4); }
    static T slli32(T a, int n) noexcept { return _mm256_sll_epi32(a, _mm_cvtsi32_si128(n)); }
    static T srli32(T a, int n) noexcept { return _mm256_srl_epi32(a, _mm_cvtsi32_si128(n)); }
    static T shuffle(T table, T idx) noexcept { return _mm256_shuffle_epi8(table, idx); }
};

#include "feistel_pshufb.inc"

}  // namespace

void feistel_run_avx2(const FeistelCore& core, FeistelOp op, std::uint32_t* w,
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
