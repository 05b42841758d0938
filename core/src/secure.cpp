// SPDX-License-Identifier: Apache-2.0
// Wiping and constant-time comparison, on top of libcrypto's OPENSSL_cleanse / CRYPTO_memcmp.
#include "gostcsp/secure.hpp"

#include <openssl/crypto.h>

namespace gostcsp::core {

void secure_zero(void* p, std::size_t len) noexcept {
    OPENSSL_cleanse(p, len);
}

bool constant_time_equal(std::span<const std::uint8_t> a,
                         std::span<const std::uint8_t> b) noexcept {
    if (a.size() != b.size()) return false;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace gostcsp::core
