// SPDX-License-Identifier: Apache-2.0
// Provider entry point OSSL_provider_init, provider-level dispatch (query, params, reasons).
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include "errors.hpp"
#include "prov.hpp"
#include "token_key.hpp"

namespace gostcsp::prov {

namespace {

void teardown(void* vctx) noexcept {
    auto* ctx = static_cast<ProvCtx*>(vctx);
    if (ctx == nullptr) return;
    free_p11_client(ctx);
    OSSL_LIB_CTX_free(ctx->libctx);
    delete ctx;
}

const OSSL_PARAM* gettable_params(void*) noexcept {
    static const OSSL_PARAM table[] = {
        OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_NAME, nullptr, 0),
        OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_VERSION, nullptr, 0),
        OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_BUILDINFO, nullptr, 0),
        OSSL_PARAM_int(OSSL_PROV_PARAM_STATUS, nullptr),
        OSSL_PARAM_END,
    };
    return table;
}

int get_params(void*, OSSL_PARAM params[]) noexcept {
    OSSL_PARAM* p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_NAME);
    if (p != nullptr && !OSSL_PARAM_set_utf8_ptr(p, "gostcsp GOST R 34.10/34.11-2012 provider"))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_VERSION);
    if (p != nullptr && !OSSL_PARAM_set_utf8_ptr(p, "0.1.0")) return 0;
    p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_BUILDINFO);
    if (p != nullptr && !OSSL_PARAM_set_utf8_ptr(p, "gostcsp 0.1.0")) return 0;
    p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_STATUS);
    if (p != nullptr && !OSSL_PARAM_set_int(p, 1)) return 0;
    return 1;
}

const OSSL_ALGORITHM* query_operation(void*, int operation_id, int* no_cache) noexcept {
    *no_cache = 0;
    switch (operation_id) {
        case OSSL_OP_DIGEST:
            return digest_algorithms;
        case OSSL_OP_KEYMGMT:
            return keymgmt_algorithms;
        case OSSL_OP_SIGNATURE:
            return signature_algorithms;
        case OSSL_OP_KEYEXCH:
            return keyexch_algorithms;
        case OSSL_OP_ENCODER:
            return encoder_algorithms;
        case OSSL_OP_DECODER:
            return decoder_algorithms;
        case OSSL_OP_CIPHER:
            return cipher_algorithms;
        case OSSL_OP_MAC:
            return mac_algorithms;
        case OSSL_OP_STORE:
            return store_algorithms;
        default:
            return nullptr;
    }
}

const OSSL_ITEM* get_reason_strings(void*) noexcept {
    return reason_strings();
}

const OSSL_DISPATCH provider_functions[] = {
    entry<OSSL_FUNC_PROVIDER_TEARDOWN, OSSL_FUNC_provider_teardown_fn>(&teardown),
    entry<OSSL_FUNC_PROVIDER_GETTABLE_PARAMS, OSSL_FUNC_provider_gettable_params_fn>(
        &gettable_params),
    entry<OSSL_FUNC_PROVIDER_GET_PARAMS, OSSL_FUNC_provider_get_params_fn>(&get_params),
    entry<OSSL_FUNC_PROVIDER_QUERY_OPERATION, OSSL_FUNC_provider_query_operation_fn>(
        &query_operation),
    entry<OSSL_FUNC_PROVIDER_GET_REASON_STRINGS, OSSL_FUNC_provider_get_reason_strings_fn>(
        &get_reason_strings),
    dispatch_end,
};

// `legacy_digest_names = no` in the provider's config section turns the legacy digest entries
// off (only to demonstrate the OpenSSL 3.0 trap they fix; see legacy_names.cpp).
bool legacy_names_wanted(const OSSL_CORE_HANDLE* handle,
                         OSSL_FUNC_core_get_params_fn* core_get_params) noexcept {
    if (core_get_params == nullptr) return true;
    char* value = nullptr;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_ptr("legacy_digest_names", &value, 0),
        OSSL_PARAM_construct_end(),
    };
    if (!core_get_params(handle, params) || value == nullptr) return true;
    return !(OPENSSL_strcasecmp(value, "no") == 0 || OPENSSL_strcasecmp(value, "0") == 0 ||
             OPENSSL_strcasecmp(value, "false") == 0);
}

int init(const OSSL_CORE_HANDLE* handle, const OSSL_DISPATCH* in, const OSSL_DISPATCH** out,
         void** provctx) noexcept {
    auto* ctx = make<ProvCtx>();
    if (ctx == nullptr) return 0;
    ctx->handle = handle;
    OSSL_FUNC_core_get_params_fn* core_get_params = nullptr;
    for (const OSSL_DISPATCH* d = in; d->function_id != 0; ++d) {
        switch (d->function_id) {
            case OSSL_FUNC_CORE_GET_PARAMS:
                core_get_params = OSSL_FUNC_core_get_params(d);
                break;
            case OSSL_FUNC_CORE_NEW_ERROR:
                ctx->core_new_error = OSSL_FUNC_core_new_error(d);
                break;
            case OSSL_FUNC_CORE_SET_ERROR_DEBUG:
                ctx->core_set_error_debug = OSSL_FUNC_core_set_error_debug(d);
                break;
            case OSSL_FUNC_CORE_VSET_ERROR:
                ctx->core_vset_error = OSSL_FUNC_core_vset_error(d);
                break;
            default:
                break;
        }
    }
    // A child context: fetches see the application's providers (PBES2 ciphers and PRFs for
    // encrypted PKCS#8) and BIO_new_from_core_bio works on it.
    configure_p11_client(ctx, handle, core_get_params);  // pkcs11-module, pkcs11-pin-file
    ctx->libctx = OSSL_LIB_CTX_new_child(handle, in);
    if (ctx->libctx == nullptr ||
        (legacy_names_wanted(handle, core_get_params) && !register_legacy_digests())) {
        teardown(ctx);
        return 0;
    }
    *out = provider_functions;
    *provctx = ctx;
    return 1;
}

}  // namespace

}  // namespace gostcsp::prov

extern "C" __attribute__((visibility("default"))) int OSSL_provider_init(
    const OSSL_CORE_HANDLE* handle, const OSSL_DISPATCH* in, const OSSL_DISPATCH** out,
    void** provctx) {
    return gostcsp::prov::init(handle, in, out, provctx);
}
