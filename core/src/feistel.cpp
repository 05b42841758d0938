// SPDX-License-Identifier: Apache-2.0
// The GOST 64-bit Feistel network (Magma / GOST 28147-89): dispatch and the portable
// constant-time implementation, whose S-boxes live in registers: S_i(x) = (packed_i >> 4x) & 15.
// A shift by a secret amount takes the same time on every supported CPU, and nothing secret
// indexes memory.
#include <cstdlib>

#include "cpu_features.hpp"
#include "feistel_internal.hpp"

namespace gostcsp::core {
namespace detail {
namespace {

bool compiled_in(MagmaImpl impl) noexcept {
    switch (impl) {
        case MagmaImpl::automatic:
        case MagmaImpl::portable:
            return true;
#if defined(GOSTCSP_FEISTEL_HAVE_X86)
        case MagmaImpl::ssse3:
            return GOSTCSP_FEISTEL_PSHUFB && cpu_has_ssse3();
        case MagmaImpl::avx2:
            return GOSTCSP_FEISTEL_PSHUFB && cpu_has_avx2();
        case MagmaImpl::avx512:
            return cpu_has_avx512_vbmi();
#else
        case MagmaImpl::ssse3:
        case MagmaImpl::avx2:
        case MagmaImpl::avx512:
            return false;
#endif
    }
    return false;
}

MagmaImpl fastest() noexcept {
    for (auto impl : {MagmaImpl::avx512, MagmaImpl::avx2, MagmaImpl::ssse3})
        if (compiled_in(impl)) return impl;
    return MagmaImpl::portable;
}

inline std::uint32_t round_function(const FeistelCore& c, std::uint32_t x) noexcept {
    std::uint32_t y = 0;
    for (int i = 0; i < 8; ++i) {
        const unsigned nib = (x >> (4 * i)) & 15u;
        y |= static_cast<std::uint32_t>((c.packed[i] >> (4 * nib)) & 15u) << (4 * i);
    }
    return y << 11 | y >> 21;
}

}  // namespace

void feistel_prepare_sboxes(FeistelCore& core) noexcept {
    for (int i = 0; i < 8; ++i) {
        std::uint64_t p = 0;
        for (int x = 0; x < 16; ++x) p |= std::uint64_t{core.sbox[i][x] & 15u} << (4 * x);
        core.packed[i] = p;
    }
}

MagmaImpl feistel_resolve(MagmaImpl impl) noexcept {
    if (impl != MagmaImpl::automatic && compiled_in(impl)) return impl;
    return magma_impl_selected();
}

void feistel_run_portable(const FeistelCore& core, FeistelOp op, std::uint32_t* w,
                          std::size_t blocks) noexcept {
    const int rounds = op == FeistelOp::imit16 ? 16 : 32;
    for (std::size_t b = 0; b < blocks; ++b, w += 2) {
        std::uint32_t n1 = w[0], n2 = w[1];
        for (int r = 0; r < rounds; r += 2) {
            n2 ^= round_function(core, n1 + core.key[feistel_key_index(op, r)]);
            n1 ^= round_function(core, n2 + core.key[feistel_key_index(op, r + 1)]);
        }
        if (op == FeistelOp::imit16) {
            w[0] = n1;
            w[1] = n2;
        } else {
            w[0] = n2;
            w[1] = n1;
        }
    }
}

void feistel_run(const FeistelCore& core, FeistelOp op, std::uint32_t* w,
                 std::size_t blocks) noexcept {
    switch (core.impl) {
#if defined(GOSTCSP_FEISTEL_HAVE_X86)
        case MagmaImpl::ssse3:
            return feistel_run_ssse3(core, op, w, blocks);
        case MagmaImpl::avx2:
            return feistel_run_avx2(core, op, w, blocks);
        case MagmaImpl::avx512:
            return feistel_run_avx512(core, op, w, blocks);
#endif
        default:
            return feistel_run_portable(core, op, w, blocks);
    }
}

}  // namespace detail

bool magma_impl_supported(MagmaImpl impl) noexcept {
    return detail::compiled_in(impl);
}

MagmaImpl magma_impl_selected() noexcept {
    static const MagmaImpl chosen = [] {
        if (const char* v = std::getenv("GOSTCSP_MAGMA_IMPL"))
            for (auto impl :
                 {MagmaImpl::portable, MagmaImpl::ssse3, MagmaImpl::avx2, MagmaImpl::avx512})
                if (magma_impl_name(impl) == v && detail::compiled_in(impl)) return impl;
        return detail::fastest();
    }();
    return chosen;
}

std::string_view magma_impl_name(MagmaImpl impl) noexcept {
    switch (impl) {
        case MagmaImpl::automatic:
            return "automatic";
        case MagmaImpl::portable:
            return "portable";
        case MagmaImpl::ssse3:
            return "ssse3";
        case MagmaImpl::avx2:
            return "avx2";
        case MagmaImpl::avx512:
            return "avx512";
    }
    return "unknown";
}

}  // namespace gostcsp::core
