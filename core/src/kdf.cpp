// SPDX-License-Identifier: Apache-2.0
// KDF_GOSTR3411_2012_256, KDF_TREE_GOSTR3411_2012_256 and the TLS PRF over HMAC-Streebog.
#include "gostcsp/kdf.hpp"

#include <algorithm>
#include <array>

#include "gostcsp/secure.hpp"

namespace gostcsp::core {

namespace {

constexpr std::uint8_t zero_byte[1] = {0x00};

// [x]_b without leading zero bytes (x > 0): writes into buf, returns the used tail.
std::span<const std::uint8_t> minimal_be(std::uint64_t x, std::array<std::uint8_t, 8>& buf) {
    std::size_t n = 0;
    for (int shift = 56; shift >= 0; shift -= 8) {
        const auto b = static_cast<std::uint8_t>(x >> shift);
        if (n == 0 && b == 0) continue;
        buf[n++] = b;
    }
    return {buf.data(), n};
}

}  // namespace

void kdf_gostr3411_2012_256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> label,
                            std::span<const std::uint8_t> seed,
                            std::span<std::uint8_t, kdf256_output_bytes> out) noexcept {
    static constexpr std::uint8_t counter_one[1] = {0x01};
    static constexpr std::uint8_t length_256[2] = {0x01, 0x00};
    HmacStreebog mac(DigestSize::bits256, key);
    mac.update(counter_one);
    mac.update(label);
    mac.update(zero_byte);
    mac.update(seed);
    mac.update(length_256);
    mac.final(out);
}

Status kdf_tree_gostr3411_2012_256(std::span<const std::uint8_t> key,
                                   std::span<const std::uint8_t> label,
                                   std::span<const std::uint8_t> seed, unsigned r_bytes,
                                   std::span<std::uint8_t> out) noexcept {
    if (r_bytes < 1 || r_bytes > 4 || out.empty()) return Status::bad_length;
    const std::uint64_t blocks = (out.size() + kdf256_output_bytes - 1) / kdf256_output_bytes;
    if (blocks >= (std::uint64_t{1} << (8 * r_bytes))) return Status::bad_length;
    // L in bits must itself be representable; out.size() < 2^61 always holds for a span here.
    std::array<std::uint8_t, 8> l_buf{};
    const auto l_bytes = minimal_be(static_cast<std::uint64_t>(out.size()) * 8, l_buf);

    const HmacStreebog keyed(DigestSize::bits256, key);
    SecretBytes<kdf256_output_bytes> block;
    std::size_t done = 0;
    for (std::uint64_t i = 1; i <= blocks; ++i) {
        std::array<std::uint8_t, 4> counter{};
        for (unsigned j = 0; j < r_bytes; ++j)
            counter[j] = static_cast<std::uint8_t>(i >> (8 * (r_bytes - 1 - j)));
        HmacStreebog mac = keyed;
        mac.update({counter.data(), r_bytes});
        mac.update(label);
        mac.update(zero_byte);
        mac.update(seed);
        mac.update(l_bytes);
        mac.final(block.span());
        const std::size_t take = std::min(kdf256_output_bytes, out.size() - done);
        std::copy_n(block.data(), take, out.data() + done);
        done += take;
    }
    return Status::ok;
}

void prf_tls_gostr3411_2012(DigestSize hash, std::span<const std::uint8_t> secret,
                            std::span<const std::uint8_t> label, std::span<const std::uint8_t> seed,
                            std::span<std::uint8_t> out) noexcept {
    const std::size_t n = digest_bytes(hash);
    const HmacStreebog keyed(hash, secret);
    SecretBytes<64> a;  // A(i); A(0) = label | seed is fed directly
    SecretBytes<64> t;
    HmacStreebog mac = keyed;
    mac.update(label);
    mac.update(seed);
    mac.final(a.span().first(n));  // A(1)
    std::size_t done = 0;
    while (done < out.size()) {
        mac = keyed;
        mac.update(a.span().first(n));
        mac.update(label);
        mac.update(seed);
        mac.final(t.span().first(n));
        const std::size_t take = std::min(n, out.size() - done);
        std::copy_n(t.data(), take, out.data() + done);
        done += take;
        if (done < out.size()) {
            mac = keyed;
            mac.update(a.span().first(n));
            mac.final(a.span().first(n));  // A(i+1) = HMAC(secret, A(i))
        }
    }
}

}  // namespace gostcsp::core
