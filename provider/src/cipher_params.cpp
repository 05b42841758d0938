// SPDX-License-Identifier: Apache-2.0
#include "cipher_params.hpp"

#include <openssl/core_names.h>
#include <openssl/params.h>

#include "sym_algs.hpp"

namespace gostcsp::prov {

int get_cipher_params(const CipherShape& shape, OSSL_PARAM params[]) noexcept {
    OSSL_PARAM* p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_MODE);
    if (p != nullptr && !OSSL_PARAM_set_uint(p, shape.evp_mode)) return 0;
    p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_BLOCK_SIZE);
    if (p != nullptr && !OSSL_PARAM_set_size_t(p, shape.block_bytes)) return 0;
    p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_IVLEN);
    if (p != nullptr && !OSSL_PARAM_set_size_t(p, shape.iv_bytes)) return 0;
    p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_KEYLEN);
    if (p != nullptr && !OSSL_PARAM_set_size_t(p, sym_key_bytes)) return 0;
    for (const char* flag : {OSSL_CIPHER_PARAM_AEAD, OSSL_CIPHER_PARAM_CUSTOM_IV}) {
        p = OSSL_PARAM_locate(params, flag);
        if (p != nullptr && !OSSL_PARAM_set_int(p, shape.aead ? 1 : 0)) return 0;
    }
    for (const char* flag : {OSSL_CIPHER_PARAM_CTS, OSSL_CIPHER_PARAM_TLS1_MULTIBLOCK,
                             OSSL_CIPHER_PARAM_HAS_RAND_KEY}) {
        p = OSSL_PARAM_locate(params, flag);
        if (p != nullptr && !OSSL_PARAM_set_int(p, 0)) return 0;
    }
    return 1;
}

const OSSL_PARAM* cipher_gettable_params(void*) noexcept {
    static const OSSL_PARAM table[] = {
        OSSL_PARAM_uint(OSSL_CIPHER_PARAM_MODE, nullptr),
        OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_BLOCK_SIZE, nullptr),
        OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_IVLEN, nullptr),
        OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_KEYLEN, nullptr),
        OSSL_PARAM_int(OSSL_CIPHER_PARAM_AEAD, nullptr),
        OSSL_PARAM_int(OSSL_CIPHER_PARAM_CUSTOM_IV, nullptr),
        OSSL_PARAM_int(OSSL_CIPHER_PARAM_CTS, nullptr),
        OSSL_PARAM_int(OSSL_CIPHER_PARAM_TLS1_MULTIBLOCK, nullptr),
        OSSL_PARAM_int(OSSL_CIPHER_PARAM_HAS_RAND_KEY, nullptr),
        OSSL_PARAM_END,
    };
    return table;
}

}  // namespace gostcsp::prov
