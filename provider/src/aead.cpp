// SPDX-License-Identifier: Apache-2.0
// CIPHER: kuznyechik-mgm / magma-mgm (MGM, RFC 9058) in the GCM style of EVP: the nonce is the IV
// (one block, top bit clear), AAD goes in through update with out = NULL, the tag is
// OSSL_CIPHER_PARAM_AEAD_TAG (get after encryption's final, set before decryption's final).
// Decryption's final fails on a tag mismatch; like GCM, earlier update output must be discarded.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include <cstring>
#include <optional>
#include <utility>

#include "cipher_params.hpp"
#include "errors.hpp"
#include "gostcsp/kuznyechik.hpp"
#include "gostcsp/magma.hpp"
#include "gostcsp/mgm.hpp"
#include "prov.hpp"
#include "sym_algs.hpp"

namespace gostcsp::prov {

namespace {

struct AeadCtx {
    AeadCtx(ProvCtx* p, const AeadAlg& a) noexcept : prov(p), alg(&a), tag_len(a.block_bytes) {}
    ~AeadCtx() { OPENSSL_cleanse(tag, sizeof tag); }
    AeadCtx(const AeadCtx&) = delete;
    AeadCtx& operator=(const AeadCtx&) = delete;
    ProvCtx* prov;
    const AeadAlg* alg;
    core::Kuznyechik kz;
    core::Magma mg;
    std::optional<core::MgmStream> mgm;
    unsigned char iv[16] = {};
    bool have_iv = false, have_key = false, started = false, encrypt = true, done = false;
    unsigned char tag[16] = {};
    std::size_t tag_len;
    bool tag_set = false;
    const core::BlockCipher& bc() const noexcept {
        if (alg->cipher == SymCipher::kuznyechik) return kz;
        return mg;
    }
};

template <std::size_t I>
void* newctx(void* provctx) noexcept {
    return make<AeadCtx>(static_cast<ProvCtx*>(provctx), aead_algs[I]);
}
void freectx(void* vctx) noexcept {
    delete static_cast<AeadCtx*>(vctx);
}

int set_ctx_params(void* vctx, const OSSL_PARAM params[]) noexcept;

int init(void* vctx, const unsigned char* key, size_t keylen, const unsigned char* iv, size_t ivlen,
         const OSSL_PARAM params[], bool encrypt) noexcept {
    auto& c = *static_cast<AeadCtx*>(vctx);
    c.encrypt = encrypt;
    c.done = false;
    c.tag_set = false;
    if (!set_ctx_params(&c, params)) return 0;
    if (key != nullptr) {
        if (keylen != sym_key_bytes) {
            GOSTCSP_RAISE(c.prov, Reason::wrong_length, "key is %zu bytes, MGM takes 32", keylen);
            return 0;
        }
        const core::Status s = c.alg->cipher == SymCipher::kuznyechik ? c.kz.set_key({key, keylen})
                                                                      : c.mg.set_key({key, keylen});
        if (s != core::Status::ok) {
            GOSTCSP_RAISE_STATUS(c.prov, s);
            return 0;
        }
        c.have_key = true;
        c.mgm.reset();
        c.mgm.emplace(c.bc());
    }
    if (iv != nullptr) {
        if (ivlen != c.alg->block_bytes || (iv[0] & 0x80) != 0) {
            GOSTCSP_RAISE(c.prov, Reason::wrong_length,
                          "MGM nonce: %zu bytes with the top bit clear (got %zu)",
                          c.alg->block_bytes, ivlen);
            return 0;
        }
        std::memcpy(c.iv, iv, ivlen);
        c.have_iv = true;
    }
    c.started = false;
    if (c.have_key && c.have_iv) {
        const core::Status s = c.mgm->start({c.iv, c.alg->block_bytes});
        if (s != core::Status::ok) {
            GOSTCSP_RAISE_STATUS(c.prov, s);
            return 0;
        }
        c.started = true;
    }
    return 1;
}

int einit(void* v, const unsigned char* k, size_t kl, const unsigned char* iv, size_t ivl,
          const OSSL_PARAM p[]) noexcept {
    return init(v, k, kl, iv, ivl, p, true);
}
int dinit(void* v, const unsigned char* k, size_t kl, const unsigned char* iv, size_t ivl,
          const OSSL_PARAM p[]) noexcept {
    return init(v, k, kl, iv, ivl, p, false);
}

int update(void* vctx, unsigned char* out, size_t* outl, size_t outsize, const unsigned char* in,
           size_t inl) noexcept {
    auto& c = *static_cast<AeadCtx*>(vctx);
    if (!c.started || c.done) {
        GOSTCSP_RAISE(c.prov, Reason::operation_not_initialised, "MGM needs a key and a nonce");
        return 0;
    }
    *outl = 0;
    core::Status s = core::Status::ok;
    if (out == nullptr) {
        s = c.mgm->aad({in, inl});
    } else {
        if (outsize < inl) {
            GOSTCSP_RAISE(c.prov, Reason::buffer_too_small);
            return 0;
        }
        s = c.mgm->process({in, inl}, {out, inl}, c.encrypt);
        *outl = inl;
    }
    if (s != core::Status::ok) {
        *outl = 0;
        GOSTCSP_RAISE(c.prov, s == core::Status::bad_state ? Reason::bad_parameter : reason_for(s),
                      s == core::Status::bad_state ? "AAD after the text" : nullptr);
        return 0;
    }
    return 1;
}

int final(void* vctx, unsigned char*, size_t* outl, size_t) noexcept {
    auto& c = *static_cast<AeadCtx*>(vctx);
    *outl = 0;
    if (!c.started || c.done) {
        GOSTCSP_RAISE(c.prov, Reason::operation_not_initialised);
        return 0;
    }
    if (!c.encrypt && !c.tag_set) {
        GOSTCSP_RAISE(c.prov, Reason::missing_key, "decryption needs the tag (AEAD_TAG) first");
        return 0;
    }
    unsigned char t[16];
    const core::Status s = c.mgm->finish({t, c.tag_len});
    c.done = true;
    if (s != core::Status::ok) {
        GOSTCSP_RAISE_STATUS(c.prov, s);
        return 0;
    }
    if (c.encrypt) {
        std::memcpy(c.tag, t, c.tag_len);
        OPENSSL_cleanse(t, sizeof t);
        return 1;
    }
    const bool good = CRYPTO_memcmp(t, c.tag, c.tag_len) == 0;
    OPENSSL_cleanse(t, sizeof t);
    if (!good) {
        GOSTCSP_RAISE(c.prov, Reason::auth_failed);
        return 0;
    }
    return 1;
}

template <std::size_t I>
int get_params(OSSL_PARAM params[]) noexcept {
    const AeadAlg& a = aead_algs[I];
    return get_cipher_params({0, 1, a.block_bytes, true}, params);
}

int get_ctx_params(void* vctx, OSSL_PARAM params[]) noexcept {
    auto& c = *static_cast<AeadCtx*>(vctx);
    OSSL_PARAM* p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_IVLEN);
    if (p != nullptr && !OSSL_PARAM_set_size_t(p, c.alg->block_bytes)) return 0;
    p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_KEYLEN);
    if (p != nullptr && !OSSL_PARAM_set_size_t(p, sym_key_bytes)) return 0;
    p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_AEAD_TAGLEN);
    if (p != nullptr && !OSSL_PARAM_set_size_t(p, c.tag_len)) return 0;
    p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_AEAD_TAG);
    if (p != nullptr) {
        if (!c.encrypt || !c.done || p->data_size == 0 || p->data_size > c.tag_len) {
            GOSTCSP_RAISE(c.prov, Reason::bad_parameter,
                          "the tag is read after encryption's final, 1..%zu bytes", c.tag_len);
            return 0;
        }
        if (!OSSL_PARAM_set_octet_string(p, c.tag, p->data_size)) return 0;
    }
    return 1;
}

const OSSL_PARAM* gettable_ctx_params(void*, void*) noexcept {
    static const OSSL_PARAM table[] = {
        OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_IVLEN, nullptr),
        OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_KEYLEN, nullptr),
        OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_AEAD_TAGLEN, nullptr),
        OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, nullptr, 0),
        OSSL_PARAM_END,
    };
    return table;
}

int set_ctx_params(void* vctx, const OSSL_PARAM params[]) noexcept {
    auto& c = *static_cast<AeadCtx*>(vctx);
    if (params == nullptr) return 1;
    const OSSL_PARAM* p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_IVLEN);
    if (p != nullptr) {
        size_t len = 0;
        if (!OSSL_PARAM_get_size_t(p, &len) || len != c.alg->block_bytes) {
            GOSTCSP_RAISE(c.prov, Reason::wrong_length, "the MGM nonce is %zu bytes",
                          c.alg->block_bytes);
            return 0;
        }
    }
    p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_KEYLEN);
    if (p != nullptr) {
        size_t len = 0;
        if (!OSSL_PARAM_get_size_t(p, &len) || len != sym_key_bytes) {
            GOSTCSP_RAISE(c.prov, Reason::wrong_length, "the key is 32 bytes");
            return 0;
        }
    }
    p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_AEAD_TAG);
    if (p != nullptr) {
        // With data: the tag to check (decryption). Without data: the tag length (encryption).
        if (p->data == nullptr) {
            if (p->data_size < 4 || p->data_size > c.alg->block_bytes) {
                GOSTCSP_RAISE(c.prov, Reason::wrong_length, "MGM tags are 4..%zu bytes",
                              c.alg->block_bytes);
                return 0;
            }
            c.tag_len = p->data_size;
        } else {
            if (p->data_size < 4 || p->data_size > c.alg->block_bytes) {
                GOSTCSP_RAISE(c.prov, Reason::wrong_length, "MGM tags are 4..%zu bytes",
                              c.alg->block_bytes);
                return 0;
            }
            std::memcpy(c.tag, p->data, p->data_size);
            c.tag_len = p->data_size;
            c.tag_set = true;
        }
    }
    return 1;
}

const OSSL_PARAM* settable_ctx_params(void*, void*) noexcept {
    static const OSSL_PARAM table[] = {
        OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_IVLEN, nullptr),
        OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_KEYLEN, nullptr),
        OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, nullptr, 0),
        OSSL_PARAM_END,
    };
    return table;
}

template <std::size_t I>
const OSSL_DISPATCH functions[] = {
    entry<OSSL_FUNC_CIPHER_NEWCTX, OSSL_FUNC_cipher_newctx_fn>(&newctx<I>),
    entry<OSSL_FUNC_CIPHER_FREECTX, OSSL_FUNC_cipher_freectx_fn>(&freectx),
    entry<OSSL_FUNC_CIPHER_ENCRYPT_INIT, OSSL_FUNC_cipher_encrypt_init_fn>(&einit),
    entry<OSSL_FUNC_CIPHER_DECRYPT_INIT, OSSL_FUNC_cipher_decrypt_init_fn>(&dinit),
    entry<OSSL_FUNC_CIPHER_UPDATE, OSSL_FUNC_cipher_update_fn>(&update),
    entry<OSSL_FUNC_CIPHER_FINAL, OSSL_FUNC_cipher_final_fn>(&final),
    entry<OSSL_FUNC_CIPHER_GET_PARAMS, OSSL_FUNC_cipher_get_params_fn>(&get_params<I>),
    entry<OSSL_FUNC_CIPHER_GETTABLE_PARAMS, OSSL_FUNC_cipher_gettable_params_fn>(
        &cipher_gettable_params),
    entry<OSSL_FUNC_CIPHER_GET_CTX_PARAMS, OSSL_FUNC_cipher_get_ctx_params_fn>(&get_ctx_params),
    entry<OSSL_FUNC_CIPHER_GETTABLE_CTX_PARAMS, OSSL_FUNC_cipher_gettable_ctx_params_fn>(
        &gettable_ctx_params),
    entry<OSSL_FUNC_CIPHER_SET_CTX_PARAMS, OSSL_FUNC_cipher_set_ctx_params_fn>(&set_ctx_params),
    entry<OSSL_FUNC_CIPHER_SETTABLE_CTX_PARAMS, OSSL_FUNC_cipher_settable_ctx_params_fn>(
        &settable_ctx_params),
    dispatch_end,
};

}  // namespace

// The rows cipher.cpp appends to its algorithm table.
extern const OSSL_ALGORITHM aead_rows[aead_row_count] = {
    {aead_algs[0].names, "provider=gostcsp", functions<0>, aead_algs[0].description},
    {aead_algs[1].names, "provider=gostcsp", functions<1>, aead_algs[1].description},
};

}  // namespace gostcsp::prov
