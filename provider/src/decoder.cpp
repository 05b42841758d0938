// SPDX-License-Identifier: Apache-2.0
// DECODER: DER PrivateKeyInfo and SubjectPublicKeyInfo → gost2012_256/512 keys (PEM and
// EncryptedPrivateKeyInfo are unwrapped by OpenSSL's own pem2der / epki2pki decoders first).
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/core_object.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <openssl/x509.h>

#include <memory>

#include "engine_coexist.hpp"
#include "errors.hpp"
#include "key.hpp"
#include "prov.hpp"
#include "token_key.hpp"

namespace gostcsp::prov {

namespace {

enum class Input { private_key_info, spki };

constexpr long max_der = 64 * 1024;  // far above any GOST key structure

struct DecCtx {
    ProvCtx* prov;
};

void* newctx(void* provctx) noexcept {
    return make<DecCtx>(DecCtx{static_cast<ProvCtx*>(provctx)});
}
void freectx(void* vctx) noexcept {
    delete static_cast<DecCtx*>(vctx);
}

template <Input I>
int does_selection(void*, int selection) noexcept {
    if (selection == 0) return 1;
    const int mask =
        I == Input::private_key_info ? OSSL_KEYMGMT_SELECT_KEYPAIR : OSSL_KEYMGMT_SELECT_PUBLIC_KEY;
    return (selection & mask) != 0 ? 1 : 0;
}

// Reads the whole input; returns an OPENSSL_malloc'd buffer or nullptr.
unsigned char* read_all(ProvCtx* prov, OSSL_CORE_BIO* cin, long* len) noexcept {
    std::unique_ptr<BIO, decltype(&BIO_free)> in(BIO_new_from_core_bio(prov->libctx, cin),
                                                 &BIO_free);
    if (!in) return nullptr;
    long cap = 4096, used = 0;
    auto* buf = static_cast<unsigned char*>(OPENSSL_malloc(static_cast<size_t>(cap)));
    while (buf != nullptr) {
        const int n = BIO_read(in.get(), buf + used, static_cast<int>(cap - used));
        if (n <= 0) break;
        used += n;
        if (used == cap) {
            if (cap >= max_der) break;
            cap *= 2;
            auto* grown = static_cast<unsigned char*>(
                OPENSSL_clear_realloc(buf, static_cast<size_t>(used), static_cast<size_t>(cap)));
            if (grown == nullptr) OPENSSL_clear_free(buf, static_cast<size_t>(used));
            buf = grown;
        }
    }
    *len = used;
    return buf;
}

template <KeyKind K, Input I>
int decode(void* vctx, OSSL_CORE_BIO* cin, int, OSSL_CALLBACK* data_cb, void* data_cbarg,
           OSSL_PASSPHRASE_CALLBACK* pw_cb, void* pw_cbarg) noexcept {
    auto* ctx = static_cast<DecCtx*>(vctx);
    // A foreign engine that owns GOST keys would be handed our key objects: leave the bytes to its
    // own (legacy ASN.1) decoder, which OpenSSL tries when no provider decoder answers.
    if (foreign_pkey_engine(K) != nullptr) return 1;
    long len = 0;
    unsigned char* der = read_all(ctx->prov, cin, &len);
    if (der == nullptr) return 1;  // nothing to read: empty-handed, not an error
    bool not_ours = false;
    GostKey* key = nullptr;
    if (I == Input::spki) {
        key = key_from_spki_der(ctx->prov, K, der, len, &not_ours);
    } else {
        const unsigned char* p = der;
        PKCS8_PRIV_KEY_INFO* p8 = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, len);
        if (p8 == nullptr) {
            not_ours = true;
        } else {
            key = key_from_pkcs8(ctx->prov, K, p8, &not_ours);
            if (key == nullptr && not_ours)  // a gostcsp key reference naming a token key?
                key = key_from_reference(ctx->prov, K, p8, pw_cb, pw_cbarg, &not_ours);
            PKCS8_PRIV_KEY_INFO_free(p8);
        }
    }
    OPENSSL_clear_free(der, static_cast<size_t>(len));
    // Another algorithm's structure: stay silent so the next decoder gets its turn.
    if (key == nullptr) return not_ours ? 1 : 0;

    int object_type = OSSL_OBJECT_PKEY;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_int(OSSL_OBJECT_PARAM_TYPE, &object_type),
        OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DATA_TYPE,
                                         const_cast<char*>(key_type_name(K)), 0),
        OSSL_PARAM_construct_octet_string(OSSL_OBJECT_PARAM_REFERENCE, &key, sizeof(key)),
        OSSL_PARAM_construct_end(),
    };
    const int ok = data_cb(params, data_cbarg);
    delete key;  // nullptr when the keymgmt's load() took it
    return ok;
}

template <KeyKind K>
int export_object(void* vctx, const void* reference, size_t reference_sz, OSSL_CALLBACK* export_cb,
                  void* export_cbarg) noexcept {
    auto* ctx = static_cast<DecCtx*>(vctx);
    if (reference == nullptr || reference_sz != sizeof(GostKey*)) return 0;
    const GostKey* key = *static_cast<GostKey* const*>(reference);
    if (key == nullptr) return 0;
    // Hand the key over as parameters (another provider's keymgmt imports them).
    const OSSL_DISPATCH* fns = nullptr;
    for (const OSSL_ALGORITHM* a = keymgmt_algorithms; a->algorithm_names != nullptr; ++a)
        if (std::string_view(a->algorithm_names).starts_with(key_type_name(K)))
            fns = a->implementation;
    for (; fns != nullptr && fns->function_id != 0; ++fns) {
        if (fns->function_id == OSSL_FUNC_KEYMGMT_EXPORT) {
            auto* fn = OSSL_FUNC_keymgmt_export(fns);
            return fn(const_cast<GostKey*>(key), OSSL_KEYMGMT_SELECT_ALL, export_cb, export_cbarg);
        }
    }
    GOSTCSP_RAISE(ctx->prov, Reason::internal_error);
    return 0;
}

template <KeyKind K, Input I>
const OSSL_DISPATCH functions[] = {
    entry<OSSL_FUNC_DECODER_NEWCTX, OSSL_FUNC_decoder_newctx_fn>(&newctx),
    entry<OSSL_FUNC_DECODER_FREECTX, OSSL_FUNC_decoder_freectx_fn>(&freectx),
    entry<OSSL_FUNC_DECODER_DOES_SELECTION, OSSL_FUNC_decoder_does_selection_fn>(
        &does_selection<I>),
    entry<OSSL_FUNC_DECODER_DECODE, OSSL_FUNC_decoder_decode_fn>(&decode<K, I>),
    entry<OSSL_FUNC_DECODER_EXPORT_OBJECT, OSSL_FUNC_decoder_export_object_fn>(&export_object<K>),
    dispatch_end,
};

}  // namespace

const OSSL_ALGORITHM decoder_algorithms[] = {
    {GOSTCSP_NAMES_256, "provider=gostcsp,input=der,structure=PrivateKeyInfo",
     functions<KeyKind::k256, Input::private_key_info>, "PKCS#8 DER"},
    {GOSTCSP_NAMES_256, "provider=gostcsp,input=der,structure=SubjectPublicKeyInfo",
     functions<KeyKind::k256, Input::spki>, "SubjectPublicKeyInfo DER"},
    {GOSTCSP_NAMES_512, "provider=gostcsp,input=der,structure=PrivateKeyInfo",
     functions<KeyKind::k512, Input::private_key_info>, "PKCS#8 DER"},
    {GOSTCSP_NAMES_512, "provider=gostcsp,input=der,structure=SubjectPublicKeyInfo",
     functions<KeyKind::k512, Input::spki>, "SubjectPublicKeyInfo DER"},
    // Key-URI PEM files (store_pkcs11.cpp): the token key a `pkcs11:` URI names.
    // (PEM block → DER "pk11-uri" → the token key it names).
    {"DER", "provider=gostcsp,input=pem", uri_pem_decoder_functions, "PKCS#11 URI key file"},
    {GOSTCSP_NAMES_256, "provider=gostcsp,input=der,structure=pk11-uri", uri_der_decoder_functions,
     "PKCS#11 URI key file (DER)"},
    {GOSTCSP_NAMES_512, "provider=gostcsp,input=der,structure=pk11-uri", uri_der_decoder_functions,
     "PKCS#11 URI key file (DER)"},
    {nullptr, nullptr, nullptr, nullptr},
};

}  // namespace gostcsp::prov
