// SPDX-License-Identifier: Apache-2.0
// KEYEXCH: VKO_GOSTR3410_2012_256/512 (R 50.1.113-2016, RFC 7836 §4.3) with a `ukm` parameter.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include <cstring>

#include "errors.hpp"
#include "gostcsp/gost3410.hpp"
#include "key.hpp"
#include "prov.hpp"
#include "token_key.hpp"

namespace gostcsp::prov {

namespace {

constexpr const char* param_ukm = "ukm";            // octets (param_ukm in OpenSSL 3.2+)
constexpr const char* param_ukmhex = "ukmhex";      // gost-engine's pkeyopt spelling
constexpr const char* param_kek_bits = "kek-bits";  // 256 or 512; 0 = as gost-engine chooses

struct ExchCtx {
    explicit ExchCtx(ProvCtx* p) noexcept : prov(p) {}
    ProvCtx* prov;
    GostKey* key = nullptr;
    GostKey* peer = nullptr;
    unsigned char ukm[core::max_field_bytes] = {};
    std::size_t ukm_len = 0;
    int kek_bits = 0;
};

// gost-engine derives VKO-256 for an 8-byte UKM and VKO-512 for a 16-byte UKM; otherwise we
// follow the key size.
core::DigestSize kek_size(const ExchCtx* ctx) noexcept {
    if (ctx->kek_bits == 256) return core::DigestSize::bits256;
    if (ctx->kek_bits == 512) return core::DigestSize::bits512;
    if (ctx->ukm_len == 8) return core::DigestSize::bits256;
    if (ctx->ukm_len == 16) return core::DigestSize::bits512;
    return digest_size(ctx->key->kind);
}

void* newctx(void* provctx) noexcept {
    return make<ExchCtx>(static_cast<ProvCtx*>(provctx));
}

void freectx(void* vctx) noexcept {
    auto* ctx = static_cast<ExchCtx*>(vctx);
    if (ctx != nullptr) OPENSSL_cleanse(ctx->ukm, sizeof(ctx->ukm));
    delete ctx;
}

void* dupctx(void* vctx) noexcept {
    return make<ExchCtx>(*static_cast<const ExchCtx*>(vctx));
}

bool set_ukm(ExchCtx* ctx, const unsigned char* data, std::size_t len) noexcept {
    if (len == 0 || len > sizeof(ctx->ukm)) {
        GOSTCSP_RAISE(ctx->prov, Reason::invalid_ukm, "UKM of %zu bytes", len);
        return false;
    }
    std::memcpy(ctx->ukm, data, len);
    ctx->ukm_len = len;
    return true;
}

int set_ctx_params(void* vctx, const OSSL_PARAM params[]) noexcept {
    auto* ctx = static_cast<ExchCtx*>(vctx);
    const OSSL_PARAM* p = OSSL_PARAM_locate_const(params, param_ukm);
    if (p != nullptr) {
        const void* data = nullptr;
        std::size_t len = 0;
        if (!OSSL_PARAM_get_octet_string_ptr(p, &data, &len) ||
            !set_ukm(ctx, static_cast<const unsigned char*>(data), len))
            return 0;
    }
    p = OSSL_PARAM_locate_const(params, param_ukmhex);
    if (p != nullptr) {
        const char* hex = nullptr;
        long len = 0;
        unsigned char* bytes = nullptr;
        if (!OSSL_PARAM_get_utf8_string_ptr(p, &hex) ||
            (bytes = OPENSSL_hexstr2buf(hex, &len)) == nullptr) {
            GOSTCSP_RAISE(ctx->prov, Reason::invalid_ukm, "ukmhex is not hexadecimal");
            return 0;
        }
        const bool ok = set_ukm(ctx, bytes, static_cast<std::size_t>(len));
        OPENSSL_free(bytes);
        if (!ok) return 0;
    }
    p = OSSL_PARAM_locate_const(params, param_kek_bits);
    if (p != nullptr) {
        int bits = 0;
        if (!OSSL_PARAM_get_int(p, &bits) || (bits != 0 && bits != 256 && bits != 512)) {
            GOSTCSP_RAISE(ctx->prov, Reason::bad_parameter, "kek-bits must be 256 or 512");
            return 0;
        }
        ctx->kek_bits = bits;
    }
    return 1;
}

const OSSL_PARAM* settable_ctx_params(void*, void*) noexcept {
    static const OSSL_PARAM table[] = {
        OSSL_PARAM_octet_string(param_ukm, nullptr, 0),
        OSSL_PARAM_utf8_string(param_ukmhex, nullptr, 0),
        OSSL_PARAM_int(param_kek_bits, nullptr),
        OSSL_PARAM_END,
    };
    return table;
}

int init(void* vctx, void* vkey, const OSSL_PARAM params[]) noexcept {
    auto* ctx = static_cast<ExchCtx*>(vctx);
    auto* key = static_cast<GostKey*>(vkey);
    if (key == nullptr || !key->has_private) {
        GOSTCSP_RAISE(ctx->prov, Reason::missing_private_key);
        return 0;
    }
    ctx->key = key;
    return set_ctx_params(ctx, params);
}

int set_peer(void* vctx, void* vpeer) noexcept {
    auto* ctx = static_cast<ExchCtx*>(vctx);
    auto* peer = static_cast<GostKey*>(vpeer);
    if (peer == nullptr || !peer->has_public) {
        GOSTCSP_RAISE(ctx->prov, Reason::missing_peer_key);
        return 0;
    }
    if (ctx->key != nullptr &&
        (peer->kind != ctx->key->kind || peer->params.set != ctx->key->params.set)) {
        GOSTCSP_RAISE(ctx->prov, Reason::param_set_mismatch);
        return 0;
    }
    ctx->peer = peer;
    return 1;
}

int derive(void* vctx, unsigned char* secret, size_t* secretlen, size_t outlen) noexcept {
    auto* ctx = static_cast<ExchCtx*>(vctx);
    if (ctx->key == nullptr) {
        GOSTCSP_RAISE(ctx->prov, Reason::missing_private_key);
        return 0;
    }
    const core::DigestSize size = kek_size(ctx);
    const std::size_t n = core::digest_bytes(size);
    if (secret == nullptr) {
        *secretlen = n;
        return 1;
    }
    if (ctx->peer == nullptr) {
        GOSTCSP_RAISE(ctx->prov, Reason::missing_peer_key);
        return 0;
    }
    if (ctx->ukm_len == 0) {
        GOSTCSP_RAISE(ctx->prov, Reason::missing_ukm, "set ukm (octets) or ukmhex");
        return 0;
    }
    if (outlen < n) {
        GOSTCSP_RAISE(ctx->prov, Reason::buffer_too_small);
        return 0;
    }
    if (ctx->key->token) {  // VKO with the scalar on the token: C_DeriveKey
        if (!token_vko(ctx->prov, *ctx->key->token, ctx->peer->pub, {ctx->ukm, ctx->ukm_len},
                       {secret, n}))
            return 0;
        *secretlen = n;
        return 1;
    }
    const auto st =
        core::vko(ctx->key->priv, ctx->peer->pub, {ctx->ukm, ctx->ukm_len}, size, {secret, n});
    if (!core::ok(st)) {
        GOSTCSP_RAISE_STATUS(ctx->prov, st);
        return 0;
    }
    *secretlen = n;
    return 1;
}

const OSSL_DISPATCH functions[] = {
    entry<OSSL_FUNC_KEYEXCH_NEWCTX, OSSL_FUNC_keyexch_newctx_fn>(&newctx),
    entry<OSSL_FUNC_KEYEXCH_FREECTX, OSSL_FUNC_keyexch_freectx_fn>(&freectx),
    entry<OSSL_FUNC_KEYEXCH_DUPCTX, OSSL_FUNC_keyexch_dupctx_fn>(&dupctx),
    entry<OSSL_FUNC_KEYEXCH_INIT, OSSL_FUNC_keyexch_init_fn>(&init),
    entry<OSSL_FUNC_KEYEXCH_SET_PEER, OSSL_FUNC_keyexch_set_peer_fn>(&set_peer),
    entry<OSSL_FUNC_KEYEXCH_DERIVE, OSSL_FUNC_keyexch_derive_fn>(&derive),
    entry<OSSL_FUNC_KEYEXCH_SET_CTX_PARAMS, OSSL_FUNC_keyexch_set_ctx_params_fn>(&set_ctx_params),
    entry<OSSL_FUNC_KEYEXCH_SETTABLE_CTX_PARAMS, OSSL_FUNC_keyexch_settable_ctx_params_fn>(
        &settable_ctx_params),
    dispatch_end,
};

}  // namespace

const OSSL_ALGORITHM keyexch_algorithms[] = {
    {GOSTCSP_NAMES_256, "provider=gostcsp", functions, "VKO GOST R 34.10-2012 256"},
    {GOSTCSP_NAMES_512, "provider=gostcsp", functions, "VKO GOST R 34.10-2012 512"},
    {nullptr, nullptr, nullptr, nullptr},
};

}  // namespace gostcsp::prov
