// SPDX-License-Identifier: Apache-2.0
// A legacy OSSL_STORE loader for the "pkcs11" scheme: `-inkey pkcs11:…` (and every other OSSL_STORE
// use of a pkcs11: URI) in a process that has the gostcsp engine loaded gets the token key as a
// legacy shell, so OpenSSL 3.0's legacy-only paths (CMS and PKCS#7 signing, S/MIME, libssl's GOST
// key transport) work without `-engine … -keyform engine`.
//
// OpenSSL 3.0's OSSL_STORE_open_ex asks legacy loaders before providers, scheme by scheme, and a
// registered legacy loader hides the provider's store of the same scheme. So the inner open goes
// to the gostcsp provider's store under its second name, "gostcsp-pkcs11" (the provider strips the
// prefix); everything the provider store returns passes through, private keys wrapped in shells.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/err.h>
#include <openssl/store.h>

#include <new>
#include <string>

#include "bridge.hpp"

struct ossl_store_loader_ctx_st {
    ENGINE* engine = nullptr;
    OSSL_STORE_CTX* inner = nullptr;
};

namespace gostcsp::engine {
namespace {

OSSL_STORE_LOADER_CTX* open_ex(const OSSL_STORE_LOADER* loader, const char* uri, OSSL_LIB_CTX* libctx,
                               const char* propq, const UI_METHOD* ui, void* ui_data) noexcept {
    if (uri == nullptr) return nullptr;
    auto* ctx = new (std::nothrow) OSSL_STORE_LOADER_CTX{};
    if (ctx == nullptr) return nullptr;
    ctx->engine = const_cast<ENGINE*>(OSSL_STORE_LOADER_get0_engine(loader));
    try {
        const std::string inner_uri = std::string(kInnerStorePrefix) + uri;
        ctx->inner = OSSL_STORE_open_ex(inner_uri.c_str(), libctx, propq, ui, ui_data, nullptr,
                                        nullptr, nullptr);
    } catch (...) {
        ctx->inner = nullptr;
    }
    if (ctx->inner == nullptr) {
        raise(kCannotLoadKey, "the gostcsp provider's pkcs11 store is not available (activate the "
                              "gostcsp provider beside the engine)");
        delete ctx;
        return nullptr;
    }
    return ctx;
}

OSSL_STORE_LOADER_CTX* open(const OSSL_STORE_LOADER* loader, const char* uri, const UI_METHOD* ui,
                            void* ui_data) noexcept {
    return open_ex(loader, uri, nullptr, nullptr, ui, ui_data);
}

int expect(OSSL_STORE_LOADER_CTX* ctx, int expected) noexcept {
    return OSSL_STORE_expect(ctx->inner, expected);
}

int find(OSSL_STORE_LOADER_CTX* ctx, const OSSL_STORE_SEARCH* criteria) noexcept {
    return OSSL_STORE_find(ctx->inner, criteria);
}

OSSL_STORE_INFO* load(OSSL_STORE_LOADER_CTX* ctx, const UI_METHOD*, void*) noexcept {
    OSSL_STORE_INFO* info = OSSL_STORE_load(ctx->inner);
    if (info == nullptr || OSSL_STORE_INFO_get_type(info) != OSSL_STORE_INFO_PKEY) return info;
    EVP_PKEY* inner = OSSL_STORE_INFO_get1_PKEY(info);
    OSSL_STORE_INFO_free(info);
    EVP_PKEY* shell = inner != nullptr ? wrap_key(ctx->engine, inner) : nullptr;
    if (shell == nullptr) return nullptr;  // wrap_key queued the reason
    OSSL_STORE_INFO* out = OSSL_STORE_INFO_new_PKEY(shell);
    if (out == nullptr) EVP_PKEY_free(shell);
    return out;
}

int eof(OSSL_STORE_LOADER_CTX* ctx) noexcept { return OSSL_STORE_eof(ctx->inner); }

int error(OSSL_STORE_LOADER_CTX* ctx) noexcept { return OSSL_STORE_error(ctx->inner); }

int close(OSSL_STORE_LOADER_CTX* ctx) noexcept {
    const int ok = OSSL_STORE_close(ctx->inner);
    delete ctx;
    return ok;
}

}  // namespace

bool register_store_loader(ENGINE* e) noexcept {
    // Once per process: OpenSSL keeps the loader (the engine is linked -z nodelete).
    static const bool registered = [e] {
        OSSL_STORE_LOADER* l = OSSL_STORE_LOADER_new(e, "pkcs11");
        if (l == nullptr) return false;
        const bool ok = OSSL_STORE_LOADER_set_open(l, &open) == 1 &&
                        OSSL_STORE_LOADER_set_open_ex(l, &open_ex) == 1 &&
                        OSSL_STORE_LOADER_set_expect(l, &expect) == 1 &&
                        OSSL_STORE_LOADER_set_find(l, &find) == 1 &&
                        OSSL_STORE_LOADER_set_load(l, &load) == 1 &&
                        OSSL_STORE_LOADER_set_eof(l, &eof) == 1 &&
                        OSSL_STORE_LOADER_set_error(l, &error) == 1 &&
                        OSSL_STORE_LOADER_set_close(l, &close) == 1 &&
                        OSSL_STORE_register_loader(l) == 1;
        if (!ok) OSSL_STORE_LOADER_free(l);
        return ok;
    }();
    return registered;
}

}  // namespace gostcsp::engine
