// SPDX-License-Identifier: Apache-2.0
// ENCODER: PKCS#8 (plain and encrypted via PKCS8_encrypt_ex), SubjectPublicKeyInfo, DER/PEM, text.
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/core_object.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <cstring>
#include <memory>

#include "errors.hpp"
#include "key.hpp"
#include "prov.hpp"

namespace gostcsp::prov {

namespace {

enum class Format { der, pem, text };
enum class Structure { private_key_info, encrypted_private_key_info, spki, none };

struct EncCtx {
    explicit EncCtx(ProvCtx* p) noexcept : prov(p) {}
    EncCtx(const EncCtx&) = delete;
    EncCtx& operator=(const EncCtx&) = delete;
    ~EncCtx() { EVP_CIPHER_free(cipher); }
    ProvCtx* prov;
    EVP_CIPHER* cipher = nullptr;  // set: write EncryptedPrivateKeyInfo
};

struct BioFree {
    void operator()(BIO* b) const noexcept { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

void* newctx(void* provctx) noexcept {
    return make<EncCtx>(static_cast<ProvCtx*>(provctx));
}
void freectx(void* vctx) noexcept {
    delete static_cast<EncCtx*>(vctx);
}

int set_ctx_params(void* vctx, const OSSL_PARAM params[]) noexcept {
    auto* ctx = static_cast<EncCtx*>(vctx);
    const OSSL_PARAM* p = OSSL_PARAM_locate_const(params, OSSL_ENCODER_PARAM_CIPHER);
    if (p == nullptr) return 1;
    const char* name = nullptr;
    const char* props = nullptr;
    if (!OSSL_PARAM_get_utf8_string_ptr(p, &name)) return 0;
    const OSSL_PARAM* pp = OSSL_PARAM_locate_const(params, OSSL_ENCODER_PARAM_PROPERTIES);
    if (pp != nullptr && !OSSL_PARAM_get_utf8_string_ptr(pp, &props)) return 0;
    EVP_CIPHER_free(ctx->cipher);
    ctx->cipher = nullptr;
    if (name == nullptr || name[0] == '\0') return 1;
    ctx->cipher = EVP_CIPHER_fetch(ctx->prov->libctx, name, props);
    if (ctx->cipher == nullptr) {
        GOSTCSP_RAISE(ctx->prov, Reason::cipher_not_found, "%s", name);
        return 0;
    }
    return 1;
}

const OSSL_PARAM* settable_ctx_params(void*) noexcept {
    static const OSSL_PARAM table[] = {
        OSSL_PARAM_utf8_string(OSSL_ENCODER_PARAM_CIPHER, nullptr, 0),
        OSSL_PARAM_utf8_string(OSSL_ENCODER_PARAM_PROPERTIES, nullptr, 0),
        OSSL_PARAM_END,
    };
    return table;
}

// Selections are levels (private ⊃ public ⊃ parameters); the highest requested level decides,
// as OpenSSL's own key encoders do.
bool selection_fits(int selection, int mask) noexcept {
    if (selection == 0) return true;
    for (int level : {OSSL_KEYMGMT_SELECT_PRIVATE_KEY, OSSL_KEYMGMT_SELECT_PUBLIC_KEY,
                      OSSL_KEYMGMT_SELECT_ALL_PARAMETERS})
        if ((selection & level) != 0) return (mask & level) != 0;
    return false;
}

template <Structure S>
int does_selection(void*, int selection) noexcept {
    switch (S) {
        case Structure::private_key_info:
        case Structure::encrypted_private_key_info:
            return selection_fits(selection, OSSL_KEYMGMT_SELECT_PRIVATE_KEY) ? 1 : 0;
        case Structure::spki:
            return selection_fits(selection, OSSL_KEYMGMT_SELECT_PUBLIC_KEY) ? 1 : 0;
        case Structure::none:
            return selection_fits(selection, OSSL_KEYMGMT_SELECT_ALL) ? 1 : 0;
    }
    return 0;
}

bool write_private(EncCtx* ctx, BIO* out, const GostKey& key, Format fmt, bool encrypt,
                   OSSL_PASSPHRASE_CALLBACK* cb, void* cbarg) noexcept {
    PKCS8_PRIV_KEY_INFO* p8 = make_pkcs8(key);
    if (p8 == nullptr) {
        GOSTCSP_RAISE(ctx->prov,
                      key.has_scalar() ? Reason::encoding_failed : Reason::missing_private_key,
                      key.token ? "a token key does not leave its token" : nullptr);
        return false;
    }
    bool ok = false;
    if (!encrypt) {
        ok = fmt == Format::pem ? PEM_write_bio_PKCS8_PRIV_KEY_INFO(out, p8) == 1
                                : i2d_PKCS8_PRIV_KEY_INFO_bio(out, p8) == 1;
    } else if (ctx->cipher == nullptr) {
        GOSTCSP_RAISE(ctx->prov, Reason::cipher_not_found, "no cipher set for encryption");
    } else {
        char pass[1024];
        std::size_t pass_len = 0;
        if (cb == nullptr || !cb(pass, sizeof(pass), &pass_len, nullptr, cbarg)) {
            GOSTCSP_RAISE(ctx->prov, Reason::passphrase_failed);
        } else {
            // PBES2 with PBKDF2; the cipher and PRF come from the application's providers.
            X509_SIG* sig =
                PKCS8_encrypt_ex(-1, ctx->cipher, pass, static_cast<int>(pass_len), nullptr, 0,
                                 PKCS5_DEFAULT_ITER, p8, ctx->prov->libctx, nullptr);
            if (sig != nullptr) {
                ok = fmt == Format::pem ? PEM_write_bio_PKCS8(out, sig) == 1
                                        : i2d_PKCS8_bio(out, sig) == 1;
                X509_SIG_free(sig);
            } else {
                GOSTCSP_RAISE(ctx->prov, Reason::encoding_failed, "PKCS#8 encryption failed");
            }
        }
        OPENSSL_cleanse(pass, sizeof(pass));
    }
    PKCS8_PRIV_KEY_INFO_free(p8);
    return ok;
}

bool write_public(EncCtx* ctx, BIO* out, const GostKey& key, Format fmt) noexcept {
    unsigned char* der = nullptr;
    const int len = encode_spki_der(key, &der);
    if (len <= 0) {
        GOSTCSP_RAISE(ctx->prov, key.has_public ? Reason::encoding_failed : Reason::missing_key);
        return false;
    }
    const bool ok = fmt == Format::pem ? PEM_write_bio(out, PEM_STRING_PUBLIC, "", der, len) > 0
                                       : BIO_write(out, der, len) == len;
    OPENSSL_free(der);
    return ok;
}

// Integers print big-endian without leading zeros, as gost-engine's `pkey -text` (BN_print) does.
bool print_le_as_hex(BIO* out, std::span<const std::uint8_t> le) noexcept {
    static constexpr char digits[] = "0123456789ABCDEF";
    bool started = false;
    for (std::size_t i = le.size(); i-- > 0;) {
        for (const unsigned nibble : {static_cast<unsigned>(le[i] >> 4), le[i] & 0x0Fu}) {
            if (!started && nibble == 0) continue;
            started = true;
            if (BIO_write(out, &digits[nibble], 1) != 1) return false;
        }
    }
    if (!started && BIO_write(out, "0", 1) != 1) return false;
    return BIO_puts(out, "\n") > 0;
}

bool write_text(BIO* out, const GostKey& key, int selection) noexcept {
    const bool want_priv = selection == 0 || (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0;
    const bool want_pub = selection == 0 || (selection & OSSL_KEYMGMT_SELECT_KEYPAIR) != 0;
    if (BIO_printf(out, "GOST R 34.10-2012 %u-bit key (%s)\n", static_cast<unsigned>(key.kind),
                   key_type_name(key.kind)) <= 0)
        return false;
    if (want_priv && key.token) {
        if (BIO_puts(out, "Private key: on a PKCS#11 token\n") <= 0) return false;
    } else if (want_priv && key.has_private) {
        if (BIO_puts(out, "Private key: ") <= 0 || !print_le_as_hex(out, key.priv.le_bytes()))
            return false;
    }
    if (want_pub && key.has_public) {
        const auto xy = key.pub.le_xy();
        const std::size_t n = key.field_bytes();
        if (BIO_puts(out, "Public key:\n   X:") <= 0 || !print_le_as_hex(out, xy.first(n)) ||
            BIO_puts(out, "   Y:") <= 0 || !print_le_as_hex(out, xy.subspan(n, n)))
            return false;
    }
    if (key.has_params) {
        const int nid = OBJ_txt2nid(key.params.oid);
        const char* ln = nid != NID_undef ? OBJ_nid2ln(nid) : nullptr;
        if (BIO_printf(out, "Parameter set: %s (%s)\n", ln != nullptr ? ln : key.params.oid,
                       key.params.oid) <= 0)
            return false;
    }
    return true;
}

template <Format F, Structure S>
int encode(void* vctx, OSSL_CORE_BIO* cout, const void* obj_raw, const OSSL_PARAM[], int selection,
           OSSL_PASSPHRASE_CALLBACK* cb, void* cbarg) noexcept {
    auto* ctx = static_cast<EncCtx*>(vctx);
    const auto* key = static_cast<const GostKey*>(obj_raw);
    if (key == nullptr) {
        GOSTCSP_RAISE(ctx->prov, Reason::missing_key);
        return 0;
    }
    BioPtr out(BIO_new_from_core_bio(ctx->prov->libctx, cout));
    if (!out) {
        GOSTCSP_RAISE(ctx->prov, Reason::internal_error, "no BIO for the output");
        return 0;
    }
    bool ok = false;
    switch (S) {
        case Structure::private_key_info:
            ok = write_private(ctx, out.get(), *key, F, ctx->cipher != nullptr, cb, cbarg);
            break;
        case Structure::encrypted_private_key_info:
            ok = write_private(ctx, out.get(), *key, F, true, cb, cbarg);
            break;
        case Structure::spki:
            ok = write_public(ctx, out.get(), *key, F);
            break;
        case Structure::none:
            ok = write_text(out.get(), *key, selection);
            break;
    }
    return ok ? 1 : 0;
}

template <Format F, Structure S>
const OSSL_DISPATCH functions[] = {
    entry<OSSL_FUNC_ENCODER_NEWCTX, OSSL_FUNC_encoder_newctx_fn>(&newctx),
    entry<OSSL_FUNC_ENCODER_FREECTX, OSSL_FUNC_encoder_freectx_fn>(&freectx),
    entry<OSSL_FUNC_ENCODER_SET_CTX_PARAMS, OSSL_FUNC_encoder_set_ctx_params_fn>(&set_ctx_params),
    entry<OSSL_FUNC_ENCODER_SETTABLE_CTX_PARAMS, OSSL_FUNC_encoder_settable_ctx_params_fn>(
        &settable_ctx_params),
    entry<OSSL_FUNC_ENCODER_DOES_SELECTION, OSSL_FUNC_encoder_does_selection_fn>(
        &does_selection<S>),
    entry<OSSL_FUNC_ENCODER_ENCODE, OSSL_FUNC_encoder_encode_fn>(&encode<F, S>),
    dispatch_end,
};

#define GOSTCSP_ENCODER_ROWS(names)                                                              \
    {names, "provider=gostcsp,output=der,structure=PrivateKeyInfo",                              \
     functions<Format::der, Structure::private_key_info>, "PKCS#8 DER"},                         \
        {names, "provider=gostcsp,output=pem,structure=PrivateKeyInfo",                          \
         functions<Format::pem, Structure::private_key_info>, "PKCS#8 PEM"},                     \
        {names, "provider=gostcsp,output=der,structure=EncryptedPrivateKeyInfo",                 \
         functions<Format::der, Structure::encrypted_private_key_info>, "encrypted PKCS#8 DER"}, \
        {names, "provider=gostcsp,output=pem,structure=EncryptedPrivateKeyInfo",                 \
         functions<Format::pem, Structure::encrypted_private_key_info>, "encrypted PKCS#8 PEM"}, \
        {names, "provider=gostcsp,output=der,structure=SubjectPublicKeyInfo",                    \
         functions<Format::der, Structure::spki>, "SubjectPublicKeyInfo DER"},                   \
        {names, "provider=gostcsp,output=pem,structure=SubjectPublicKeyInfo",                    \
         functions<Format::pem, Structure::spki>, "SubjectPublicKeyInfo PEM"},                   \
    {                                                                                            \
        names, "provider=gostcsp,output=text", functions<Format::text, Structure::none>, "text"  \
    }

}  // namespace

const OSSL_ALGORITHM encoder_algorithms[] = {
    GOSTCSP_ENCODER_ROWS(GOSTCSP_NAMES_256),
    GOSTCSP_ENCODER_ROWS(GOSTCSP_NAMES_512),
    {nullptr, nullptr, nullptr, nullptr},
};

}  // namespace gostcsp::prov
