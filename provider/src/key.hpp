// SPDX-License-Identifier: Apache-2.0
// The provider's key object for gost2012_256 / gost2012_512 and its ASN.1 forms (RFC 9215, RFC
// 4491).
#pragma once

#include <openssl/asn1.h>
#include <openssl/x509.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

#include "gostcsp/gost3410.hpp"
#include "gostcsp/params.hpp"
#include "prov.hpp"

namespace gostcsp::prov {

// 256 or 512: which of the two key types (and OIDs 1.2.643.7.1.1.1.1 / .1.2) a key belongs to.
enum class KeyKind : unsigned { k256 = 256, k512 = 512 };

struct TokenKey;  // token_key.hpp

// A parameter set as chosen by the user or found in an encoding. The OID is kept as given
// (CryptoPro-A and tc26-256-B are one curve but different OIDs), so re-encoding a key loaded
// from gost-engine yields the same bytes.
struct ParamChoice {
    core::ParamSet set = core::ParamSet::tc26_256_a;
    char oid[48] = {};  // dotted OID written into SPKI / PKCS#8 parameters
};

struct GostKey {
    explicit GostKey(ProvCtx* p, KeyKind k) noexcept : prov(p), kind(k) {}
    ProvCtx* prov;
    KeyKind kind;
    bool has_params = false;
    ParamChoice params;
    bool has_private = false;
    bool has_public = false;
    core::PrivateKey priv;
    core::PublicKey pub;
    // Set for a key on a PKCS#11 token: has_private is true but `priv` is empty; signing and VKO
    // go to the token (token_key.hpp). Shared by duplicates of the key.
    std::shared_ptr<const TokenKey> token;
    bool has_scalar() const noexcept { return has_private && !token; }

    std::size_t field_bytes() const noexcept { return static_cast<unsigned>(kind) / 8; }
    std::size_t signature_bytes() const noexcept { return 2 * field_bytes(); }
};

// Names of the key type, as gost-engine and OpenSSL's object table spell them.
const char* key_type_name(KeyKind kind) noexcept;      // "gost2012_256"
const char* key_type_oid(KeyKind kind) noexcept;       // "1.2.643.7.1.1.1.1"
const char* digest_name(KeyKind kind) noexcept;        // "md_gost12_256"
const char* digest_oid(KeyKind kind) noexcept;         // "1.2.643.7.1.1.2.2"
const char* signature_alg_oid(KeyKind kind) noexcept;  // "1.2.643.7.1.1.3.2"
core::DigestSize digest_size(KeyKind kind) noexcept;

// Parses a `paramset` value the way gost-engine's `paramset:` option does: A, B, C (CryptoPro
// for 256-bit keys, tc26 A–C for 512-bit keys), 0 (test set), XA, XB, TCA…TCD, plus D (tc26-256-D,
// a gostcsp extension), any OID in dotted form, and OpenSSL / RFC object names. Refuses sets of
// the other key size.
std::optional<ParamChoice> parse_param_set(KeyKind kind, std::string_view value) noexcept;
// The choice naming `set` by its canonical TC26 OID.
ParamChoice canonical_choice(core::ParamSet set) noexcept;

// GostR3410-2012-PublicKeyParameters (RFC 9215 §3): SEQUENCE { publicKeyParamSet,
// digestParamSet OPTIONAL }. gost-engine writes the digest OID only for the CryptoPro/test
// 256-bit sets and the 512 test/A/B sets; we follow it byte for byte.
ASN1_STRING* encode_key_params(const GostKey& key) noexcept;
// Reads the parameters of an algorithm identifier; nullopt if absent, malformed or unknown.
std::optional<ParamChoice> decode_key_params(KeyKind kind, const X509_ALGOR* alg) noexcept;
// Which key type an algorithm OID names, if it is ours.
std::optional<KeyKind> kind_from_algorithm(const ASN1_OBJECT* obj) noexcept;

// SubjectPublicKeyInfo DER (BIT STRING wraps an OCTET STRING of X‖Y little-endian). The caller
// frees *der with OPENSSL_free. Returns the length or -1.
int encode_spki_der(const GostKey& key, unsigned char** der) noexcept;
// PrivateKeyInfo with the raw little-endian scalar as privateKey (gost-engine's form).
PKCS8_PRIV_KEY_INFO* make_pkcs8(const GostKey& key) noexcept;

// Decoders; on failure they raise an error on `prov` and return nullptr. `*not_ours` is set
// when the structure is well-formed but names another algorithm (the decoder then stays silent).
GostKey* key_from_spki_der(ProvCtx* prov, KeyKind kind, const unsigned char* der, long len,
                           bool* not_ours) noexcept;
GostKey* key_from_pkcs8(ProvCtx* prov, KeyKind kind, const PKCS8_PRIV_KEY_INFO* p8,
                        bool* not_ours) noexcept;

}  // namespace gostcsp::prov
