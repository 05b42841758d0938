// SPDX-License-Identifier: Apache-2.0
// The gostcsp engine's shell keys through the EVP API: type, sizes, EVP_PKEY_eq with provider keys
// (the export hook), DigestSign/Verify and VKO delegation, default digest, and clean errors.
#define OPENSSL_SUPPRESS_DEPRECATED  // the ENGINE API under test
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

namespace fs = std::filesystem;

ENGINE* g_engine = nullptr;
fs::path g_dir;

EVP_PKEY* keygen(const char* alg, const char* paramset) {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, alg, nullptr);
    EVP_PKEY* key = nullptr;
    if (ctx != nullptr && EVP_PKEY_keygen_init(ctx) == 1) {
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string("paramset", const_cast<char*>(paramset), 0),
            OSSL_PARAM_construct_end()};
        if (EVP_PKEY_CTX_set_params(ctx, params) == 1) (void)EVP_PKEY_keygen(ctx, &key);
    }
    EVP_PKEY_CTX_free(ctx);
    return key;
}

std::string write_pem(const EVP_PKEY* key, const std::string& name) {
    const fs::path p = g_dir / name;
    FILE* f = std::fopen(p.c_str(), "w");
    if (f == nullptr) return {};
    const int ok = PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
    return ok == 1 ? p.string() : std::string{};
}

// Every queued error, oldest first (the engine's reason precedes ENGINE_load_private_key's).
std::string last_error() {
    std::string all;
    unsigned long e = 0;
    while ((e = ERR_get_error()) != 0) {
        char buf[256] = {};
        ERR_error_string_n(e, buf, sizeof(buf));
        all += buf;
        all += '\n';
    }
    return all;
}

class Env : public ::testing::Environment {
  public:
    void SetUp() override {
        ASSERT_EQ(OSSL_PROVIDER_set_default_search_path(nullptr, GOSTCSP_PROVIDER_DIR), 1);
        ASSERT_NE(OSSL_PROVIDER_load(nullptr, "default"), nullptr);
        ASSERT_NE(OSSL_PROVIDER_load(nullptr, "gostcsp"), nullptr) << last_error();
        ENGINE* dyn = ENGINE_by_id("dynamic");
        ASSERT_NE(dyn, nullptr);
        const std::string so = std::string(GOSTCSP_ENGINE_DIR) + "/gostcsp.so";
        ASSERT_EQ(ENGINE_ctrl_cmd_string(dyn, "SO_PATH", so.c_str(), 0), 1) << last_error();
        ASSERT_EQ(ENGINE_ctrl_cmd_string(dyn, "ID", "gostcsp", 0), 1);
        ASSERT_EQ(ENGINE_ctrl_cmd_string(dyn, "LOAD", nullptr, 0), 1) << last_error();
        g_engine = dyn;  // the dynamic ENGINE now is "gostcsp"
        ASSERT_EQ(ENGINE_init(g_engine), 1);
        g_dir = fs::temp_directory_path() / ("gostcsp_engine_api_" + std::to_string(::getpid()));
        fs::create_directories(g_dir);
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(g_dir, ec);
        ENGINE_finish(g_engine);
        ENGINE_free(g_engine);
    }
};
const auto* const g_env = ::testing::AddGlobalTestEnvironment(new Env);

struct Case {
    const char* alg;
    const char* paramset;
    int nid;
    int md_nid;
    int bits;
    const char* md;
};
class Shell : public ::testing::TestWithParam<Case> {};

TEST_P(Shell, DelegatesToTheProviderKey) {
    const Case& c = GetParam();
    EVP_PKEY* prov = keygen(c.alg, c.paramset);
    ASSERT_NE(prov, nullptr) << last_error();
    const std::string path = write_pem(prov, std::string(c.alg) + ".pem");
    ASSERT_FALSE(path.empty());
    EVP_PKEY* shell = ENGINE_load_private_key(g_engine, path.c_str(), nullptr, nullptr);
    ASSERT_NE(shell, nullptr) << last_error();

    // A legacy key of the standard type with our ASN.1 method.
    EXPECT_EQ(EVP_PKEY_get_id(shell), c.nid);
    EXPECT_NE(EVP_PKEY_get0_asn1(shell), nullptr);
    EXPECT_EQ(EVP_PKEY_get_bits(shell), c.bits);
    EXPECT_EQ(EVP_PKEY_get_size(shell), c.bits / 4);
    int md_nid = 0;
    EXPECT_EQ(EVP_PKEY_get_default_digest_nid(shell, &md_nid), 2);
    EXPECT_EQ(md_nid, c.md_nid);

    // EVP_PKEY_eq with the provider key in both orders (X509_check_private_key's order first).
    EXPECT_EQ(EVP_PKEY_eq(prov, shell), 1) << last_error();
    EXPECT_EQ(EVP_PKEY_eq(shell, prov), 1) << last_error();
    EVP_PKEY* other = keygen(c.alg, c.paramset);
    ASSERT_NE(other, nullptr);
    EXPECT_NE(EVP_PKEY_eq(other, shell), 1);
    ERR_clear_error();

    // DigestSign through the shell; the provider key verifies, a changed message does not.
    const std::vector<unsigned char> msg(1000, 0x5a);
    EVP_MD_CTX* mctx = EVP_MD_CTX_new();
    ASSERT_EQ(EVP_DigestSignInit_ex(mctx, nullptr, c.md, nullptr, nullptr, shell, nullptr), 1)
        << last_error();
    size_t siglen = 0;
    ASSERT_EQ(EVP_DigestSign(mctx, nullptr, &siglen, msg.data(), msg.size()), 1);
    std::vector<unsigned char> sig(siglen);
    ASSERT_EQ(EVP_DigestSign(mctx, sig.data(), &siglen, msg.data(), msg.size()), 1) << last_error();
    EXPECT_EQ(siglen, static_cast<size_t>(c.bits / 4));
    EVP_MD_CTX_free(mctx);
    mctx = EVP_MD_CTX_new();
    ASSERT_EQ(EVP_DigestVerifyInit_ex(mctx, nullptr, c.md, nullptr, nullptr, prov, nullptr), 1);
    EXPECT_EQ(EVP_DigestVerify(mctx, sig.data(), siglen, msg.data(), msg.size()), 1);
    EVP_MD_CTX_free(mctx);
    std::vector<unsigned char> bad = msg;
    bad[3] ^= 1;
    mctx = EVP_MD_CTX_new();
    ASSERT_EQ(EVP_DigestVerifyInit_ex(mctx, nullptr, c.md, nullptr, nullptr, shell, nullptr), 1);
    EXPECT_NE(EVP_DigestVerify(mctx, sig.data(), siglen, bad.data(), bad.size()), 1);
    EVP_MD_CTX_free(mctx);
    ERR_clear_error();

    // The wrong digest is refused cleanly.
    mctx = EVP_MD_CTX_new();
    EXPECT_NE(EVP_DigestSignInit_ex(mctx, nullptr, "SHA256", nullptr, nullptr, shell, nullptr), 1);
    EVP_MD_CTX_free(mctx);
    ERR_clear_error();

    // VKO through the shell equals VKO with the provider keys directly.
    const unsigned char ukm[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    auto derive = [&](EVP_PKEY* own, EVP_PKEY* peer, bool through_ctrl) {
        std::vector<unsigned char> out;
        EVP_PKEY_CTX* d = EVP_PKEY_CTX_new_from_pkey(nullptr, own, nullptr);
        size_t len = 0;
        bool ok =
            d != nullptr && EVP_PKEY_derive_init(d) == 1 && EVP_PKEY_derive_set_peer(d, peer) == 1;
        if (ok && through_ctrl) {
            ok = EVP_PKEY_CTX_ctrl(d, -1, EVP_PKEY_OP_DERIVE, EVP_PKEY_CTRL_SET_IV, 8,
                                   const_cast<unsigned char*>(ukm)) == 1;
        } else if (ok) {
            OSSL_PARAM params[] = {OSSL_PARAM_construct_octet_string(
                                       "ukm", const_cast<unsigned char*>(ukm), sizeof(ukm)),
                                   OSSL_PARAM_construct_end()};
            ok = EVP_PKEY_CTX_set_params(d, params) == 1;
        }
        if (ok && EVP_PKEY_derive(d, nullptr, &len) == 1) {
            out.resize(len);
            if (EVP_PKEY_derive(d, out.data(), &len) == 1)
                out.resize(len);  // the size query may over-estimate (AUTOARGLEN: key size)
            else
                out.clear();
        }
        EVP_PKEY_CTX_free(d);
        return out;
    };
    const std::vector<unsigned char> k_shell = derive(shell, other, true);
    const std::vector<unsigned char> k_prov = derive(other, prov, false);
    EXPECT_FALSE(k_shell.empty()) << last_error();
    EXPECT_EQ(k_shell, k_prov);

    EVP_PKEY_free(other);
    EVP_PKEY_free(shell);
    EVP_PKEY_free(prov);
}

INSTANTIATE_TEST_SUITE_P(Sizes, Shell,
                         ::testing::Values(Case{"gost2012_256", "TCB", NID_id_GostR3410_2012_256,
                                                NID_id_GostR3411_2012_256, 256, "md_gost12_256"},
                                           Case{"gost2012_512", "A", NID_id_GostR3410_2012_512,
                                                NID_id_GostR3411_2012_512, 512, "md_gost12_512"}));

TEST(Errors, MissingFileAndForeignKeys) {
    ERR_clear_error();
    const std::string missing = (g_dir / "missing.pem").string();
    EXPECT_EQ(ENGINE_load_private_key(g_engine, missing.c_str(), nullptr, nullptr), nullptr);
    EXPECT_NE(last_error().find("cannot load key"), std::string::npos);

    EVP_PKEY* ec = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    ASSERT_NE(ec, nullptr);
    const std::string path = write_pem(ec, "ec.pem");
    EVP_PKEY_free(ec);
    EXPECT_EQ(ENGINE_load_private_key(g_engine, path.c_str(), nullptr, nullptr), nullptr);
    EXPECT_NE(last_error().find("not a GOST R 34.10-2012 key"), std::string::npos);
}

TEST(Routing, ProviderKeysStayWithTheProviderWhenTheEngineIsDefault) {
    // What `openssl -engine gostcsp` does; provider keys must not be routed to the engine.
    ASSERT_EQ(ENGINE_set_default(g_engine, ENGINE_METHOD_ALL), 1);
    EVP_PKEY* prov = keygen("gost2012_256", "A");
    ASSERT_NE(prov, nullptr);
    EXPECT_EQ(EVP_PKEY_get0_asn1(prov), nullptr);  // still a provider key
    const std::vector<unsigned char> msg(64, 1);
    EVP_MD_CTX* mctx = EVP_MD_CTX_new();
    ASSERT_EQ(
        EVP_DigestSignInit_ex(mctx, nullptr, "md_gost12_256", nullptr, nullptr, prov, nullptr), 1)
        << last_error();
    size_t siglen = 0;
    EXPECT_EQ(EVP_DigestSign(mctx, nullptr, &siglen, msg.data(), msg.size()), 1);
    std::vector<unsigned char> sig(siglen);
    EXPECT_EQ(EVP_DigestSign(mctx, sig.data(), &siglen, msg.data(), msg.size()), 1);
    EVP_MD_CTX_free(mctx);
    EVP_PKEY_free(prov);
}

}  // namespace
