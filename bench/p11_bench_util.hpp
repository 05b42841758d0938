// SPDX-License-Identifier: Apache-2.0
// Shared by the PKCS#11 benchmarks (bench_p11_sign.cpp, bench_p11_find.cpp): loading a module,
// initialising a token and its user PIN, user sessions, finding by class + label. Our module is
// configured once per process (gostcsp_module_conf) so several benchmark files can share it.
#pragma once

#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gostcsp/p11/gost_pkcs11.h"

namespace gostcsp_bench_p11 {

using Bytes = std::vector<std::uint8_t>;

inline const char* env_or(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return v != nullptr ? v : fallback;
}

// Both modules are used from several threads: let them use OS locking.
inline CK_C_INITIALIZE_ARGS threaded_args() {
    CK_C_INITIALIZE_ARGS a{};
    a.flags = CKF_OS_LOCKING_OK;
    return a;
}

inline CK_FUNCTION_LIST* load(const char* path) {
    void* h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) return nullptr;
    auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(h, "C_GetFunctionList"));
    CK_FUNCTION_LIST* f = nullptr;
    if (get == nullptr || get(&f) != CKR_OK) return nullptr;
    return f;
}

inline CK_UTF8CHAR so_pin[] = "Bench-SO-Osprey-77";
inline CK_UTF8CHAR user_pin[] = "Bench-User-Heron-4412";
inline constexpr CK_ULONG so_len = sizeof so_pin - 1, user_len = sizeof user_pin - 1;
inline CK_BBOOL yes = CK_TRUE;

// The first slot whose token is not initialised (our spare slot, SoftHSM2's free slot).
inline CK_SLOT_ID spare_slot(CK_FUNCTION_LIST* f) {
    CK_ULONG n = 0;
    f->C_GetSlotList(CK_FALSE, nullptr, &n);
    std::vector<CK_SLOT_ID> v(n);
    f->C_GetSlotList(CK_FALSE, v.data(), &n);
    for (CK_ULONG i = 0; i < n; ++i) {
        CK_TOKEN_INFO ti{};
        if (f->C_GetTokenInfo(v[i], &ti) == CKR_OK && !(ti.flags & CKF_TOKEN_INITIALIZED))
            return v[i];
    }
    return ~CK_SLOT_ID{0};
}

// The slot whose token has `label` (after initialisation slots may be renumbered).
inline CK_SLOT_ID slot_with_label(CK_FUNCTION_LIST* f, const char* label) {
    CK_ULONG n = 0;
    f->C_GetSlotList(CK_FALSE, nullptr, &n);
    std::vector<CK_SLOT_ID> v(n);
    f->C_GetSlotList(CK_FALSE, v.data(), &n);
    CK_UTF8CHAR want[32];
    std::memset(want, ' ', 32);
    std::memcpy(want, label, std::strlen(label));
    for (CK_ULONG i = 0; i < n; ++i) {
        CK_TOKEN_INFO ti{};
        if (f->C_GetTokenInfo(v[i], &ti) == CKR_OK && std::memcmp(ti.label, want, 32) == 0)
            return v[i];
    }
    return ~CK_SLOT_ID{0};
}

inline bool init_token_and_pin(CK_FUNCTION_LIST* f, const char* label, CK_SLOT_ID& slot) {
    CK_SLOT_ID spare = spare_slot(f);
    CK_UTF8CHAR lab[32];
    std::memset(lab, ' ', 32);
    std::memcpy(lab, label, std::strlen(label));
    if (CK_RV rv = f->C_InitToken(spare, so_pin, so_len, lab); rv != CKR_OK) {
        std::fprintf(stderr, "bench setup: C_InitToken(slot %lu): 0x%lx\n", spare, rv);
        return false;
    }
    slot = slot_with_label(f, label);
    CK_SESSION_HANDLE s = 0;
    if (f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s) != CKR_OK)
        return false;
    const CK_RV login = f->C_Login(s, CKU_SO, so_pin, so_len);
    const CK_RV init_pin = login == CKR_OK ? f->C_InitPIN(s, user_pin, user_len) : login;
    if (init_pin != CKR_OK)
        std::fprintf(stderr, "bench setup: SO login/C_InitPIN: 0x%lx\n", init_pin);
    const bool ok = init_pin == CKR_OK;
    f->C_Logout(s);
    f->C_CloseSession(s);
    return ok;
}

// A session logged in as the user (logins are per token: the first one counts).
inline CK_SESSION_HANDLE user_session(CK_FUNCTION_LIST* f, CK_SLOT_ID slot) {
    CK_SESSION_HANDLE s = 0;
    if (f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s) != CKR_OK)
        return 0;
    const CK_RV rv = f->C_Login(s, CKU_USER, user_pin, user_len);
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) return 0;
    return s;
}

inline CK_OBJECT_HANDLE find_one(CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls,
                                 const std::string& label) {
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls},
                        {CKA_LABEL, const_cast<char*>(label.data()), label.size()}};
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    CK_ULONG got = 0;
    if (f->C_FindObjectsInit(s, t, 2) != CKR_OK) return CK_INVALID_HANDLE;
    f->C_FindObjects(s, &h, 1, &got);
    f->C_FindObjectsFinal(s);
    return got == 1 ? h : CK_INVALID_HANDLE;
}

// Our module, loaded and initialised once per process with a token directory of its own on a RAM
// file system when there is one (/dev/shm: setting up 100,000 objects is then not a disk test).
// kdf_iterations = 10000 (the documented minimum, not a test token): logins cost a real KDF.
struct GostcspModule {
    CK_FUNCTION_LIST* f = nullptr;
    std::filesystem::path dir;
    bool ok = false;
    GostcspModule() {
        std::error_code ec;
        const std::filesystem::path base = std::filesystem::is_directory("/dev/shm", ec)
                                               ? std::filesystem::path("/dev/shm")
                                               : std::filesystem::temp_directory_path();
        dir = base / ("gostcsp-p11bench-" + std::to_string(getpid()));
        std::filesystem::create_directories(dir / "tokens");
        std::ofstream(dir / "gostcsp.conf")
            << "token_dir = " << (dir / "tokens").string() << "\nkdf_iterations = 10000\n";
        setenv("GOSTCSP_CONF", (dir / "gostcsp.conf").c_str(), 1);
        unsetenv("GOSTCSP_TOKEN_DIR");  // bench_token.cpp sets it for its own token
        f = load(env_or("GOSTCSP_P11_MODULE", GOSTCSP_BENCH_P11_MODULE));
        CK_C_INITIALIZE_ARGS args = threaded_args();
        ok = f != nullptr && f->C_Initialize(&args) == CKR_OK;
    }
    ~GostcspModule() {
        if (f != nullptr) f->C_Finalize(nullptr);
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};

inline GostcspModule& gostcsp_module() {
    static GostcspModule m;
    return m;
}

// SoftHSM2 the same way (file object store, one directory per process).
struct SoftHsmModule {
    CK_FUNCTION_LIST* f = nullptr;
    std::filesystem::path dir;
    bool ok = false;
    SoftHsmModule() {
        std::error_code ec;
        const std::filesystem::path base = std::filesystem::is_directory("/dev/shm", ec)
                                               ? std::filesystem::path("/dev/shm")
                                               : std::filesystem::temp_directory_path();
        dir = base / ("gostcsp-softhsm-bench-" + std::to_string(getpid()));
        std::filesystem::create_directories(dir / "tokens");
        std::ofstream(dir / "softhsm2.conf")
            << "directories.tokendir = " << (dir / "tokens").string()
            << "\nobjectstore.backend = file\n";
        setenv("SOFTHSM2_CONF", (dir / "softhsm2.conf").c_str(), 1);
        f = load(env_or("GOSTCSP_SOFTHSM2_MODULE", GOSTCSP_BENCH_SOFTHSM2_MODULE));
        CK_C_INITIALIZE_ARGS args = threaded_args();
        ok = f != nullptr && f->C_Initialize(&args) == CKR_OK;
    }
    ~SoftHsmModule() {
        if (f != nullptr) f->C_Finalize(nullptr);
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};

inline SoftHsmModule& softhsm_module() {
    static SoftHsmModule m;
    return m;
}

}  // namespace gostcsp_bench_p11
