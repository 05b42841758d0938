// SPDX-License-Identifier: Apache-2.0
// The module's ABI: exported symbols, function list, v3.0 interfaces, C_Initialize/C_Finalize
// rules, slot and mechanism queries, unsupported functions, threads (app mutexes), fork.
#include <sys/wait.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

#include "p11_harness.hpp"

using namespace p11test;

namespace {

std::string run(const std::string& cmd) {
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) return out;
    char buf[512];
    while (fgets(buf, sizeof buf, p) != nullptr) out += buf;
    pclose(p);
    return out;
}

}  // namespace

TEST(P11Abi, ExportsOnlyTheEntryPoints) {
    // Quoted: the checkout's path may contain spaces.
    std::string out = run(std::string("nm -D --defined-only '") + GOSTCSP_P11_MODULE + "'");
    std::set<std::string> syms;
    std::size_t pos = 0;
    while (pos < out.size()) {
        std::size_t end = out.find('\n', pos);
        std::string line = out.substr(pos, end - pos);
        pos = end == std::string::npos ? out.size() : end + 1;
        auto sp = line.rfind(' ');
        if (sp != std::string::npos) syms.insert(line.substr(sp + 1));
    }
    EXPECT_EQ(syms,
              (std::set<std::string>{"C_GetFunctionList", "C_GetInterfaceList", "C_GetInterface"}));
}

TEST(P11Abi, FunctionListIsCompleteV240) {
    CK_FUNCTION_LIST* f = gostcsp();
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->version.major, 2);
    EXPECT_EQ(f->version.minor, 40);
    // Every slot of the v2.40 list is a function pointer; none may be NULL.
    auto* first = reinterpret_cast<void**>(&f->C_Initialize);
    auto* last = reinterpret_cast<void**>(&f->C_WaitForSlotEvent);
    for (void** p = first; p <= last; ++p) EXPECT_NE(*p, nullptr) << "entry " << (p - first);
    EXPECT_EQ(last - first + 1, 68);
}

TEST(P11Abi, GetFunctionListNullIsArgumentsBad) {
    EXPECT_EQ(gostcsp()->C_GetFunctionList(nullptr), CKR_ARGUMENTS_BAD);
}

// The list's own C_GetFunctionList must be the module's, even in a process that also has
// libp11-kit (which exports a C_GetFunctionList of its own) loaded first.
TEST(P11Abi, FunctionListPointsAtItself) {
    CK_FUNCTION_LIST_PTR again = nullptr;
    ASSERT_EQ(gostcsp()->C_GetFunctionList(&again), CKR_OK);
    EXPECT_EQ(again, gostcsp());
}

TEST(P11Abi, InterfaceListAndInterface) {
    gostcsp();
    void* h = dlopen(GOSTCSP_P11_MODULE, RTLD_NOW | RTLD_NOLOAD);
    ASSERT_NE(h, nullptr);
    using ListFn = CK_RV (*)(GOSTCSP_CK_INTERFACE*, CK_ULONG*);
    using GetFn = CK_RV (*)(CK_UTF8CHAR*, CK_VERSION*, GOSTCSP_CK_INTERFACE**, CK_FLAGS);
    auto list = reinterpret_cast<ListFn>(dlsym(h, "C_GetInterfaceList"));
    auto get = reinterpret_cast<GetFn>(dlsym(h, "C_GetInterface"));
    ASSERT_NE(list, nullptr);
    ASSERT_NE(get, nullptr);
    CK_ULONG n = 0;
    EXPECT_EQ(list(nullptr, nullptr), CKR_ARGUMENTS_BAD);
    ASSERT_EQ(list(nullptr, &n), CKR_OK);
    ASSERT_EQ(n, 1u);
    CK_ULONG zero = 0;
    GOSTCSP_CK_INTERFACE one[1];
    EXPECT_EQ(list(one, &zero), CKR_BUFFER_TOO_SMALL);
    EXPECT_EQ(zero, 1u);
    ASSERT_EQ(list(one, &n), CKR_OK);
    EXPECT_STREQ(reinterpret_cast<const char*>(one[0].pInterfaceName), "PKCS 11");
    EXPECT_EQ(one[0].pFunctionList, gostcsp());
    GOSTCSP_CK_INTERFACE* i = nullptr;
    EXPECT_EQ(get(nullptr, nullptr, &i, 0), CKR_OK);
    EXPECT_EQ(i->pFunctionList, gostcsp());
    CK_VERSION v3{3, 0};
    EXPECT_EQ(get(nullptr, &v3, &i, 0), CKR_ARGUMENTS_BAD);
    EXPECT_EQ(get(u8("Vendor X"), nullptr, &i, 0), CKR_ARGUMENTS_BAD);
    EXPECT_EQ(get(nullptr, nullptr, nullptr, 0), CKR_ARGUMENTS_BAD);
}

TEST(P11Abi, NotInitialisedEverywhere) {
    CK_FUNCTION_LIST* f = gostcsp();
    CK_INFO info;
    CK_ULONG n = 0;
    CK_SESSION_HANDLE h = 0;
    EXPECT_EQ(f->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
    EXPECT_EQ(f->C_GetSlotList(CK_FALSE, nullptr, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
    EXPECT_EQ(f->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &h),
              CKR_CRYPTOKI_NOT_INITIALIZED);
    EXPECT_EQ(f->C_CloseSession(1), CKR_CRYPTOKI_NOT_INITIALIZED);
    EXPECT_EQ(f->C_EncryptInit(1, nullptr, 0), CKR_CRYPTOKI_NOT_INITIALIZED);
    EXPECT_EQ(f->C_Finalize(nullptr), CKR_CRYPTOKI_NOT_INITIALIZED);
}

class P11Init : public P11Test {
  protected:
    void SetUp() override {
        P11Test::SetUp();
        ASSERT_EQ(f->C_Finalize(nullptr), CKR_OK);
    }
    void TearDown() override {
        f->C_Finalize(nullptr);
        P11Test::TearDown();
    }
};

TEST_F(P11Init, InitializeArguments) {
    CK_C_INITIALIZE_ARGS a{};
    a.pReserved = reinterpret_cast<void*>(1);
    EXPECT_EQ(f->C_Initialize(&a), CKR_ARGUMENTS_BAD);
    CK_C_INITIALIZE_ARGS partial{};
    partial.CreateMutex = [](void**) -> CK_RV { return CKR_OK; };
    EXPECT_EQ(f->C_Initialize(&partial), CKR_ARGUMENTS_BAD);
    CK_C_INITIALIZE_ARGS os{};
    os.flags = CKF_OS_LOCKING_OK;
    EXPECT_EQ(f->C_Initialize(&os), CKR_OK);
    EXPECT_EQ(f->C_Initialize(&os), CKR_CRYPTOKI_ALREADY_INITIALIZED);
    EXPECT_EQ(f->C_Finalize(reinterpret_cast<void*>(1)), CKR_ARGUMENTS_BAD);
    EXPECT_EQ(f->C_Finalize(nullptr), CKR_OK);
    EXPECT_EQ(f->C_Finalize(nullptr), CKR_CRYPTOKI_NOT_INITIALIZED);
}

namespace {
std::atomic<int> app_creates{0}, app_locks{0};
CK_RV app_create(void** m) {
    *m = new std::mutex;
    ++app_creates;
    return CKR_OK;
}
CK_RV app_destroy(void* m) {
    delete static_cast<std::mutex*>(m);
    return CKR_OK;
}
CK_RV app_lock(void* m) {
    static_cast<std::mutex*>(m)->lock();
    ++app_locks;
    return CKR_OK;
}
CK_RV app_unlock(void* m) {
    static_cast<std::mutex*>(m)->unlock();
    return CKR_OK;
}
}  // namespace

TEST_F(P11Init, ApplicationMutexCallbacksAreUsed) {
    CK_C_INITIALIZE_ARGS a{};
    a.CreateMutex = app_create;
    a.DestroyMutex = app_destroy;
    a.LockMutex = app_lock;
    a.UnlockMutex = app_unlock;
    app_creates = 0;
    app_locks = 0;
    ASSERT_EQ(f->C_Initialize(&a), CKR_OK);
    CK_SLOT_ID s = ready_token();
    CK_SESSION_HANDLE h = user_session(s);
    KeyPair kp = generate(h, oid_tc26_256_a);
    std::vector<std::thread> ts;
    std::atomic<int> bad{0};
    for (int t = 0; t < 4; ++t)
        ts.emplace_back([&] {
            CK_SESSION_HANDLE hs = 0;
            if (f->C_OpenSession(s, CKF_SERIAL_SESSION, nullptr, nullptr, &hs) != CKR_OK) ++bad;
            for (int i = 0; i < 20; ++i) {
                CK_MECHANISM m{CKM_GOSTR3410_WITH_GOSTR3411_12_256, nullptr, 0};
                std::uint8_t msg[3] = {1, 2, 3}, sig[64];
                CK_ULONG n = sizeof sig;
                if (f->C_SignInit(hs, &m, kp.priv) != CKR_OK ||
                    f->C_Sign(hs, msg, 3, sig, &n) != CKR_OK)
                    ++bad;
            }
            f->C_CloseSession(hs);
        });
    for (auto& t : ts) t.join();
    EXPECT_EQ(bad.load(), 0);
    EXPECT_GT(app_creates.load(), 0);
    EXPECT_GT(app_locks.load(), 0);
}

TEST_F(P11Init, ForkedChildMustReinitialise) {
    ASSERT_EQ(f->C_Initialize(nullptr), CKR_OK);
    CK_SLOT_ID s = ready_token();
    CK_SESSION_HANDLE h = user_session(s);
    KeyPair kp = generate(h, oid_tc26_256_a, false, true);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        int code = 0;
        CK_INFO info;
        if (f->C_GetInfo(&info) != CKR_CRYPTOKI_NOT_INITIALIZED) code |= 1;
        if (f->C_CloseSession(h) != CKR_CRYPTOKI_NOT_INITIALIZED) code |= 2;
        if (f->C_Initialize(nullptr) != CKR_OK) code |= 4;
        CK_SESSION_HANDLE c = 0;
        if (f->C_OpenSession(s, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &c) !=
            CKR_OK)
            code |= 8;
        if (f->C_Login(c, CKU_USER, u8(user_pin), len_of(user_pin)) != CKR_OK) code |= 16;
        CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
        CK_ATTRIBUTE t{CKA_CLASS, &cls, sizeof cls};
        CK_OBJECT_HANDLE k = 0;
        CK_ULONG n = 0;
        if (f->C_FindObjectsInit(c, &t, 1) != CKR_OK || f->C_FindObjects(c, &k, 1, &n) != CKR_OK ||
            n != 1)
            code |= 32;
        f->C_FindObjectsFinal(c);
        CK_MECHANISM m{CKM_GOSTR3410_WITH_GOSTR3411_12_256, nullptr, 0};
        std::uint8_t msg[1] = {7}, sig[64];
        CK_ULONG sl = sizeof sig;
        if (f->C_SignInit(c, &m, k) != CKR_OK || f->C_Sign(c, msg, 1, sig, &sl) != CKR_OK)
            code |= 64;
        if (f->C_Finalize(nullptr) != CKR_OK) code |= 128;
        _exit(code);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    // The parent is unaffected.
    CK_SESSION_INFO si;
    EXPECT_EQ(f->C_GetSessionInfo(h, &si), CKR_OK);
    EXPECT_EQ(si.state, CKS_RW_USER_FUNCTIONS);
    (void)kp;
}

TEST_F(P11Test, InfoAndSlots) {
    CK_INFO info;
    EXPECT_EQ(f->C_GetInfo(nullptr), CKR_ARGUMENTS_BAD);
    ASSERT_EQ(f->C_GetInfo(&info), CKR_OK);
    EXPECT_EQ(info.cryptokiVersion.major, 2);
    EXPECT_EQ(info.cryptokiVersion.minor, 40);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(info.manufacturerID), 7), "gostcsp");
    // An empty token directory: exactly one (uninitialised) slot for C_InitToken.
    CK_ULONG n = 0;
    EXPECT_EQ(f->C_GetSlotList(CK_FALSE, nullptr, nullptr), CKR_ARGUMENTS_BAD);
    ASSERT_EQ(f->C_GetSlotList(CK_TRUE, nullptr, &n), CKR_OK);
    ASSERT_EQ(n, 1u);
    CK_SLOT_ID one = 99;
    CK_ULONG zero = 0;
    EXPECT_EQ(f->C_GetSlotList(CK_TRUE, &one, &zero), CKR_BUFFER_TOO_SMALL);
    EXPECT_EQ(zero, 1u);
    CK_TOKEN_INFO ti = token_info(slots()[0]);
    EXPECT_EQ(ti.flags & CKF_TOKEN_INITIALIZED, 0u);
    CK_SLOT_INFO si;
    EXPECT_EQ(f->C_GetSlotInfo(slots()[0], &si), CKR_OK);
    EXPECT_NE(si.flags & CKF_TOKEN_PRESENT, 0u);
    EXPECT_EQ(si.flags & CKF_HW_SLOT, 0u);
    EXPECT_EQ(f->C_GetSlotInfo(12345, &si), CKR_SLOT_ID_INVALID);
    EXPECT_EQ(f->C_GetTokenInfo(12345, &ti), CKR_SLOT_ID_INVALID);
    EXPECT_EQ(f->C_GetSlotInfo(slots()[0], nullptr), CKR_ARGUMENTS_BAD);
    // Opening a session on the uninitialised token is refused.
    CK_SESSION_HANDLE h;
    EXPECT_EQ(f->C_OpenSession(slots()[0], CKF_SERIAL_SESSION, nullptr, nullptr, &h),
              CKR_TOKEN_NOT_RECOGNIZED);
    // After C_InitToken: one slot per token plus a new spare one.
    CK_SLOT_ID s = init_token("first");
    auto all = slots();
    ASSERT_EQ(all.size(), 2u);
    ti = token_info(s);
    EXPECT_NE(ti.flags & CKF_TOKEN_INITIALIZED, 0u);
    EXPECT_NE(ti.flags & CKF_LOGIN_REQUIRED, 0u);
    EXPECT_NE(ti.flags & CKF_RNG, 0u);
    EXPECT_EQ(ti.flags & CKF_USER_PIN_INITIALIZED, 0u);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(ti.label), 32), "first" + std::string(27, ' '));
    EXPECT_EQ(ti.ulMinPinLen, 6u);
    EXPECT_EQ(ti.ulMaxPinLen, 64u);
    // A new module instance (same directory) finds the token again.
    ASSERT_EQ(f->C_Finalize(nullptr), CKR_OK);
    ASSERT_EQ(f->C_Initialize(nullptr), CKR_OK);
    all = slots();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_NE(token_info(all[0]).flags & CKF_TOKEN_INITIALIZED, 0u);
}

TEST_F(P11Test, MechanismListAndInfo) {
    CK_SLOT_ID s = slots()[0];
    CK_ULONG n = 0;
    ASSERT_EQ(f->C_GetMechanismList(s, nullptr, &n), CKR_OK);
    std::vector<CK_MECHANISM_TYPE> v(n);
    CK_ULONG small = 1;
    EXPECT_EQ(f->C_GetMechanismList(s, v.data(), &small), CKR_BUFFER_TOO_SMALL);
    EXPECT_EQ(small, n);
    ASSERT_EQ(f->C_GetMechanismList(s, v.data(), &n), CKR_OK);
    std::set<CK_MECHANISM_TYPE> got(v.begin(), v.end());
    for (CK_MECHANISM_TYPE m : std::initializer_list<CK_MECHANISM_TYPE>{
             CKM_GOSTR3410_KEY_PAIR_GEN, CKM_GOSTR3410_512_KEY_PAIR_GEN, CKM_GOSTR3410,
             CKM_GOSTR3410_512, CKM_GOSTR3410_WITH_GOSTR3411_12_256,
             CKM_GOSTR3410_WITH_GOSTR3411_12_512, CKM_GOSTR3411_12_256, CKM_GOSTR3411_12_512,
             CKM_GOSTR3411_12_256_HMAC, CKM_GOSTR3411_12_512_HMAC, CKM_GOSTR3410_12_DERIVE})
        EXPECT_EQ(got.count(m), 1u) << std::hex << m;
    struct Want {
        CK_MECHANISM_TYPE m;
        CK_ULONG min, max;
        CK_FLAGS flags;
    };
    for (const Want& w :
         {Want{CKM_GOSTR3410_KEY_PAIR_GEN, 256, 256, CKF_GENERATE_KEY_PAIR},
          Want{CKM_GOSTR3410_512_KEY_PAIR_GEN, 512, 512, CKF_GENERATE_KEY_PAIR},
          Want{CKM_GOSTR3410, 256, 256, CKF_SIGN | CKF_VERIFY},
          Want{CKM_GOSTR3410_512, 512, 512, CKF_SIGN | CKF_VERIFY},
          Want{CKM_GOSTR3410_WITH_GOSTR3411_12_256, 256, 256, CKF_SIGN | CKF_VERIFY},
          Want{CKM_GOSTR3410_WITH_GOSTR3411_12_512, 512, 512, CKF_SIGN | CKF_VERIFY},
          Want{CKM_GOSTR3411_12_256, 0, 0, CKF_DIGEST},
          Want{CKM_GOSTR3411_12_512, 0, 0, CKF_DIGEST},
          Want{CKM_GOSTR3410_12_DERIVE, 256, 512, CKF_DERIVE}}) {
        CK_MECHANISM_INFO mi;
        ASSERT_EQ(f->C_GetMechanismInfo(s, w.m, &mi), CKR_OK);
        EXPECT_EQ(mi.ulMinKeySize, w.min) << std::hex << w.m;
        EXPECT_EQ(mi.ulMaxKeySize, w.max) << std::hex << w.m;
        EXPECT_EQ(mi.flags & w.flags, w.flags) << std::hex << w.m;
        EXPECT_EQ(mi.flags & CKF_HW, 0u);
        EXPECT_EQ(mi.flags & (CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP), 0u);
    }
    CK_MECHANISM_INFO mi;
    EXPECT_EQ(f->C_GetMechanismInfo(s, CKM_RSA_PKCS, &mi), CKR_MECHANISM_INVALID);
    EXPECT_EQ(f->C_GetMechanismInfo(s, CKM_GOSTR3410, nullptr), CKR_ARGUMENTS_BAD);
    EXPECT_EQ(f->C_GetMechanismInfo(777, CKM_GOSTR3410, &mi), CKR_SLOT_ID_INVALID);
    EXPECT_EQ(f->C_GetMechanismList(777, nullptr, &n), CKR_SLOT_ID_INVALID);
}

TEST_F(P11Test, UnsupportedFunctions) {
    CK_SLOT_ID s = ready_token();
    CK_SESSION_HANDLE h = open(s);
    CK_MECHANISM m{CKM_GOSTR3410, nullptr, 0};
    std::uint8_t b[16];
    CK_ULONG n = sizeof b;
    CK_OBJECT_HANDLE o;
    // Encryption exists for the symmetric mechanisms only (p11_sym_test.cpp).
    EXPECT_EQ(f->C_EncryptInit(h, &m, 1), CKR_MECHANISM_INVALID);
    EXPECT_EQ(f->C_Encrypt(h, b, 1, b, &n), CKR_OPERATION_NOT_INITIALIZED);
    EXPECT_EQ(f->C_EncryptUpdate(h, b, 1, b, &n), CKR_OPERATION_NOT_INITIALIZED);
    EXPECT_EQ(f->C_EncryptFinal(h, b, &n), CKR_OPERATION_NOT_INITIALIZED);
    EXPECT_EQ(f->C_DecryptInit(h, &m, 1), CKR_MECHANISM_INVALID);
    EXPECT_EQ(f->C_Decrypt(h, b, 1, b, &n), CKR_OPERATION_NOT_INITIALIZED);
    EXPECT_EQ(f->C_DecryptUpdate(h, b, 1, b, &n), CKR_OPERATION_NOT_INITIALIZED);
    EXPECT_EQ(f->C_DecryptFinal(h, b, &n), CKR_OPERATION_NOT_INITIALIZED);
    EXPECT_EQ(f->C_DigestKey(h, 1), CKR_FUNCTION_NOT_SUPPORTED);
    EXPECT_EQ(f->C_SignRecoverInit(h, &m, 1), CKR_FUNCTION_NOT_SUPPORTED);
    EXPECT_EQ(f->C_SignRecover(h, b, 1, b, &n), CKR_FUNCTION_NOT_SUPPORTED);
    EXPECT_EQ(f->C_VerifyRecoverInit(h, &m, 1), CKR_FUNCTION_NOT_SUPPORTED);
    EXPECT_EQ(f->C_VerifyRecover(h, b, 1, b, &n), CKR_FUNCTION_NOT_SUPPORTED);
    EXPECT_EQ(f->C_DigestEncryptUpdate(h, b, 1, b, &n), CKR_FUNCTION_NOT_SUPPORTED);
    EXPECT_EQ(f->C_DecryptDigestUpdate(h, b, 1, b, &n), CKR_FUNCTION_NOT_SUPPORTED);
    EXPECT_EQ(f->C_SignEncryptUpdate(h, b, 1, b, &n), CKR_FUNCTION_NOT_SUPPORTED);
    EXPECT_EQ(f->C_DecryptVerifyUpdate(h, b, 1, b, &n), CKR_FUNCTION_NOT_SUPPORTED);
    EXPECT_EQ(f->C_GenerateKey(h, &m, nullptr, 0, &o), CKR_MECHANISM_INVALID);
    EXPECT_EQ(f->C_UnwrapKey(h, &m, 1, b, 1, nullptr, 0, &o), CKR_MECHANISM_INVALID);
    EXPECT_EQ(f->C_GetOperationState(h, b, &n), CKR_FUNCTION_NOT_SUPPORTED);
    EXPECT_EQ(f->C_SetOperationState(h, b, n, 0, 0), CKR_FUNCTION_NOT_SUPPORTED);
    EXPECT_EQ(f->C_GetFunctionStatus(h), CKR_FUNCTION_NOT_PARALLEL);
    EXPECT_EQ(f->C_CancelFunction(h), CKR_FUNCTION_NOT_PARALLEL);
    CK_SLOT_ID ev;
    EXPECT_EQ(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &ev, nullptr), CKR_FUNCTION_NOT_SUPPORTED);
    // A bad session handle still wins over "not supported".
    EXPECT_EQ(f->C_EncryptInit(h + 1000, &m, 1), CKR_SESSION_HANDLE_INVALID);
    EXPECT_EQ(f->C_SeedRandom(h, b, 4), CKR_RANDOM_SEED_NOT_SUPPORTED);
    std::uint8_t r1[32] = {}, r2[32] = {};
    EXPECT_EQ(f->C_GenerateRandom(h, r1, sizeof r1), CKR_OK);
    EXPECT_EQ(f->C_GenerateRandom(h, r2, sizeof r2), CKR_OK);
    EXPECT_NE(std::memcmp(r1, r2, 32), 0);
    EXPECT_EQ(f->C_GenerateRandom(h, nullptr, 4), CKR_ARGUMENTS_BAD);
}
