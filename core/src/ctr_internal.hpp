// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the counter modes (CTR, CTR-ACPKM): batches of counter blocks and XOR of key
// stream, word at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace gostcsp::core::detail {

inline std::uint64_t load_be64(const std::uint8_t* p) noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = v << 8 | p[i];
    return v;
}
inline void store_be64(std::uint8_t* p, std::uint64_t v) noexcept {
    for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<std::uint8_t>(v);
}

// Writes `blocks` counter blocks of n bytes (8 or 16) to dst, starting at `counter` and advancing
// it: the low `inc_bytes` bytes (n for CTR's mod 2^n, n/2 for ACPKM's Inc_c) count up, big-endian.
inline void fill_counters(std::uint8_t* dst, std::uint8_t* counter, std::size_t n,
                          std::size_t inc_bytes, std::size_t blocks) noexcept {
    if (n == 16) {
        std::uint64_t hi = load_be64(counter), lo = load_be64(counter + 8);
        for (std::size_t b = 0; b < blocks; ++b, dst += 16) {
            store_be64(dst, hi);
            store_be64(dst + 8, lo);
            ++lo;
            if (inc_bytes == 16) hi += lo == 0 ? 1u : 0u;  // public counter, may branch
        }
        store_be64(counter, hi);
        store_be64(counter + 8, lo);
    } else {
        std::uint64_t c = load_be64(counter);
        const std::uint64_t mask = inc_bytes == 8 ? ~std::uint64_t{0} : 0xffffffffu;
        for (std::size_t b = 0; b < blocks; ++b, dst += 8) {
            store_be64(dst, c);
            c = (c & ~mask) | ((c + 1) & mask);
        }
        store_be64(counter, c);
    }
}

// out = in xor ks, n bytes (any alignment; in may equal out).
inline void xor_stream(std::uint8_t* out, const std::uint8_t* in, const std::uint8_t* ks,
                       std::size_t n) noexcept {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t a, b;
        std::memcpy(&a, in + i, 8);
        std::memcpy(&b, ks + i, 8);
        a ^= b;
        std::memcpy(out + i, &a, 8);
    }
    for (; i < n; ++i) out[i] = in[i] ^ ks[i];
}

}  // namespace gostcsp::core::detail
