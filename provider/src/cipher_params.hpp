// SPDX-License-Identifier: Apache-2.0
// The algorithm parameters every gostcsp cipher answers (OSSL_FUNC_cipher_get_params and its
// gettable table), shared by cipher.cpp, aead.cpp and ctr_omac.cpp.
#pragma once

#include <openssl/core.h>

#include <cstddef>

namespace gostcsp::prov {

struct CipherShape {
    unsigned evp_mode;  // EVP_CIPH_*_MODE, 0 for MGM
    std::size_t block_bytes;
    std::size_t iv_bytes;
    bool aead;  // AEAD and CUSTOM_IV are reported as 1
};

int get_cipher_params(const CipherShape& shape, OSSL_PARAM params[]) noexcept;
const OSSL_PARAM* cipher_gettable_params(void*) noexcept;

}  // namespace gostcsp::prov
