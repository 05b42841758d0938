// SPDX-License-Identifier: Apache-2.0
// C_FindObjects through libgostcsp-pkcs11.so and SoftHSM2 on tokens holding N objects, and
// C_Login beside the PIN KDF it runs, in one binary and run.
//
// Each token holds N - 1 data objects labelled "obj-<i>" (every 10th private) and one private key
// with CKA_ID "find-key". One iteration = C_FindObjectsInit + C_FindObjects + C_FindObjectsFinal
// on a logged-in session, for one of three templates, each matching exactly one object:
//   label: {CKA_LABEL = "obj-<N/2>"}            class: {CKA_CLASS = CKO_PRIVATE_KEY}
//   id:    {CKA_CLASS = CKO_PRIVATE_KEY, CKA_ID = "find-key"}
// Names: P11Find/<label|id|class>/<gostcsp|softhsm2>/objects:N,
// P11Find/label/gostcsp-after-other-write/objects:N (a forked process commits first, untimed),
// P11Login/gostcsp (C_Login +
// C_Logout of the user, kdf_iterations 10000) and P11Login/kdf/pbkdf2-streebog512:10000 (the
// KDF alone, core). Sizes: 100, 10,000, 100,000; SoftHSM2 up to GOSTCSP_BENCH_SOFTHSM_FIND_MAX
// (default 10000: its setup and scans take minutes at 100,000).
//   gostcsp_bench --benchmark_filter='P11Find|P11Login'
#include <benchmark/benchmark.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "gostcsp/gost3410.hpp"
#include "gostcsp/streebog.hpp"
#include "p11_bench_util.hpp"

namespace {

using namespace gostcsp_bench_p11;

struct FindToken {
    CK_FUNCTION_LIST* f = nullptr;
    CK_SESSION_HANDLE s = 0;
    bool ok = false;
};

bool create_data(CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s, long i) {
    CK_OBJECT_CLASS cls = CKO_DATA;
    CK_BBOOL priv = i % 10 == 0 ? CK_TRUE : CK_FALSE;
    const std::string label = "obj-" + std::to_string(i);
    char value[] = "payload";
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls},
                        {CKA_TOKEN, &yes, sizeof yes},
                        {CKA_PRIVATE, &priv, sizeof priv},
                        {CKA_LABEL, const_cast<char*>(label.data()), label.size()},
                        {CKA_VALUE, value, sizeof value - 1}};
    CK_OBJECT_HANDLE h = 0;
    return f->C_CreateObject(s, t, sizeof t / sizeof t[0], &h) == CKR_OK;
}

char key_id[] = "find-key";

bool create_key(CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s, bool softhsm) {
    CK_OBJECT_HANDLE hp = 0, hk = 0;
    if (softhsm) {
        CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
        CK_ATTRIBUTE pub[] = {{CKA_TOKEN, &yes, sizeof yes}, {CKA_EC_PARAMS, p256, sizeof p256}};
        CK_ATTRIBUTE priv[] = {{CKA_TOKEN, &yes, sizeof yes},
                               {CKA_PRIVATE, &yes, sizeof yes},
                               {CKA_SIGN, &yes, sizeof yes},
                               {CKA_ID, key_id, sizeof key_id - 1}};
        CK_MECHANISM gen{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
        return f->C_GenerateKeyPair(s, &gen, pub, 2, priv, 4, &hp, &hk) == CKR_OK &&
               f->C_DestroyObject(s, hp) == CKR_OK;  // one key object, as for ours
    }
    gostcsp::core::PrivateKey key;
    if (gostcsp::core::PrivateKey::generate(gostcsp::core::ParamSet::tc26_256_a, key) !=
        gostcsp::core::Status::ok)
        return false;
    auto d = key.le_bytes();
    Bytes value(d.begin(), d.end());
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_KEY_TYPE kt = CKK_GOSTR3410;
    CK_BYTE oid[] = {0x06, 0x09, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x02, 0x01, 0x01, 0x01};
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls},
                        {CKA_KEY_TYPE, &kt, sizeof kt},
                        {CKA_TOKEN, &yes, sizeof yes},
                        {CKA_PRIVATE, &yes, sizeof yes},
                        {CKA_SIGN, &yes, sizeof yes},
                        {CKA_ID, key_id, sizeof key_id - 1},
                        {CKA_GOSTR3410_PARAMS, oid, sizeof oid},
                        {CKA_VALUE, value.data(), value.size()}};
    return f->C_CreateObject(s, t, sizeof t / sizeof t[0], &hk) == CKR_OK;
}

// A token with n objects (made once per module and size, then reused by every template).
FindToken& find_token(bool softhsm, long n) {
    static std::map<std::pair<bool, long>, std::unique_ptr<FindToken>> tokens;
    auto& slot_ptr = tokens[{softhsm, n}];
    if (slot_ptr) return *slot_ptr;
    slot_ptr = std::make_unique<FindToken>();
    FindToken& t = *slot_ptr;
    CK_FUNCTION_LIST* f = softhsm ? softhsm_module().f : gostcsp_module().f;
    if (!(softhsm ? softhsm_module().ok : gostcsp_module().ok)) return t;
    const std::string label = std::string(softhsm ? "hsm-find-" : "find-") + std::to_string(n);
    CK_SLOT_ID slot = 0;
    if (!init_token_and_pin(f, label.c_str(), slot)) return t;
    t.f = f;
    t.s = user_session(f, slot);
    if (t.s == 0 || !create_key(f, t.s, softhsm)) return t;
    for (long i = 1; i < n; ++i) {
        if (!create_data(f, t.s, i)) {
            std::fprintf(stderr, "bench setup: C_CreateObject %ld of %ld failed\n", i, n);
            return t;
        }
    }
    t.ok = true;
    return t;
}

enum class Query { label, id, cls };

void find(benchmark::State& state, Query q, bool softhsm) {
    const long n = state.range(0);
    if (softhsm) {
        const long max = std::atol(env_or("GOSTCSP_BENCH_SOFTHSM_FIND_MAX", "10000"));
        if (n > max) return state.SkipWithError("raise GOSTCSP_BENCH_SOFTHSM_FIND_MAX");
    }
    FindToken& t = find_token(softhsm, n);
    if (!t.ok) return state.SkipWithError("token setup failed");
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    const std::string label = "obj-" + std::to_string(n / 2);
    std::vector<CK_ATTRIBUTE> tmpl;
    if (q == Query::label)
        tmpl.push_back({CKA_LABEL, const_cast<char*>(label.data()), label.size()});
    if (q != Query::label) tmpl.push_back({CKA_CLASS, &cls, sizeof cls});
    if (q == Query::id) tmpl.push_back({CKA_ID, key_id, sizeof key_id - 1});
    CK_OBJECT_HANDLE found[16];
    CK_ULONG got = 0;
    for (auto _ : state) {
        if (t.f->C_FindObjectsInit(t.s, tmpl.data(), tmpl.size()) != CKR_OK ||
            t.f->C_FindObjects(t.s, found, 16, &got) != CKR_OK ||
            t.f->C_FindObjectsFinal(t.s) != CKR_OK)
            return state.SkipWithError("C_FindObjects failed");
        if (got != 1) return state.SkipWithError("expected exactly one object");
    }
}

// The label search right after another process committed (a new public object): our module
// then re-verifies the record manifest once (a scan of the private rows) before trusting a
// private record again. The child's work is not timed.
void find_after_other_write(benchmark::State& state) {
    const long n = state.range(0);
    FindToken& t = find_token(false, n);
    if (!t.ok) return state.SkipWithError("token setup failed");
    const std::string token_label = "find-" + std::to_string(n);
    const std::string label = "obj-" + std::to_string(n / 2);
    CK_ATTRIBUTE tmpl[] = {{CKA_LABEL, const_cast<char*>(label.data()), label.size()}};
    CK_OBJECT_HANDLE found[16];
    CK_ULONG got = 0;
    for (auto _ : state) {
        state.PauseTiming();
        const pid_t pid = fork();
        if (pid == 0) {
            t.f->C_Finalize(nullptr);
            if (t.f->C_Initialize(nullptr) != CKR_OK) _exit(1);
            CK_SESSION_HANDLE s = 0;
            const CK_SLOT_ID slot = slot_with_label(t.f, token_label.c_str());
            if (t.f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr,
                                   &s) != CKR_OK)
                _exit(1);
            _exit(create_data(t.f, s, n + 1) ? 0 : 1);  // even i: a public object
        }
        int status = 0;
        waitpid(pid, &status, 0);
        state.ResumeTiming();
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            return state.SkipWithError("the other process's write failed");
        if (t.f->C_FindObjectsInit(t.s, tmpl, 1) != CKR_OK ||
            t.f->C_FindObjects(t.s, found, 16, &got) != CKR_OK ||
            t.f->C_FindObjectsFinal(t.s) != CKR_OK || got != 1)
            return state.SkipWithError("C_FindObjects failed");
    }
}

void register_find() {
    const std::pair<Query, const char*> queries[] = {
        {Query::label, "label"}, {Query::id, "id"}, {Query::cls, "class"}};
    for (const auto& [q, name] : queries) {
        for (const bool softhsm : {false, true}) {
            const std::string full =
                std::string("P11Find/") + name + "/" + (softhsm ? "softhsm2" : "gostcsp");
            benchmark::RegisterBenchmark(full.c_str(), find, q, softhsm)
                ->ArgName("objects")
                ->Arg(100)
                ->Arg(10000)
                ->Arg(100000)
                ->Unit(benchmark::kMicrosecond)
                ->UseRealTime();
        }
    }
    benchmark::RegisterBenchmark("P11Find/label/gostcsp-after-other-write", find_after_other_write)
        ->ArgName("objects")
        ->Arg(100)
        ->Arg(10000)
        ->Arg(100000)
        ->Iterations(20)
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
}

// C_Login + C_Logout of the user on a token of its own; the KDF alone beside it.
void login(benchmark::State& state) {
    auto& m = gostcsp_module();
    if (!m.ok) return state.SkipWithError("module setup failed");
    static CK_SLOT_ID slot = ~CK_SLOT_ID{0};
    if (slot == ~CK_SLOT_ID{0} && !init_token_and_pin(m.f, "login-bench", slot))
        return state.SkipWithError("token setup failed");
    CK_SESSION_HANDLE s = 0;
    if (m.f->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s) != CKR_OK)
        return state.SkipWithError("C_OpenSession failed");
    for (auto _ : state) {
        if (m.f->C_Login(s, CKU_USER, user_pin, user_len) != CKR_OK || m.f->C_Logout(s) != CKR_OK)
            return state.SkipWithError("C_Login failed");
    }
    m.f->C_CloseSession(s);
}

void kdf(benchmark::State& state) {
    std::uint8_t salt[32] = {1}, out[32];
    for (auto _ : state) {
        gostcsp::core::pbkdf2_streebog512({user_pin, user_len}, salt, 10000, out);
        benchmark::DoNotOptimize(out);
    }
}

}  // namespace

// Logins first, on a module that holds few object handles; P11Login/gostcsp-beside-100k runs
// the same once the module has handed out the 100,000-object token's handles (C_Logout must not
// cost per handle: it looks only at the slot's session objects).
BENCHMARK(login)->Name("P11Login/gostcsp")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(kdf)->Name("P11Login/kdf/pbkdf2-streebog512:10000")->Unit(benchmark::kMillisecond);

namespace {

void login_beside_big_token(benchmark::State& state) {
    if (!find_token(false, 100000).ok) return state.SkipWithError("token setup failed");
    login(state);
}

const int registered = [] {
    register_find();
    benchmark::RegisterBenchmark("P11Login/gostcsp-beside-100k", login_beside_big_token)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    return 0;
}();
}  // namespace
