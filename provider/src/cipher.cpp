// SPDX-License-Identifier: Apache-2.0
// CIPHER: Kuznyechik, Magma and GOST 28147-89 in the modes of GOST R 34.13-2015 / RFC 5830 /
// RFC 8645 under gost-engine's names (the rows of sym_algs.hpp). ECB and CBC pad as PKCS#7 unless
// "padding" is 0; the stream modes take any lengths. Params as gost-engine's provider: "key-mesh"
// (28147: meshing on/off; CTR-ACPKM: section size), "padding"; plus "paramset" (28147 S-boxes).
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include <cstring>
#include <optional>
#include <utility>

#include "cipher_params.hpp"
#include "errors.hpp"
#include "gostcsp/acpkm.hpp"
#include "gostcsp/gost28147.hpp"
#include "gostcsp/kuznyechik.hpp"
#include "gostcsp/magma.hpp"
#include "gostcsp/modes.hpp"
#include "prov.hpp"
#include "sym_algs.hpp"

namespace gostcsp::prov {

extern const OSSL_ALGORITHM aead_rows[aead_row_count];          // aead.cpp (MGM)
extern const OSSL_ALGORITHM ctr_omac_rows[ctr_omac_row_count];  // ctr_omac.cpp

namespace {

struct CipherCtx {
    CipherCtx(ProvCtx* p, const CipherAlg& a) noexcept
        : prov(p),
          alg(&a),
          param_set(a.param_set),
          meshing(a.meshing),
          section(a.section_bytes),
          g(a.param_set) {}
    ~CipherCtx() { OPENSSL_cleanse(buf, sizeof buf); }
    CipherCtx(const CipherCtx&) = delete;
    CipherCtx& operator=(const CipherCtx&) = delete;

    ProvCtx* prov;
    const CipherAlg* alg;
    core::Gost28147ParamSet param_set;
    bool meshing;
    std::size_t section;
    bool padding = true;
    bool encrypt = true;
    bool have_key = false;
    bool started = false;
    core::Kuznyechik kz;
    core::Magma mg;
    core::Gost28147 g;
    std::optional<core::Cbc> cbc;
    std::optional<core::Cfb> cfb;
    std::optional<core::Ofb> ofb;
    std::optional<core::Ctr> ctr;
    std::optional<core::CtrAcpkm<core::Kuznyechik>> acpkm_k;
    std::optional<core::CtrAcpkm<core::Magma>> acpkm_m;
    std::optional<core::Gost28147Cnt> cnt;
    std::optional<core::Gost28147Cfb> gcfb;
    unsigned char iv[16] = {};
    std::size_t iv_len = 0;
    unsigned char buf[16] = {};  // ECB/CBC: bytes of an incomplete (or held-back) block
    std::size_t buffered = 0;

    const core::BlockCipher& bc() const noexcept {
        switch (alg->cipher) {
            case SymCipher::kuznyechik:
                return kz;
            case SymCipher::magma:
                return mg;
            case SymCipher::gost28147:
                break;
        }
        return g;
    }
    std::size_t n() const noexcept { return bc().block_size(); }
    bool block_mode() const noexcept {
        return alg->mode == SymMode::ecb || alg->mode == SymMode::cbc;
    }
};

void reset_modes(CipherCtx& c) noexcept {
    c.cbc.reset();
    c.cfb.reset();
    c.ofb.reset();
    c.ctr.reset();
    c.acpkm_k.reset();
    c.acpkm_m.reset();
    c.cnt.reset();
    c.gcfb.reset();
    c.started = false;
    c.buffered = 0;
}

// (Re)starts the mode from the key and IV held in the context.
bool start(CipherCtx& c) noexcept {
    reset_modes(c);
    const std::span<const std::uint8_t> iv{c.iv, c.iv_len};
    core::Status s = core::Status::ok;
    switch (c.alg->mode) {
        case SymMode::ecb:
            break;
        case SymMode::cbc:
            s = c.cbc.emplace(c.bc()).start(iv, c.encrypt);
            break;
        case SymMode::cfb:
            s = c.cfb.emplace(c.bc()).start(iv, c.encrypt);
            break;
        case SymMode::ofb:
            s = c.ofb.emplace(c.bc()).start(iv);
            break;
        case SymMode::ctr:
            s = c.ctr.emplace(c.bc()).start(iv);
            break;
        case SymMode::ctr_acpkm:
            if (c.alg->cipher == SymCipher::kuznyechik)
                s = c.acpkm_k.emplace(c.kz, c.section).start(iv);
            else
                s = c.acpkm_m.emplace(c.mg, c.section).start(iv);
            break;
        case SymMode::cnt:
            s = c.cnt.emplace(c.g).start(iv, c.meshing);
            break;
        case SymMode::gost_cfb:
            s = c.gcfb.emplace(c.g).start(iv, c.encrypt, c.meshing);
            break;
    }
    if (s != core::Status::ok) {
        GOSTCSP_RAISE_STATUS(c.prov, s);
        reset_modes(c);
        return false;
    }
    c.started = true;
    return true;
}

void* newctx_row(void* provctx, const CipherAlg& alg) noexcept {
    return make<CipherCtx>(static_cast<ProvCtx*>(provctx), alg);
}

template <std::size_t I>
void* newctx(void* provctx) noexcept {
    return newctx_row(provctx, cipher_algs[I]);
}

void freectx(void* vctx) noexcept {
    delete static_cast<CipherCtx*>(vctx);
}

int set_ctx_params(void* vctx, const OSSL_PARAM params[]) noexcept;

int init(void* vctx, const unsigned char* key, size_t keylen, const unsigned char* iv, size_t ivlen,
         const OSSL_PARAM params[], bool encrypt) noexcept {
    auto* c = static_cast<CipherCtx*>(vctx);
    c->encrypt = encrypt;
    if (!set_ctx_params(c, params)) return 0;
    if (key != nullptr) {
        if (keylen != sym_key_bytes) {
            GOSTCSP_RAISE(c->prov, Reason::wrong_length, "key is %zu bytes, the cipher takes 32",
                          keylen);
            return 0;
        }
        core::Status s = core::Status::ok;
        switch (c->alg->cipher) {
            case SymCipher::kuznyechik:
                s = c->kz.set_key({key, keylen});
                break;
            case SymCipher::magma:
                s = c->mg.set_key({key, keylen});
                break;
            case SymCipher::gost28147:
                c->g = core::Gost28147(c->param_set);
                s = c->g.set_key({key, keylen});
                break;
        }
        if (s != core::Status::ok) {
            GOSTCSP_RAISE_STATUS(c->prov, s);
            return 0;
        }
        c->have_key = true;
    }
    if (iv != nullptr) {
        if (ivlen != c->alg->iv_bytes) {
            GOSTCSP_RAISE(c->prov, Reason::wrong_length, "IV is %zu bytes, %s takes %zu", ivlen,
                          c->alg->names, c->alg->iv_bytes);
            return 0;
        }
        std::memcpy(c->iv, iv, ivlen);
        c->iv_len = ivlen;
    }
    if (!c->have_key) return 1;  // key comes later (EVP_CipherInit_ex in steps)
    if (c->alg->iv_bytes != 0 && c->iv_len != c->alg->iv_bytes) return 1;
    return start(*c) ? 1 : 0;
}

int einit(void* vctx, const unsigned char* key, size_t keylen, const unsigned char* iv,
          size_t ivlen, const OSSL_PARAM params[]) noexcept {
    return init(vctx, key, keylen, iv, ivlen, params, true);
}
int dinit(void* vctx, const unsigned char* key, size_t keylen, const unsigned char* iv,
          size_t ivlen, const OSSL_PARAM params[]) noexcept {
    return init(vctx, key, keylen, iv, ivlen, params, false);
}

// Whole blocks through ECB or CBC (len a multiple of the block size).
core::Status blocks(CipherCtx& c, const unsigned char* in, unsigned char* out,
                    std::size_t len) noexcept {
    if (len == 0) return core::Status::ok;
    if (c.alg->mode == SymMode::cbc) return c.cbc->process({in, len}, {out, len});
    return c.encrypt ? core::ecb_encrypt(c.bc(), {in, len}, {out, len})
                     : core::ecb_decrypt(c.bc(), {in, len}, {out, len});
}

core::Status stream(CipherCtx& c, const unsigned char* in, unsigned char* out,
                    std::size_t len) noexcept {
    const std::span<const std::uint8_t> i{in, len};
    const std::span<std::uint8_t> o{out, len};
    switch (c.alg->mode) {
        case SymMode::cfb:
            return c.cfb->process(i, o);
        case SymMode::ofb:
            return c.ofb->process(i, o);
        case SymMode::ctr:
            return c.ctr->process(i, o);
        case SymMode::ctr_acpkm:
            return c.acpkm_k ? c.acpkm_k->process(i, o) : c.acpkm_m->process(i, o);
        case SymMode::cnt:
            return c.cnt->process(i, o);
        case SymMode::gost_cfb:
            return c.gcfb->process(i, o);
        case SymMode::ecb:
        case SymMode::cbc:
            break;
    }
    return blocks(c, in, out, len);
}

bool ready(CipherCtx& c) noexcept {
    if (c.started) return true;
    GOSTCSP_RAISE(c.prov, Reason::operation_not_initialised, "%s needs a key%s", c.alg->names,
                  c.alg->iv_bytes != 0 ? " and an IV" : "");
    return false;
}

bool fail(CipherCtx& c, core::Status s) noexcept {
    if (s == core::Status::ok) return false;
    GOSTCSP_RAISE_STATUS(c.prov, s);
    return true;
}

int update(void* vctx, unsigned char* out, size_t* outl, size_t outsize, const unsigned char* in,
           size_t inl) noexcept {
    auto& c = *static_cast<CipherCtx*>(vctx);
    if (!ready(c)) return 0;
    *outl = 0;
    if (!c.block_mode()) {
        if (outsize < inl) {
            GOSTCSP_RAISE(c.prov, Reason::buffer_too_small);
            return 0;
        }
        if (inl != 0 && fail(c, stream(c, in, out, inl))) return 0;
        *outl = inl;
        return 1;
    }
    const std::size_t n = c.n();
    // Decryption with padding holds back the last full block for final().
    const bool hold = !c.encrypt && c.padding;
    const std::size_t total = c.buffered + inl;
    std::size_t emit = total - total % n;
    if (hold && emit == total && emit != 0) emit -= n;
    if (outsize < emit) {
        GOSTCSP_RAISE(c.prov, Reason::buffer_too_small);
        return 0;
    }
    std::size_t done = 0;
    if (emit != 0 && c.buffered != 0) {
        const std::size_t take = n - c.buffered;
        std::memcpy(c.buf + c.buffered, in, take);
        if (fail(c, blocks(c, c.buf, out, n))) return 0;
        in += take;
        inl -= take;
        done = n;
        c.buffered = 0;
    }
    const std::size_t direct = emit - done;
    if (fail(c, blocks(c, in, out + done, direct))) return 0;
    in += direct;
    inl -= direct;
    if (inl != 0) std::memcpy(c.buf + c.buffered, in, inl);  // `in` may be null when inl is 0
    c.buffered += inl;
    *outl = emit;
    return 1;
}

int final(void* vctx, unsigned char* out, size_t* outl, size_t outsize) noexcept {
    auto& c = *static_cast<CipherCtx*>(vctx);
    if (!ready(c)) return 0;
    *outl = 0;
    if (!c.block_mode()) return 1;
    const std::size_t n = c.n();
    if (!c.padding) {
        if (c.buffered == 0) return 1;
        GOSTCSP_RAISE(c.prov, Reason::wrong_length,
                      "data is not a multiple of the block size and padding is off");
        return 0;
    }
    if (c.encrypt) {
        if (outsize < n) {
            GOSTCSP_RAISE(c.prov, Reason::buffer_too_small);
            return 0;
        }
        const auto pad = static_cast<unsigned char>(n - c.buffered);
        std::memset(c.buf + c.buffered, pad, n - c.buffered);
        if (fail(c, blocks(c, c.buf, out, n))) return 0;
        c.buffered = 0;
        *outl = n;
        return 1;
    }
    if (c.buffered != n) {
        GOSTCSP_RAISE(c.prov, Reason::wrong_length, "ciphertext is not a whole number of blocks");
        return 0;
    }
    unsigned char plain[16];
    if (fail(c, blocks(c, c.buf, plain, n))) return 0;
    // Constant-time padding check.
    const unsigned pad = plain[n - 1];
    unsigned bad = static_cast<unsigned>((pad - 1) >= n);  // pad in 1..n
    for (std::size_t i = 0; i < n; ++i) {
        const unsigned in_pad = static_cast<unsigned>(i >= n - pad);
        bad |= in_pad & static_cast<unsigned>(plain[i] != pad);
    }
    c.buffered = 0;
    if (bad != 0 || outsize < n - pad) {
        OPENSSL_cleanse(plain, sizeof plain);
        GOSTCSP_RAISE(c.prov, bad != 0 ? Reason::bad_encoding : Reason::buffer_too_small,
                      bad != 0 ? "bad padding" : nullptr);
        return 0;
    }
    std::memcpy(out, plain, n - pad);
    OPENSSL_cleanse(plain, sizeof plain);
    *outl = n - pad;
    return 1;
}

// EVP_Cipher(): no padding, no buffering (CMAC drives CBC through this).
int cipher(void* vctx, unsigned char* out, size_t* outl, size_t outsize, const unsigned char* in,
           size_t inl) noexcept {
    auto& c = *static_cast<CipherCtx*>(vctx);
    if (!ready(c)) return 0;
    if (outsize < inl) {
        GOSTCSP_RAISE(c.prov, Reason::buffer_too_small);
        return 0;
    }
    if (c.block_mode() && inl % c.n() != 0) {
        GOSTCSP_RAISE(c.prov, Reason::wrong_length, "not a whole number of blocks");
        return 0;
    }
    if (inl != 0 && fail(c, stream(c, in, out, inl))) return 0;
    *outl = inl;
    return 1;
}

template <std::size_t I>
int get_params(OSSL_PARAM params[]) noexcept {
    const CipherAlg& a = cipher_algs[I];
    return get_cipher_params({a.evp_mode, a.block_bytes, a.iv_bytes, false}, params);
}

int get_ctx_params(void* vctx, OSSL_PARAM params[]) noexcept {
    auto& c = *static_cast<CipherCtx*>(vctx);
    OSSL_PARAM* p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_IVLEN);
    if (p != nullptr && !OSSL_PARAM_set_size_t(p, c.alg->iv_bytes)) return 0;
    p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_KEYLEN);
    if (p != nullptr && !OSSL_PARAM_set_size_t(p, sym_key_bytes)) return 0;
    p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_PADDING);
    if (p != nullptr && !OSSL_PARAM_set_uint(p, c.padding ? 1 : 0)) return 0;
    p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_IV);
    if (p != nullptr && !OSSL_PARAM_set_octet_string(p, c.iv, c.iv_len)) return 0;
    p = OSSL_PARAM_locate(params, "key-mesh");
    if (p != nullptr && !OSSL_PARAM_set_size_t(
                            p, c.alg->mode == SymMode::ctr_acpkm ? c.section : (c.meshing ? 1 : 0)))
        return 0;
    return 1;
}

const OSSL_PARAM* gettable_ctx_params(void*, void*) noexcept {
    static const OSSL_PARAM table[] = {
        OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_IVLEN, nullptr),
        OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_KEYLEN, nullptr),
        OSSL_PARAM_uint(OSSL_CIPHER_PARAM_PADDING, nullptr),
        OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_IV, nullptr, 0),
        OSSL_PARAM_size_t("key-mesh", nullptr),
        OSSL_PARAM_END,
    };
    return table;
}

int set_ctx_params(void* vctx, const OSSL_PARAM params[]) noexcept {
    auto& c = *static_cast<CipherCtx*>(vctx);
    if (params == nullptr) return 1;
    const OSSL_PARAM* p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_PADDING);
    if (p != nullptr) {
        unsigned pad = 0;
        if (!OSSL_PARAM_get_uint(p, &pad)) {
            GOSTCSP_RAISE(c.prov, Reason::bad_parameter, "padding");
            return 0;
        }
        c.padding = pad != 0;
    }
    p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_KEYLEN);
    if (p != nullptr) {
        size_t len = 0;
        if (!OSSL_PARAM_get_size_t(p, &len) || len != sym_key_bytes) {
            GOSTCSP_RAISE(c.prov, Reason::wrong_length, "the key is 32 bytes");
            return 0;
        }
    }
    p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_IVLEN);
    if (p != nullptr) {
        size_t len = 0;
        if (!OSSL_PARAM_get_size_t(p, &len) || len != c.alg->iv_bytes) {
            GOSTCSP_RAISE(c.prov, Reason::wrong_length, "%s takes an IV of %zu bytes", c.alg->names,
                          c.alg->iv_bytes);
            return 0;
        }
    }
    bool restart = false;
    p = OSSL_PARAM_locate_const(params, "key-mesh");
    if (p != nullptr) {
        size_t v = 0;
        if (!OSSL_PARAM_get_size_t(p, &v)) {
            GOSTCSP_RAISE(c.prov, Reason::bad_parameter, "key-mesh");
            return 0;
        }
        if (c.alg->mode == SymMode::ctr_acpkm) {
            if (v == 0 || v % c.n() != 0) {
                GOSTCSP_RAISE(c.prov, Reason::bad_parameter,
                              "key-mesh (ACPKM section) %zu: a non-zero multiple of %zu", v, c.n());
                return 0;
            }
            c.section = v;
        } else if (c.alg->cipher == SymCipher::gost28147 &&
                   (c.alg->mode == SymMode::cnt || c.alg->mode == SymMode::gost_cfb)) {
            c.meshing = v != 0;
        } else {
            GOSTCSP_RAISE(c.prov, Reason::bad_parameter, "%s has no key meshing", c.alg->names);
            return 0;
        }
        restart = true;
    }
    p = OSSL_PARAM_locate_const(params, "paramset");
    if (p == nullptr) p = OSSL_PARAM_locate_const(params, "sbox");
    if (p != nullptr) {
        const char* name = nullptr;
        if (c.alg->cipher != SymCipher::gost28147 || !OSSL_PARAM_get_utf8_string_ptr(p, &name)) {
            GOSTCSP_RAISE(c.prov, Reason::bad_parameter, "paramset");
            return 0;
        }
        auto ps = core::gost28147_param_set_from_name(name);
        if (!ps) ps = core::gost28147_param_set_from_oid(name);
        if (!ps) {
            GOSTCSP_RAISE(c.prov, Reason::unknown_param_set, "%s", name);
            return 0;
        }
        c.param_set = *ps;
        if (c.have_key) {
            // Re-key under the new S-boxes needs the key again: refuse after init.
            GOSTCSP_RAISE(c.prov, Reason::bad_parameter, "paramset must be set before the key");
            return 0;
        }
    }
    if (restart && c.started) return start(c) ? 1 : 0;
    return 1;
}

const OSSL_PARAM* settable_ctx_params(void*, void*) noexcept {
    static const OSSL_PARAM table[] = {
        OSSL_PARAM_uint(OSSL_CIPHER_PARAM_PADDING, nullptr),
        OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_KEYLEN, nullptr),
        OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_IVLEN, nullptr),
        OSSL_PARAM_size_t("key-mesh", nullptr),
        OSSL_PARAM_utf8_string("paramset", nullptr, 0),
        OSSL_PARAM_utf8_string("sbox", nullptr, 0),
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
    entry<OSSL_FUNC_CIPHER_CIPHER, OSSL_FUNC_cipher_cipher_fn>(&cipher),
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

template <std::size_t... I>
auto make_table(std::index_sequence<I...>) noexcept {
    constexpr std::size_t count = sizeof...(I);
    struct Table {
        OSSL_ALGORITHM rows[count + aead_row_count + ctr_omac_row_count + 1];
    };
    static_assert(aead_row_count == 2 && ctr_omac_row_count == 2);
    return Table{
        {{cipher_algs[I].names, "provider=gostcsp", functions<I>, cipher_algs[I].description}...,
         aead_rows[0],
         aead_rows[1],
         ctr_omac_rows[0],
         ctr_omac_rows[1],
         {nullptr, nullptr, nullptr, nullptr}}};
}

const auto table =
    make_table(std::make_index_sequence<sizeof cipher_algs / sizeof cipher_algs[0]>{});

}  // namespace

extern const OSSL_ALGORITHM* const cipher_algorithms = table.rows;

}  // namespace gostcsp::prov
