// SPDX-License-Identifier: Apache-2.0
// SIGNATURE: GOST R 34.10-2012 over a digest and hash-and-sign with Streebog (RFC 7091, RFC 4491).
#include <openssl/core_names.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/x509.h>

#include <cstring>
#include <optional>
#include <string_view>

#include "errors.hpp"
#include "gostcsp/gost3410.hpp"
#include "gostcsp/streebog.hpp"
#include "key.hpp"
#include "prov.hpp"
#include "token_key.hpp"

namespace gostcsp::prov {

namespace {

struct SigCtx {
    explicit SigCtx(ProvCtx* p) noexcept : prov(p) {}
    ProvCtx* prov;
    GostKey* key = nullptr;              // owned by the EVP_PKEY, which outlives this context
    std::optional<core::Streebog> hash;  // digest-sign / digest-verify in progress
    // Hash-and-sign on the token for a token key whose token offers it (shared by duplicates:
    // OpenSSL duplicates the context before the final call).
    std::shared_ptr<TokenSignStream> token_stream;
};

// Streebog names OpenSSL may pass for the digest (EVP_MD_get0_name, OIDs, object names).
std::optional<core::DigestSize> digest_from_name(std::string_view name) noexcept {
    static constexpr std::string_view n256[] = {"md_gost12_256", "id-tc26-gost3411-12-256",
                                                "streebog256", "1.2.643.7.1.1.2.2",
                                                "GOST R 34.11-2012 with 256 bit hash"};
    static constexpr std::string_view n512[] = {"md_gost12_512", "id-tc26-gost3411-12-512",
                                                "streebog512", "1.2.643.7.1.1.2.3",
                                                "GOST R 34.11-2012 with 512 bit hash"};
    auto eq = [](std::string_view a, std::string_view b) {
        return a.size() == b.size() && OPENSSL_strncasecmp(a.data(), b.data(), a.size()) == 0;
    };
    for (auto n : n256)
        if (eq(n, name)) return core::DigestSize::bits256;
    for (auto n : n512)
        if (eq(n, name)) return core::DigestSize::bits512;
    return std::nullopt;
}

// 34.10-2012 pairs 256-bit keys with Streebog-256 and 512-bit keys with Streebog-512 only.
bool check_digest(const SigCtx* ctx, const char* mdname) noexcept {
    if (mdname == nullptr || mdname[0] == '\0') return true;
    const auto size = digest_from_name(mdname);
    if (!size || *size != digest_size(ctx->key->kind)) {
        GOSTCSP_RAISE(ctx->prov, Reason::digest_not_allowed, "%s with %s", mdname,
                      key_type_name(ctx->key->kind));
        return false;
    }
    return true;
}

int set_ctx_params(void* vctx, const OSSL_PARAM params[]) noexcept {
    auto* ctx = static_cast<SigCtx*>(vctx);
    const OSSL_PARAM* p = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_DIGEST);
    if (p == nullptr) return 1;
    const char* mdname = nullptr;
    if (!OSSL_PARAM_get_utf8_string_ptr(p, &mdname)) return 0;
    if (ctx->key == nullptr) {
        GOSTCSP_RAISE(ctx->prov, Reason::operation_not_initialised);
        return 0;
    }
    return check_digest(ctx, mdname) ? 1 : 0;
}

const OSSL_PARAM* settable_ctx_params(void*, void*) noexcept {
    static const OSSL_PARAM table[] = {
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, nullptr, 0),
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PROPERTIES, nullptr, 0),
        OSSL_PARAM_END,
    };
    return table;
}

int get_ctx_params(void* vctx, OSSL_PARAM params[]) noexcept {
    auto* ctx = static_cast<SigCtx*>(vctx);
    if (ctx->key == nullptr) return 0;
    const KeyKind kind = ctx->key->kind;
    OSSL_PARAM* p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_ALGORITHM_ID);
    if (p != nullptr) {
        // id-tc26-signwithdigest-gost3410-12-256/-512 with NULL parameters, as gost-engine.
        X509_ALGOR* alg = X509_ALGOR_new();
        unsigned char* der = nullptr;
        int len = -1;
        if (alg != nullptr &&
            X509_ALGOR_set0(alg, OBJ_txt2obj(signature_alg_oid(kind), 1), V_ASN1_NULL, nullptr))
            len = i2d_X509_ALGOR(alg, &der);
        X509_ALGOR_free(alg);
        const bool ok = len > 0 && OSSL_PARAM_set_octet_string(p, der, static_cast<size_t>(len));
        OPENSSL_free(der);
        if (!ok) return 0;
    }
    p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_DIGEST);
    if (p != nullptr && !OSSL_PARAM_set_utf8_string(p, digest_name(kind))) return 0;
    p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_DIGEST_SIZE);
    if (p != nullptr && !OSSL_PARAM_set_size_t(p, core::digest_bytes(digest_size(kind)))) return 0;
    return 1;
}

const OSSL_PARAM* gettable_ctx_params(void*, void*) noexcept {
    static const OSSL_PARAM table[] = {
        OSSL_PARAM_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, nullptr, 0),
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, nullptr, 0),
        OSSL_PARAM_size_t(OSSL_SIGNATURE_PARAM_DIGEST_SIZE, nullptr),
        OSSL_PARAM_END,
    };
    return table;
}

void* newctx(void* provctx, const char*) noexcept {
    return make<SigCtx>(static_cast<ProvCtx*>(provctx));
}

void freectx(void* vctx) noexcept {
    delete static_cast<SigCtx*>(vctx);
}

void* dupctx(void* vctx) noexcept {
    return make<SigCtx>(*static_cast<const SigCtx*>(vctx));
}

bool attach_key(SigCtx* ctx, void* vkey, bool need_private) noexcept {
    auto* key = static_cast<GostKey*>(vkey);
    if (key == nullptr && ctx->key == nullptr) {
        GOSTCSP_RAISE(ctx->prov, Reason::missing_key);
        return false;
    }
    if (key != nullptr) ctx->key = key;
    if (need_private ? !ctx->key->has_private : !ctx->key->has_public) {
        GOSTCSP_RAISE(ctx->prov, need_private ? Reason::missing_private_key : Reason::missing_key);
        return false;
    }
    ctx->hash.reset();
    ctx->token_stream.reset();
    return true;
}

int sign_init(void* vctx, void* vkey, const OSSL_PARAM params[]) noexcept {
    auto* ctx = static_cast<SigCtx*>(vctx);
    return attach_key(ctx, vkey, true) && set_ctx_params(ctx, params) ? 1 : 0;
}

int verify_init(void* vctx, void* vkey, const OSSL_PARAM params[]) noexcept {
    auto* ctx = static_cast<SigCtx*>(vctx);
    return attach_key(ctx, vkey, false) && set_ctx_params(ctx, params) ? 1 : 0;
}

int do_sign(SigCtx* ctx, unsigned char* sig, size_t* siglen, size_t sigsize,
            std::span<const std::uint8_t> digest) noexcept {
    const std::size_t n = ctx->key->signature_bytes();
    if (sig == nullptr) {
        *siglen = n;
        return 1;
    }
    if (sigsize < n) {
        GOSTCSP_RAISE(ctx->prov, Reason::buffer_too_small);
        return 0;
    }
    if (ctx->key->token) {  // the scalar is on the token: raw sign there
        if (!token_sign_digest(ctx->prov, *ctx->key->token, digest, {sig, n})) return 0;
        *siglen = n;
        return 1;
    }
    const auto st = core::sign_digest(ctx->key->priv, digest, {sig, n});
    if (!core::ok(st)) {
        GOSTCSP_RAISE_STATUS(ctx->prov, st);
        return 0;
    }
    *siglen = n;
    return 1;
}

int do_verify(SigCtx* ctx, const unsigned char* sig, size_t siglen,
              std::span<const std::uint8_t> digest) noexcept {
    if (siglen != ctx->key->signature_bytes()) {
        GOSTCSP_RAISE(ctx->prov, Reason::wrong_signature_length, "%zu bytes, expected %zu", siglen,
                      ctx->key->signature_bytes());
        return 0;
    }
    const auto st = core::verify_digest(ctx->key->pub, digest, {sig, siglen});
    if (!core::ok(st)) {
        GOSTCSP_RAISE_STATUS(ctx->prov, st);
        return 0;
    }
    return 1;
}

bool check_digest_length(SigCtx* ctx, size_t tbslen) noexcept {
    const std::size_t want = core::digest_bytes(digest_size(ctx->key->kind));
    if (tbslen != want) {
        GOSTCSP_RAISE(ctx->prov, Reason::wrong_digest_length, "%zu bytes, expected %zu", tbslen,
                      want);
        return false;
    }
    return true;
}

int sign(void* vctx, unsigned char* sig, size_t* siglen, size_t sigsize, const unsigned char* tbs,
         size_t tbslen) noexcept {
    auto* ctx = static_cast<SigCtx*>(vctx);
    if (ctx->key == nullptr) return 0;
    if (sig != nullptr && !check_digest_length(ctx, tbslen)) return 0;
    return do_sign(ctx, sig, siglen, sigsize, {tbs, tbslen});
}

int verify(void* vctx, const unsigned char* sig, size_t siglen, const unsigned char* tbs,
           size_t tbslen) noexcept {
    auto* ctx = static_cast<SigCtx*>(vctx);
    if (ctx->key == nullptr || !check_digest_length(ctx, tbslen)) return 0;
    return do_verify(ctx, sig, siglen, {tbs, tbslen});
}

int digest_init(SigCtx* ctx, const char* mdname, void* vkey, const OSSL_PARAM params[],
                bool need_private) noexcept {
    if (!attach_key(ctx, vkey, need_private) || !check_digest(ctx, mdname) ||
        !set_ctx_params(ctx, params))
        return 0;
    if (need_private && ctx->key->token && token_has_hash_and_sign(*ctx->key->token)) {
        ctx->token_stream = TokenSignStream::start(ctx->prov, ctx->key->token);
        return ctx->token_stream ? 1 : 0;
    }
    ctx->hash.emplace(digest_size(ctx->key->kind));
    return 1;
}

int digest_sign_init(void* vctx, const char* mdname, void* vkey,
                     const OSSL_PARAM params[]) noexcept {
    return digest_init(static_cast<SigCtx*>(vctx), mdname, vkey, params, true);
}

int digest_verify_init(void* vctx, const char* mdname, void* vkey,
                       const OSSL_PARAM params[]) noexcept {
    return digest_init(static_cast<SigCtx*>(vctx), mdname, vkey, params, false);
}

int digest_update(void* vctx, const unsigned char* data, size_t datalen) noexcept {
    auto* ctx = static_cast<SigCtx*>(vctx);
    if (ctx->token_stream) return ctx->token_stream->update({data, datalen}) ? 1 : 0;
    if (!ctx->hash) {
        GOSTCSP_RAISE(ctx->prov, Reason::operation_not_initialised);
        return 0;
    }
    if (datalen > 0) ctx->hash->update({data, datalen});
    return 1;
}

int digest_sign_final(void* vctx, unsigned char* sig, size_t* siglen, size_t sigsize) noexcept {
    auto* ctx = static_cast<SigCtx*>(vctx);
    if (ctx->token_stream && ctx->key != nullptr) {
        const std::size_t n = ctx->key->signature_bytes();
        *siglen = n;
        if (sig == nullptr) return 1;
        if (sigsize < n) {
            GOSTCSP_RAISE(ctx->prov, Reason::buffer_too_small);
            return 0;
        }
        const bool ok = ctx->token_stream->final({sig, n});
        ctx->token_stream.reset();
        return ok ? 1 : 0;
    }
    if (!ctx->hash || ctx->key == nullptr) {
        GOSTCSP_RAISE(ctx->prov, Reason::operation_not_initialised);
        return 0;
    }
    if (sig == nullptr) return do_sign(ctx, nullptr, siglen, sigsize, {});
    std::uint8_t digest[64];
    const std::size_t n = ctx->hash->output_bytes();
    ctx->hash->final({digest, n});
    return do_sign(ctx, sig, siglen, sigsize, {digest, n});
}

int digest_verify_final(void* vctx, const unsigned char* sig, size_t siglen) noexcept {
    auto* ctx = static_cast<SigCtx*>(vctx);
    if (!ctx->hash || ctx->key == nullptr) {
        GOSTCSP_RAISE(ctx->prov, Reason::operation_not_initialised);
        return 0;
    }
    std::uint8_t digest[64];
    const std::size_t n = ctx->hash->output_bytes();
    ctx->hash->final({digest, n});
    return do_verify(ctx, sig, siglen, {digest, n});
}

const OSSL_DISPATCH functions[] = {
    entry<OSSL_FUNC_SIGNATURE_NEWCTX, OSSL_FUNC_signature_newctx_fn>(&newctx),
    entry<OSSL_FUNC_SIGNATURE_FREECTX, OSSL_FUNC_signature_freectx_fn>(&freectx),
    entry<OSSL_FUNC_SIGNATURE_DUPCTX, OSSL_FUNC_signature_dupctx_fn>(&dupctx),
    entry<OSSL_FUNC_SIGNATURE_SIGN_INIT, OSSL_FUNC_signature_sign_init_fn>(&sign_init),
    entry<OSSL_FUNC_SIGNATURE_SIGN, OSSL_FUNC_signature_sign_fn>(&sign),
    entry<OSSL_FUNC_SIGNATURE_VERIFY_INIT, OSSL_FUNC_signature_verify_init_fn>(&verify_init),
    entry<OSSL_FUNC_SIGNATURE_VERIFY, OSSL_FUNC_signature_verify_fn>(&verify),
    entry<OSSL_FUNC_SIGNATURE_DIGEST_SIGN_INIT, OSSL_FUNC_signature_digest_sign_init_fn>(
        &digest_sign_init),
    entry<OSSL_FUNC_SIGNATURE_DIGEST_SIGN_UPDATE, OSSL_FUNC_signature_digest_sign_update_fn>(
        &digest_update),
    entry<OSSL_FUNC_SIGNATURE_DIGEST_SIGN_FINAL, OSSL_FUNC_signature_digest_sign_final_fn>(
        &digest_sign_final),
    entry<OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_INIT, OSSL_FUNC_signature_digest_verify_init_fn>(
        &digest_verify_init),
    entry<OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_UPDATE, OSSL_FUNC_signature_digest_verify_update_fn>(
        &digest_update),
    entry<OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_FINAL, OSSL_FUNC_signature_digest_verify_final_fn>(
        &digest_verify_final),
    entry<OSSL_FUNC_SIGNATURE_GET_CTX_PARAMS, OSSL_FUNC_signature_get_ctx_params_fn>(
        &get_ctx_params),
    entry<OSSL_FUNC_SIGNATURE_GETTABLE_CTX_PARAMS, OSSL_FUNC_signature_gettable_ctx_params_fn>(
        &gettable_ctx_params),
    entry<OSSL_FUNC_SIGNATURE_SET_CTX_PARAMS, OSSL_FUNC_signature_set_ctx_params_fn>(
        &set_ctx_params),
    entry<OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS, OSSL_FUNC_signature_settable_ctx_params_fn>(
        &settable_ctx_params),
    dispatch_end,
};

}  // namespace

// Fetched by key type (EVP_PKEY_sign_init) and by the signature OIDs.
const OSSL_ALGORITHM signature_algorithms[] = {
    {GOSTCSP_NAMES_256, "provider=gostcsp", functions, "GOST R 34.10-2012 256-bit signature"},
    {GOSTCSP_NAMES_512, "provider=gostcsp", functions, "GOST R 34.10-2012 512-bit signature"},
    {nullptr, nullptr, nullptr, nullptr},
};

}  // namespace gostcsp::prov
