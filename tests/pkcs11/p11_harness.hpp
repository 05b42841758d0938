// SPDX-License-Identifier: Apache-2.0
// Test harness: loads a PKCS#11 module with dlopen + C_GetFunctionList, as an application does,
// and gives each test a fresh token directory with a cheap KDF.
#pragma once

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gostcsp/p11/gost_pkcs11.h"

namespace p11test {

using Bytes = std::vector<std::uint8_t>;

// A dlopen'ed module and its function list (never unloaded: the process keeps it).
struct Loaded {
    void* handle = nullptr;
    CK_FUNCTION_LIST* f = nullptr;
};

inline Loaded load_module(const char* path) {
    Loaded l;
    l.handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (l.handle == nullptr) {
        ADD_FAILURE() << "dlopen " << path << ": " << dlerror();
        return l;
    }
    auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(l.handle, "C_GetFunctionList"));
    if (get == nullptr || get(&l.f) != CKR_OK) ADD_FAILURE() << "C_GetFunctionList failed";
    return l;
}

inline CK_FUNCTION_LIST* gostcsp() {
    static Loaded l = load_module(GOSTCSP_P11_MODULE);
    return l.f;
}

inline std::filesystem::path make_temp_dir(const char* prefix) {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / (std::string(prefix) + "XXXXXX")).string();
    char* p = mkdtemp(tmpl.data());
    if (p == nullptr) throw std::runtime_error("mkdtemp");
    return p;
}

constexpr const char* so_pin = "5927461830";
constexpr const char* user_pin = "7391846205";
constexpr const char* default_pin = "12345678";  // on the keystore's default-PIN list

inline CK_UTF8CHAR_PTR u8(const char* s) {
    return reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(s));
}
inline CK_ULONG len_of(const char* s) {
    return static_cast<CK_ULONG>(std::strlen(s));
}

inline Bytes hex(std::string_view h) {
    Bytes out;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2)
        out.push_back(
            static_cast<std::uint8_t>(std::stoul(std::string(h.substr(i, 2)), nullptr, 16)));
    return out;
}
inline std::string to_hex(const Bytes& b) {
    static const char* d = "0123456789abcdef";
    std::string s;
    for (auto c : b) {
        s += d[c >> 4];
        s += d[c & 15];
    }
    return s;
}

// DER OIDs used in templates.
inline const Bytes oid_tc26_256_a = hex("06092a8503070102010101");
inline const Bytes oid_tc26_256_b = hex("06092a8503070102010102");
inline const Bytes oid_cryptopro_a = hex("06072a850302022301");
inline const Bytes oid_tc26_512_a = hex("06092a8503070102010201");
inline const Bytes oid_tc26_512_c = hex("06092a8503070102010203");
inline const Bytes oid_streebog256 = hex("06082a85030701010202");
inline const Bytes oid_streebog512 = hex("06082a85030701010203");

// Base fixture: a fresh token directory and an initialised gostcsp module per test.
class P11Test : public ::testing::Test {
  protected:
    CK_FUNCTION_LIST* f = nullptr;
    std::filesystem::path dir;

    virtual std::string extra_config() const { return ""; }

    void SetUp() override {
        f = gostcsp();
        ASSERT_NE(f, nullptr);
        dir = make_temp_dir("gostcsp-p11-");
        std::ofstream(dir / "gostcsp.conf") << "token_dir = " << (dir / "tokens").string()
                                            << "\ntest_token = true\nkdf_iterations = 10\nuser_max_retries = 3\n"
                                            << "so_max_retries = 3\n"
                                            << extra_config();
        setenv("GOSTCSP_CONF", (dir / "gostcsp.conf").c_str(), 1);
        unsetenv("GOSTCSP_TOKEN_DIR");
        ASSERT_EQ(f->C_Initialize(nullptr), CKR_OK);
    }
    void TearDown() override {
        if (f != nullptr) f->C_Finalize(nullptr);
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }

    std::vector<CK_SLOT_ID> slots() {
        CK_ULONG n = 0;
        EXPECT_EQ(f->C_GetSlotList(CK_FALSE, nullptr, &n), CKR_OK);
        std::vector<CK_SLOT_ID> v(n);
        EXPECT_EQ(f->C_GetSlotList(CK_FALSE, v.data(), &n), CKR_OK);
        v.resize(n);
        return v;
    }
    CK_TOKEN_INFO token_info(CK_SLOT_ID s) {
        CK_TOKEN_INFO ti{};
        EXPECT_EQ(f->C_GetTokenInfo(s, &ti), CKR_OK);
        return ti;
    }
    // The slot whose token is not initialised yet.
    CK_SLOT_ID spare_slot() {
        for (auto s : slots())
            if ((token_info(s).flags & CKF_TOKEN_INITIALIZED) == 0) return s;
        ADD_FAILURE() << "no uninitialised slot";
        return 0;
    }
    static void label32(CK_UTF8CHAR* out, const char* label) {
        std::memset(out, ' ', 32);
        std::memcpy(out, label, std::strlen(label));
    }
    CK_SLOT_ID init_token(const char* label = "gostcsp test", const char* so = so_pin) {
        CK_SLOT_ID s = spare_slot();
        CK_UTF8CHAR lab[32];
        label32(lab, label);
        EXPECT_EQ(f->C_InitToken(s, u8(so), len_of(so), lab), CKR_OK);
        return s;
    }
    CK_SESSION_HANDLE open(CK_SLOT_ID s, bool rw = true) {
        CK_SESSION_HANDLE h = 0;
        EXPECT_EQ(f->C_OpenSession(s, CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0), nullptr,
                                   nullptr, &h),
                  CKR_OK);
        return h;
    }
    void set_user_pin(CK_SLOT_ID s, const char* pin = user_pin, const char* so = so_pin) {
        CK_SESSION_HANDLE h = open(s);
        ASSERT_EQ(f->C_Login(h, CKU_SO, u8(so), len_of(so)), CKR_OK);
        ASSERT_EQ(f->C_InitPIN(h, u8(pin), len_of(pin)), CKR_OK);
        ASSERT_EQ(f->C_Logout(h), CKR_OK);
        ASSERT_EQ(f->C_CloseSession(h), CKR_OK);
    }
    // An initialised token with a user PIN; returns its slot.
    CK_SLOT_ID ready_token() {
        CK_SLOT_ID s = init_token();
        set_user_pin(s);
        return s;
    }
    // A R/W session logged in as the user.
    CK_SESSION_HANDLE user_session(CK_SLOT_ID s) {
        CK_SESSION_HANDLE h = open(s);
        EXPECT_EQ(f->C_Login(h, CKU_USER, u8(user_pin), len_of(user_pin)), CKR_OK);
        return h;
    }

    struct KeyPair {
        CK_OBJECT_HANDLE pub = 0, priv = 0;
    };
    KeyPair generate(CK_SESSION_HANDLE h, const Bytes& params, bool is512 = false,
                     bool token = false, CK_BBOOL derive = CK_TRUE) {
        CK_MECHANISM m{is512 ? CKM_GOSTR3410_512_KEY_PAIR_GEN : CKM_GOSTR3410_KEY_PAIR_GEN, nullptr,
                       0};
        CK_BBOOL t = CK_TRUE, tok = token ? CK_TRUE : CK_FALSE;
        CK_ATTRIBUTE pub[] = {
            {CKA_GOSTR3410_PARAMS, const_cast<std::uint8_t*>(params.data()), params.size()},
            {CKA_TOKEN, &tok, 1},
            {CKA_VERIFY, &t, 1},
        };
        CK_ATTRIBUTE priv[] = {
            {CKA_TOKEN, &tok, 1},
            {CKA_SIGN, &t, 1},
            {CKA_DERIVE, &derive, 1},
        };
        KeyPair kp;
        EXPECT_EQ(f->C_GenerateKeyPair(h, &m, pub, 3, priv, 3, &kp.pub, &kp.priv), CKR_OK);
        return kp;
    }
    Bytes attr(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t, CK_RV want = CKR_OK) {
        CK_ATTRIBUTE a{t, nullptr, 0};
        CK_RV rv = f->C_GetAttributeValue(h, o, &a, 1);
        EXPECT_EQ(rv, want) << "attribute 0x" << std::hex << t;
        if (rv != CKR_OK) return {};
        Bytes v(a.ulValueLen);
        a.pValue = v.data();
        EXPECT_EQ(f->C_GetAttributeValue(h, o, &a, 1), CKR_OK);
        return v;
    }
    CK_ULONG attr_ulong(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t) {
        Bytes v = attr(h, o, t);
        CK_ULONG x = 0;
        if (v.size() == sizeof x) std::memcpy(&x, v.data(), sizeof x);
        return x;
    }
    Bytes sign(CK_SESSION_HANDLE h, CK_MECHANISM_TYPE mt, CK_OBJECT_HANDLE key, const Bytes& data) {
        CK_MECHANISM m{mt, nullptr, 0};
        EXPECT_EQ(f->C_SignInit(h, &m, key), CKR_OK);
        CK_ULONG n = 0;
        EXPECT_EQ(f->C_Sign(h, const_cast<std::uint8_t*>(data.data()), data.size(), nullptr, &n),
                  CKR_OK);
        Bytes sig(n);
        EXPECT_EQ(f->C_Sign(h, const_cast<std::uint8_t*>(data.data()), data.size(), sig.data(), &n),
                  CKR_OK);
        sig.resize(n);
        return sig;
    }
    CK_RV verify(CK_SESSION_HANDLE h, CK_MECHANISM_TYPE mt, CK_OBJECT_HANDLE key, const Bytes& data,
                 const Bytes& sig) {
        CK_MECHANISM m{mt, nullptr, 0};
        CK_RV rv = f->C_VerifyInit(h, &m, key);
        if (rv != CKR_OK) return rv;
        return f->C_Verify(h, const_cast<std::uint8_t*>(data.data()), data.size(),
                           const_cast<std::uint8_t*>(sig.data()), sig.size());
    }
    std::vector<CK_OBJECT_HANDLE> find(CK_SESSION_HANDLE h, std::vector<CK_ATTRIBUTE> tmpl) {
        std::vector<CK_OBJECT_HANDLE> out;
        EXPECT_EQ(f->C_FindObjectsInit(h, tmpl.data(), tmpl.size()), CKR_OK);
        CK_OBJECT_HANDLE buf[4];
        CK_ULONG n = 0;
        do {
            EXPECT_EQ(f->C_FindObjects(h, buf, 4, &n), CKR_OK);
            out.insert(out.end(), buf, buf + n);
        } while (n == 4);
        EXPECT_EQ(f->C_FindObjectsFinal(h), CKR_OK);
        return out;
    }
};

}  // namespace p11test
