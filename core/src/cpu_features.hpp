// SPDX-License-Identifier: Apache-2.0
// x86-64 instruction-set checks for the symmetric ciphers' dispatch (CPUID + XGETBV); all false
// elsewhere. (Streebog keeps its own AVX-512 + GFNI check, detail::avx512_gfni_usable.)
#pragma once

namespace gostcsp::core::detail {

bool cpu_has_ssse3() noexcept;
bool cpu_has_avx2() noexcept;
// PCLMULQDQ with SSE4.1 (carry-less multiplication, used by MGM).
bool cpu_has_pclmul() noexcept;
// AVX-512 F/BW/VL + VBMI with ZMM state enabled by the OS (no GFNI needed).
bool cpu_has_avx512_vbmi() noexcept;
// The above plus GFNI.
bool cpu_has_avx512_vbmi_gfni() noexcept;

}  // namespace gostcsp::core::detail
