// SPDX-License-Identifier: Apache-2.0
// Legacy ASN.1 and pkey methods for the shell key: every operation goes to the inner provider key.
//
// The ENGINE API and the EVP_PKEY_ASN1_METHOD / EVP_PKEY_METHOD setters are deprecated in OpenSSL
// 3.0 but they are the only way into the legacy-only code paths this engine exists for, so this
// translation unit is built with OPENSSL_SUPPRESS_DEPRECATED.
//
// Shape of a shell key: a legacy EVP_PKEY of the standard type NID_id_GostR3410_2012_256/_512,
// pkey->ameth = ours, pkey->engine = this engine (so EVP_PKEY_CTX_new picks our pkey method from
// the key, without any default registration), pkey.ptr = the inner provider EVP_PKEY.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "bridge.hpp"
#include "gostcsp/object_ids.hpp"
#include "tls.hpp"

#include <openssl/cms.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/pkcs7.h>
#include <openssl/store.h>
#include <openssl/ui.h>
#include <openssl/x509.h>

#include <cstddef>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <vector>

namespace gostcsp::engine {

namespace {

// ---- errors ----------------------------------------------------------------------------------

int g_lib = 0;
std::once_flag g_err_once;

ERR_STRING_DATA g_reasons[] = {
    {kCannotLoadKey, "cannot load key"},
    {kNotGostKey, "not a GOST R 34.10-2012 key"},
    {kTypeTaken, "another engine owns the GOST key type"},
    {kProviderFailed, "operation failed in the provider"},
    {kWrongDigest, "digest not allowed for this key"},
    {kNoPeerKey, "no peer key set"},
    {kBadKeyRef, "bad gostcsp key reference"},
    {kInternal, "internal error"},
    {kBadKeyTransport, "invalid GOST key transport"},
    {0, nullptr},
};
ERR_STRING_DATA g_libname[] = {{0, "gostcsp engine"}, {0, nullptr}};

// ---- key sizes -------------------------------------------------------------------------------

struct KeyKind {
    int key_nid;
    int md_nid;
    int sig_nid;
    // Not gost-engine's names on purpose: OpenSSL 3.0 gives a provider key the ENGINE of the
    // ASN.1 method found under its key type's name (pkey_set_type via EVP_PKEY_asn1_find_str),
    // which would route every provider GOST key to this engine. libssl's name check is served by
    // engine-less placeholders instead (tls::add_name_placeholders).
    const char* pem_str;
    const char* info;
};
const KeyKind kKinds[2] = {
    {NID_id_GostR3410_2012_256, NID_id_GostR3411_2012_256,
     NID_id_tc26_signwithdigest_gost3410_2012_256, "gostcsp-bridge-256",
     "gostcsp bridge: GOST R 34.10-2012 256-bit provider key"},
    {NID_id_GostR3410_2012_512, NID_id_GostR3411_2012_512,
     NID_id_tc26_signwithdigest_gost3410_2012_512, "gostcsp-bridge-512",
     "gostcsp bridge: GOST R 34.10-2012 512-bit provider key"},
};
constexpr const char* kKeyRefOid = gostcsp::key_reference_oid;

const KeyKind* kind_of_nid(int nid) noexcept {
    for (const KeyKind& k : kKinds)
        if (k.key_nid == nid) return &k;
    return nullptr;
}

EVP_PKEY_ASN1_METHOD* g_ameth[2] = {nullptr, nullptr};
EVP_PKEY_METHOD* g_pmeth[2] = {nullptr, nullptr};
int g_nids[2] = {NID_id_GostR3410_2012_256, NID_id_GostR3410_2012_512};
// The GOST key types, the key-reference type (index 2, set at build), then the MAC key types of
// libssl's GOST suites (tls.hpp).
int g_asn1_nids[8] = {NID_id_GostR3410_2012_256, NID_id_GostR3410_2012_512, NID_undef};
int g_asn1_count = 2;
EVP_PKEY_ASN1_METHOD* g_ref_ameth = nullptr;
ENGINE* g_engine = nullptr;  // structural pointer, set at bind
bool g_export_hook = false;
std::once_flag g_meth_once;
bool g_meth_ok = false;

// The inner key of a shell; a provider key (not a shell) is its own inner key.
EVP_PKEY* inner_of(const EVP_PKEY* pk) noexcept {
    if (pk == nullptr) return nullptr;
    const EVP_PKEY_ASN1_METHOD* am = EVP_PKEY_get0_asn1(pk);
    if (am != nullptr && (am == g_ameth[0] || am == g_ameth[1]))
        return static_cast<EVP_PKEY*>(EVP_PKEY_get0(pk));
    return const_cast<EVP_PKEY*>(pk);
}

const KeyKind* kind_of(const EVP_PKEY* pk) noexcept {
    return kind_of_nid(EVP_PKEY_get_id(pk));
}

// ---- ASN.1 method ----------------------------------------------------------------------------

int am_pub_decode(EVP_PKEY*, const X509_PUBKEY*) noexcept {
    return 0;
}  // certificates: provider

int am_pub_encode(X509_PUBKEY* pub, const EVP_PKEY* pk) noexcept {
    EVP_PKEY* in = inner_of(pk);
    unsigned char* der = nullptr;
    const int len = i2d_PUBKEY(in, &der);
    if (len <= 0) return 0;
    const unsigned char* p = der;
    X509_PUBKEY* tmp = d2i_X509_PUBKEY(nullptr, &p, len);
    OPENSSL_free(der);
    if (tmp == nullptr) return 0;
    ASN1_OBJECT* obj = nullptr;
    const unsigned char* bits = nullptr;
    int bits_len = 0;
    X509_ALGOR* alg = nullptr;
    int ok = 0;
    if (X509_PUBKEY_get0_param(&obj, &bits, &bits_len, &alg, tmp) == 1) {
        const ASN1_OBJECT* aobj = nullptr;
        int ptype = 0;
        const void* pval = nullptr;
        X509_ALGOR_get0(&aobj, &ptype, &pval, alg);
        void* pval_copy = nullptr;
        if (ptype == V_ASN1_SEQUENCE)
            pval_copy = ASN1_STRING_dup(static_cast<const ASN1_STRING*>(pval));
        unsigned char* bits_copy = static_cast<unsigned char*>(OPENSSL_memdup(bits, bits_len));
        ASN1_OBJECT* obj_copy = OBJ_dup(aobj);
        if (bits_copy != nullptr && obj_copy != nullptr &&
            (ptype != V_ASN1_SEQUENCE || pval_copy != nullptr) &&
            X509_PUBKEY_set0_param(pub, obj_copy, ptype, pval_copy, bits_copy, bits_len) == 1) {
            ok = 1;
        } else {
            OPENSSL_free(bits_copy);
            ASN1_OBJECT_free(obj_copy);
            ASN1_STRING_free(static_cast<ASN1_STRING*>(pval_copy));
        }
    }
    X509_PUBKEY_free(tmp);
    return ok;
}

int am_pub_cmp(const EVP_PKEY* a, const EVP_PKEY* b) noexcept {
    return EVP_PKEY_eq(inner_of(a), inner_of(b));
}

int am_pub_print(BIO* out, const EVP_PKEY* pk, int indent, ASN1_PCTX* pctx) noexcept {
    return EVP_PKEY_print_public(out, inner_of(pk), indent, pctx);
}
int am_priv_print(BIO* out, const EVP_PKEY* pk, int indent, ASN1_PCTX* pctx) noexcept {
    // Never the secret: token keys have none to print, file keys stay inside the provider.
    if (BIO_printf(out, "%*sgostcsp bridge key (private part held by the provider)\n", indent,
                   "") <= 0)
        return 0;
    return EVP_PKEY_print_public(out, inner_of(pk), indent, pctx);
}
int am_size(const EVP_PKEY* pk) noexcept {
    return EVP_PKEY_get_size(inner_of(pk));
}
int am_bits(const EVP_PKEY* pk) noexcept {
    return EVP_PKEY_get_bits(inner_of(pk));
}
int am_security_bits(const EVP_PKEY* pk) noexcept {
    return EVP_PKEY_get_security_bits(inner_of(pk));
}
void am_free(EVP_PKEY* pk) noexcept {
    EVP_PKEY_free(static_cast<EVP_PKEY*>(EVP_PKEY_get0(pk)));
}

int am_get_pub_key(const EVP_PKEY* pk, unsigned char* pub, size_t* len) noexcept {
    return EVP_PKEY_get_octet_string_param(inner_of(pk), OSSL_PKEY_PARAM_PUB_KEY, pub,
                                           pub == nullptr ? 0 : *len, len);
}

// The signer's signatureAlgorithm: id-tc26-signwithdigest-gost3410-12-256/-512, NULL parameters.
int set_sig_alg(const KeyKind& k, X509_ALGOR* alg) noexcept {
    if (alg == nullptr) return 0;
    return X509_ALGOR_set0(alg, OBJ_nid2obj(k.sig_nid), V_ASN1_NULL, nullptr);
}

int am_ctrl(EVP_PKEY* pk, int op, long arg1, void* arg2) noexcept {
    const KeyKind* k = kind_of(pk);
    if (k == nullptr) return 0;
    switch (op) {
        case ASN1_PKEY_CTRL_DEFAULT_MD_NID:
            *static_cast<int*>(arg2) = k->md_nid;
            return 2;  // mandatory: the key size fixes the digest
        case ASN1_PKEY_CTRL_CMS_SIGN:
            if (arg1 == 0) {
                X509_ALGOR* sig_alg = nullptr;
                CMS_SignerInfo_get0_algs(static_cast<CMS_SignerInfo*>(arg2), nullptr, nullptr,
                                         nullptr, &sig_alg);
                return set_sig_alg(*k, sig_alg);
            }
            return 1;
        case ASN1_PKEY_CTRL_PKCS7_SIGN:
            if (arg1 == 0) {
                X509_ALGOR* sig_alg = nullptr;
                PKCS7_SIGNER_INFO_get0_algs(static_cast<PKCS7_SIGNER_INFO*>(arg2), nullptr, nullptr,
                                            &sig_alg);
                return set_sig_alg(*k, sig_alg);
            }
            return 1;
        default:
            return -2;
    }
}

// ---- the export hook ---------------------------------------------------------------------------
// EVP_PKEY_eq(provider key, legacy key) -- X509_check_private_key in CMS_add1_signer and
// PKCS7_sign_add_signer -- exports the legacy key into the provider's key manager through the
// ASN.1 method's `export_to` and `dirty_cnt` members. OpenSSL 3.0 has no public setter for them.
// EVP_PKEY_asn1_copy() copies every member of a method, so we fill them through a mirror of
// OpenSSL 3.0's struct evp_pkey_asn1_method_st (include/crypto/asn1.h) -- but only after checking
// the mirror against a method built with the public setters: every settable member must appear
// at the mirror's offset. If the check fails (another OpenSSL layout), the hook stays off and
// EVP_PKEY_eq reports "unknown key type" instead of misbehaving.

using ImportFn = int(void*, int, const OSSL_PARAM[]);

struct AmethMirror30 {
    int pkey_id;
    int pkey_base_id;
    unsigned long pkey_flags;
    char* pem_str;
    char* info;
    int (*pub_decode)(EVP_PKEY*, const X509_PUBKEY*);
    int (*pub_encode)(X509_PUBKEY*, const EVP_PKEY*);
    int (*pub_cmp)(const EVP_PKEY*, const EVP_PKEY*);
    int (*pub_print)(BIO*, const EVP_PKEY*, int, ASN1_PCTX*);
    int (*priv_decode)(EVP_PKEY*, const PKCS8_PRIV_KEY_INFO*);
    int (*priv_encode)(PKCS8_PRIV_KEY_INFO*, const EVP_PKEY*);
    int (*priv_print)(BIO*, const EVP_PKEY*, int, ASN1_PCTX*);
    int (*pkey_size)(const EVP_PKEY*);
    int (*pkey_bits)(const EVP_PKEY*);
    int (*pkey_security_bits)(const EVP_PKEY*);
    void* param_fns[6];
    void* sig_print;
    void (*pkey_free)(EVP_PKEY*);
    int (*pkey_ctrl)(EVP_PKEY*, int, long, void*);
    void* old_priv_fns[2];
    void* item_fns[2];
    void* siginf_set;
    void* check_fns[3];
    void* set_priv_key;
    void* set_pub_key;
    void* get_priv_key;
    int (*get_pub_key)(const EVP_PKEY*, unsigned char*, size_t*);
    size_t (*dirty_cnt)(const EVP_PKEY*);
    int (*export_to)(const EVP_PKEY*, void*, ImportFn*, OSSL_LIB_CTX*, const char*);
    void* import_from;
    void* copy;
    void* priv_decode_ex;
};

// Room for a larger real struct: EVP_PKEY_asn1_copy writes sizeof(real struct) bytes.
union AmethBuffer {
    AmethMirror30 m;
    unsigned char bytes[1024];
};

size_t am_dirty_cnt(const EVP_PKEY*) noexcept {
    return 0;
}  // a shell never changes

int am_export_to(const EVP_PKEY* pk, void* to_keydata, ImportFn* importer, OSSL_LIB_CTX*,
                 const char*) noexcept {
    OSSL_PARAM* params = nullptr;
    // The public half only: the comparison needs nothing more, and a token key has no other.
    if (EVP_PKEY_todata(inner_of(pk), EVP_PKEY_PUBLIC_KEY, &params) != 1) return 0;
    const int ok = importer(to_keydata, EVP_PKEY_PUBLIC_KEY, params);
    OSSL_PARAM_free(params);
    return ok;
}

bool install_export_hook(EVP_PKEY_ASN1_METHOD* am) noexcept {
    if (OPENSSL_version_major() != 3) return false;
    AmethBuffer* buf = new (std::nothrow) AmethBuffer{};
    if (buf == nullptr) return false;
    std::memset(buf->bytes, 0, sizeof(buf->bytes));
    EVP_PKEY_asn1_copy(reinterpret_cast<EVP_PKEY_ASN1_METHOD*>(buf->bytes), am);
    const AmethMirror30& m = buf->m;
    const bool layout_ok = m.pub_decode == &am_pub_decode && m.pub_encode == &am_pub_encode &&
                           m.pub_cmp == &am_pub_cmp && m.pub_print == &am_pub_print &&
                           m.priv_print == &am_priv_print && m.pkey_size == &am_size &&
                           m.pkey_bits == &am_bits && m.pkey_security_bits == &am_security_bits &&
                           m.pkey_free == &am_free && m.pkey_ctrl == &am_ctrl &&
                           m.get_pub_key == &am_get_pub_key && m.dirty_cnt == nullptr &&
                           m.export_to == nullptr;
    if (layout_ok) {
        buf->m.dirty_cnt = &am_dirty_cnt;
        buf->m.export_to = &am_export_to;
        EVP_PKEY_asn1_copy(am, reinterpret_cast<const EVP_PKEY_ASN1_METHOD*>(buf->bytes));
    }
    delete buf;
    return layout_ok;
}

// ---- pkey method -----------------------------------------------------------------------------

struct OpState {
    const EVP_MD* md = nullptr;
    int cipher_nid = NID_undef;  // EVP_PKEY_CTRL_CIPHER (libssl's kGOST18 key transport)
    EVP_PKEY* peer = nullptr;    // inner (provider) peer key, owned
    std::vector<unsigned char> ukm;
};

OpState* state(EVP_PKEY_CTX* ctx) noexcept {
    return static_cast<OpState*>(EVP_PKEY_CTX_get_data(ctx));
}

int pm_init(EVP_PKEY_CTX* ctx) noexcept {
    OpState* s = new (std::nothrow) OpState{};
    if (s == nullptr) return 0;
    EVP_PKEY_CTX_set_data(ctx, s);
    return 1;
}

void pm_cleanup(EVP_PKEY_CTX* ctx) noexcept {
    OpState* s = state(ctx);
    if (s == nullptr) return;
    EVP_PKEY_free(s->peer);
    OPENSSL_cleanse(s->ukm.data(), s->ukm.size());
    delete s;
    EVP_PKEY_CTX_set_data(ctx, nullptr);
}

int pm_copy(EVP_PKEY_CTX* dst, const EVP_PKEY_CTX* src) noexcept {
    if (pm_init(dst) != 1) return 0;
    const OpState* from = state(const_cast<EVP_PKEY_CTX*>(src));
    OpState* to = state(dst);
    if (from == nullptr) return 1;
    try {
        to->ukm = from->ukm;
    } catch (...) {
        return 0;
    }
    to->md = from->md;
    to->cipher_nid = from->cipher_nid;
    if (from->peer != nullptr && EVP_PKEY_up_ref(from->peer) == 1) to->peer = from->peer;
    return 1;
}

// A provider operation context on the inner key of the shell this context works on.
EVP_PKEY_CTX* inner_ctx(EVP_PKEY_CTX* ctx) noexcept {
    EVP_PKEY* in = inner_of(EVP_PKEY_CTX_get0_pkey(ctx));
    if (in == nullptr) {
        raise(kInternal, "no key");
        return nullptr;
    }
    // In client mode every provider GOST key comes here (the engine is their default method):
    // a context on it would come straight back. Only public-key operations are served then.
    if (tls::client_keys_enabled()) {
        raise(kInternal,
              "private-key operations are not available with the engine's client mode "
              "(CLIENT_KEYS, for TLS client processes only)");
        return nullptr;
    }
    EVP_PKEY_CTX* ic = EVP_PKEY_CTX_new_from_pkey(nullptr, in, nullptr);
    if (ic == nullptr) raise(kProviderFailed, "EVP_PKEY_CTX_new_from_pkey");
    return ic;
}

int pm_op_init(EVP_PKEY_CTX*) noexcept {
    return 1;
}

int pm_sign(EVP_PKEY_CTX* ctx, unsigned char* sig, size_t* siglen, const unsigned char* tbs,
            size_t tbslen) noexcept {
    EVP_PKEY_CTX* ic = inner_ctx(ctx);
    if (ic == nullptr) return 0;
    const OpState* s = state(ctx);
    int ok = EVP_PKEY_sign_init(ic) == 1 &&
             (s == nullptr || s->md == nullptr || EVP_PKEY_CTX_set_signature_md(ic, s->md) == 1) &&
             EVP_PKEY_sign(ic, sig, siglen, tbs, tbslen) == 1;
    EVP_PKEY_CTX_free(ic);
    if (!ok) raise(kProviderFailed, "sign");
    return ok ? 1 : 0;
}

int pm_verify(EVP_PKEY_CTX* ctx, const unsigned char* sig, size_t siglen, const unsigned char* tbs,
              size_t tbslen) noexcept {
    if (tls::client_keys_enabled())  // public key: core (certificate chains of the TLS client)
        return tls::client_verify(inner_of(EVP_PKEY_CTX_get0_pkey(ctx)), sig, siglen, tbs, tbslen);
    EVP_PKEY_CTX* ic = inner_ctx(ctx);
    if (ic == nullptr) return 0;
    const OpState* s = state(ctx);
    int r = -1;
    if (EVP_PKEY_verify_init(ic) == 1 &&
        (s == nullptr || s->md == nullptr || EVP_PKEY_CTX_set_signature_md(ic, s->md) == 1))
        r = EVP_PKEY_verify(ic, sig, siglen, tbs, tbslen);
    EVP_PKEY_CTX_free(ic);
    return r;
}

int pm_derive(EVP_PKEY_CTX* ctx, unsigned char* key, size_t* keylen) noexcept {
    OpState* s = state(ctx);
    if (s == nullptr || s->peer == nullptr) {
        raise(kNoPeerKey);
        return 0;
    }
    EVP_PKEY_CTX* ic = inner_ctx(ctx);
    if (ic == nullptr) return 0;
    bool ok = EVP_PKEY_derive_init(ic) == 1 && EVP_PKEY_derive_set_peer(ic, s->peer) == 1;
    if (ok && !s->ukm.empty()) {
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_octet_string("ukm", s->ukm.data(), s->ukm.size()),
            OSSL_PARAM_construct_end()};
        ok = EVP_PKEY_CTX_set_params(ic, params) == 1;
    }
    ok = ok && EVP_PKEY_derive(ic, key, keylen) == 1;
    EVP_PKEY_CTX_free(ic);
    if (!ok) raise(kProviderFailed, "derive");
    return ok ? 1 : 0;
}

int pm_ctrl_str(EVP_PKEY_CTX* ctx, const char* type, const char* value) noexcept {
    OpState* s = state(ctx);
    if (s == nullptr || type == nullptr || value == nullptr) return 0;
    if (std::strcmp(type, "tls-cipher") == 0) {  // the kGOST18 transport's cipher, as libssl's
        const int nid = OBJ_sn2nid(value);       // EVP_PKEY_CTRL_CIPHER (tests, pkeyutl)
        if (nid != NID_kuznyechik_ctr && nid != NID_magma_ctr) return 0;
        s->cipher_nid = nid;
        return 1;
    }
    if (std::strcmp(type, "ukmhex") == 0) {  // gost-engine's and the provider's spelling
        long len = 0;
        unsigned char* buf = OPENSSL_hexstr2buf(value, &len);
        if (buf == nullptr) return 0;
        bool ok = true;
        try {
            s->ukm.assign(buf, buf + len);
        } catch (...) {
            ok = false;
        }
        OPENSSL_clear_free(buf, static_cast<size_t>(len));
        return ok ? 1 : 0;
    }
    return -2;
}

int pm_ctrl(EVP_PKEY_CTX* ctx, int type, int p1, void* p2) noexcept {
    OpState* s = state(ctx);
    const KeyKind* k = kind_of(EVP_PKEY_CTX_get0_pkey(ctx));
    if (s == nullptr || k == nullptr) return 0;
    switch (type) {
        case EVP_PKEY_CTRL_MD: {
            const EVP_MD* md = static_cast<const EVP_MD*>(p2);
            if (md != nullptr && EVP_MD_get_type(md) != k->md_nid) {
                raise(kWrongDigest, md != nullptr ? EVP_MD_get0_name(md) : nullptr);
                return 0;
            }
            s->md = md;
            return 1;
        }
        case EVP_PKEY_CTRL_GET_MD:
            *static_cast<const EVP_MD**>(p2) = s->md;
            return 1;
        case EVP_PKEY_CTRL_PEER_KEY: {
            EVP_PKEY* peer = inner_of(static_cast<EVP_PKEY*>(p2));
            if (peer == nullptr || EVP_PKEY_up_ref(peer) != 1) return 0;
            EVP_PKEY_free(s->peer);
            s->peer = peer;
            return 2;  // done: skips the legacy type checks, the provider checks the curves
        }
        case EVP_PKEY_CTRL_SET_IV:  // gost-engine's UKM control
            if (p1 < 0 || (p1 > 0 && p2 == nullptr)) return 0;
            try {
                const auto* b = static_cast<const unsigned char*>(p2);
                s->ukm.assign(b, b + p1);
            } catch (...) {
                return 0;
            }
            return 1;
        case EVP_PKEY_CTRL_CIPHER:  // libssl: the suite's cipher picks KExp15's block cipher
            s->cipher_nid = p1;
            return 1;
        case EVP_PKEY_CTRL_DIGESTINIT:
        case EVP_PKEY_CTRL_PKCS7_SIGN:
        case EVP_PKEY_CTRL_CMS_SIGN:
            return 1;
        default:
            return -2;
    }
}

// The GOST TLS key transport on the server key (tls_keyx.cpp).
int pm_decrypt(EVP_PKEY_CTX* ctx, unsigned char* out, size_t* outlen, const unsigned char* in,
               size_t inlen) noexcept {
    const OpState* s = state(ctx);
    EVP_PKEY* in_key = inner_of(EVP_PKEY_CTX_get0_pkey(ctx));
    if (s == nullptr || in_key == nullptr || outlen == nullptr) return 0;
    return tls::keyx_decrypt(in_key, s->cipher_nid, s->ukm, out, outlen, in, inlen);
}

// The client's key transport to the server certificate's key (public: core, tls_client.cpp).
// It reaches us for provider keys in client mode only; OpenSSL 3.0's legacy EVP_PKEY_decrypt_init
// also needs it to exist (evp_pkey_asym_cipher_init checks for encrypt).
int pm_encrypt(EVP_PKEY_CTX* ctx, unsigned char* out, size_t* outlen, const unsigned char* in,
               size_t inlen) noexcept {
    const OpState* s = state(ctx);
    if (s == nullptr || outlen == nullptr) return 0;
    return tls::client_encrypt(inner_of(EVP_PKEY_CTX_get0_pkey(ctx)), s->cipher_nid, s->ukm, out,
                               outlen, in, inlen);
}

int ref_priv_decode(EVP_PKEY* pk, const PKCS8_PRIV_KEY_INFO* p8) noexcept;

bool build_methods() noexcept {
    for (int i = 0; i < 2; ++i) {
        const KeyKind& k = kKinds[i];
        EVP_PKEY_ASN1_METHOD* am = EVP_PKEY_asn1_new(k.key_nid, 0, k.pem_str, k.info);
        if (am == nullptr) return false;
        EVP_PKEY_asn1_set_public(am, &am_pub_decode, &am_pub_encode, &am_pub_cmp, &am_pub_print,
                                 &am_size, &am_bits);
        EVP_PKEY_asn1_set_private(am, nullptr, nullptr, &am_priv_print);
        EVP_PKEY_asn1_set_security_bits(am, &am_security_bits);
        EVP_PKEY_asn1_set_free(am, &am_free);
        EVP_PKEY_asn1_set_ctrl(am, &am_ctrl);
        EVP_PKEY_asn1_set_get_pub_key(am, &am_get_pub_key);
        const bool hook = install_export_hook(am);
        g_export_hook = (i == 0) ? hook : (g_export_hook && hook);
        g_ameth[i] = am;

        EVP_PKEY_METHOD* pm = EVP_PKEY_meth_new(
            k.key_nid, 0);  // no AUTOARGLEN: decrypt writes 32 bytes, not get_size()
        if (pm == nullptr) return false;
        EVP_PKEY_meth_set_init(pm, &pm_init);
        EVP_PKEY_meth_set_copy(pm, &pm_copy);
        EVP_PKEY_meth_set_cleanup(pm, &pm_cleanup);
        EVP_PKEY_meth_set_sign(pm, &pm_op_init, &pm_sign);
        EVP_PKEY_meth_set_verify(pm, &pm_op_init, &pm_verify);
        EVP_PKEY_meth_set_derive(pm, &pm_op_init, &pm_derive);
        EVP_PKEY_meth_set_decrypt(pm, &pm_op_init, &pm_decrypt);
        EVP_PKEY_meth_set_encrypt(pm, &pm_op_init, &pm_encrypt);
        EVP_PKEY_meth_set_ctrl(pm, &pm_ctrl, &pm_ctrl_str);
        g_pmeth[i] = pm;
    }
    // The key-reference type: a private OID (UUID arc 2.25, no registration needed).
    int ref_nid = OBJ_txt2nid(kKeyRefOid);
    if (ref_nid == NID_undef)
        ref_nid = OBJ_create(kKeyRefOid, gostcsp::key_reference_sn, "gostcsp key reference");
    if (ref_nid == NID_undef) return false;
    g_ref_ameth =
        EVP_PKEY_asn1_new(ref_nid, 0, gostcsp::key_reference_sn, "gostcsp key reference (URI)");
    if (g_ref_ameth == nullptr) return false;
    EVP_PKEY_asn1_set_private(g_ref_ameth, &ref_priv_decode, nullptr, nullptr);
    g_asn1_nids[2] = ref_nid;
    g_asn1_count = 3;
    if (!tls::init()) return false;
    for (int nid : tls::mac_nids()) g_asn1_nids[g_asn1_count++] = nid;
    return true;
}

// ---- loading ---------------------------------------------------------------------------------

std::once_flag g_register_once;

EVP_PKEY* wrap(ENGINE* e, EVP_PKEY* inner) noexcept {
    int nid = NID_undef;
    if (EVP_PKEY_is_a(inner, "gost2012_256"))
        nid = NID_id_GostR3410_2012_256;
    else if (EVP_PKEY_is_a(inner, "gost2012_512"))
        nid = NID_id_GostR3410_2012_512;
    if (nid == NID_undef) {
        raise(kNotGostKey, EVP_PKEY_get0_type_name(inner));
        EVP_PKEY_free(inner);
        return nullptr;
    }
    // EVP_PKEY_assign finds the ASN.1 method through the ENGINE table: register ours there (the
    // pkey-method list is empty, so this never routes provider keys to us).
    std::call_once(g_register_once, [e] { (void)ENGINE_register_pkey_asn1_meths(e); });
    ENGINE* owner = nullptr;
    const EVP_PKEY_ASN1_METHOD* am = EVP_PKEY_asn1_find(&owner, nid);
    ENGINE_finish(owner);
    if (am == nullptr || (am != g_ameth[0] && am != g_ameth[1])) {
        // gost-engine (or another engine) owns the type: its methods would misread our key.
        raise(kTypeTaken, "do not load another GOST engine together with gostcsp");
        EVP_PKEY_free(inner);
        return nullptr;
    }
    EVP_PKEY* shell = EVP_PKEY_new();
    if (shell == nullptr || EVP_PKEY_assign(shell, nid, inner) != 1) {
        raise(kInternal, "EVP_PKEY_assign");
        if (shell == nullptr || EVP_PKEY_get0(shell) == nullptr) EVP_PKEY_free(inner);
        EVP_PKEY_free(shell);
        return nullptr;
    }
    return shell;
}

// Loads the first key of `uri` through OSSL_STORE; nullptr with an error queued otherwise.
EVP_PKEY* store_load(const char* uri, UI_METHOD* ui, void* ui_data, bool want_private) noexcept {
    // pkcs11: URIs go straight to the provider's store (store_loader.cpp would hand back a shell).
    std::string direct;
    if (OPENSSL_strncasecmp(uri, "pkcs11:", 7) == 0) {
        try {
            direct = std::string(kInnerStorePrefix) + uri;
        } catch (...) {
            return nullptr;
        }
        uri = direct.c_str();
    }
    OSSL_STORE_CTX* sc =
        OSSL_STORE_open_ex(uri, nullptr, nullptr, ui != nullptr ? ui : UI_OpenSSL(), ui_data,
                           nullptr, nullptr, nullptr);
    if (sc == nullptr) {
        raise(kCannotLoadKey, uri);
        return nullptr;
    }
    EVP_PKEY* found = nullptr;
    while (found == nullptr && OSSL_STORE_eof(sc) == 0) {
        OSSL_STORE_INFO* info = OSSL_STORE_load(sc);
        if (info == nullptr) {
            if (OSSL_STORE_error(sc) != 0 && OSSL_STORE_eof(sc) == 0) continue;
            break;
        }
        const int t = OSSL_STORE_INFO_get_type(info);
        if (t == OSSL_STORE_INFO_PKEY)
            found = OSSL_STORE_INFO_get1_PKEY(info);
        else if (!want_private && t == OSSL_STORE_INFO_PUBKEY)
            found = OSSL_STORE_INFO_get1_PUBKEY(info);
        OSSL_STORE_INFO_free(info);
    }
    OSSL_STORE_close(sc);
    if (found == nullptr) raise(kCannotLoadKey, uri);
    return found;
}

// ---- key reference files -----------------------------------------------------------------------
// A PKCS#8 PrivateKeyInfo whose algorithm is gostcsp's key-reference OID and whose privateKey
// OCTET STRING holds a URI or path (UTF-8). Programs that read keys only from PEM files
// (`openssl ts -reply -inkey`, TS_CONF_load_key) reach our priv_decode through OpenSSL 3.0's legacy
// PEM fallback, which turns the reference into a shell key.

int ref_priv_decode(EVP_PKEY* pk, const PKCS8_PRIV_KEY_INFO* p8) noexcept {
    const unsigned char* data = nullptr;
    int len = 0;
    if (PKCS8_pkey_get0(nullptr, &data, &len, nullptr, p8) != 1 || len <= 0 || len > 4096 ||
        std::memchr(data, 0, static_cast<size_t>(len)) != nullptr) {
        raise(kBadKeyRef);
        return 0;
    }
    std::string uri;
    try {
        uri.assign(reinterpret_cast<const char*>(data), static_cast<size_t>(len));
    } catch (...) {
        return 0;
    }
    EVP_PKEY* inner = store_load(uri.c_str(), nullptr, nullptr, true);
    if (inner == nullptr) return 0;
    EVP_PKEY* shell = wrap(g_engine, inner);
    if (shell == nullptr) return 0;
    // Move the shell's content into `pk` (retyped from the reference type to the GOST type).
    EVP_PKEY* in = static_cast<EVP_PKEY*>(EVP_PKEY_get0(shell));
    if (EVP_PKEY_up_ref(in) != 1) {
        EVP_PKEY_free(shell);
        return 0;
    }
    const int nid = EVP_PKEY_get_id(shell);
    EVP_PKEY_free(shell);
    if (EVP_PKEY_assign(pk, nid, in) != 1) {
        EVP_PKEY_free(in);
        raise(kInternal, "EVP_PKEY_assign");
        return 0;
    }
    return 1;
}

}  // namespace

int error_library() noexcept {
    std::call_once(g_err_once, [] {
        g_lib = ERR_get_next_error_library();
        for (ERR_STRING_DATA* r = g_reasons; r->string != nullptr; ++r)
            r->error = ERR_PACK(g_lib, 0, r->error);
        g_libname[0].error = ERR_PACK(g_lib, 0, 0);
        ERR_load_strings(g_lib, g_reasons);
        ERR_load_strings(g_lib, g_libname);
    });
    return g_lib;
}

void raise(int reason, const char* detail) noexcept {
    ERR_new();
    ERR_set_debug(OPENSSL_FILE, OPENSSL_LINE, "gostcsp_engine");
    if (detail != nullptr)
        ERR_set_error(error_library(), reason, "%s", detail);
    else
        ERR_set_error(error_library(), reason, nullptr);
}

bool init_methods(ENGINE* e) noexcept {
    g_engine = e;  // the engine of the current bind (the dynamic loader may re-bind)
    std::call_once(g_meth_once, [] { g_meth_ok = build_methods(); });
    return g_meth_ok;
}

bool export_hook_active() noexcept {
    return g_export_hook;
}

int asn1_meths(ENGINE*, EVP_PKEY_ASN1_METHOD** ameth, const int** nids, int nid) noexcept {
    if (ameth == nullptr) {
        *nids = g_asn1_nids;
        return g_asn1_count;
    }
    for (int i = 0; i < 2; ++i)
        if (nid == g_nids[i] && g_ameth[i] != nullptr) {
            *ameth = g_ameth[i];
            return 1;
        }
    if (nid != NID_undef && nid == g_asn1_nids[2] && g_ref_ameth != nullptr) {
        *ameth = g_ref_ameth;
        return 1;
    }
    if ((*ameth = tls::mac_ameth(nid)) != nullptr) return 1;
    *ameth = nullptr;
    return 0;
}

int pkey_meths(ENGINE*, EVP_PKEY_METHOD** pmeth, const int** nids, int nid) noexcept {
    if (pmeth == nullptr) {
        // Only the MAC key types become defaults (EVP_PKEY_new_mac_key finds them by NID);
        // provider GOST keys stay with the provider, shell keys reach us through their engine.
        // In client mode (tls_client.cpp) the GOST key types too.
        static int with_keys[8];
        const auto macs = tls::mac_nids();
        if (!tls::client_keys_enabled()) {
            *nids = macs.data();
            return static_cast<int>(macs.size());
        }
        std::size_t n = 0;
        for (int m : macs) with_keys[n++] = m;
        with_keys[n++] = NID_id_GostR3410_2012_256;
        with_keys[n++] = NID_id_GostR3410_2012_512;
        *nids = with_keys;
        return static_cast<int>(n);
    }
    if ((*pmeth = tls::mac_pmeth(nid)) != nullptr) return 1;
    for (int i = 0; i < 2; ++i)
        if (nid == g_nids[i] && g_pmeth[i] != nullptr) {
            *pmeth = g_pmeth[i];
            return 1;
        }
    *pmeth = nullptr;
    return 0;
}

EVP_PKEY* wrap_key(ENGINE* e, EVP_PKEY* inner) noexcept {
    if (!init_methods(e)) {
        raise(kInternal, "methods");
        EVP_PKEY_free(inner);
        return nullptr;
    }
    return wrap(e, inner);
}

EVP_PKEY* load_shell(ENGINE* e, const char* uri, UI_METHOD* ui, void* ui_data,
                     bool want_private) noexcept {
    if (uri == nullptr || *uri == '\0') {
        raise(kCannotLoadKey, "empty key id");
        return nullptr;
    }
    if (!init_methods(e)) {
        raise(kInternal, "methods");
        return nullptr;
    }
    EVP_PKEY* found = store_load(uri, ui, ui_data, want_private);
    if (found == nullptr) return nullptr;
    return wrap(e, found);
}

}  // namespace gostcsp::engine
