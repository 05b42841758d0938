// SPDX-License-Identifier: Apache-2.0
// The engine's client mode (engine control CLIENT_KEYS): the client side of the GOST TLS 1.2 key
// transport. libssl's client encrypts the premaster secret to the *server certificate's* key
// (tls_construct_cke_gost18 / tls_construct_cke_gost: EVP_PKEY_encrypt with EVP_PKEY_CTRL_SET_IV
// and EVP_PKEY_CTRL_CIPHER on X509_get0_pubkey()), a provider key; OpenSSL 3.0 hands a provider
// key to an ENGINE only when the engine is the default pkey method of its type. In client mode
// the engine is that default for gost2012_256/512, so every GOST key operation of the process
// comes here: the public-key ones (encrypt, verify) run on core with the key's exported public
// point; private-key ones are refused (no way back to the provider for that key), which is why
// the mode is for client processes only (docs/tls.md).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <atomic>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include "bridge.hpp"
#include "gostcsp/gost3410.hpp"
#include "gostcsp/keg.hpp"
#include "gostcsp/kexp15.hpp"
#include "gostcsp/keywrap.hpp"
#include "gostcsp/params.hpp"
#include "gostcsp/secure.hpp"
#include "tls.hpp"

namespace gostcsp::engine::tls {
namespace {

namespace core = gostcsp::core;
std::atomic<bool> g_client{false};
constexpr std::size_t kPmsBytes = 32;

// The core public key of a provider (or shell-inner) GOST key.
bool core_public(EVP_PKEY* key, core::PublicKey& out) noexcept {
    char group[96];
    std::size_t glen = 0;
    std::uint8_t xy[2 * core::max_field_bytes];
    std::size_t xylen = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                       &glen) != 1 ||
        EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, xy, sizeof(xy), &xylen) != 1)
        return false;
    ASN1_OBJECT* obj = OBJ_txt2obj(group, 0);
    char dotted[64];
    const int n = obj != nullptr ? OBJ_obj2txt(dotted, sizeof(dotted), obj, 1) : -1;
    ASN1_OBJECT_free(obj);
    if (n <= 0 || n >= static_cast<int>(sizeof(dotted))) return false;
    const auto set = core::param_set_from_oid(dotted);
    return set && core::ok(core::PublicKey::from_le_xy(*set, {xy, xylen}, out));
}

void put_len(std::vector<std::uint8_t>& v, std::size_t n) {
    if (n < 128) {
        v.push_back(static_cast<std::uint8_t>(n));
    } else if (n < 256) {
        v.push_back(0x81);
        v.push_back(static_cast<std::uint8_t>(n));
    } else {
        v.push_back(0x82);
        v.push_back(static_cast<std::uint8_t>(n >> 8));
        v.push_back(static_cast<std::uint8_t>(n));
    }
}
std::vector<std::uint8_t> tlv(std::uint8_t tag, const std::vector<std::uint8_t>& body) {
    std::vector<std::uint8_t> v{tag};
    put_len(v, body.size());
    v.insert(v.end(), body.begin(), body.end());
    return v;
}

// The server key's SubjectPublicKeyInfo with its point replaced by `eph` (same algorithm and
// parameters: the ephemeral key lives on the server key's curve).
bool eph_spki(EVP_PKEY* server, const core::PublicKey& eph, std::vector<std::uint8_t>& out) {
    unsigned char* der = nullptr;
    const int len = i2d_PUBKEY(server, &der);
    const auto xy = eph.le_xy();
    if (len <= 0 || static_cast<std::size_t>(len) <= xy.size()) {
        OPENSSL_free(der);
        return false;
    }
    out.assign(der, der + len);
    OPENSSL_free(der);
    std::memcpy(out.data() + out.size() - xy.size(), xy.data(), xy.size());  // X‖Y ends the SPKI
    return true;
}

bool write_out(const std::vector<std::uint8_t>& msg, unsigned char* out, std::size_t* outlen) {
    if (out == nullptr) {
        *outlen = msg.size();
        return true;
    }
    if (*outlen < msg.size()) return false;
    std::memcpy(out, msg.data(), msg.size());
    *outlen = msg.size();
    return true;
}

}  // namespace

void enable_client_keys() noexcept {
    g_client = true;
}
bool client_keys_enabled() noexcept {
    return g_client;
}

int client_encrypt(EVP_PKEY* server, int cipher_nid, std::span<const std::uint8_t> ukm,
                   unsigned char* out, std::size_t* outlen, const unsigned char* in,
                   std::size_t inlen) noexcept {
    try {
        core::PublicKey q;
        if (server == nullptr || !core_public(server, q)) {
            raise(kNotGostKey, "the server's certificate key");
            return 0;
        }
        // libssl asks for the length first; the output length does not depend on the secret.
        if (inlen != kPmsBytes) {
            raise(kBadKeyTransport, "the premaster secret is 32 bytes");
            return 0;
        }
        core::PrivateKey eph;
        core::PublicKey qe;
        if (!core::ok(core::PrivateKey::generate(q.param_set(), eph)) ||
            !core::ok(eph.derive_public(qe))) {
            raise(kInternal, "ephemeral key");
            return 0;
        }
        std::vector<std::uint8_t> spki;
        if (!eph_spki(server, qe, spki)) {
            raise(kInternal, "ephemeral SubjectPublicKeyInfo");
            return 0;
        }
        std::vector<std::uint8_t> msg;
        if (cipher_nid == NID_kuznyechik_ctr || cipher_nid == NID_magma_ctr) {
            // kGOST18: PSKeyTransport { KExp15(PMS, KEG(d_eph, Q_s, H), IV = H[25..24+n/2]), SPKI }
            const auto c = cipher_nid == NID_kuznyechik_ctr ? core::Kexp15Cipher::kuznyechik
                                                            : core::Kexp15Cipher::magma;
            const std::size_t n = core::kexp15_block_bytes(c);
            if (ukm.size() != core::keg_input_bytes) {
                raise(kInternal, "the key transport needs the 32-byte HASH(r_c | r_s)");
                return 0;
            }
            core::SecretBytes<core::keg_output_bytes> keys;
            std::vector<std::uint8_t> psexp(kPmsBytes + n);
            if (!core::ok(core::keg(eph, q, ukm, keys.span())) ||
                !core::ok(core::kexp15(c, {in, inlen}, {keys.data(), 32}, {keys.data() + 32, 32},
                                       ukm.subspan(24, n / 2), psexp))) {
                raise(kInternal, "KEG / KExp15");
                return 0;
            }
            std::vector<std::uint8_t> body = tlv(V_ASN1_OCTET_STRING, psexp);
            body.insert(body.end(), spki.begin(), spki.end());
            msg = tlv(V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, body);
        } else if (cipher_nid == NID_undef) {
            // kGOST: GostR3410-KeyTransport, VKO_256 with the 8-byte UKM + CryptoPro key wrap
            // (tc26-Z S-boxes, as gost-engine writes for 2012 keys).
            if (ukm.size() != core::keywrap_ukm_bytes) {
                raise(kInternal, "the kGOST key transport needs an 8-byte UKM");
                return 0;
            }
            core::SecretBytes<32> kek;
            std::uint8_t wrapped[core::keywrap_wrapped_bytes];
            if (!core::ok(core::vko(eph, q, ukm, core::DigestSize::bits256, kek.span())) ||
                !core::ok(core::cryptopro_key_wrap(core::Gost28147ParamSet::tc26_z, kek.span(), ukm,
                                                   {in, inlen}, wrapped))) {
                raise(kInternal, "VKO / key wrap");
                return 0;
            }
            std::vector<std::uint8_t> ek =
                tlv(V_ASN1_OCTET_STRING, std::vector<std::uint8_t>(wrapped + 8, wrapped + 40));
            const auto mac =
                tlv(V_ASN1_OCTET_STRING, std::vector<std::uint8_t>(wrapped + 40, wrapped + 44));
            ek.insert(ek.end(), mac.begin(), mac.end());
            std::vector<std::uint8_t> tp = {0x06, 0x09, 0x2a, 0x85, 0x03, 0x07,
                                            0x01, 0x02, 0x05, 0x01, 0x01};  // tc26-Z
            spki[0] = 0xa0;  // [0] IMPLICIT SubjectPublicKeyInfo
            tp.insert(tp.end(), spki.begin(), spki.end());
            const auto u =
                tlv(V_ASN1_OCTET_STRING, std::vector<std::uint8_t>(ukm.begin(), ukm.end()));
            tp.insert(tp.end(), u.begin(), u.end());
            std::vector<std::uint8_t> body = tlv(V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, ek);
            const auto tpt = tlv(0xa0, tp);
            body.insert(body.end(), tpt.begin(), tpt.end());
            msg = tlv(V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, body);
        } else {
            raise(kInternal, "GOST key transport for an unknown cipher");
            return 0;
        }
        if (!write_out(msg, out, outlen)) return 0;
        return 1;
    } catch (...) {
        raise(kInternal, "out of memory");
        return 0;
    }
}

int client_verify(EVP_PKEY* key, const unsigned char* sig, std::size_t siglen,
                  const unsigned char* tbs, std::size_t tbslen) noexcept {
    core::PublicKey q;
    if (key == nullptr || !core_public(key, q)) return -1;
    return core::ok(core::verify_digest(q, {tbs, tbslen}, {sig, siglen})) ? 1 : 0;
}

}  // namespace gostcsp::engine::tls
