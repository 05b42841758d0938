// SPDX-License-Identifier: Apache-2.0
// gostcsp.so's kuznyechik-ctr-acpkm-omac / magma-ctr-acpkm-omac against gost-engine 3.0.1's ENGINE
// ciphers (its provider's versions do not initialise). gost-engine 3.0.1 has no tag ctrl: its tag
// travels as the CMS unprotected attribute 1.2.643.7.1.0.6.1.1, and its IV ‖ kdf-seed as the
// AlgorithmIdentifier parameters, so both go through those, as CMS would carry them. gost-engine
// takes a zero-length update with a null input for its final call, so empty texts skip the
// update on its side. Own process: gost-engine is the default ENGINE for digests and MAC keys
// here. GOSTCSP_CTR_OMAC_CASES: random cases per cipher (default 10000).
#define OPENSSL_SUPPRESS_DEPRECATED 1  // the ENGINE API of the peer
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "openssl_reason.hpp"

namespace {

using Bytes = std::vector<std::uint8_t>;

OSSL_LIB_CTX* ours = nullptr;
ENGINE* gost = nullptr;

using gostcsp::test::last_reason;

class Env : public ::testing::Environment {
  public:
    void SetUp() override {
        ours = OSSL_LIB_CTX_new();
        OSSL_PROVIDER_set_default_search_path(ours, GOSTCSP_PROVIDER_DIR);
        ASSERT_NE(OSSL_PROVIDER_load(ours, "default"), nullptr);
        ASSERT_NE(OSSL_PROVIDER_load(ours, "gostcsp"), nullptr);
        ENGINE_load_builtin_engines();
        gost = ENGINE_by_id("gost");
        // Its ciphers' init needs its MAC digests and MAC keys as defaults; not its ciphers,
        // or libcrypto 3.0 would hand our fetched ciphers to the ENGINE.
        constexpr unsigned methods =
            ENGINE_METHOD_DIGESTS | ENGINE_METHOD_PKEY_METHS | ENGINE_METHOD_PKEY_ASN1_METHS;
        if (gost != nullptr && (ENGINE_init(gost) != 1 || ENGINE_set_default(gost, methods) != 1)) {
            ENGINE_free(gost);
            gost = nullptr;
        }
        // Loading it registered its ciphers as the defaults for their NIDs, and libcrypto 3.0
        // then routes even ciphers fetched from our library context to it: take that back.
        if (gost != nullptr) ENGINE_unregister_ciphers(gost);
        ERR_clear_error();
    }
};
const auto* env = ::testing::AddGlobalTestEnvironment(new Env);

struct Alg {
    const char* name;
    std::size_t n;  // block bytes = tag bytes; the IV is n / 2
};
const Alg algs[] = {{"kuznyechik-ctr-acpkm-omac", 16}, {"magma-ctr-acpkm-omac", 8}};

// One run through our provider. `alg_id` (IV ‖ seed as DER) replaces iv/seed when given.
struct Outcome {
    bool ok = false;
    Bytes out, tag, alg_id;
    std::string reason;
};

Outcome ours_crypt(const Alg& a, bool enc, const Bytes& key, const Bytes& iv, const Bytes* seed,
                   const Bytes* alg_id, const Bytes& in, const Bytes* tag, std::size_t split) {
    Outcome r;
    EVP_CIPHER* c = EVP_CIPHER_fetch(ours, a.name, nullptr);
    if (c == nullptr) return r;
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    bool ok = EVP_CipherInit_ex2(ctx, c, nullptr, nullptr, enc ? 1 : 0, nullptr) == 1;
    OSSL_PARAM ps[3];
    std::size_t np = 0;
    if (seed != nullptr)
        ps[np++] = OSSL_PARAM_construct_octet_string(
            "kdf-seed", const_cast<std::uint8_t*>(seed->data()), seed->size());
    if (alg_id != nullptr)
        ps[np++] = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_ALGORITHM_ID_PARAMS,
                                                     const_cast<std::uint8_t*>(alg_id->data()),
                                                     alg_id->size());
    ps[np] = OSSL_PARAM_construct_end();
    ok = ok && EVP_CipherInit_ex2(ctx, nullptr, key.data(), iv.empty() ? nullptr : iv.data(),
                                  enc ? 1 : 0, ps) == 1;
    r.out.resize(in.size() + 16);
    int l1 = 0, l2 = 0, l3 = 0;
    const int first = static_cast<int>(split);
    ok = ok && EVP_CipherUpdate(ctx, r.out.data(), &l1, in.data(), first) == 1 &&
         EVP_CipherUpdate(ctx, r.out.data() + l1, &l2, in.data() + split,
                          static_cast<int>(in.size() - split)) == 1;
    if (ok && tag != nullptr) {
        OSSL_PARAM tp[] = {
            OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG,
                                              const_cast<std::uint8_t*>(tag->data()), tag->size()),
            OSSL_PARAM_construct_end()};
        ok = EVP_CIPHER_CTX_set_params(ctx, tp) == 1;
    }
    ok = ok && EVP_CipherFinal_ex(ctx, r.out.data() + l1 + l2, &l3) == 1;
    r.out.resize(static_cast<std::size_t>(l1 + l2 + l3));
    if (ok && enc) {
        r.tag.resize(a.n);
        r.alg_id.resize(64);
        OSSL_PARAM gp[] = {
            OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, r.tag.data(), a.n),
            OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_ALGORITHM_ID_PARAMS,
                                              r.alg_id.data(), r.alg_id.size()),
            OSSL_PARAM_construct_end()};
        ok = EVP_CIPHER_CTX_get_params(ctx, gp) == 1;
        r.alg_id.resize(gp[1].return_size);
    }
    r.ok = ok;
    if (!ok) r.reason = last_reason();
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(c);
    return r;
}

// gost-engine: encryption gives the text, the DER parameters and the tag attribute's value.
Outcome engine_encrypt(const Alg& a, const Bytes& key, const Bytes& iv, const Bytes& in) {
    Outcome r;
    const EVP_CIPHER* c = ENGINE_get_cipher(gost, OBJ_txt2nid(a.name));
    if (c == nullptr) return r;
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    r.out.resize(in.size() + 16);
    int l1 = 0, l2 = 0;
    bool ok = EVP_EncryptInit_ex(ctx, c, gost, key.data(), iv.data()) == 1 &&
              (in.empty() || EVP_EncryptUpdate(ctx, r.out.data(), &l1, in.data(),
                                               static_cast<int>(in.size())) == 1) &&
              EVP_EncryptFinal_ex(ctx, r.out.data() + l1, &l2) == 1;
    r.out.resize(static_cast<std::size_t>(l1 + l2));
    STACK_OF(X509_ATTRIBUTE)* attrs = sk_X509_ATTRIBUTE_new_null();
    ASN1_TYPE* params = ASN1_TYPE_new();
    ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_PROCESS_UNPROTECTED, 1, attrs) == 1 &&
         sk_X509_ATTRIBUTE_num(attrs) == 1 && EVP_CIPHER_param_to_asn1(ctx, params) > 0;
    if (ok) {
        const ASN1_TYPE* v = X509_ATTRIBUTE_get0_type(sk_X509_ATTRIBUTE_value(attrs, 0), 0);
        ok = v != nullptr && v->type == V_ASN1_OCTET_STRING;
        if (ok) r.tag.assign(v->value.octet_string->data, v->value.octet_string->data + a.n);
        unsigned char* der = nullptr;
        const int dl = i2d_ASN1_TYPE(params, &der);
        ok = ok && dl > 0;
        if (dl > 0) r.alg_id.assign(der, der + dl);
        OPENSSL_free(der);
    }
    r.ok = ok;
    ASN1_TYPE_free(params);
    sk_X509_ATTRIBUTE_pop_free(attrs, X509_ATTRIBUTE_free);
    EVP_CIPHER_CTX_free(ctx);
    return r;
}

// gost-engine decryption of our output, the parameters and tag handed over as CMS would.
Outcome engine_decrypt(const Alg& a, const Bytes& key, const Bytes& alg_id, const Bytes& in,
                       const Bytes& tag) {
    Outcome r;
    const EVP_CIPHER* c = ENGINE_get_cipher(gost, OBJ_txt2nid(a.name));
    if (c == nullptr) return r;
    const unsigned char* p = alg_id.data();
    ASN1_TYPE* params = d2i_ASN1_TYPE(nullptr, &p, static_cast<long>(alg_id.size()));
    STACK_OF(X509_ATTRIBUTE)* attrs = sk_X509_ATTRIBUTE_new_null();
    X509at_add1_attr_by_txt(&attrs, "1.2.643.7.1.0.6.1.1", V_ASN1_OCTET_STRING, tag.data(),
                            static_cast<int>(tag.size()));
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    r.out.resize(in.size() + 16);
    int l1 = 0, l2 = 0;
    r.ok = params != nullptr && EVP_DecryptInit_ex(ctx, c, gost, nullptr, nullptr) == 1 &&
           EVP_CIPHER_asn1_to_param(ctx, params) > 0 &&
           EVP_DecryptInit_ex(ctx, nullptr, nullptr, key.data(), nullptr) == 1 &&
           (in.empty() || EVP_DecryptUpdate(ctx, r.out.data(), &l1, in.data(),
                                            static_cast<int>(in.size())) == 1) &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_PROCESS_UNPROTECTED, 0, attrs) == 1 &&
           EVP_DecryptFinal_ex(ctx, r.out.data() + l1, &l2) == 1;
    r.out.resize(static_cast<std::size_t>(l1 + l2));
    ERR_clear_error();
    ASN1_TYPE_free(params);
    sk_X509_ATTRIBUTE_pop_free(attrs, X509_ATTRIBUTE_free);
    EVP_CIPHER_CTX_free(ctx);
    return r;
}

std::size_t cases() {
    const char* v = std::getenv("GOSTCSP_CTR_OMAC_CASES");
    return v != nullptr ? std::strtoul(v, nullptr, 10) : 10000;
}

Bytes random_bytes(std::mt19937_64& rng, std::size_t n) {
    Bytes b(n);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    return b;
}

class CtrOmac : public ::testing::TestWithParam<Alg> {};

// gost-engine encrypts (its own random seed); we decrypt from its parameters and tag, and with
// the same seed we produce its exact text and tag. Lengths cross several ACPKM sections.
TEST_P(CtrOmac, AgreesWithGostEngineBothWays) {
    if (gost == nullptr) GTEST_SKIP() << "gost-engine (libengine-gost-openssl) is not installed";
    const Alg& a = GetParam();
    std::mt19937_64 rng(0x6057 + a.n);
    const std::size_t n = cases();
    for (std::size_t i = 0; i < n; ++i) {
        const Bytes key = random_bytes(rng, 32), iv = random_bytes(rng, a.n / 2);
        const std::size_t len = i < 8 ? i : rng() % (i % 10 == 0 ? 20000 : 600);
        const Bytes msg = random_bytes(rng, len);
        const std::size_t split = len == 0 ? 0 : rng() % (len + 1);
        SCOPED_TRACE(testing::Message() << a.name << " case " << i << " length " << len);

        const Outcome e = engine_encrypt(a, key, iv, msg);
        ASSERT_TRUE(e.ok) << "gost-engine encryption";
        const Bytes seed(e.alg_id.end() - 8, e.alg_id.end());
        const Outcome o = ours_crypt(a, true, key, iv, &seed, nullptr, msg, nullptr, split);
        ASSERT_TRUE(o.ok) << o.reason;
        EXPECT_EQ(o.out, e.out);
        EXPECT_EQ(o.tag, e.tag);
        EXPECT_EQ(o.alg_id, e.alg_id);

        const Outcome d = ours_crypt(a, false, key, {}, nullptr, &e.alg_id, e.out, &e.tag, split);
        ASSERT_TRUE(d.ok) << d.reason;
        EXPECT_EQ(d.out, msg);
        // Our own random seed: gost-engine opens it.
        const Outcome mine = ours_crypt(a, true, key, iv, nullptr, nullptr, msg, nullptr, split);
        ASSERT_TRUE(mine.ok) << mine.reason;
        const Outcome back = engine_decrypt(a, key, mine.alg_id, mine.out, mine.tag);
        ASSERT_TRUE(back.ok) << "gost-engine refused our text and tag";
        EXPECT_EQ(back.out, msg);
    }
}

// Any flipped bit of text or tag fails the final (and gost-engine agrees the tag is bad).
TEST_P(CtrOmac, TamperingFailsTheFinal) {
    const Alg& a = GetParam();
    std::mt19937_64 rng(7 + a.n);
    const Bytes key = random_bytes(rng, 32), iv = random_bytes(rng, a.n / 2);
    const Bytes msg = random_bytes(rng, 1000);
    const Outcome e = ours_crypt(a, true, key, iv, nullptr, nullptr, msg, nullptr, 333);
    ASSERT_TRUE(e.ok) << e.reason;
    for (int which = 0; which < 3; ++which) {
        Bytes text = e.out, tag = e.tag, alg_id = e.alg_id;
        if (which == 0) text[rng() % text.size()] ^= 0x10;
        if (which == 1) tag[rng() % tag.size()] ^= 0x01;
        if (which == 2) alg_id.back() ^= 0x80;  // another kdf-seed: other keys
        const Outcome d = ours_crypt(a, false, key, {}, nullptr, &alg_id, text, &tag, 500);
        EXPECT_FALSE(d.ok) << which;
        EXPECT_NE(d.reason.find("authentication failed"), std::string::npos) << d.reason;
        if (gost != nullptr) {
            EXPECT_FALSE(engine_decrypt(a, key, alg_id, text, tag).ok) << which;
        }
    }
}

TEST_P(CtrOmac, BadInputHasReasons) {
    const Alg& a = GetParam();
    EVP_CIPHER* c = EVP_CIPHER_fetch(ours, a.name, nullptr);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(static_cast<std::size_t>(EVP_CIPHER_get_iv_length(c)), a.n / 2);
    EXPECT_EQ(EVP_CIPHER_get_key_length(c), 32);
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    const Bytes key(32, 7), iv(a.n / 2, 1);
    std::uint8_t out[64];
    int l = 0;
    // Decryption without the kdf-seed cannot start.
    ASSERT_EQ(EVP_DecryptInit_ex2(ctx, c, key.data(), iv.data(), nullptr), 1);
    EXPECT_EQ(EVP_DecryptUpdate(ctx, out, &l, out, 16), 0);
    EXPECT_NE(last_reason().find("not initialised"), std::string::npos);
    // Wrong seed, DER and tag sizes.
    std::uint8_t seven[7] = {};
    OSSL_PARAM bad_seed[] = {OSSL_PARAM_construct_octet_string("kdf-seed", seven, 7),
                             OSSL_PARAM_construct_end()};
    EXPECT_EQ(EVP_CIPHER_CTX_set_params(ctx, bad_seed), 0);
    EXPECT_NE(last_reason().find("length"), std::string::npos);
    std::uint8_t der[] = {0x30, 0x03, 0x04, 0x01, 0x00};
    OSSL_PARAM bad_der[] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_ALGORITHM_ID_PARAMS, der, sizeof der),
        OSSL_PARAM_construct_end()};
    EXPECT_EQ(EVP_CIPHER_CTX_set_params(ctx, bad_der), 0);
    EXPECT_NE(last_reason().find("encoding"), std::string::npos);
    // Encryption: the tag exists only after the final, and the key must be 32 bytes.
    ASSERT_EQ(EVP_EncryptInit_ex2(ctx, c, key.data(), iv.data(), nullptr), 1);
    std::uint8_t tag[16];
    OSSL_PARAM get_tag[] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, a.n),
                            OSSL_PARAM_construct_end()};
    EXPECT_EQ(EVP_CIPHER_CTX_get_params(ctx, get_tag), 0);
    ASSERT_EQ(EVP_EncryptUpdate(ctx, out, &l, out, 16), 1);
    ASSERT_EQ(EVP_EncryptFinal_ex(ctx, out, &l), 1);
    EXPECT_EQ(EVP_CIPHER_CTX_get_params(ctx, get_tag), 1);
    ERR_clear_error();
    OSSL_PARAM short_key[] = {OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_KEYLEN, nullptr),
                              OSSL_PARAM_construct_end()};
    std::size_t sixteen = 16;
    short_key[0] = OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_KEYLEN, &sixteen);
    EXPECT_EQ(EVP_CIPHER_CTX_set_params(ctx, short_key), 0);
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(c);
}

std::string alg_label(const ::testing::TestParamInfo<Alg>& p) {
    return p.param.n == 16 ? "Kuznyechik" : "Magma";
}
INSTANTIATE_TEST_SUITE_P(Both, CtrOmac, ::testing::ValuesIn(algs), alg_label);

}  // namespace
