// SPDX-License-Identifier: Apache-2.0
// Token keys through the EVP API: OSSL_STORE load of a pkcs11: URI, signing on pooled sessions from
// two threads, a fork child that signs on its own sessions, re-login after the token logged out.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/store.h>
#include <p11-kit/pkcs11.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;

const char* const user_pin = "Teal-Otter-5531";

// The built programs, or copies named by the environment: token_cli_test.sh runs this test as
// another user on world-readable copies when the checkout is private (support/other_user.sh).
std::string built_or_env(const char* var, const char* built) {
    const char* value = std::getenv(var);
    return value != nullptr && *value != '\0' ? value : built;
}
std::string provider_dir() {
    return built_or_env("GOSTCSP_PROVIDER_DIR", GOSTCSP_PROVIDER_DIR);
}
std::string p11_module() {
    return built_or_env("GOSTCSP_P11_MODULE", GOSTCSP_P11_MODULE);
}

class TokenApi : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_ = fs::temp_directory_path() / ("gostcsp-token-api-" + std::to_string(getpid()));
        fs::create_directories(dir_);
        setenv("GOSTCSP_TOKEN_DIR", (dir_ / "tokens").c_str(), 1);
        setenv("GOSTCSP_CONF", (dir_ / "gostcsp.conf").c_str(), 1);
        std::ofstream(dir_ / "gostcsp.conf") << "test_token = true\nkdf_iterations = 64\nallow_factory_pins = true\n";
        setenv("SO_PIN", "12345678", 1);
        setenv("FACTORY_PIN", "87654321", 1);
        setenv("USER_PIN", user_pin, 1);
        // Quoted: the checkout's path may contain spaces.
        const std::string tool = "'" + built_or_env("GOSTCSP_TOOL", GOSTCSP_TOOL) + "'";
        for (const std::string args :
             {"init-token --label api --so-pin-env SO_PIN",
              "unblock --token api --so-pin-env SO_PIN --new-pin-env FACTORY_PIN",
              "change-pin --token api --pin-env FACTORY_PIN --new-pin-env USER_PIN",
              "keygen --token api --pin-env USER_PIN --label k --id 01 --param-set tc26-256-B"}) {
            const std::string cmd = tool + " " + args + " >/dev/null";
            ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
        }
        std::ofstream(dir_ / "openssl.cnf")
            << "openssl_conf = openssl_init\n[openssl_init]\nproviders = provider_sect\n"
               "[provider_sect]\ndefault = default_sect\ngostcsp = gostcsp_sect\n"
               "[default_sect]\nactivate = 1\n[gostcsp_sect]\nactivate = 1\n"
               "module = "
            << provider_dir()
            << "/gostcsp.so\n"
            // GOSTCSP_TEST_REGISTERED=1: reach the module through p11-kit's registry instead
            // (register it in ~/.config/pkcs11/modules; p11-kit reads that only for non-root).
            << (std::getenv("GOSTCSP_TEST_REGISTERED") != nullptr
                    ? ""
                    : "pkcs11-module = " + p11_module() + "\n");
        libctx_ = OSSL_LIB_CTX_new();
        ASSERT_NE(libctx_, nullptr);
        ASSERT_EQ(OSSL_LIB_CTX_load_config(libctx_, (dir_ / "openssl.cnf").c_str()), 1);
    }
    static void TearDownTestSuite() {
        OSSL_LIB_CTX_free(libctx_);
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    static EVP_PKEY* load(const std::string& uri) {
        OSSL_STORE_CTX* st = OSSL_STORE_open_ex(uri.c_str(), libctx_, nullptr, nullptr, nullptr,
                                                nullptr, nullptr, nullptr);
        if (st == nullptr) return nullptr;
        EVP_PKEY* key = nullptr;
        while (key == nullptr && !OSSL_STORE_eof(st)) {
            OSSL_STORE_INFO* info = OSSL_STORE_load(st);
            if (info == nullptr) break;
            if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
                key = OSSL_STORE_INFO_get1_PKEY(info);
            OSSL_STORE_INFO_free(info);
        }
        OSSL_STORE_close(st);
        return key;
    }

    // Signs a fixed digest and checks the signature with the key's public half.
    static bool sign_verify(EVP_PKEY* key, unsigned char tweak) {
        unsigned char dgst[32];
        for (unsigned i = 0; i < 32; ++i) dgst[i] = static_cast<unsigned char>(i * 7 + tweak);
        unsigned char sig[64];
        size_t siglen = sizeof sig;
        EVP_PKEY_CTX* c = EVP_PKEY_CTX_new_from_pkey(libctx_, key, nullptr);
        bool ok = c != nullptr && EVP_PKEY_sign_init(c) == 1 &&
                  EVP_PKEY_sign(c, sig, &siglen, dgst, sizeof dgst) == 1 && siglen == 64;
        EVP_PKEY_CTX_free(c);
        if (!ok) return false;
        c = EVP_PKEY_CTX_new_from_pkey(libctx_, key, nullptr);
        ok = c != nullptr && EVP_PKEY_verify_init(c) == 1 &&
             EVP_PKEY_verify(c, sig, siglen, dgst, sizeof dgst) == 1;
        EVP_PKEY_CTX_free(c);
        return ok;
    }

    static inline fs::path dir_;
    static inline OSSL_LIB_CTX* libctx_ = nullptr;
};

const std::string key_uri =
    std::string("pkcs11:token=api;object=k;type=private?pin-value=") + user_pin;

TEST_F(TokenApi, LoadsAReferenceAndSigns) {
    EVP_PKEY* key = load(key_uri);
    ASSERT_NE(key, nullptr);
    EXPECT_TRUE(EVP_PKEY_is_a(key, "gost2012_256"));
    EXPECT_TRUE(sign_verify(key, 1));
    EVP_PKEY_free(key);
}

TEST_F(TokenApi, TwoThreadsShareThePool) {
    EVP_PKEY* key = load(key_uri);
    ASSERT_NE(key, nullptr);
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 200; ++i)
                if (!sign_verify(key, static_cast<unsigned char>(t * 100 + i))) ++failures;
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(failures.load(), 0);
    EVP_PKEY_free(key);
}

TEST_F(TokenApi, ForkChildSignsOnItsOwnSessions) {
    EVP_PKEY* key = load(key_uri);
    ASSERT_NE(key, nullptr);
    ASSERT_TRUE(sign_verify(key, 3));  // the parent has pooled, logged-in sessions now
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) _exit(sign_verify(key, 4) && sign_verify(key, 5) ? 0 : 1);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_TRUE(sign_verify(key, 6));  // the parent's sessions still work
    EVP_PKEY_free(key);
}

TEST_F(TokenApi, LogsInAgainAfterTheTokenLoggedOut) {
    EVP_PKEY* key = load(key_uri);
    ASSERT_NE(key, nullptr);
    ASSERT_TRUE(sign_verify(key, 7));
    // Log the application out through the module directly (login state is per process).
    void* lib = dlopen(p11_module().c_str(), RTLD_NOW | RTLD_NOLOAD);
    ASSERT_NE(lib, nullptr);
    auto get =
        reinterpret_cast<CK_RV (*)(CK_FUNCTION_LIST_PTR_PTR)>(dlsym(lib, "C_GetFunctionList"));
    ASSERT_NE(get, nullptr);
    CK_FUNCTION_LIST_PTR fl = nullptr;
    ASSERT_EQ(get(&fl), CKR_OK);
    CK_SLOT_ID slots[16];
    CK_ULONG n = 16;
    ASSERT_EQ(fl->C_GetSlotList(CK_TRUE, slots, &n), CKR_OK);
    CK_SLOT_ID slot = slots[0];
    for (CK_ULONG i = 0; i < n; ++i) {
        CK_TOKEN_INFO ti{};
        if (fl->C_GetTokenInfo(slots[i], &ti) == CKR_OK &&
            std::string(reinterpret_cast<const char*>(ti.label), 3) == "api")
            slot = slots[i];
    }
    CK_SESSION_HANDLE h = 0;
    ASSERT_EQ(fl->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &h), CKR_OK);
    EXPECT_EQ(fl->C_Logout(h), CKR_OK);
    fl->C_CloseSession(h);
    dlclose(lib);
    EXPECT_TRUE(sign_verify(key, 8));  // the provider re-logs in with the remembered PIN
    EVP_PKEY_free(key);
}

TEST_F(TokenApi, WrongPinIsAReadableError) {
    ERR_clear_error();
    EVP_PKEY* key = load("pkcs11:token=api;object=k;type=private?pin-value=wrong-pin-0");
    // The token is still logged in from the tests above in this process: PKCS#11 login is per
    // application, so a second login is not attempted. A fresh process is checked by the CLI tests.
    EVP_PKEY_free(key);
    ERR_clear_error();
    EVP_PKEY* missing =
        load(std::string("pkcs11:token=api;object=absent;type=private?pin-value=") + user_pin);
    EXPECT_EQ(missing, nullptr);
    char buf[512];
    ERR_error_string_n(ERR_peek_last_error(), buf, sizeof buf);
    EXPECT_NE(std::string(buf).find("key not found on token"), std::string::npos) << buf;
    ERR_clear_error();
}

}  // namespace
