// SPDX-License-Identifier: Apache-2.0
// Mechanism table rows (TC26 PKCS#11 extensions for GOST R 34.10/34.11-2012).
#include "mechanisms.hpp"

#include <array>

namespace gostcsp::p11 {
namespace {

constexpr CK_FLAGS hw = 0;  // a soft token: CKF_HW is never set
constexpr CK_FLAGS sv = CKF_SIGN | CKF_VERIFY;
constexpr CK_FLAGS ed = CKF_ENCRYPT | CKF_DECRYPT;
constexpr CK_FLAGS wu = CKF_WRAP | CKF_UNWRAP;
// GOST key mechanisms work over prime fields with named parameter sets, uncompressed points.
constexpr CK_FLAGS ec = CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS;

constexpr std::array table = {
    MechInfo{CKM_GOSTR3410_KEY_PAIR_GEN,
             "CKM_GOSTR3410_KEY_PAIR_GEN",
             MechKind::keypair_gen,
             256,
             {256, 256, hw | CKF_GENERATE_KEY_PAIR | ec}},
    MechInfo{CKM_GOSTR3410_512_KEY_PAIR_GEN,
             "CKM_GOSTR3410_512_KEY_PAIR_GEN",
             MechKind::keypair_gen,
             512,
             {512, 512, hw | CKF_GENERATE_KEY_PAIR | ec}},
    MechInfo{CKM_GOSTR3410, "CKM_GOSTR3410", MechKind::raw_sign, 256, {256, 256, sv | ec}},
    MechInfo{CKM_GOSTR3410_512, "CKM_GOSTR3410_512", MechKind::raw_sign, 512, {512, 512, sv | ec}},
    MechInfo{CKM_GOSTR3410_WITH_GOSTR3411_12_256,
             "CKM_GOSTR3410_WITH_GOSTR3411_12_256",
             MechKind::hash_sign,
             256,
             {256, 256, sv | ec}},
    MechInfo{CKM_GOSTR3410_WITH_GOSTR3411_12_512,
             "CKM_GOSTR3410_WITH_GOSTR3411_12_512",
             MechKind::hash_sign,
             512,
             {512, 512, sv | ec}},
    MechInfo{
        CKM_GOSTR3411_12_256, "CKM_GOSTR3411_12_256", MechKind::digest, 256, {0, 0, CKF_DIGEST}},
    MechInfo{
        CKM_GOSTR3411_12_512, "CKM_GOSTR3411_12_512", MechKind::digest, 512, {0, 0, CKF_DIGEST}},
    // HMAC key sizes in bytes, as PKCS#11 counts generic-secret keys.
    MechInfo{
        CKM_GOSTR3411_12_256_HMAC, "CKM_GOSTR3411_12_256_HMAC", MechKind::hmac, 256, {32, 64, sv}},
    MechInfo{
        CKM_GOSTR3411_12_512_HMAC, "CKM_GOSTR3411_12_512_HMAC", MechKind::hmac, 512, {32, 64, sv}},
    // Key sizes of the base private key, in bits (256 and 512-bit keys both derive).
    MechInfo{CKM_GOSTR3410_12_DERIVE,
             "CKM_GOSTR3410_12_DERIVE",
             MechKind::derive,
             0,
             {256, 512, CKF_DERIVE | ec}},
    // KEG from a 256- or 512-bit private key to a 64-byte K_Exp_MAC | K_Exp_ENC secret.
    MechInfo{CKM_GOST_KEG, "CKM_GOST_KEG", MechKind::keg, 0, {256, 512, CKF_DERIVE | ec}},
    // Symmetric GOST. Key sizes in bytes, as PKCS#11 counts secret keys: every cipher key is
    // 32 bytes, a KExp15 twin key (K_Exp_MAC | K_Exp_ENC) 64.
    MechInfo{CKM_KUZNECHIK_KEY_GEN,
             "CKM_KUZNECHIK_KEY_GEN",
             MechKind::secret_keygen,
             256,
             {32, 32, CKF_GENERATE},
             SymAlg::kuznyechik},
    MechInfo{CKM_KUZNECHIK_ECB,
             "CKM_KUZNECHIK_ECB",
             MechKind::cipher_ecb,
             256,
             {32, 32, ed},
             SymAlg::kuznyechik},
    MechInfo{CKM_KUZNECHIK_CTR_ACPKM,
             "CKM_KUZNECHIK_CTR_ACPKM",
             MechKind::cipher_ctr_acpkm,
             256,
             {32, 32, ed},
             SymAlg::kuznyechik},
    MechInfo{CKM_KUZNECHIK_MAC,
             "CKM_KUZNECHIK_MAC",
             MechKind::cipher_mac,
             256,
             {32, 32, sv},
             SymAlg::kuznyechik},
    MechInfo{CKM_KUZNECHIK_MGM,
             "CKM_KUZNECHIK_MGM",
             MechKind::cipher_mgm,
             256,
             {32, 32, ed},
             SymAlg::kuznyechik},
    MechInfo{CKM_KUZNECHIK_KEXP_15_WRAP,
             "CKM_KUZNECHIK_KEXP_15_WRAP",
             MechKind::kexp15_wrap,
             256,
             {64, 64, wu},
             SymAlg::kuznyechik},
    MechInfo{CKM_MAGMA_KEY_GEN,
             "CKM_MAGMA_KEY_GEN",
             MechKind::secret_keygen,
             256,
             {32, 32, CKF_GENERATE},
             SymAlg::magma},
    MechInfo{
        CKM_MAGMA_ECB, "CKM_MAGMA_ECB", MechKind::cipher_ecb, 256, {32, 32, ed}, SymAlg::magma},
    MechInfo{CKM_MAGMA_CTR_ACPKM,
             "CKM_MAGMA_CTR_ACPKM",
             MechKind::cipher_ctr_acpkm,
             256,
             {32, 32, ed},
             SymAlg::magma},
    MechInfo{
        CKM_MAGMA_MAC, "CKM_MAGMA_MAC", MechKind::cipher_mac, 256, {32, 32, sv}, SymAlg::magma},
    MechInfo{
        CKM_MAGMA_MGM, "CKM_MAGMA_MGM", MechKind::cipher_mgm, 256, {32, 32, ed}, SymAlg::magma},
    MechInfo{CKM_MAGMA_KEXP_15_WRAP,
             "CKM_MAGMA_KEXP_15_WRAP",
             MechKind::kexp15_wrap,
             256,
             {64, 64, wu},
             SymAlg::magma},
    MechInfo{CKM_GOST28147_KEY_GEN,
             "CKM_GOST28147_KEY_GEN",
             MechKind::secret_keygen,
             256,
             {32, 32, CKF_GENERATE},
             SymAlg::gost28147},
    MechInfo{CKM_GOST28147_ECB,
             "CKM_GOST28147_ECB",
             MechKind::cipher_ecb,
             256,
             {32, 32, ed},
             SymAlg::gost28147},
    MechInfo{CKM_GOST28147,
             "CKM_GOST28147",
             MechKind::gost28147_stream,
             256,
             {32, 32, ed},
             SymAlg::gost28147},
    MechInfo{CKM_GOST28147_MAC,
             "CKM_GOST28147_MAC",
             MechKind::cipher_mac,
             256,
             {32, 32, sv},
             SymAlg::gost28147},
    MechInfo{CKM_GOST28147_KEY_WRAP,
             "CKM_GOST28147_KEY_WRAP",
             MechKind::gost28147_wrap,
             256,
             {32, 32, wu},
             SymAlg::gost28147},
    // From a secret key of any length (HMAC-Streebog accepts any), 1..64 bytes shown.
    MechInfo{CKM_KDF_TREE_GOSTR3411_2012_256,
             "CKM_KDF_TREE_GOSTR3411_2012_256",
             MechKind::kdf_tree,
             256,
             {1, 64, CKF_DERIVE}},
};

}  // namespace

std::span<const MechInfo> mechanism_table() noexcept {
    return table;
}

const MechInfo* find_mechanism(CK_MECHANISM_TYPE type) noexcept {
    for (const auto& m : table)
        if (m.type == type) return &m;
    return nullptr;
}

}  // namespace gostcsp::p11
