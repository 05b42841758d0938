// SPDX-License-Identifier: Apache-2.0
// CIPHER: kuznyechik-ctr-acpkm-omac / magma-ctr-acpkm-omac, the encrypt-and-MAC ciphers of
// R 1323565.1.026 CMS (gost-engine's names and OIDs; RFC 9189 uses their ACPKM halves).
//   keys = KDF_TREE_GOSTR3411_2012_256(K, "kdf tree", kdf-seed, R = 1), 64 bytes: the first 32
//   key CTR-ACPKM (sections of 4096 / 1024 bytes, IV = the n/2-byte ICN), the last 32 key an
//   OMAC (34.13 MAC, full block) over the plaintext. The tag is the MAC encrypted by the same
//   key stream, continuing after the text (what gost-engine puts into the CMS unprotected
//   attribute 1.2.643.7.1.0.6.1.1).
// The kdf-seed (8 bytes) is drawn at encryption's init unless set ("kdf-seed"); decryption needs
// it, either as "kdf-seed" or inside the AlgorithmIdentifier parameters (SEQUENCE { OCTET STRING
// ICN ‖ seed }, "alg_id_param"). The tag is OSSL_CIPHER_PARAM_AEAD_TAG as for MGM (aead.cpp).
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <cstring>
#include <optional>

#include "cipher_params.hpp"
#include "errors.hpp"
#include "gostcsp/acpkm.hpp"
#include "gostcsp/kdf.hpp"
#include "gostcsp/kuznyechik.hpp"
#include "gostcsp/magma.hpp"
#include "gostcsp/modes.hpp"
#include "prov.hpp"
#include "sym_algs.hpp"

namespace gostcsp::prov {

namespace {

constexpr const char* kdf_seed_param = "kdf-seed";
constexpr std::size_t kdf_seed_bytes = 8;
constexpr std::size_t max_block = 16;

struct CtrOmacCtx {
    CtrOmacCtx(ProvCtx* p, const CtrOmacAlg& a) noexcept : prov(p), alg(&a) {}
    ~CtrOmacCtx() {
        OPENSSL_cleanse(key, sizeof key);
        OPENSSL_cleanse(tag, sizeof tag);
    }
    CtrOmacCtx(const CtrOmacCtx&) = delete;
    CtrOmacCtx& operator=(const CtrOmacCtx&) = delete;

    ProvCtx* prov;
    const CtrOmacAlg* alg;
    unsigned char key[sym_key_bytes] = {};  // K, kept until the seed is known
    unsigned char iv[max_block / 2] = {};
    unsigned char seed[kdf_seed_bytes] = {};
    unsigned char tag[max_block] = {};
    bool have_key = false, have_iv = false, have_seed = false, encrypt = true;
    bool started = false, text = false, done = false, tag_set = false;
    // The derived halves, created when key, IV and seed are all known.
    core::Kuznyechik kz_mac;
    core::Magma mg_mac;
    std::optional<core::CtrAcpkm<core::Kuznyechik>> kz_ctr;
    std::optional<core::CtrAcpkm<core::Magma>> mg_ctr;
    std::optional<core::Omac> omac;

    std::size_t n() const noexcept { return alg->block_bytes; }
    core::Status crypt(const unsigned char* in, unsigned char* out, std::size_t len) noexcept {
        if (kz_ctr) return kz_ctr->process({in, len}, {out, len});
        return mg_ctr->process({in, len}, {out, len});
    }
};

template <std::size_t I>
void* newctx(void* provctx) noexcept {
    return make<CtrOmacCtx>(static_cast<ProvCtx*>(provctx), ctr_omac_algs[I]);
}
void freectx(void* vctx) noexcept {
    delete static_cast<CtrOmacCtx*>(vctx);
}

// Derives the two keys and starts the stream once key, IV and seed are there.
int start(CtrOmacCtx& c) noexcept {
    c.started = false;
    c.kz_ctr.reset();
    c.mg_ctr.reset();
    c.omac.reset();
    if (!c.have_key || !c.have_iv || !c.have_seed) return 1;
    static const unsigned char label[] = {'k', 'd', 'f', ' ', 't', 'r', 'e', 'e'};
    unsigned char keys[64];
    core::Status s = core::kdf_tree_gostr3411_2012_256({c.key, sizeof c.key}, label,
                                                       {c.seed, sizeof c.seed}, 1, keys);
    if (s == core::Status::ok) {
        const std::span<const std::uint8_t> enc_key{keys, 32}, mac_key{keys + 32, 32};
        if (c.alg->cipher == SymCipher::kuznyechik) {
            core::Kuznyechik k;
            s = k.set_key(enc_key);
            if (s == core::Status::ok) s = c.kz_mac.set_key(mac_key);
            if (s == core::Status::ok) {
                c.kz_ctr.emplace(k, c.alg->section_bytes);
                s = c.kz_ctr->start({c.iv, c.n() / 2});
                c.omac.emplace(c.kz_mac);
            }
        } else {
            core::Magma m;
            s = m.set_key(enc_key);
            if (s == core::Status::ok) s = c.mg_mac.set_key(mac_key);
            if (s == core::Status::ok) {
                c.mg_ctr.emplace(m, c.alg->section_bytes);
                s = c.mg_ctr->start({c.iv, c.n() / 2});
                c.omac.emplace(c.mg_mac);
            }
        }
    }
    OPENSSL_cleanse(keys, sizeof keys);
    if (s != core::Status::ok) {
        GOSTCSP_RAISE_STATUS(c.prov, s);
        return 0;
    }
    c.started = true;
    return 1;
}

int apply_params(CtrOmacCtx& c, const OSSL_PARAM params[], bool& restart) noexcept;

int init(void* vctx, const unsigned char* key, size_t keylen, const unsigned char* iv, size_t ivlen,
         const OSSL_PARAM params[], bool encrypt) noexcept {
    auto& c = *static_cast<CtrOmacCtx*>(vctx);
    c.encrypt = encrypt;
    c.text = c.done = false;
    c.tag_set = false;
    if (key != nullptr) {
        if (keylen != sym_key_bytes) {
            GOSTCSP_RAISE(c.prov, Reason::wrong_length, "key is %zu bytes, the cipher takes 32",
                          keylen);
            return 0;
        }
        std::memcpy(c.key, key, keylen);
        c.have_key = true;
        c.have_seed = false;  // a new key: a new seed (drawn below or set by the caller)
    }
    if (iv != nullptr) {
        if (ivlen != c.n() / 2) {
            GOSTCSP_RAISE(c.prov, Reason::wrong_length, "the IV is %zu bytes (got %zu)", c.n() / 2,
                          ivlen);
            return 0;
        }
        std::memcpy(c.iv, iv, ivlen);
        c.have_iv = true;
    }
    bool restart = false;
    if (!apply_params(c, params, restart)) return 0;
    if (c.encrypt && c.have_key && !c.have_seed) {
        if (RAND_bytes_ex(c.prov->libctx, c.seed, sizeof c.seed, 0) != 1) {
            GOSTCSP_RAISE(c.prov, Reason::rng_failure);
            return 0;
        }
        c.have_seed = true;
    }
    return start(c);
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
    auto& c = *static_cast<CtrOmacCtx*>(vctx);
    *outl = 0;
    if (!c.started || c.done) {
        GOSTCSP_RAISE(c.prov, Reason::operation_not_initialised,
                      c.have_key && c.have_iv ? "decryption needs the kdf-seed"
                                              : "the cipher needs a key and an IV");
        return 0;
    }
    if (out == nullptr || outsize < inl) {
        GOSTCSP_RAISE(c.prov, Reason::buffer_too_small);
        return 0;
    }
    c.text = true;
    if (c.encrypt) c.omac->update({in, inl});  // before: in and out may be the same buffer
    const core::Status s = c.crypt(in, out, inl);
    if (s != core::Status::ok) {
        GOSTCSP_RAISE_STATUS(c.prov, s);
        return 0;
    }
    if (!c.encrypt) c.omac->update({out, inl});
    *outl = inl;
    return 1;
}

int final(void* vctx, unsigned char*, size_t* outl, size_t) noexcept {
    auto& c = *static_cast<CtrOmacCtx*>(vctx);
    *outl = 0;
    if (!c.started || c.done) {
        GOSTCSP_RAISE(c.prov, Reason::operation_not_initialised);
        return 0;
    }
    if (!c.encrypt && !c.tag_set) {
        GOSTCSP_RAISE(c.prov, Reason::missing_key, "decryption needs the tag (AEAD_TAG) first");
        return 0;
    }
    unsigned char mac[max_block], stream[max_block];
    c.done = true;
    core::Status s = c.omac->final({mac, c.n()});
    // The tag is the MAC under the key stream that follows the text: encrypt the MAC, or decrypt
    // the received tag and compare MACs (what gost-engine does).
    if (s == core::Status::ok) s = c.crypt(c.encrypt ? mac : c.tag, stream, c.n());
    bool good = s == core::Status::ok;
    if (good && c.encrypt) std::memcpy(c.tag, stream, c.n());
    if (good && !c.encrypt) good = CRYPTO_memcmp(stream, mac, c.n()) == 0;
    OPENSSL_cleanse(mac, sizeof mac);
    OPENSSL_cleanse(stream, sizeof stream);
    if (s != core::Status::ok) {
        GOSTCSP_RAISE_STATUS(c.prov, s);
        return 0;
    }
    if (!good) {
        GOSTCSP_RAISE(c.prov, Reason::auth_failed);
        return 0;
    }
    return 1;
}

// SEQUENCE { OCTET STRING ICN ‖ seed } (gost-engine's GOST2015 cipher parameters).
std::size_t alg_id_der(const CtrOmacCtx& c, unsigned char* out) noexcept {
    const std::size_t ukm = c.n() / 2 + kdf_seed_bytes;
    out[0] = 0x30;
    out[1] = static_cast<unsigned char>(ukm + 2);
    out[2] = 0x04;
    out[3] = static_cast<unsigned char>(ukm);
    std::memcpy(out + 4, c.iv, c.n() / 2);
    std::memcpy(out + 4 + c.n() / 2, c.seed, kdf_seed_bytes);
    return ukm + 4;
}

bool parse_alg_id(CtrOmacCtx& c, const unsigned char* der, std::size_t len) noexcept {
    const std::size_t ukm = c.n() / 2 + kdf_seed_bytes;
    if (len != ukm + 4 || der[0] != 0x30 || der[1] != ukm + 2 || der[2] != 0x04 || der[3] != ukm)
        return false;
    std::memcpy(c.iv, der + 4, c.n() / 2);
    std::memcpy(c.seed, der + 4 + c.n() / 2, kdf_seed_bytes);
    c.have_iv = c.have_seed = true;
    return true;
}

template <std::size_t I>
int get_params(OSSL_PARAM params[]) noexcept {
    const CtrOmacAlg& a = ctr_omac_algs[I];
    return get_cipher_params({evp_mode_ctr, 1, a.block_bytes / 2, true}, params);
}

int get_ctx_params(void* vctx, OSSL_PARAM params[]) noexcept {
    auto& c = *static_cast<CtrOmacCtx*>(vctx);
    OSSL_PARAM* p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_IVLEN);
    if (p != nullptr && !OSSL_PARAM_set_size_t(p, c.n() / 2)) return 0;
    p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_KEYLEN);
    if (p != nullptr && !OSSL_PARAM_set_size_t(p, sym_key_bytes)) return 0;
    p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_AEAD_TAGLEN);
    if (p != nullptr && !OSSL_PARAM_set_size_t(p, c.n())) return 0;
    p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_AEAD_TAG);
    if (p != nullptr) {
        if (!c.encrypt || !c.done || p->data_size != c.n()) {
            GOSTCSP_RAISE(c.prov, Reason::bad_parameter,
                          "the tag is read after encryption's final, %zu bytes", c.n());
            return 0;
        }
        if (!OSSL_PARAM_set_octet_string(p, c.tag, c.n())) return 0;
    }
    p = OSSL_PARAM_locate(params, kdf_seed_param);
    if (p != nullptr) {
        if (!c.have_seed) {
            GOSTCSP_RAISE(c.prov, Reason::bad_parameter, "no kdf-seed yet");
            return 0;
        }
        if (!OSSL_PARAM_set_octet_string(p, c.seed, sizeof c.seed)) return 0;
    }
    p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_ALGORITHM_ID_PARAMS);
    if (p != nullptr) {
        if (!c.have_iv || !c.have_seed) {
            GOSTCSP_RAISE(c.prov, Reason::bad_parameter, "IV and kdf-seed are not known yet");
            return 0;
        }
        unsigned char der[4 + max_block / 2 + kdf_seed_bytes];
        if (!OSSL_PARAM_set_octet_string(p, der, alg_id_der(c, der))) return 0;
    }
    return 1;
}

const OSSL_PARAM* gettable_ctx_params(void*, void*) noexcept {
    static const OSSL_PARAM table[] = {
        OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_IVLEN, nullptr),
        OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_KEYLEN, nullptr),
        OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_AEAD_TAGLEN, nullptr),
        OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, nullptr, 0),
        OSSL_PARAM_octet_string(kdf_seed_param, nullptr, 0),
        OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_ALGORITHM_ID_PARAMS, nullptr, 0),
        OSSL_PARAM_END,
    };
    return table;
}

// Reads the settable parameters; `restart` says whether the IV or the seed changed.
int apply_params(CtrOmacCtx& c, const OSSL_PARAM params[], bool& restart) noexcept {
    if (params == nullptr) return 1;
    const OSSL_PARAM* p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_KEYLEN);
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
        if (!OSSL_PARAM_get_size_t(p, &len) || len != c.n() / 2) {
            GOSTCSP_RAISE(c.prov, Reason::wrong_length, "the IV is %zu bytes", c.n() / 2);
            return 0;
        }
    }
    p = OSSL_PARAM_locate_const(params, kdf_seed_param);
    if (p != nullptr) {
        if (p->data_type != OSSL_PARAM_OCTET_STRING || p->data_size != kdf_seed_bytes) {
            GOSTCSP_RAISE(c.prov, Reason::wrong_length, "the kdf-seed is 8 bytes");
            return 0;
        }
        std::memcpy(c.seed, p->data, kdf_seed_bytes);
        c.have_seed = restart = true;
    }
    p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_ALGORITHM_ID_PARAMS);
    if (p != nullptr) {
        if (p->data_type != OSSL_PARAM_OCTET_STRING ||
            !parse_alg_id(c, static_cast<const unsigned char*>(p->data), p->data_size)) {
            GOSTCSP_RAISE(c.prov, Reason::bad_encoding,
                          "parameters: SEQUENCE { OCTET STRING IV || kdf-seed }");
            return 0;
        }
        restart = true;
    }
    p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_AEAD_TAG);
    if (p != nullptr) {
        if (p->data == nullptr || p->data_size != c.n()) {
            GOSTCSP_RAISE(c.prov, Reason::wrong_length, "the tag is %zu bytes", c.n());
            return 0;
        }
        std::memcpy(c.tag, p->data, c.n());
        c.tag_set = true;
    }
    return 1;
}

// A seed or IV given after init (CMS sets the AlgorithmIdentifier then) restarts the stream,
// before any text only.
int set_ctx_params(void* vctx, const OSSL_PARAM params[]) noexcept {
    auto& c = *static_cast<CtrOmacCtx*>(vctx);
    bool restart = false;
    if (!apply_params(c, params, restart)) return 0;
    if (!restart || c.done) return 1;
    if (c.text) {
        GOSTCSP_RAISE(c.prov, Reason::bad_parameter, "IV and kdf-seed are set before the text");
        return 0;
    }
    return start(c);
}

const OSSL_PARAM* settable_ctx_params(void*, void*) noexcept {
    static const OSSL_PARAM table[] = {
        OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_IVLEN, nullptr),
        OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_KEYLEN, nullptr),
        OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, nullptr, 0),
        OSSL_PARAM_octet_string(kdf_seed_param, nullptr, 0),
        OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_ALGORITHM_ID_PARAMS, nullptr, 0),
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
extern const OSSL_ALGORITHM ctr_omac_rows[ctr_omac_row_count] = {
    {ctr_omac_algs[0].names, "provider=gostcsp", functions<0>, ctr_omac_algs[0].description},
    {ctr_omac_algs[1].names, "provider=gostcsp", functions<1>, ctr_omac_algs[1].description},
};

}  // namespace gostcsp::prov
