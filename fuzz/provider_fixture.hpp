// SPDX-License-Identifier: Apache-2.0
// Shared set-up of the provider fuzz targets: gostcsp's provider (linked in, registered as a
// built-in provider of a private library context, beside OpenSSL's default provider) configured
// to load the fuzz build's PKCS#11 module, whose test token holds two key pairs:
//   label k256, id a1, tc26-256-A      label k512, id b2, tc26-512-A
// (user PIN 7391846205, also the provider's configured pkcs11-pin; test token, kdf 10 rounds).
// Made once per process, in a private directory under /dev/shm, removed at exit.
#pragma once

#include <dlfcn.h>
#include <openssl/core.h>
#include <openssl/err.h>
#include <openssl/provider.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "gostcsp/p11/gost_pkcs11.h"

extern "C" int OSSL_provider_init(const OSSL_CORE_HANDLE*, const OSSL_DISPATCH*,
                                  const OSSL_DISPATCH**, void**);

namespace fuzzfix {

inline constexpr const char* so_pin = "5927461830";
inline constexpr const char* user_pin = "7391846205";

[[noreturn]] inline void die(const char* what, unsigned long rv) {
    std::fprintf(stderr, "fuzz provider set-up: %s: 0x%lx\n", what, rv);
    std::abort();
}
inline void must(CK_RV rv, const char* what) {
    if (rv != CKR_OK) die(what, rv);
}
inline CK_UTF8CHAR_PTR u8(const char* s) {
    return reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(s));
}

// Initialises the module's first token and makes the key pairs, through the module's C ABI.
inline void make_token() {
    void* lib = dlopen(GOSTCSP_FUZZ_P11_MODULE, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) die(dlerror(), 0);
    auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib, "C_GetFunctionList"));
    CK_FUNCTION_LIST* f = nullptr;
    if (get == nullptr) die("C_GetFunctionList", 0);
    must(get(&f), "C_GetFunctionList");
    must(f->C_Initialize(nullptr), "C_Initialize");
    CK_SLOT_ID slot = 0;
    CK_ULONG n = 1;
    must(f->C_GetSlotList(CK_FALSE, &slot, &n), "C_GetSlotList");
    CK_UTF8CHAR label[32];
    std::memset(label, ' ', sizeof label);
    std::memcpy(label, "fuzz", 4);
    must(f->C_InitToken(slot, u8(so_pin), std::strlen(so_pin), label), "C_InitToken");
    CK_SESSION_HANDLE s = 0;
    must(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s),
         "C_OpenSession");
    must(f->C_Login(s, CKU_SO, u8(so_pin), std::strlen(so_pin)), "C_Login SO");
    must(f->C_InitPIN(s, u8(user_pin), std::strlen(user_pin)), "C_InitPIN");
    must(f->C_Logout(s), "C_Logout");
    must(f->C_Login(s, CKU_USER, u8(user_pin), std::strlen(user_pin)), "C_Login");
    struct Pair {
        CK_MECHANISM_TYPE mech;
        const char* label;
        CK_BYTE id;
        CK_BYTE oid[11];
    };
    const Pair pairs[] = {
        {CKM_GOSTR3410_KEY_PAIR_GEN, "k256", 0xa1, {6, 9, 0x2a, 0x85, 3, 7, 1, 2, 1, 1, 1}},
        {CKM_GOSTR3410_512_KEY_PAIR_GEN, "k512", 0xb2, {6, 9, 0x2a, 0x85, 3, 7, 1, 2, 1, 2, 1}},
    };
    for (const Pair& p : pairs) {
        CK_MECHANISM m{p.mech, nullptr, 0};
        CK_BBOOL t = CK_TRUE;
        CK_BYTE id = p.id;
        CK_ATTRIBUTE pt[] = {{CKA_GOSTR3410_PARAMS, const_cast<CK_BYTE*>(p.oid), sizeof p.oid},
                             {CKA_TOKEN, &t, 1},
                             {CKA_VERIFY, &t, 1},
                             {CKA_LABEL, u8(p.label), std::strlen(p.label)},
                             {CKA_ID, &id, 1}};
        CK_ATTRIBUTE kt[] = {{CKA_TOKEN, &t, 1},
                             {CKA_SIGN, &t, 1},
                             {CKA_DERIVE, &t, 1},
                             {CKA_LABEL, u8(p.label), std::strlen(p.label)},
                             {CKA_ID, &id, 1}};
        CK_OBJECT_HANDLE pub = 0, priv = 0;
        must(f->C_GenerateKeyPair(s, &m, pt, 5, kt, 5, &pub, &priv), "C_GenerateKeyPair");
    }
    must(f->C_CloseSession(s), "C_CloseSession");
    must(f->C_Finalize(nullptr), "C_Finalize");
    // The library stays loaded (no dlclose): the provider opens the same file.
}

struct Fixture {
    std::filesystem::path dir;
    OSSL_LIB_CTX* libctx = nullptr;
};

inline Fixture& fixture() {
    static Fixture x = [] {
        Fixture s;
        // GOSTCSP_FUZZ_TMP (fuzz_smoke.sh: its scratch directory, removed after the run; libFuzzer
        // ends without atexit handlers), else /dev/shm, else the temporary directory.
        const char* shm = "/dev/shm";
        const char* env = std::getenv("GOSTCSP_FUZZ_TMP");
        std::string tmpl = (env != nullptr && *env != 0    ? std::filesystem::path(env)
                            : std::filesystem::exists(shm) ? std::filesystem::path(shm)
                                                           : std::filesystem::temp_directory_path())
                               .string() +
                           "/gostcsp-fuzz-prov-XXXXXX";
        if (mkdtemp(tmpl.data()) == nullptr) std::abort();
        s.dir = tmpl;
        std::ofstream(s.dir / "gostcsp.conf")
            << "token_dir = " << (s.dir / "tokens").string()
            << "\ntest_token = true\nkdf_iterations = 10\nallow_factory_pins = true\n"
               "user_max_retries = 1000\nso_max_retries = 1000\nlog_level = error\n";
        setenv("GOSTCSP_CONF", (s.dir / "gostcsp.conf").c_str(), 1);
        unsetenv("GOSTCSP_TOKEN_DIR");
        make_token();
        std::ofstream(s.dir / "openssl.cnf")
            << "openssl_conf = conf\n[conf]\nproviders = provs\n[provs]\ndefault = dflt\n"
               "gostcsp = gost\n[dflt]\nactivate = 1\n[gost]\nactivate = 1\npkcs11-module = "
            << GOSTCSP_FUZZ_P11_MODULE << "\npkcs11-pin = " << user_pin << "\n";
        s.libctx = OSSL_LIB_CTX_new();
        if (s.libctx == nullptr ||
            OSSL_PROVIDER_add_builtin(s.libctx, "gostcsp", &OSSL_provider_init) != 1 ||
            OSSL_LIB_CTX_load_config(s.libctx, (s.dir / "openssl.cnf").c_str()) != 1 ||
            OSSL_PROVIDER_available(s.libctx, "gostcsp") != 1) {
            ERR_print_errors_fp(stderr);
            die("provider", 0);
        }
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove_all(fixture().dir, ec);
        });
        return s;
    }();
    return x;
}

}  // namespace fuzzfix
