// SPDX-License-Identifier: Apache-2.0
// Secret key types as data: which CKK_ values gostcsp stores as CKO_SECRET_KEY, their value
// lengths, the cipher a key type feeds, and the GOST 28147-89 parameter set of a key.
#pragma once

#include <cstddef>
#include <string_view>

#include "gostcsp/gost28147.hpp"
#include "gostcsp/keystore/token.hpp"
#include "mechanisms.hpp"
#include "p11_error.hpp"

namespace gostcsp::p11 {

struct SecretKeyType {
    CK_KEY_TYPE type;
    std::string_view name;
    std::size_t min_bytes, max_bytes;  // CKA_VALUE length
    SymAlg alg;                        // the cipher it keys (none: MAC/KDF input, twin keys)
    std::size_t default_bytes;         // C_DeriveKey/C_UnwrapKey default CKA_VALUE_LEN
};

// nullptr when gostcsp does not store that key type as a secret key.
const SecretKeyType* find_secret_key_type(CK_KEY_TYPE type) noexcept;

// Completes and checks a secret key's attributes at creation (C_CreateObject, C_GenerateKey,
// C_DeriveKey, C_UnwrapKey) for a value of `len` bytes: the length must fit the type
// (`bad_len_rv` otherwise: CKR_ATTRIBUTE_VALUE_INVALID for an import, CKR_TEMPLATE_INCONSISTENT
// for a derived length), CKK_GOST28147 keys get CKA_GOST28147_PARAMS (CryptoPro-A by default;
// an unknown OID is CKR_ATTRIBUTE_VALUE_INVALID).
void complete_secret_attrs(AttrMap& attrs, CK_KEY_TYPE type, std::size_t len, CK_RV bad_len_rv);

// The 28147 parameter set a key carries (CryptoPro-A when absent).
core::Gost28147ParamSet gost28147_params_of(const keystore::Object& o);

// always_sensitive / never_extractable for a key made in the token from `base` (PKCS#11 v2.40
// §4.9: derived keys inherit them from the base key; generated keys start true).
keystore::SecretOrigin origin_from(const keystore::Object& base);

}  // namespace gostcsp::p11
