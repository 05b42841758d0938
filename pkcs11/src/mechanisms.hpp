// SPDX-License-Identifier: Apache-2.0
// The mechanism table: every mechanism gostcsp offers, its CK_MECHANISM_INFO and its shape.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "p11_error.hpp"

namespace gostcsp::p11 {

enum class MechKind : std::uint8_t {
    keypair_gen,  // C_GenerateKeyPair
    raw_sign,     // sign/verify a precomputed digest
    hash_sign,    // Streebog then 34.10 (single- and multi-part)
    digest,       // Streebog
    hmac,         // HMAC-Streebog with a generic secret key (sign/verify)
    derive,       // VKO
    keg,          // KEG (VKO + KDF_TREE), RFC 9189
    // Symmetric GOST (symmetric_ops.cpp, key_wrap_ops.cpp); `alg` names the cipher.
    secret_keygen,     // C_GenerateKey of a 256-bit cipher key
    cipher_ecb,        // C_Encrypt/C_Decrypt, ECB (whole blocks)
    cipher_ctr_acpkm,  // CTR-ACPKM (R 1323565.1.017-2018, RFC 8645)
    cipher_mgm,        // MGM AEAD (RFC 9058)
    gost28147_stream,  // CKM_GOST28147: CFB or CNT as the key's parameter set says
    cipher_mac,        // C_Sign/C_Verify: OMAC (34.13 §5.6) or the 28147 IMIT
    kexp15_wrap,       // C_WrapKey/C_UnwrapKey with KExp15/KImp15 and a twin key
    gost28147_wrap,    // CryptoPro key wrap (RFC 4357 §6.3-6.5)
    kdf_tree,          // C_DeriveKey with KDF_TREE_GOSTR3411_2012_256 from a secret key
};

enum class SymAlg : std::uint8_t { none, kuznyechik, magma, gost28147 };

struct MechInfo {
    CK_MECHANISM_TYPE type;
    std::string_view name;
    MechKind kind;
    unsigned key_bits;  // 256 / 512 for GOST key mechanisms; digest size in bits otherwise
    CK_MECHANISM_INFO info;
    SymAlg alg = SymAlg::none;  // the block cipher of a symmetric mechanism
};

std::span<const MechInfo> mechanism_table() noexcept;
// nullptr if the mechanism is not offered.
const MechInfo* find_mechanism(CK_MECHANISM_TYPE type) noexcept;

}  // namespace gostcsp::p11
