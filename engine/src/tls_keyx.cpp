// SPDX-License-Identifier: Apache-2.0
// The server side of the GOST TLS 1.2 key transport on a shell key (libssl 3.0's
// tls_process_cke_gost18 -> EVP_PKEY_decrypt with EVP_PKEY_CTRL_SET_IV and EVP_PKEY_CTRL_CIPHER):
//   PSKeyTransport ::= SEQUENCE { PSEXP OCTET STRING, ephemeralPublicKey SubjectPublicKeyInfo }
//   K_Exp_MAC | K_Exp_ENC = KEG(d_server, Q_eph, H),  IV = H[25 .. 24 + n/2],
//   PMS = KImp15(PSEXP, K_Exp_MAC, K_Exp_ENC, IV)                     (RFC 9189 §8.2.1)
// and for kGOST (tls_process_cke_gost: no controls; RFC 9189 §8.2.2, RFC 4490 §5.2):
//   GostR3410-KeyTransport ::= SEQUENCE { sessionEncryptedKey SEQUENCE { encryptedKey OCTET
//     STRING (32), maskKey [0] OPTIONAL, macKey OCTET STRING (4) }, transportParameters [0]
//     IMPLICIT SEQUENCE { encryptionParamSet OID, ephemeralPublicKey [0] IMPLICIT SPKI, ukm
//     OCTET STRING (8) } }
//   KEK = VKO_GOSTR3410_2012_256(d_server, Q_eph, ukm), PMS = CryptoPro key unwrap (RFC 4357 §6.4)
//   with the S-boxes of encryptionParamSet.
// VKO, the only step that needs the private key, runs in the provider (EVP_PKEY_derive with the
// KEG's UKM), so the same code serves file keys and token keys. The rest is core/.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/asn1.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/x509.h>

#include <cstring>

#include "bridge.hpp"
#include "gostcsp/gost28147.hpp"
#include "gostcsp/keg.hpp"
#include "gostcsp/kexp15.hpp"
#include "gostcsp/keywrap.hpp"
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

// One DER element at [p, end): its class/tag (ASN1_get_object's), contents and the next element.
struct Tlv {
    int tag = 0, cls = 0;
    bool constructed = false;
    const unsigned char* header = nullptr;
    const unsigned char* content = nullptr;
    long len = 0;
    const unsigned char* next = nullptr;
};
bool read_tlv(const unsigned char* p, const unsigned char* end, Tlv& t) noexcept {
    if (p >= end) return false;
    t.header = p;
    const int r = ASN1_get_object(&p, &t.len, &t.tag, &t.cls, end - p);
    if ((r & 0x80) != 0 || r == 0x21) return false;  // error or indefinite length
    t.constructed = (r & V_ASN1_CONSTRUCTED) != 0;
    t.content = p;
    t.next = p + t.len;
    return t.next <= end;
}
bool is(const Tlv& t, int cls, int tag, bool constructed) noexcept {
    return t.cls == cls && t.tag == tag && t.constructed == constructed;
}

// A SubjectPublicKeyInfo of a GOST R 34.10-2012 key — the contents of the SEQUENCE (or of the
// [0] IMPLICIT element that replaces its tag) — as a provider key, built with EVP_PKEY_fromdata
// from the parameter-set OID and X‖Y: half the cost of d2i_PUBKEY's OSSL_DECODER, which dominated
// the server's share of a handshake. The provider validates the point (curve, subgroup).
EVP_PKEY* spki_to_key(const unsigned char* content, const unsigned char* end) noexcept {
    Tlv alg, key_oid, params, pset, bits, octets;
    if (!read_tlv(content, end, alg) || !is(alg, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE, true) ||
        !read_tlv(alg.content, alg.next, key_oid) ||
        !is(key_oid, V_ASN1_UNIVERSAL, V_ASN1_OBJECT, false) ||
        !read_tlv(key_oid.next, alg.next, params) ||
        !is(params, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE, true) ||
        !read_tlv(params.content, params.next, pset) ||
        !is(pset, V_ASN1_UNIVERSAL, V_ASN1_OBJECT, false) || !read_tlv(alg.next, end, bits) ||
        !is(bits, V_ASN1_UNIVERSAL, V_ASN1_BIT_STRING, false) || bits.next != end || bits.len < 2 ||
        bits.content[0] != 0 || !read_tlv(bits.content + 1, bits.next, octets) ||
        !is(octets, V_ASN1_UNIVERSAL, V_ASN1_OCTET_STRING, false) || octets.next != bits.next)
        return nullptr;
    char key_txt[32], pset_txt[64];
    auto oid_text = [](const Tlv& t, char* buf, int size) noexcept {
        const unsigned char* p = t.header;
        ASN1_OBJECT* obj = d2i_ASN1_OBJECT(nullptr, &p, t.next - t.header);
        const int n = obj != nullptr ? OBJ_obj2txt(buf, size, obj, 1) : -1;
        ASN1_OBJECT_free(obj);
        return n > 0 && n < size;
    };
    if (!oid_text(key_oid, key_txt, sizeof(key_txt)) || !oid_text(pset, pset_txt, sizeof(pset_txt)))
        return nullptr;
    const char* type = std::strcmp(key_txt, "1.2.643.7.1.1.1.1") == 0   ? SN_id_GostR3410_2012_256
                       : std::strcmp(key_txt, "1.2.643.7.1.1.1.2") == 0 ? SN_id_GostR3410_2012_512
                                                                        : nullptr;
    if (type == nullptr) return nullptr;
    EVP_PKEY_CTX* c = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
    if (c == nullptr) return nullptr;
    OSSL_PARAM p[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, pset_txt, 0),
                      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
                                                        const_cast<unsigned char*>(octets.content),
                                                        static_cast<std::size_t>(octets.len)),
                      OSSL_PARAM_construct_end()};
    EVP_PKEY* key = nullptr;
    if (EVP_PKEY_fromdata_init(c) != 1 || EVP_PKEY_fromdata(c, &key, EVP_PKEY_PUBLIC_KEY, p) != 1)
        key = nullptr;
    EVP_PKEY_CTX_free(c);
    return key;
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
    Tlv spki;
    if (!read_tlv(p, end, spki) || !is(spki, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE, true)) return false;
    *eph = spki_to_key(spki.content, spki.next);
    return *eph != nullptr;  // an optional trailing ukm (gost-engine's encoder) is ignored
}

int decrypt_gost89(EVP_PKEY* own, const unsigned char* in, std::size_t inlen, unsigned char* out,
                   std::size_t* outlen) noexcept {
    if (out == nullptr) {
        *outlen = kPmsBytes;
        return 1;
    }
    if (*outlen < kPmsBytes || inlen > 4096) return 0;
    const unsigned char* end = in + inlen;
    Tlv top, ek, enc, mac, tp, oid, eph, ukm;
    const bool shape =
        read_tlv(in, end, top) && is(top, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE, true) &&
        read_tlv(top.content, top.next, ek) && is(ek, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE, true) &&
        read_tlv(ek.content, ek.next, enc) &&
        is(enc, V_ASN1_UNIVERSAL, V_ASN1_OCTET_STRING, false) && enc.len == 32 &&
        read_tlv(enc.next, ek.next, mac) && is(mac, V_ASN1_UNIVERSAL, V_ASN1_OCTET_STRING, false) &&
        mac.len == 4 && mac.next == ek.next && read_tlv(ek.next, top.next, tp) &&
        is(tp, V_ASN1_CONTEXT_SPECIFIC, 0, true) && read_tlv(tp.content, tp.next, oid) &&
        is(oid, V_ASN1_UNIVERSAL, V_ASN1_OBJECT, false) && read_tlv(oid.next, tp.next, eph) &&
        is(eph, V_ASN1_CONTEXT_SPECIFIC, 0, true) && read_tlv(eph.next, tp.next, ukm) &&
        is(ukm, V_ASN1_UNIVERSAL, V_ASN1_OCTET_STRING, false) && ukm.len == 8;
    if (!shape) {
        // Also a transport without an ephemeral key (key agreement with the client's
        // certificate key) or with a maskKey: not supported.
        raise(kBadKeyTransport, "malformed or unsupported GostR3410-KeyTransport");
        return 0;
    }
    // encryptionParamSet: the 28147 S-boxes of the key wrap.
    char oid_txt[64];
    const unsigned char* op = oid.header;
    ASN1_OBJECT* obj = d2i_ASN1_OBJECT(nullptr, &op, oid.next - oid.header);
    const int n = obj != nullptr ? OBJ_obj2txt(oid_txt, sizeof(oid_txt), obj, 1) : -1;
    ASN1_OBJECT_free(obj);
    const auto params = n > 0 && n < static_cast<int>(sizeof(oid_txt))
                            ? core::gost28147_param_set_from_oid(oid_txt)
                            : std::nullopt;
    if (!params) {
        raise(kBadKeyTransport, "unknown GOST 28147-89 parameter set in the key transport");
        return 0;
    }
    // ephemeralPublicKey: [0] IMPLICIT SubjectPublicKeyInfo.
    EVP_PKEY* peer = spki_to_key(eph.content, eph.next);
    if (peer == nullptr) {
        raise(kBadKeyTransport, "bad ephemeral key in the key transport");
        return 0;
    }
    core::SecretBytes<32> kek;
    std::uint8_t wrapped[core::keywrap_wrapped_bytes];  // UKM | CEK_ENC | CEK_MAC
    std::memcpy(wrapped, ukm.content, 8);
    std::memcpy(wrapped + 8, enc.content, 32);
    std::memcpy(wrapped + 40, mac.content, 4);
    int ok = 0;
    if (!provider_vko(own, peer, {ukm.content, 8}, 256, kek.span())) {
        raise(kBadKeyTransport,
              "VKO with the ephemeral key failed (the reason precedes this error)");
    } else if (!core::ok(
                   core::cryptopro_key_unwrap(*params, kek.span(), wrapped, {out, kPmsBytes}))) {
        raise(kBadKeyTransport, "CryptoPro key unwrap: the premaster secret's MAC does not match");
    } else {
        *outlen = kPmsBytes;
        ok = 1;
    }
    EVP_PKEY_free(peer);
    return ok;
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
    else if (cipher_nid == NID_undef)  // kGOST: no EVP_PKEY_CTRL_CIPHER
        return decrypt_gost89(own, in, inlen, out, outlen);
    else {
        raise(kInternal, "GOST key transport for an unknown cipher");
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
        raise(kBadKeyTransport, "malformed PSKeyTransport");
    } else if (static_cast<std::size_t>(ASN1_STRING_length(psexp)) != kPmsBytes + n) {
        raise(kBadKeyTransport, "PSEXP of the wrong length");
    } else if (!core::ok(core::keg_ukm(ukm, ukm_le))) {
        raise(kInternal, "KEG UKM");
    } else if (bits == 512 ? !provider_vko(own, eph, ukm_le, 512, kexp.span())
                           : !provider_vko(own, eph, ukm_le, 256, std::span(vko.data(), 32)) ||
                                 !core::ok(core::keg_expand_256(std::span(vko.data(), 32), ukm,
                                                                kexp.span()))) {
        raise(kBadKeyTransport,
              "VKO with the ephemeral key failed (the reason precedes this error)");
    } else {
        const std::span<const std::uint8_t> k(kexp.data(), kexp.size());
        const core::Status st =
            core::kimp15(cipher, {ASN1_STRING_get0_data(psexp), kPmsBytes + n}, k.first(32),
                         k.subspan(32, 32), ukm.subspan(24, n / 2), {out, kPmsBytes});
        if (core::ok(st)) {
            *outlen = kPmsBytes;
            ok = 1;
        } else {
            raise(kBadKeyTransport, "KImp15: the premaster secret's MAC does not match");
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
