// SPDX-License-Identifier: Apache-2.0
#include "cpu_features.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#define GOSTCSP_CPU_X86 1
#endif

namespace gostcsp::core::detail {
namespace {

struct Features {
    bool ssse3 = false, pclmul = false, avx2 = false, avx512_vbmi = false, gfni = false;
};

Features detect() noexcept {
    Features f;
#if defined(GOSTCSP_CPU_X86)
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (__get_cpuid_max(0, nullptr) < 7) return f;
    __cpuid(1, eax, ebx, ecx, edx);
    f.ssse3 = ecx & (1u << 9);
    f.pclmul = (ecx & (1u << 1)) && (ecx & (1u << 19));  // PCLMULQDQ, SSE4.1
    if (!(ecx & (1u << 27))) return f;                   // OSXSAVE: no AVX state without it
    unsigned lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    const bool ymm = (lo & 0x6u) == 0x6u;
    const bool zmm = (lo & 0xe6u) == 0xe6u;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    f.avx2 = ymm && (ebx & (1u << 5));
    f.avx512_vbmi =
        zmm && (ebx & (1u << 16)) && (ebx & (1u << 30)) && (ebx & (1u << 31)) && (ecx & (1u << 1));
    f.gfni = ecx & (1u << 8);
#endif
    return f;
}

const Features& features() noexcept {
    static const Features f = detect();
    return f;
}

}  // namespace

bool cpu_has_ssse3() noexcept {
    return features().ssse3;
}
bool cpu_has_pclmul() noexcept {
    return features().pclmul;
}
bool cpu_has_avx2() noexcept {
    return features().avx2;
}
bool cpu_has_avx512_vbmi() noexcept {
    return features().avx512_vbmi;
}
bool cpu_has_avx512_vbmi_gfni() noexcept {
    return features().avx512_vbmi && features().gfni;
}

}  // namespace gostcsp::core::detail
