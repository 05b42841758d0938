// SPDX-License-Identifier: Apache-2.0
// Placeholder until the byte-sliced kernels land (never called: compiled_in() says no).
#include "kuznyechik_internal.hpp"
#if defined(GOSTCSP_KUZNYECHIK_HAVE_X86)
namespace gostcsp::core::detail::kuz {
void encrypt_ssse3(const RoundKeys& rk, const std::uint8_t* in, std::uint8_t* out,
                   std::size_t blocks) noexcept {
    encrypt_portable(rk, in, out, blocks);
}
void decrypt_ssse3(const RoundKeys& rk, const std::uint8_t* in, std::uint8_t* out,
                   std::size_t blocks) noexcept {
    decrypt_portable(rk, in, out, blocks);
}
void encrypt_avx2(const RoundKeys& rk, const std::uint8_t* in, std::uint8_t* out,
                  std::size_t blocks) noexcept {
    encrypt_portable(rk, in, out, blocks);
}
void decrypt_avx2(const RoundKeys& rk, const std::uint8_t* in, std::uint8_t* out,
                  std::size_t blocks) noexcept {
    decrypt_portable(rk, in, out, blocks);
}
}  // namespace gostcsp::core::detail::kuz
#endif
