// SPDX-License-Identifier: Apache-2.0
// The server side of the GOST TLS 1.2 key transport on a shell key (libssl 3.0's
// tls_process_cke_gost18 -> EVP_PKEY_decrypt with EVP_PKEY_CTRL_SET_IV and EVP_PKEY_CTRL_CIPHER):
//   PSKeyTransport ::= SEQUENCE { PSEXP OCTET STRING, ephemeralPublicKey SubjectPublicKeyInfo }
//   K_Exp_MAC | K_Exp_ENC = KEG(d_server, Q_eph, H),  IV = H[25 .. 24 + n/2],
//   PMS = KImp15(PSEXP, K_Exp_MAC, K_Exp_ENC, IV)                     (RFC 9189 §8.2.1)
// VKO, the only step that needs the private key, runs in the provider (EVP_PKEY_derive with the
// KEG's UKM), so the same code serves file keys and token keys. The rest is core/.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/x509.h>

#include <cstring>

#include "bridge.hpp"
#include "gostcsp/keg.hpp"
#include "gostcsp/kexp15.hpp"
#include "gostcsp/secure.hpp"
#include "tls.hpp"

namespace gostcsp::engine::tls {
namespace {

namespace core = gostcsp::core;
constexpr std::size_t kPmsBytes = 32;

// VKO_256 or VKO_512 of the provider key `own` with `peer` and a little-endian UKM.
bool provider_vko(EVP_PKEY* own, EVP_PKEY* peer, std::span<const std::uint8_t> ukm_le, int bits,
                  std::span<std::uint8_t> out) noexcept {
    EVP_PKEY_CTX* c = EVP_PKEY_CTX_new_from_pkey(nullptr, own, nullptr);
    if (c == nullptr) return false;
    int kek_bits = bits;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_octet_string(
                               "ukm", const_cast<std::uint8_t*>(ukm_le.data()), ukm_le.size()),
                           OSSL_PARAM_construct_int("kek-bits", &kek_bits),
                           OSSL_PARAM_construct_end()};
    std::size_t len = out.size();
    const bool ok = EVP_PKEY_derive_init(c) == 1 && EVP_PKEY_derive_set_peer(c, peer) == 1 &&
                    EVP_PKEY_CTX_set_params(c, params) == 1 &&
                    EVP_PKEY_derive(c, out.data(), &len) == 1 && len == out.size();
    EVP_PKEY_CTX_free(c);
    return ok;
}

// Splits the DER PSKeyTransport into PSEXP and the ephemeral key (a provider key).
bool parse_transport(const unsigned char* in, std::size_t inlen, ASN1_OCTET_STRING** psexp,
                     EVP_PKEY** eph) noexcept {
    if (inlen > 4096) return false;
    const unsigned char* p = in;
    long len = 0;
    int tag = 0, cls = 0;
    const int r = ASN1_get_object(&p, &len, &tag, &cls, static_cast<long>(inlen));
    if (r != V_ASN1_CONSTRUCTED || tag != V_ASN1_SEQUENCE || cls != V_ASN1_UNIVERSAL) return false;
    const unsigned char* end = p + len;
    *psexp = d2i_ASN1_OCTET_STRING(nullptr, &p, end - p);
    if (*psexp == nullptr || p >= end) return false;
    *eph = d2i_PUBKEY(nullptr, &p, end - p);
    return *eph != nullptr;  // an optional trailing ukm (gost-engine's encoder) is ignored
}

}  // namespace

int keyx_decrypt(EVP_PKEY* own, int cipher_nid, std::span<const std::uint8_t> ukm,
                 unsigned char* out, std::size_t* outlen, const unsigned char* in,
                 std::size_t inlen) noexcept {
    core::Kexp15Cipher cipher{};
    if (cipher_nid == NID_kuznyechik_ctr || cipher_nid == NID_kuznyechik_ctr_acpkm)
        cipher = core::Kexp15Cipher::kuznyechik;
    else if (cipher_nid == NID_magma_ctr || cipher_nid == NID_magma_ctr_acpkm)
        cipher = core::Kexp15Cipher::magma;
    else {
        raise(kInternal,
              "GOST key transport without a GOST 2018 cipher (kGOST is not supported yet)");
        return 0;
    }
    if (ukm.size() != core::keg_input_bytes) {
        raise(kInternal,
              "the key transport needs the 32-byte HASH(r_c | r_s) (EVP_PKEY_CTRL_SET_IV)");
        return 0;
    }
    if (out == nullptr) {
        *outlen = kPmsBytes;
        return 1;
    }
    if (*outlen < kPmsBytes) return 0;
    const int bits = EVP_PKEY_get_bits(own);
    if (bits != 256 && bits != 512) {
        raise(kNotGostKey);
        return 0;
    }

    ASN1_OCTET_STRING* psexp = nullptr;
    EVP_PKEY* eph = nullptr;
    int ok = 0;
    core::SecretBytes<core::keg_output_bytes> kexp;
    core::SecretBytes<64> vko;
    std::uint8_t ukm_le[core::keg_ukm_bytes];
    const std::size_t n = core::kexp15_block_bytes(cipher);
    if (!parse_transport(in, inlen, &psexp, &eph)) {
        raise(kInternal, "malformed PSKeyTransport");
    } else if (static_cast<std::size_t>(ASN1_STRING_length(psexp)) != kPmsBytes + n) {
        raise(kInternal, "PSEXP of the wrong length");
    } else if (!core::ok(core::keg_ukm(ukm, ukm_le))) {
        raise(kInternal, "KEG UKM");
    } else if (bits == 512 ? !provider_vko(own, eph, ukm_le, 512, kexp.span())
                           : !provider_vko(own, eph, ukm_le, 256, std::span(vko.data(), 32)) ||
                                 !core::ok(core::keg_expand_256(std::span(vko.data(), 32), ukm,
                                                                kexp.span()))) {
        raise(kProviderFailed, "VKO with the ephemeral key (wrong curve or invalid point?)");
    } else {
        const std::span<const std::uint8_t> k(kexp.data(), kexp.size());
        const core::Status st =
            core::kimp15(cipher, {ASN1_STRING_get0_data(psexp), kPmsBytes + n}, k.first(32),
                         k.subspan(32, 32), ukm.subspan(24, n / 2), {out, kPmsBytes});
        if (core::ok(st)) {
            *outlen = kPmsBytes;
            ok = 1;
        } else {
            raise(kInternal, "KImp15: the premaster secret's MAC does not match");
        }
    }
    ASN1_OCTET_STRING_free(psexp);
    EVP_PKEY_free(eph);
    core::secure_zero(ukm_le, sizeof(ukm_le));
    return ok;
}

bool add_name_placeholders() noexcept {
    struct Name {
        int nid;
        const char* name;
    };
    static const Name kNames[] = {{NID_id_GostR3410_2001, SN_id_GostR3410_2001},
                                  {NID_id_GostR3410_2012_256, SN_id_GostR3410_2012_256},
                                  {NID_id_GostR3410_2012_512, SN_id_GostR3410_2012_512}};
    for (const Name& n : kNames) {
        ENGINE* owner = nullptr;
        const EVP_PKEY_ASN1_METHOD* found = EVP_PKEY_asn1_find_str(&owner, n.name, -1);
        ENGINE_finish(owner);
        if (found != nullptr) continue;  // another engine or an earlier bind has one
        EVP_PKEY_ASN1_METHOD* am = EVP_PKEY_asn1_new(
            n.nid, 0, n.name, "gostcsp: name only, for libssl's GOST suites (keys: the provider)");
        if (am == nullptr) return false;
        if (EVP_PKEY_asn1_add0(am) != 1) {
            EVP_PKEY_asn1_free(am);
            return false;
        }
    }
    return true;
}

}  // namespace gostcsp::engine::tls
