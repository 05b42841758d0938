// SPDX-License-Identifier: Apache-2.0
// Memory wiping for the PKCS#11 layer's buffers (PINs, secret values in transit).
#include "p11_error.hpp"

#include "gostcsp/secure.hpp"

namespace gostcsp::p11 {

void wipe_memory(void* p, std::size_t n) noexcept {
    core::secure_zero(p, n);
}

}  // namespace gostcsp::p11
