// SPDX-License-Identifier: Apache-2.0
// DIGEST: Streebog-256/512 (GOST R 34.11-2012, RFC 6986) under gost-engine's names and OIDs.
#include <openssl/core_names.h>
#include <openssl/params.h>

#include "errors.hpp"
#include "gostcsp/streebog.hpp"
#include "prov.hpp"

namespace gostcsp::prov {

namespace {

struct DigestCtx {
    DigestCtx(ProvCtx* p, core::DigestSize size) noexcept : prov(p), md(size) {}
    ProvCtx* prov;
    core::Streebog md;
};

template <core::DigestSize Size>
void* newctx(void* provctx) noexcept {
    return make<DigestCtx>(static_cast<ProvCtx*>(provctx), Size);
}

void freectx(void* vctx) noexcept {
    delete static_cast<DigestCtx*>(vctx);
}

void* dupctx(void* vctx) noexcept {
    const auto* src = static_cast<const DigestCtx*>(vctx);
    return make<DigestCtx>(*src);
}

int init(void* vctx, const OSSL_PARAM[]) noexcept {
    static_cast<DigestCtx*>(vctx)->md.reset();
    return 1;
}

int update(void* vctx, const unsigned char* in, size_t inl) noexcept {
    if (inl > 0) static_cast<DigestCtx*>(vctx)->md.update({in, inl});
    return 1;
}

int final(void* vctx, unsigned char* out, size_t* outl, size_t outsz) noexcept {
    auto* ctx = static_cast<DigestCtx*>(vctx);
    const std::size_t n = ctx->md.output_bytes();
    if (outsz < n) {
        GOSTCSP_RAISE(ctx->prov, Reason::buffer_too_small);
        return 0;
    }
    ctx->md.final({out, n});
    *outl = n;
    return 1;
}

template <core::DigestSize Size>
int get_params(OSSL_PARAM params[]) noexcept {
    OSSL_PARAM* p = OSSL_PARAM_locate(params, OSSL_DIGEST_PARAM_BLOCK_SIZE);
    if (p != nullptr && !OSSL_PARAM_set_size_t(p, core::Streebog::block_size)) return 0;
    p = OSSL_PARAM_locate(params, OSSL_DIGEST_PARAM_SIZE);
    if (p != nullptr && !OSSL_PARAM_set_size_t(p, core::digest_bytes(Size))) return 0;
    p = OSSL_PARAM_locate(params, OSSL_DIGEST_PARAM_XOF);
    if (p != nullptr && !OSSL_PARAM_set_int(p, 0)) return 0;
    // gost-engine writes NULL parameters in digest AlgorithmIdentifiers (CMS digestAlgorithms).
    p = OSSL_PARAM_locate(params, OSSL_DIGEST_PARAM_ALGID_ABSENT);
    if (p != nullptr && !OSSL_PARAM_set_int(p, 0)) return 0;
    return 1;
}

const OSSL_PARAM* gettable_params(void*) noexcept {
    static const OSSL_PARAM table[] = {
        OSSL_PARAM_size_t(OSSL_DIGEST_PARAM_BLOCK_SIZE, nullptr),
        OSSL_PARAM_size_t(OSSL_DIGEST_PARAM_SIZE, nullptr),
        OSSL_PARAM_int(OSSL_DIGEST_PARAM_XOF, nullptr),
        OSSL_PARAM_int(OSSL_DIGEST_PARAM_ALGID_ABSENT, nullptr),
        OSSL_PARAM_END,
    };
    return table;
}

template <core::DigestSize Size>
const OSSL_DISPATCH functions[] = {
    entry<OSSL_FUNC_DIGEST_NEWCTX, OSSL_FUNC_digest_newctx_fn>(&newctx<Size>),
    entry<OSSL_FUNC_DIGEST_INIT, OSSL_FUNC_digest_init_fn>(&init),
    entry<OSSL_FUNC_DIGEST_UPDATE, OSSL_FUNC_digest_update_fn>(&update),
    entry<OSSL_FUNC_DIGEST_FINAL, OSSL_FUNC_digest_final_fn>(&final),
    entry<OSSL_FUNC_DIGEST_FREECTX, OSSL_FUNC_digest_freectx_fn>(&freectx),
    entry<OSSL_FUNC_DIGEST_DUPCTX, OSSL_FUNC_digest_dupctx_fn>(&dupctx),
    entry<OSSL_FUNC_DIGEST_GET_PARAMS, OSSL_FUNC_digest_get_params_fn>(&get_params<Size>),
    entry<OSSL_FUNC_DIGEST_GETTABLE_PARAMS, OSSL_FUNC_digest_gettable_params_fn>(&gettable_params),
    dispatch_end,
};

}  // namespace

// names:aliases:OID, as gost-engine's gostprov spells them, plus streebog256/512.
const OSSL_ALGORITHM digest_algorithms[] = {
    {GOSTCSP_NAMES_STREEBOG256, "provider=gostcsp", functions<core::DigestSize::bits256>,
     "Streebog-256, GOST R 34.11-2012"},
    {GOSTCSP_NAMES_STREEBOG512, "provider=gostcsp", functions<core::DigestSize::bits512>,
     "Streebog-512, GOST R 34.11-2012"},
    {nullptr, nullptr, nullptr, nullptr},
};

}  // namespace gostcsp::prov
