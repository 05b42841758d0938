// SPDX-License-Identifier: Apache-2.0
// STORE loader for RFC 7512 `pkcs11:` URIs: token private keys (as references), public keys and
// certificates, filtered as the URI says (token, object, id, type); and the key-URI PEM decoder.
#include <openssl/bio.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/core_object.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/store.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine_coexist.hpp"
#include "errors.hpp"
#include "key.hpp"
#include "prov.hpp"
#include "gostcsp/object_ids.hpp"
#include "token_key.hpp"

namespace gostcsp::prov {

namespace {

// Hands one found object to OpenSSL's callback (keys by reference, certificates as DER).
int emit_object(ProvCtx* prov, const FoundObject& obj, const std::string& uri,
                OSSL_CALLBACK* object_cb, void* object_cbarg) noexcept {
    if (obj.cls == CKO_CERTIFICATE) {
        std::vector<std::uint8_t> der;
        if (!token_certificate_der(prov, obj, der)) return 1;  // unreadable: skip it
        int type = OSSL_OBJECT_CERT;
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_int(OSSL_OBJECT_PARAM_TYPE, &type),
            OSSL_PARAM_construct_octet_string(OSSL_OBJECT_PARAM_DATA, der.data(), der.size()),
            OSSL_PARAM_construct_end(),
        };
        return object_cb(params, object_cbarg);
    }
    GostKey* key = obj.cls == CKO_PRIVATE_KEY ? token_private_key(prov, obj, uri.c_str())
                                              : token_public_key(prov, obj);
    if (key == nullptr) return 0;
    if (refuse_under_foreign_engine(prov, key->kind)) {
        delete key;
        return 0;
    }
    int type = OSSL_OBJECT_PKEY;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_int(OSSL_OBJECT_PARAM_TYPE, &type),
        OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DATA_TYPE,
                                         const_cast<char*>(key_type_name(key->kind)), 0),
        OSSL_PARAM_construct_octet_string(OSSL_OBJECT_PARAM_REFERENCE, &key, sizeof key),
        OSSL_PARAM_construct_end(),
    };
    const int ok = object_cb(params, object_cbarg);
    delete key;  // nullptr when the keymgmt's load() took it
    return ok;
}

// Exports a referenced key's public half and parameters to another provider's keymgmt.
int export_key_reference(const void* reference, size_t reference_sz, OSSL_CALLBACK* export_cb,
                         void* export_cbarg) noexcept {
    if (reference == nullptr || reference_sz != sizeof(GostKey*)) return 0;
    const GostKey* key = *static_cast<GostKey* const*>(reference);
    if (key == nullptr) return 0;
    for (const OSSL_ALGORITHM* a = keymgmt_algorithms; a->algorithm_names != nullptr; ++a) {
        if (!std::string_view(a->algorithm_names).starts_with(key_type_name(key->kind))) continue;
        for (const OSSL_DISPATCH* f = a->implementation; f->function_id != 0; ++f)
            if (f->function_id == OSSL_FUNC_KEYMGMT_EXPORT)
                return OSSL_FUNC_keymgmt_export(f)(
                    const_cast<GostKey*>(key),
                    OSSL_KEYMGMT_SELECT_PUBLIC_KEY | OSSL_KEYMGMT_SELECT_ALL_PARAMETERS, export_cb,
                    export_cbarg);
    }
    return 0;
}

// --- key references (gostcsp/object_ids.hpp) in processes without gostcsp's engine ---

}  // namespace

GostKey* key_from_reference(ProvCtx* prov, KeyKind kind, const PKCS8_PRIV_KEY_INFO* p8,
                            OSSL_PASSPHRASE_CALLBACK* pw_cb, void* pw_cbarg,
                            bool* not_ours) noexcept {
    *not_ours = true;
    const ASN1_OBJECT* alg = nullptr;
    const unsigned char* data = nullptr;
    int len = 0;
    if (PKCS8_pkey_get0(&alg, &data, &len, nullptr, p8) != 1 || alg == nullptr) return nullptr;
    char oid[80];
    if (OBJ_obj2txt(oid, sizeof oid, alg, 1) <= 0 || std::strcmp(oid, key_reference_oid) != 0)
        return nullptr;
    // With the engine loaded, its ASN.1 method turns the reference into a legacy shell (OpenSSL
    // tries it when no provider decoder answers): leave it to the engine.
    if (own_bridge_takes_references()) return nullptr;
    if (len <= 0 || len > 4096) return nullptr;
    try {
        PinSources pins;
        const std::string uri = split_pin_value(
            {reinterpret_cast<const char*>(data), static_cast<std::size_t>(len)}, pins.uri_pin_value);
        // A reference to a key *file* is the engine's business; the provider serves token keys.
        if (uri.rfind("pkcs11:", 0) != 0) return nullptr;
        *not_ours = false;
        pins.pw_cb = pw_cb;
        pins.pw_cbarg = pw_cbarg;
        std::vector<FoundObject> objs;
        if (!find_uri_objects(prov, uri.c_str(), CKO_PRIVATE_KEY, false, true, pins, objs))
            return nullptr;
        for (const auto& o : objs) {
            if (o.cls != CKO_PRIVATE_KEY) continue;
            GostKey* key = token_private_key(prov, o, uri.c_str());
            if (key != nullptr && key->kind != kind) {  // the other size's decoder takes it
                delete key;
                *not_ours = true;
                return nullptr;
            }
            return key;
        }
    } catch (...) {
    }
    return nullptr;
}

namespace {

// --- STORE ---

struct StoreCtx {
    ProvCtx* prov = nullptr;
    std::string uri;      // without pin-value (split_pin_value)
    PinBuffer pin_value;  // the URI's pin-value, if any, in locked memory
    int expect = 0;       // OSSL_STORE_INFO_* or 0
    bool started = false;
    bool eof = false;
    std::vector<FoundObject> objects;
    std::size_t next = 0;
};

void* store_open(void* provctx, const char* uri) noexcept {
    // "gostcsp-pkcs11:pkcs11:…" is how the gostcsp engine reaches this store past its own legacy
    // loader for the scheme (engine/src/store_loader.cpp).
    constexpr std::string_view inner_prefix = "gostcsp-pkcs11:";
    if (uri != nullptr && OPENSSL_strncasecmp(uri, inner_prefix.data(), inner_prefix.size()) == 0)
        uri += inner_prefix.size();
    if (uri == nullptr || OPENSSL_strncasecmp(uri, "pkcs11:", 7) != 0) return nullptr;
    try {
        auto* ctx = new StoreCtx;
        ctx->prov = static_cast<ProvCtx*>(provctx);
        ctx->uri = split_pin_value(uri, ctx->pin_value);
        return ctx;
    } catch (...) {
        return nullptr;
    }
}

int store_set_ctx_params(void* vctx, const OSSL_PARAM params[]) noexcept {
    auto* ctx = static_cast<StoreCtx*>(vctx);
    const OSSL_PARAM* p = OSSL_PARAM_locate_const(params, OSSL_STORE_PARAM_EXPECT);
    if (p != nullptr && !OSSL_PARAM_get_int(p, &ctx->expect)) return 0;
    return 1;  // subject / issuer / fingerprint searches: the URI already names the object
}

const OSSL_PARAM* store_settable_ctx_params(void*) noexcept {
    static const OSSL_PARAM table[] = {
        OSSL_PARAM_int(OSSL_STORE_PARAM_EXPECT, nullptr),
        OSSL_PARAM_END,
    };
    return table;
}

int store_load(void* vctx, OSSL_CALLBACK* object_cb, void* object_cbarg,
               OSSL_PASSPHRASE_CALLBACK* pw_cb, void* pw_cbarg) noexcept {
    auto* ctx = static_cast<StoreCtx*>(vctx);
    if (ctx->eof) return 0;
    if (!ctx->started) {
        ctx->started = true;
        CK_OBJECT_CLASS only = CKO_PRIVATE_KEY;
        bool any = false;
        switch (ctx->expect) {
            case OSSL_STORE_INFO_PKEY:
                only = CKO_PRIVATE_KEY;
                break;
            case OSSL_STORE_INFO_PUBKEY:
                only = CKO_PUBLIC_KEY;
                break;
            case OSSL_STORE_INFO_CERT:
                only = CKO_CERTIFICATE;
                break;
            default:
                any = true;
                break;
        }
        PinSources pins;
        pins.pw_cb = pw_cb;
        pins.pw_cbarg = pw_cbarg;
        if (!ctx->pin_value.empty()) pins.uri_pin_value.assign(ctx->pin_value.view());
        if (!find_uri_objects(ctx->prov, ctx->uri.c_str(), only, any, true, pins, ctx->objects)) {
            ctx->eof = true;
            return 0;
        }
        // Private keys first: an application that takes the first key gets the signing key.
        std::stable_partition(ctx->objects.begin(), ctx->objects.end(),
                              [](const FoundObject& o) { return o.cls == CKO_PRIVATE_KEY; });
    }
    if (ctx->next >= ctx->objects.size()) {
        ctx->eof = true;
        return 0;
    }
    const FoundObject obj = ctx->objects[ctx->next++];
    if (ctx->next >= ctx->objects.size()) ctx->eof = true;
    return emit_object(ctx->prov, obj, ctx->uri, object_cb, object_cbarg);
}

int store_eof(void* vctx) noexcept {
    return static_cast<StoreCtx*>(vctx)->eof ? 1 : 0;
}

int store_close(void* vctx) noexcept {
    delete static_cast<StoreCtx*>(vctx);
    return 1;
}

int store_export_object(void*, const void* reference, size_t reference_sz, OSSL_CALLBACK* export_cb,
                        void* export_cbarg) noexcept {
    return export_key_reference(reference, reference_sz, export_cb, export_cbarg);
}

const OSSL_DISPATCH store_functions[] = {
    entry<OSSL_FUNC_STORE_OPEN, OSSL_FUNC_store_open_fn>(&store_open),
    entry<OSSL_FUNC_STORE_SETTABLE_CTX_PARAMS, OSSL_FUNC_store_settable_ctx_params_fn>(
        &store_settable_ctx_params),
    entry<OSSL_FUNC_STORE_SET_CTX_PARAMS, OSSL_FUNC_store_set_ctx_params_fn>(&store_set_ctx_params),
    entry<OSSL_FUNC_STORE_LOAD, OSSL_FUNC_store_load_fn>(&store_load),
    entry<OSSL_FUNC_STORE_EOF, OSSL_FUNC_store_eof_fn>(&store_eof),
    entry<OSSL_FUNC_STORE_CLOSE, OSSL_FUNC_store_close_fn>(&store_close),
    entry<OSSL_FUNC_STORE_EXPORT_OBJECT, OSSL_FUNC_store_export_object_fn>(&store_export_object),
    dispatch_end,
};

// --- key-URI PEM files ---

struct UriDecCtx {
    ProvCtx* prov;
};

void* uri_dec_newctx(void* provctx) noexcept {
    return make<UriDecCtx>(UriDecCtx{static_cast<ProvCtx*>(provctx)});
}

void uri_dec_freectx(void* vctx) noexcept {
    delete static_cast<UriDecCtx*>(vctx);
}

int uri_dec_does_selection(void*, int selection) noexcept {
    return selection == 0 || (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0 ? 1 : 0;
}

struct OsslFree {
    void operator()(void* p) const noexcept { OPENSSL_free(p); }
};

struct SeqFree {
    void operator()(ASN1_SEQUENCE_ANY* s) const noexcept {
        sk_ASN1_TYPE_pop_free(s, ASN1_TYPE_free);
    }
};

// The key-URI structure (DER) → the token key it names, handed to `data_cb` by reference.
// Offers `uri` (no pin-value: the token is logged in already) as a DER key reference
// (gostcsp/object_ids.hpp); the result of the callback, 0 if it was not taken or on failure.
int emit_key_reference(const std::string& uri, OSSL_CALLBACK* data_cb, void* data_cbarg) noexcept {
    std::unique_ptr<PKCS8_PRIV_KEY_INFO, decltype(&PKCS8_PRIV_KEY_INFO_free)> p8(
        PKCS8_PRIV_KEY_INFO_new(), &PKCS8_PRIV_KEY_INFO_free);
    ASN1_OBJECT* alg = OBJ_txt2obj(key_reference_oid, 1);
    if (!p8 || alg == nullptr || uri.size() > 4096) {
        ASN1_OBJECT_free(alg);
        return 0;
    }
    auto* value = static_cast<unsigned char*>(OPENSSL_memdup(uri.data(), uri.size()));
    if (value == nullptr ||
        PKCS8_pkey_set0(p8.get(), alg, 0, V_ASN1_UNDEF, nullptr, value,
                        static_cast<int>(uri.size())) != 1) {
        OPENSSL_free(value);
        ASN1_OBJECT_free(alg);
        return 0;
    }
    unsigned char* der = nullptr;
    const int der_len = i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &der);
    if (der_len <= 0) return 0;
    std::unique_ptr<unsigned char, OsslFree> der_guard(der);
    // As pem2der hands on a PKCS#8 block: a key object, its type left to the decoders.
    int object_type = OSSL_OBJECT_PKEY;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_int(OSSL_OBJECT_PARAM_TYPE, &object_type),
        OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DATA_STRUCTURE,
                                         const_cast<char*>("PrivateKeyInfo"), 0),
        OSSL_PARAM_construct_octet_string(OSSL_OBJECT_PARAM_DATA, der,
                                          static_cast<std::size_t>(der_len)),
        OSSL_PARAM_construct_end(),
    };
    return data_cb(params, data_cbarg);
}

// Returns 1 without output when the bytes are not a key-URI structure (another decoder's turn).
// With `offer_reference`, the key is offered first as a key reference (emit_key_reference).
int decode_uri_der(UriDecCtx* ctx, const unsigned char* der, long len, bool must_be_ours,
                   OSSL_CALLBACK* data_cb, void* data_cbarg, OSSL_PASSPHRASE_CALLBACK* pw_cb,
                   void* pw_cbarg, bool offer_reference = false) noexcept {
    // SEQUENCE { desc VisibleString, uri UTF8String } (the layout pkcs11-provider also reads).
    const unsigned char* p = der;
    ERR_set_mark();
    std::unique_ptr<ASN1_SEQUENCE_ANY, SeqFree> seq(d2i_ASN1_SEQUENCE_ANY(nullptr, &p, len));
    ERR_pop_to_mark();
    const ASN1_TYPE* d =
        seq && sk_ASN1_TYPE_num(seq.get()) == 2 ? sk_ASN1_TYPE_value(seq.get(), 0) : nullptr;
    const ASN1_TYPE* u = d != nullptr ? sk_ASN1_TYPE_value(seq.get(), 1) : nullptr;
    if (u == nullptr || d->type != V_ASN1_VISIBLESTRING || u->type != V_ASN1_UTF8STRING ||
        p != der + len) {
        if (!must_be_ours) return 1;
        GOSTCSP_RAISE(ctx->prov, Reason::bad_uri, "malformed %s block", key_uri_pem_name);
        return 0;
    }
    PinSources pins;
    const std::string uri =
        split_pin_value({reinterpret_cast<const char*>(ASN1_STRING_get0_data(u->value.utf8string)),
                         static_cast<std::size_t>(ASN1_STRING_length(u->value.utf8string))},
                        pins.uri_pin_value);
    if (uri.rfind("pkcs11:", 0) != 0) return must_be_ours ? 0 : 1;
    pins.pw_cb = pw_cb;
    pins.pw_cbarg = pw_cbarg;
    std::vector<FoundObject> objs;
    if (!find_uri_objects(ctx->prov, uri.c_str(), CKO_PRIVATE_KEY, false, true, pins, objs))
        return 0;
    for (const auto& o : objs) {
        if (o.cls != CKO_PRIVATE_KEY) continue;
        if (offer_reference) {
            ERR_set_mark();
            if (emit_key_reference(uri, data_cb, data_cbarg)) {
                ERR_clear_last_mark();
                return 1;
            }
            ERR_pop_to_mark();
        }
        return emit_object(ctx->prov, o, uri, data_cb, data_cbarg);
    }
    return 1;
}

// input=pem, output DER with structure "pk11-uri" (this decoder's name is "DER"): unwraps a
// key-URI PEM block so that the DER decoder below runs next, in OSSL_DECODER chains
// (PEM_read_PrivateKey) and in the file: STORE (openssl -in/-inkey FILE), which passes DER on.
//
// With gostcsp's engine in the process (own_bridge_takes_references), the file: STORE (openssl
// -inkey FILE) is first offered a key reference, which its legacy fallback turns into the engine's
// shell: CMS, S/MIME and libssl's GOST paths need a legacy key. OSSL_DECODER_CTX_new_for_pkey
// chains (PEM_read_PrivateKey) take only keys; they get the token key itself.
int uri_dec_decode_pem(void* vctx, OSSL_CORE_BIO* cin, int, OSSL_CALLBACK* data_cb,
                       void* data_cbarg, OSSL_PASSPHRASE_CALLBACK* pw_cb, void* pw_cbarg) noexcept {
    auto* ctx = static_cast<UriDecCtx*>(vctx);
    std::unique_ptr<BIO, decltype(&BIO_free)> in(BIO_new_from_core_bio(ctx->prov->libctx, cin),
                                                 &BIO_free);
    if (!in) return 0;
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* der = nullptr;
    long len = 0;
    ERR_set_mark();
    const int got = PEM_read_bio(in.get(), &name, &header, &der, &len);
    ERR_pop_to_mark();
    std::unique_ptr<char, OsslFree> name_guard(name);
    std::unique_ptr<char, OsslFree> header_guard(header);
    std::unique_ptr<unsigned char, OsslFree> der_guard(der);
    if (got <= 0 || name == nullptr || std::strcmp(name, key_uri_pem_name) != 0)
        return 1;  // not ours: let the next decoder try
    if (own_bridge_takes_references())
        return decode_uri_der(ctx, der, len, true, data_cb, data_cbarg, pw_cb, pw_cbarg, true);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_OBJECT_PARAM_DATA, der,
                                          static_cast<std::size_t>(len)),
        OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DATA_STRUCTURE,
                                         const_cast<char*>(key_uri_structure), 0),
        OSSL_PARAM_construct_end(),
    };
    return data_cb(params, data_cbarg);
}

// input=der: the file: STORE (openssl -in/-inkey FILE) unwraps PEM itself and decodes the DER.
int uri_dec_decode_der(void* vctx, OSSL_CORE_BIO* cin, int selection, OSSL_CALLBACK* data_cb,
                       void* data_cbarg, OSSL_PASSPHRASE_CALLBACK* pw_cb, void* pw_cbarg) noexcept {
    auto* ctx = static_cast<UriDecCtx*>(vctx);
    if (selection != 0 && (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) == 0) return 1;
    std::unique_ptr<BIO, decltype(&BIO_free)> in(BIO_new_from_core_bio(ctx->prov->libctx, cin),
                                                 &BIO_free);
    if (!in) return 0;
    unsigned char buf[4096];  // a URI structure is small; anything larger is not ours
    int len = 0;
    for (int n; len < static_cast<int>(sizeof buf) &&
                (n = BIO_read(in.get(), buf + len, static_cast<int>(sizeof buf) - len)) > 0;)
        len += n;
    if (len <= 0 || len >= static_cast<int>(sizeof buf)) return 1;
    return decode_uri_der(ctx, buf, len, false, data_cb, data_cbarg, pw_cb, pw_cbarg);
}

int uri_dec_export_object(void*, const void* reference, size_t reference_sz,
                          OSSL_CALLBACK* export_cb, void* export_cbarg) noexcept {
    return export_key_reference(reference, reference_sz, export_cb, export_cbarg);
}

}  // namespace

const char* const key_uri_pem_name = "PKCS#11 PROVIDER URI";
const char* const key_uri_structure = "pk11-uri";

const OSSL_DISPATCH uri_pem_decoder_functions[] = {
    entry<OSSL_FUNC_DECODER_NEWCTX, OSSL_FUNC_decoder_newctx_fn>(&uri_dec_newctx),
    entry<OSSL_FUNC_DECODER_FREECTX, OSSL_FUNC_decoder_freectx_fn>(&uri_dec_freectx),
    entry<OSSL_FUNC_DECODER_DOES_SELECTION, OSSL_FUNC_decoder_does_selection_fn>(
        &uri_dec_does_selection),
    entry<OSSL_FUNC_DECODER_DECODE, OSSL_FUNC_decoder_decode_fn>(&uri_dec_decode_pem),
    entry<OSSL_FUNC_DECODER_EXPORT_OBJECT, OSSL_FUNC_decoder_export_object_fn>(
        &uri_dec_export_object),
    dispatch_end,
};

const OSSL_DISPATCH uri_der_decoder_functions[] = {
    entry<OSSL_FUNC_DECODER_NEWCTX, OSSL_FUNC_decoder_newctx_fn>(&uri_dec_newctx),
    entry<OSSL_FUNC_DECODER_FREECTX, OSSL_FUNC_decoder_freectx_fn>(&uri_dec_freectx),
    entry<OSSL_FUNC_DECODER_DOES_SELECTION, OSSL_FUNC_decoder_does_selection_fn>(
        &uri_dec_does_selection),
    entry<OSSL_FUNC_DECODER_DECODE, OSSL_FUNC_decoder_decode_fn>(&uri_dec_decode_der),
    entry<OSSL_FUNC_DECODER_EXPORT_OBJECT, OSSL_FUNC_decoder_export_object_fn>(
        &uri_dec_export_object),
    dispatch_end,
};

const OSSL_ALGORITHM store_algorithms[] = {
    {"pkcs11", "provider=gostcsp", store_functions, "RFC 7512 PKCS#11 URIs (GOST token keys)"},
    // A store scheme has one name; this one is the gostcsp engine's way past its own legacy
    // loader for "pkcs11" (engine/src/store_loader.cpp): "gostcsp-pkcs11:pkcs11:…".
    {"gostcsp-pkcs11", "provider=gostcsp", store_functions, "pkcs11: URIs for the gostcsp engine"},
    {nullptr, nullptr, nullptr, nullptr},
};

}  // namespace gostcsp::prov
