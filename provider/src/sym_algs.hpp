// SPDX-License-Identifier: Apache-2.0
// The one table of the provider's symmetric algorithms: EVP_CIPHER and EVP_MAC names (gost-engine's
// spellings and OIDs), block/IV/key lengths and defaults (parameter set, key meshing, ACPKM
// section). cipher.cpp and mac.cpp build their OSSL_ALGORITHM tables from these rows.
#pragma once

#include <cstddef>

#include "gostcsp/gost28147.hpp"

namespace gostcsp::prov {

enum class SymCipher { kuznyechik, magma, gost28147 };
enum class SymMode { ecb, cbc, cfb, ofb, ctr, ctr_acpkm, cnt, gost_cfb };

// OpenSSL's EVP_CIPH_*_MODE numbers (reported through the "mode" parameter; CMAC wants CBC).
inline constexpr unsigned evp_mode_ecb = 0x1, evp_mode_cbc = 0x2, evp_mode_cfb = 0x3,
                          evp_mode_ofb = 0x4, evp_mode_ctr = 0x5;

struct CipherAlg {
    const char* names;  // "name:alias:OID" as OSSL_ALGORITHM wants it
    const char* description;
    SymCipher cipher;
    SymMode mode;
    unsigned evp_mode;
    std::size_t block_bytes;  // EVP block size: 1 for stream modes
    std::size_t iv_bytes;
    std::size_t section_bytes;  // ACPKM section (gost-engine's default; "key-mesh" changes it)
    core::Gost28147ParamSet param_set;  // 28147 only
    bool meshing;                       // 28147 CryptoPro key meshing by default
};

using PS = core::Gost28147ParamSet;
// gost-engine (gost_crypt.c, gost_grasshopper_cipher.c): gost89 and gost89-cbc use tc26-Z when
// CRYPT_PARAMS is unset, gost89-cnt CryptoPro-A, gost89-cnt-12 tc26-Z, both with key meshing;
// Kuznyechik-CTR-ACPKM sections of 4096 bytes, Magma's of 1024.
inline constexpr CipherAlg cipher_algs[] = {
    {"kuznyechik-ecb", "Kuznyechik ECB (GOST R 34.13-2015)", SymCipher::kuznyechik, SymMode::ecb,
     evp_mode_ecb, 16, 0, 0, PS::tc26_z, false},
    {"kuznyechik-cbc", "Kuznyechik CBC", SymCipher::kuznyechik, SymMode::cbc, evp_mode_cbc, 16, 16,
     0, PS::tc26_z, false},
    {"kuznyechik-cfb", "Kuznyechik CFB", SymCipher::kuznyechik, SymMode::cfb, evp_mode_cfb, 1, 16,
     0, PS::tc26_z, false},
    {"kuznyechik-ofb", "Kuznyechik OFB", SymCipher::kuznyechik, SymMode::ofb, evp_mode_ofb, 1, 16,
     0, PS::tc26_z, false},
    {"kuznyechik-ctr", "Kuznyechik CTR", SymCipher::kuznyechik, SymMode::ctr, evp_mode_ctr, 1, 8, 0,
     PS::tc26_z, false},
    {"kuznyechik-ctr-acpkm:1.2.643.7.1.1.5.2.1", "Kuznyechik CTR-ACPKM (RFC 8645)",
     SymCipher::kuznyechik, SymMode::ctr_acpkm, evp_mode_ctr, 1, 8, 4096, PS::tc26_z, false},
    {"magma-ecb", "Magma ECB (GOST R 34.13-2015)", SymCipher::magma, SymMode::ecb, evp_mode_ecb, 8,
     0, 0, PS::tc26_z, false},
    {"magma-cbc", "Magma CBC", SymCipher::magma, SymMode::cbc, evp_mode_cbc, 8, 8, 0, PS::tc26_z,
     false},
    {"magma-ctr", "Magma CTR", SymCipher::magma, SymMode::ctr, evp_mode_ctr, 1, 4, 0, PS::tc26_z,
     false},
    {"magma-ctr-acpkm:1.2.643.7.1.1.5.1.1", "Magma CTR-ACPKM (RFC 8645)", SymCipher::magma,
     SymMode::ctr_acpkm, evp_mode_ctr, 1, 4, 1024, PS::tc26_z, false},
    {"gost89:GOST 28147-89:1.2.643.2.2.21", "GOST 28147-89 CFB with key meshing (RFC 5830)",
     SymCipher::gost28147, SymMode::gost_cfb, evp_mode_cfb, 1, 8, 0, PS::tc26_z, true},
    {"gost89-cnt", "GOST 28147-89 CNT, CryptoPro-A, key meshing", SymCipher::gost28147,
     SymMode::cnt, evp_mode_ofb, 1, 8, 0, PS::cryptopro_a, true},
    {"gost89-cnt-12", "GOST 28147-89 CNT, tc26-Z, key meshing", SymCipher::gost28147, SymMode::cnt,
     evp_mode_ofb, 1, 8, 0, PS::tc26_z, true},
    {"gost89-cbc", "GOST 28147-89 CBC", SymCipher::gost28147, SymMode::cbc, evp_mode_cbc, 8, 8, 0,
     PS::tc26_z, false},
    {"gost89-ecb", "GOST 28147-89 ECB", SymCipher::gost28147, SymMode::ecb, evp_mode_ecb, 8, 0, 0,
     PS::tc26_z, false},
};

enum class MacKind { imit, omac };

struct MacAlg {
    const char* names;
    const char* description;
    MacKind kind;
    SymCipher cipher;
    core::Gost28147ParamSet param_set;  // IMIT only
    std::size_t default_size;           // bytes ("size" parameter)
    std::size_t max_size;
};

// gost_prov_mac.c: gost-mac 4 bytes (CryptoPro-A, meshing), gost-mac-12 4 bytes (tc26-Z),
// magma-mac 8, kuznyechik-mac 16.
inline constexpr MacAlg mac_algs[] = {
    {"gost-mac:1.2.643.2.2.22", "GOST 28147-89 IMIT, CryptoPro-A, key meshing", MacKind::imit,
     SymCipher::gost28147, PS::cryptopro_a, 4, 8},
    {"gost-mac-12", "GOST 28147-89 IMIT, tc26-Z, key meshing", MacKind::imit, SymCipher::gost28147,
     PS::tc26_z, 4, 8},
    {"magma-mac", "Magma OMAC (GOST R 34.13-2015 MAC)", MacKind::omac, SymCipher::magma, PS::tc26_z,
     8, 8},
    {"kuznyechik-mac", "Kuznyechik OMAC (GOST R 34.13-2015 MAC)", MacKind::omac,
     SymCipher::kuznyechik, PS::tc26_z, 16, 16},
};

// MGM (RFC 9058) AEAD ciphers; nonce = one block, tag up to one block (default: a full block).
struct AeadAlg {
    const char* names;
    const char* description;
    SymCipher cipher;
    std::size_t block_bytes;  // = nonce and full tag size
};
inline constexpr AeadAlg aead_algs[] = {
    {"kuznyechik-mgm", "Kuznyechik-MGM AEAD (RFC 9058)", SymCipher::kuznyechik, 16},
    {"magma-mgm", "Magma-MGM AEAD (RFC 9058)", SymCipher::magma, 8},
};

inline constexpr std::size_t aead_row_count = sizeof aead_algs / sizeof aead_algs[0];

// CTR-ACPKM with an OMAC of the plaintext under KDF_TREE-derived keys (ctr_omac.cpp); IV = n/2
// bytes, tag = one block; ACPKM sections as gost-engine's (4096 / 1024 bytes).
struct CtrOmacAlg {
    const char* names;
    const char* description;
    SymCipher cipher;
    std::size_t block_bytes;
    std::size_t section_bytes;
};
inline constexpr CtrOmacAlg ctr_omac_algs[] = {
    {"kuznyechik-ctr-acpkm-omac:1.2.643.7.1.1.5.2.2",
     "Kuznyechik CTR-ACPKM + OMAC under KDF_TREE keys (R 1323565.1.026 CMS)", SymCipher::kuznyechik,
     16, 4096},
    {"magma-ctr-acpkm-omac:1.2.643.7.1.1.5.1.2",
     "Magma CTR-ACPKM + OMAC under KDF_TREE keys (R 1323565.1.026 CMS)", SymCipher::magma, 8, 1024},
};
inline constexpr std::size_t ctr_omac_row_count = sizeof ctr_omac_algs / sizeof ctr_omac_algs[0];

inline constexpr std::size_t sym_key_bytes = 32;

}  // namespace gostcsp::prov
