// SPDX-License-Identifier: Apache-2.0
// Key object helpers: parameter-set names, GOST key parameters, SPKI and PKCS#8 via OpenSSL ASN.1.
#include "key.hpp"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>

#include "errors.hpp"

namespace gostcsp::prov {

namespace {

struct AsnTypeStackFree {
    void operator()(STACK_OF(ASN1_TYPE) * s) const noexcept {
        sk_ASN1_TYPE_pop_free(s, ASN1_TYPE_free);
    }
};
using AsnTypeStack = std::unique_ptr<STACK_OF(ASN1_TYPE), AsnTypeStackFree>;

template <class T, void (*F)(T*)>
struct Deleter {
    void operator()(T* p) const noexcept { F(p); }
};
using ObjPtr = std::unique_ptr<ASN1_OBJECT, Deleter<ASN1_OBJECT, ASN1_OBJECT_free>>;
using OctetPtr =
    std::unique_ptr<ASN1_OCTET_STRING, Deleter<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>>;
using IntPtr = std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER, ASN1_INTEGER_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_clear_free>>;
using AlgorPtr = std::unique_ptr<X509_ALGOR, Deleter<X509_ALGOR, X509_ALGOR_free>>;
using PubkeyPtr = std::unique_ptr<X509_PUBKEY, Deleter<X509_PUBKEY, X509_PUBKEY_free>>;
using StringPtr = std::unique_ptr<ASN1_STRING, Deleter<ASN1_STRING, ASN1_STRING_free>>;

bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::toupper(static_cast<unsigned char>(x)) ==
                      std::toupper(static_cast<unsigned char>(y));
           });
}

bool set_oid(ParamChoice& c, std::string_view oid) noexcept {
    if (oid.size() >= sizeof(c.oid)) return false;
    std::memcpy(c.oid, oid.data(), oid.size());
    c.oid[oid.size()] = '\0';
    return true;
}

bool obj_to_dotted(const ASN1_OBJECT* obj, char* buf, int size) noexcept {
    const int n = OBJ_obj2txt(buf, size, obj, 1);
    return n > 0 && n < size;
}

// gost-engine's short spellings (gost_pmeth.c internal_param_str_to_nid_256/_512).
// gost-engine's `paramset:` spellings, from the one table in core/params (docs/openssl.md),
// plus gostcsp's "D" = tc26-256-D (gost-engine has no D).
std::optional<std::string_view> short_spelling(KeyKind kind, std::string_view v) noexcept {
    if (kind == KeyKind::k256 && iequals(v, "D")) return "1.2.643.7.1.2.1.1.4";
    const auto s = core::param_set_from_gost_engine_spelling(static_cast<unsigned>(kind), v);
    if (!s) return std::nullopt;
    return s->oid;
}

bool is_dotted(std::string_view v) noexcept {
    return !v.empty() && std::all_of(v.begin(), v.end(),
                                     [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

// gost-engine's rule for writing the digestParamSet OID.
bool writes_digest_oid(std::string_view oid) noexcept {
    static constexpr std::string_view with_digest[] = {
        "1.2.643.2.2.35.0",    "1.2.643.2.2.35.1",    "1.2.643.2.2.35.2",
        "1.2.643.2.2.35.3",    "1.2.643.2.2.36.0",    "1.2.643.2.2.36.1",
        "1.2.643.7.1.2.1.2.0", "1.2.643.7.1.2.1.2.1", "1.2.643.7.1.2.1.2.2",
    };
    return std::find(std::begin(with_digest), std::end(with_digest), oid) != std::end(with_digest);
}

std::optional<ParamChoice> choice_from_oid(KeyKind kind, std::string_view oid) noexcept {
    auto set = core::param_set_from_oid(oid);
    if (!set || core::param_set_info(*set).bits != static_cast<unsigned>(kind)) return std::nullopt;
    ParamChoice c;
    c.set = *set;
    if (!set_oid(c, oid)) return std::nullopt;
    return c;
}

}  // namespace

const char* key_type_name(KeyKind kind) noexcept {
    return kind == KeyKind::k256 ? "gost2012_256" : "gost2012_512";
}
const char* key_type_oid(KeyKind kind) noexcept {
    return kind == KeyKind::k256 ? "1.2.643.7.1.1.1.1" : "1.2.643.7.1.1.1.2";
}
const char* digest_name(KeyKind kind) noexcept {
    return kind == KeyKind::k256 ? "md_gost12_256" : "md_gost12_512";
}
const char* digest_oid(KeyKind kind) noexcept {
    return kind == KeyKind::k256 ? "1.2.643.7.1.1.2.2" : "1.2.643.7.1.1.2.3";
}
const char* signature_alg_oid(KeyKind kind) noexcept {
    return kind == KeyKind::k256 ? "1.2.643.7.1.1.3.2" : "1.2.643.7.1.1.3.3";
}
core::DigestSize digest_size(KeyKind kind) noexcept {
    return kind == KeyKind::k256 ? core::DigestSize::bits256 : core::DigestSize::bits512;
}

std::optional<ParamChoice> parse_param_set(KeyKind kind, std::string_view value) noexcept {
    if (auto oid = short_spelling(kind, value)) return choice_from_oid(kind, *oid);
    if (is_dotted(value)) return choice_from_oid(kind, value);
    if (auto set = core::param_set_from_name(value)) {
        const auto& info = core::param_set_info(*set);
        // A CryptoPro / exchange alias name keeps its own OID.
        for (std::size_t i = 0; i < info.alias_names.size() && i < info.alias_oids.size(); ++i)
            if (info.alias_names[i] == value) return choice_from_oid(kind, info.alias_oids[i]);
        return choice_from_oid(kind, info.oid);
    }
    // OpenSSL's own object names ("id-tc26-gost-3410-2012-256-paramSetA", long names).
    char name[128];
    if (value.size() >= sizeof(name)) return std::nullopt;
    std::memcpy(name, value.data(), value.size());
    name[value.size()] = '\0';
    ObjPtr obj(OBJ_txt2obj(name, 0));
    char dotted[64];
    if (!obj || !obj_to_dotted(obj.get(), dotted, sizeof(dotted))) return std::nullopt;
    return choice_from_oid(kind, dotted);
}

ParamChoice canonical_choice(core::ParamSet set) noexcept {
    ParamChoice c;
    c.set = set;
    (void)set_oid(c, core::param_set_info(set).oid);
    return c;
}

ASN1_STRING* encode_key_params(const GostKey& key) noexcept {
    if (!key.has_params) return nullptr;
    AsnTypeStack seq(sk_ASN1_TYPE_new_null());
    if (!seq) return nullptr;
    auto push_oid = [&](const char* dotted) {
        ASN1_OBJECT* obj = OBJ_txt2obj(dotted, 1);
        ASN1_TYPE* t = ASN1_TYPE_new();
        if (obj == nullptr || t == nullptr) {
            ASN1_OBJECT_free(obj);
            ASN1_TYPE_free(t);
            return false;
        }
        ASN1_TYPE_set(t, V_ASN1_OBJECT, obj);
        if (sk_ASN1_TYPE_push(seq.get(), t) <= 0) {
            ASN1_TYPE_free(t);
            return false;
        }
        return true;
    };
    if (!push_oid(key.params.oid)) return nullptr;
    if (writes_digest_oid(key.params.oid) && !push_oid(digest_oid(key.kind))) return nullptr;
    unsigned char* der = nullptr;
    const int len = i2d_ASN1_SEQUENCE_ANY(seq.get(), &der);
    if (len <= 0) return nullptr;
    ASN1_STRING* str = ASN1_STRING_type_new(V_ASN1_SEQUENCE);
    if (str == nullptr) {
        OPENSSL_free(der);
        return nullptr;
    }
    ASN1_STRING_set0(str, der, len);
    return str;
}

std::optional<KeyKind> kind_from_algorithm(const ASN1_OBJECT* obj) noexcept {
    char dotted[64];
    if (obj == nullptr || !obj_to_dotted(obj, dotted, sizeof(dotted))) return std::nullopt;
    if (std::strcmp(dotted, key_type_oid(KeyKind::k256)) == 0) return KeyKind::k256;
    if (std::strcmp(dotted, key_type_oid(KeyKind::k512)) == 0) return KeyKind::k512;
    return std::nullopt;
}

std::optional<ParamChoice> decode_key_params(KeyKind kind, const X509_ALGOR* alg) noexcept {
    int ptype = 0;
    const void* pval = nullptr;
    X509_ALGOR_get0(nullptr, &ptype, &pval, alg);
    if (ptype != V_ASN1_SEQUENCE || pval == nullptr) return std::nullopt;
    const auto* str = static_cast<const ASN1_STRING*>(pval);
    const unsigned char* p = ASN1_STRING_get0_data(str);
    AsnTypeStack seq(d2i_ASN1_SEQUENCE_ANY(nullptr, &p, ASN1_STRING_length(str)));
    if (!seq || sk_ASN1_TYPE_num(seq.get()) < 1 || sk_ASN1_TYPE_num(seq.get()) > 3)
        return std::nullopt;
    const ASN1_TYPE* first = sk_ASN1_TYPE_value(seq.get(), 0);
    if (ASN1_TYPE_get(first) != V_ASN1_OBJECT) return std::nullopt;
    char dotted[64];
    if (!obj_to_dotted(first->value.object, dotted, sizeof(dotted))) return std::nullopt;
    return choice_from_oid(kind, dotted);
}

int encode_spki_der(const GostKey& key, unsigned char** der) noexcept {
    if (!key.has_public || !key.has_params) return -1;
    PubkeyPtr pk(X509_PUBKEY_new());
    StringPtr params(encode_key_params(key));
    if (!pk || !params) return -1;
    // The BIT STRING carries an OCTET STRING of X‖Y little-endian (RFC 4491 §2.3.2).
    const auto xy = key.pub.le_xy();
    OctetPtr oct(ASN1_OCTET_STRING_new());
    if (!oct || !ASN1_OCTET_STRING_set(oct.get(), xy.data(), static_cast<int>(xy.size())))
        return -1;
    unsigned char* penc = nullptr;
    const int penclen = i2d_ASN1_OCTET_STRING(oct.get(), &penc);
    if (penclen <= 0) return -1;
    if (!X509_PUBKEY_set0_param(pk.get(), OBJ_txt2obj(key_type_oid(key.kind), 1), V_ASN1_SEQUENCE,
                                params.get(), penc, penclen)) {
        OPENSSL_free(penc);
        return -1;
    }
    (void)params.release();  // owned by pk now
    return i2d_X509_PUBKEY(pk.get(), der);
}

PKCS8_PRIV_KEY_INFO* make_pkcs8(const GostKey& key) noexcept {
    // A token key has no scalar here: it never leaves the token, so it has no PKCS#8 form.
    if (!key.has_scalar() || !key.has_params) return nullptr;
    PKCS8_PRIV_KEY_INFO* p8 = PKCS8_PRIV_KEY_INFO_new();
    StringPtr params(encode_key_params(key));
    const auto d = key.priv.le_bytes();
    auto* penc = static_cast<unsigned char*>(OPENSSL_secure_malloc(d.size()));
    if (p8 == nullptr || !params || penc == nullptr) {
        PKCS8_PRIV_KEY_INFO_free(p8);
        OPENSSL_secure_free(penc);
        return nullptr;
    }
    std::memcpy(penc, d.data(), d.size());
    // gost-engine writes the raw little-endian scalar as the privateKey OCTET STRING content.
    if (!PKCS8_pkey_set0(p8, OBJ_txt2obj(key_type_oid(key.kind), 1), 0, V_ASN1_SEQUENCE,
                         params.get(), penc, static_cast<int>(d.size()))) {
        OPENSSL_secure_clear_free(penc, d.size());
        PKCS8_PRIV_KEY_INFO_free(p8);
        return nullptr;
    }
    (void)params.release();
    return p8;
}

GostKey* key_from_spki_der(ProvCtx* prov, KeyKind kind, const unsigned char* der, long len,
                           bool* not_ours) noexcept {
    *not_ours = false;
    // Parsed generically: d2i_X509_PUBKEY would ask the decoders (us) to build the key again.
    const unsigned char* p = der;
    AsnTypeStack seq(d2i_ASN1_SEQUENCE_ANY(nullptr, &p, len));
    if (!seq || sk_ASN1_TYPE_num(seq.get()) != 2 ||
        ASN1_TYPE_get(sk_ASN1_TYPE_value(seq.get(), 0)) != V_ASN1_SEQUENCE ||
        ASN1_TYPE_get(sk_ASN1_TYPE_value(seq.get(), 1)) != V_ASN1_BIT_STRING) {
        *not_ours = true;  // not an SPKI at all: let other decoders try
        return nullptr;
    }
    const ASN1_STRING* alg_der = sk_ASN1_TYPE_value(seq.get(), 0)->value.sequence;
    const unsigned char* ap = ASN1_STRING_get0_data(alg_der);
    AlgorPtr alg(d2i_X509_ALGOR(nullptr, &ap, ASN1_STRING_length(alg_der)));
    const ASN1_OBJECT* obj = nullptr;
    if (alg) X509_ALGOR_get0(&obj, nullptr, nullptr, alg.get());
    const auto found = alg ? kind_from_algorithm(obj) : std::nullopt;
    if (!found || *found != kind) {
        *not_ours = true;
        return nullptr;
    }
    const auto params = decode_key_params(kind, alg.get());
    if (!params) {
        GOSTCSP_RAISE(prov, Reason::unknown_param_set);
        return nullptr;
    }
    const ASN1_BIT_STRING* bits = sk_ASN1_TYPE_value(seq.get(), 1)->value.bit_string;
    const unsigned char* bp = ASN1_STRING_get0_data(bits);
    OctetPtr oct(d2i_ASN1_OCTET_STRING(nullptr, &bp, ASN1_STRING_length(bits)));
    if (!oct) {
        GOSTCSP_RAISE(prov, Reason::bad_encoding, "public key is not an OCTET STRING");
        return nullptr;
    }
    std::unique_ptr<GostKey> key(make<GostKey>(prov, kind));
    if (!key) {
        GOSTCSP_RAISE(prov, Reason::out_of_memory);
        return nullptr;
    }
    const auto st = core::PublicKey::from_le_xy(
        params->set,
        {ASN1_STRING_get0_data(oct.get()), static_cast<std::size_t>(ASN1_STRING_length(oct.get()))},
        key->pub);
    if (!core::ok(st)) {
        GOSTCSP_RAISE_STATUS(prov, st);
        return nullptr;
    }
    key->params = *params;
    key->has_params = key->has_public = true;
    return key.release();
}

GostKey* key_from_pkcs8(ProvCtx* prov, KeyKind kind, const PKCS8_PRIV_KEY_INFO* p8,
                        bool* not_ours) noexcept {
    *not_ours = false;
    const ASN1_OBJECT* obj = nullptr;
    const unsigned char* pk = nullptr;
    int pklen = 0;
    const X509_ALGOR* alg = nullptr;
    if (!PKCS8_pkey_get0(&obj, &pk, &pklen, &alg, p8)) {
        *not_ours = true;
        return nullptr;
    }
    const auto found = kind_from_algorithm(obj);
    if (!found || *found != kind) {
        *not_ours = true;
        return nullptr;
    }
    const auto params = decode_key_params(kind, alg);
    if (!params) {
        GOSTCSP_RAISE(prov, Reason::unknown_param_set);
        return nullptr;
    }
    const std::size_t n = static_cast<unsigned>(kind) / 8;
    core::SecretBytes<core::max_field_bytes> d;
    bool loaded = false;
    if (pklen > 0 && static_cast<std::size_t>(pklen) == n) {
        std::memcpy(d.data(), pk, n);  // gost-engine: raw little-endian scalar
        loaded = true;
    } else if (pklen > 0 && pk[0] == V_ASN1_OCTET_STRING) {
        const unsigned char* p = pk;
        OctetPtr oct(d2i_ASN1_OCTET_STRING(nullptr, &p, pklen));
        if (oct && static_cast<std::size_t>(ASN1_STRING_length(oct.get())) == n) {
            std::memcpy(d.data(), ASN1_STRING_get0_data(oct.get()), n);  // little-endian
            loaded = true;
        }
    } else if (pklen > 0 && pk[0] == V_ASN1_INTEGER) {
        const unsigned char* p = pk;
        IntPtr num(d2i_ASN1_INTEGER(nullptr, &p, pklen));
        BnPtr bn(num ? ASN1_INTEGER_to_BN(num.get(), nullptr) : nullptr);
        if (bn && BN_bn2lebinpad(bn.get(), d.data(), static_cast<int>(n)) == static_cast<int>(n))
            loaded = true;
    }
    if (!loaded) {
        GOSTCSP_RAISE(prov, Reason::bad_encoding, "unsupported private key form");
        return nullptr;
    }
    std::unique_ptr<GostKey> key(make<GostKey>(prov, kind));
    if (!key) {
        GOSTCSP_RAISE(prov, Reason::out_of_memory);
        return nullptr;
    }
    auto st = core::PrivateKey::from_le_bytes(params->set, {d.data(), n}, key->priv);
    if (core::ok(st)) st = key->priv.derive_public(key->pub);
    if (!core::ok(st)) {
        GOSTCSP_RAISE_STATUS(prov, st);
        return nullptr;
    }
    key->params = *params;
    key->has_params = key->has_private = key->has_public = true;
    return key.release();
}

}  // namespace gostcsp::prov
