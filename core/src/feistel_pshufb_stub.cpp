// SPDX-License-Identifier: Apache-2.0
// Placeholder until the pshufb kernels land (never called: magma_impl_supported() says no).
#include "feistel_internal.hpp"
#if defined(GOSTCSP_FEISTEL_HAVE_X86)
namespace gostcsp::core::detail {
void feistel_run_ssse3(const FeistelCore& core, FeistelOp op, std::uint32_t* w,
                       std::size_t blocks) noexcept {
    feistel_run_portable(core, op, w, blocks);
}
void feistel_run_avx2(const FeistelCore& core, FeistelOp op, std::uint32_t* w,
                      std::size_t blocks) noexcept {
    feistel_run_portable(core, op, w, blocks);
}
}  // namespace gostcsp::core::detail
#endif
