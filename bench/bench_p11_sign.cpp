// SPDX-License-Identifier: Apache-2.0
// C_Sign through libgostcsp-pkcs11.so on a logged-in session, beside core::sign_digest on the
// same key (the scalar is imported into the token with C_CreateObject) and SoftHSM2's ECDSA P-256
// C_Sign, in one binary and one run. Threads: one session per thread; processes: forked workers,
// each with its own C_Initialize, login and session, signing for a fixed time.
//
// Names: P11Sign/<set>/{gostcsp,core}/threads:N, P11Sign/p256/softhsm2/threads:N,
// P11SignProcs/<set>/{gostcsp,core}/procs:N (counter ops_per_s).
//   gostcsp_bench --benchmark_filter='P11Sign'
// Module paths: GOSTCSP_P11_MODULE, GOSTCSP_SOFTHSM2_MODULE override the build's.
#include <benchmark/benchmark.h>
#include <dlfcn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "gostcsp/gost3410.hpp"
#include "gostcsp/p11/gost_pkcs11.h"
#include "p11_bench_util.hpp"

namespace {

using namespace gostcsp_bench_p11;
using gostcsp::core::ParamSet;

struct SetInfo {
    ParamSet set;
    const char* name;
    Bytes oid;
};
const SetInfo sets[] = {
    {ParamSet::tc26_256_a,
     "256-A",
     {0x06, 0x09, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x02, 0x01, 0x01, 0x01}},
    {ParamSet::tc26_512_a,
     "512-A",
     {0x06, 0x09, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x02, 0x01, 0x02, 0x01}},
};

// Our module with a token holding one imported key per parameter set, and the same keys in core
// form (logins are not measured here: bench_p11_find.cpp does).
struct Gostcsp {
    CK_FUNCTION_LIST* f = nullptr;
    CK_SLOT_ID slot = 0;
    gostcsp::core::PrivateKey keys[2];
    bool ok = false;

    Gostcsp() {
        auto& m = gostcsp_module();
        if (!m.ok) return;
        f = m.f;
        if (!init_token_and_pin(f, "p11bench", slot)) {
            std::fprintf(stderr, "bench setup: C_InitToken/C_InitPIN failed\n");
            return;
        }
        CK_SESSION_HANDLE s = user_session(f, slot);
        if (s == 0) {
            std::fprintf(stderr, "bench setup: login failed\n");
            return;
        }
        for (int i = 0; i < 2; ++i) {
            if (gostcsp::core::PrivateKey::generate(sets[i].set, keys[i]) !=
                gostcsp::core::Status::ok)
                return;
            auto d = keys[i].le_bytes();
            Bytes value(d.begin(), d.end());
            CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
            CK_KEY_TYPE kt = i == 0 ? CKK_GOSTR3410 : CKK_GOSTR3410_512;
            std::string label = std::string("key-") + sets[i].name;
            CK_ATTRIBUTE t[] = {
                {CKA_CLASS, &cls, sizeof cls},
                {CKA_KEY_TYPE, &kt, sizeof kt},
                {CKA_TOKEN, &yes, sizeof yes},
                {CKA_PRIVATE, &yes, sizeof yes},
                {CKA_SENSITIVE, &yes, sizeof yes},
                {CKA_SIGN, &yes, sizeof yes},
                {CKA_LABEL, label.data(), label.size()},
                {CKA_GOSTR3410_PARAMS, const_cast<std::uint8_t*>(sets[i].oid.data()),
                 sets[i].oid.size()},
                {CKA_VALUE, value.data(), value.size()},
            };
            CK_OBJECT_HANDLE h = 0;
            if (CK_RV rv = f->C_CreateObject(s, t, sizeof t / sizeof t[0], &h); rv != CKR_OK) {
                std::fprintf(stderr, "bench setup: C_CreateObject: 0x%lx\n", rv);
                return;
            }
        }
        ok = true;  // the session stays open: the login lasts while a session does
    }
};

Gostcsp& gostcsp_env() {
    static Gostcsp g;
    return g;
}

// One C_SignInit + C_Sign of a digest per iteration: what a signing server does per request.
bool p11_sign(CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech,
              CK_OBJECT_HANDLE key, CK_BYTE* digest, CK_ULONG dlen) {
    CK_MECHANISM m{mech, nullptr, 0};
    CK_BYTE sig[128];
    CK_ULONG sig_len = sizeof sig;
    return f->C_SignInit(s, &m, key) == CKR_OK &&
           f->C_Sign(s, digest, dlen, sig, &sig_len) == CKR_OK;
}

void gostcsp_sign(benchmark::State& state, int set_index) {
    auto& g = gostcsp_env();
    if (!g.ok) return state.SkipWithError("gostcsp token setup failed");
    CK_SESSION_HANDLE s = user_session(g.f, g.slot);
    CK_OBJECT_HANDLE key =
        find_one(g.f, s, CKO_PRIVATE_KEY, std::string("key-") + sets[set_index].name);
    if (key == CK_INVALID_HANDLE) return state.SkipWithError("key not found");
    CK_BYTE digest[64];
    std::memset(digest, 0x5a, sizeof digest);
    const CK_ULONG dlen = set_index == 0 ? 32 : 64;
    for (auto _ : state) {
        if (!p11_sign(g.f, s, set_index == 0 ? CKM_GOSTR3410 : CKM_GOSTR3410_512, key, digest,
                      dlen))
            return state.SkipWithError("C_Sign failed");
    }
    g.f->C_CloseSession(s);
    state.counters["ops_per_s"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void core_sign(benchmark::State& state, int set_index) {
    auto& g = gostcsp_env();
    if (!g.ok) return state.SkipWithError("gostcsp token setup failed");
    std::uint8_t digest[64], sig[128];
    std::memset(digest, 0x5a, sizeof digest);
    const std::size_t dlen = set_index == 0 ? 32 : 64;
    for (auto _ : state) {
        if (gostcsp::core::sign_digest(g.keys[set_index], {digest, dlen}, {sig, 2 * dlen}) !=
            gostcsp::core::Status::ok)
            return state.SkipWithError("core sign failed");
    }
    state.counters["ops_per_s"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// SoftHSM2 with its own token directory and an EC P-256 key pair.
struct SoftHsm {
    CK_FUNCTION_LIST* f = nullptr;
    CK_SLOT_ID slot = 0;
    bool ok = false;
    SoftHsm() {
        auto& m = softhsm_module();
        if (!m.ok) return;
        f = m.f;
        if (!init_token_and_pin(f, "bench-p256", slot)) return;
        CK_SESSION_HANDLE s = user_session(f, slot);
        if (s == 0) return;
        CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
        char label[] = "p256";
        CK_ATTRIBUTE pub[] = {{CKA_TOKEN, &yes, sizeof yes},
                              {CKA_EC_PARAMS, p256, sizeof p256},
                              {CKA_VERIFY, &yes, sizeof yes},
                              {CKA_LABEL, label, 4}};
        CK_ATTRIBUTE priv[] = {{CKA_TOKEN, &yes, sizeof yes},
                               {CKA_PRIVATE, &yes, sizeof yes},
                               {CKA_SENSITIVE, &yes, sizeof yes},
                               {CKA_SIGN, &yes, sizeof yes},
                               {CKA_LABEL, label, 4}};
        CK_MECHANISM gen{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
        CK_OBJECT_HANDLE hp = 0, hk = 0;
        ok = f->C_GenerateKeyPair(s, &gen, pub, 4, priv, 5, &hp, &hk) == CKR_OK;
    }
};

SoftHsm& softhsm_env() {
    static SoftHsm h;
    return h;
}

void softhsm_sign(benchmark::State& state) {
    auto& h = softhsm_env();
    if (!h.ok) return state.SkipWithError("SoftHSM2 setup failed");
    CK_SESSION_HANDLE s = user_session(h.f, h.slot);
    CK_OBJECT_HANDLE key = find_one(h.f, s, CKO_PRIVATE_KEY, "p256");
    if (key == CK_INVALID_HANDLE) return state.SkipWithError("key not found");
    CK_BYTE digest[32];
    std::memset(digest, 0x5a, sizeof digest);
    for (auto _ : state) {
        if (!p11_sign(h.f, s, CKM_ECDSA, key, digest, 32))
            return state.SkipWithError("C_Sign failed");
    }
    h.f->C_CloseSession(s);
    state.counters["ops_per_s"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// N forked workers sign for `seconds` each after a common start; the parent sums their counts.
// Each worker re-initialises the module (a fork child must) and logs in before the start.
template <class Work>
double run_processes(int n, double seconds, Work work) {
    int ready[2], go[2], counts[2];
    if (pipe(ready) != 0 || pipe(go) != 0 || pipe(counts) != 0) return 0;
    std::vector<pid_t> kids;
    for (int i = 0; i < n; ++i) {
        const pid_t pid = fork();
        if (pid == 0) {
            close(ready[0]);
            close(go[1]);
            close(counts[0]);
            long done = work(ready[1], go[0], seconds);
            (void)!write(counts[1], &done, sizeof done);
            _exit(0);
        }
        kids.push_back(pid);
    }
    close(ready[1]);
    close(go[0]);
    close(counts[1]);
    char c;
    for (int i = 0; i < n; ++i) (void)!read(ready[0], &c, 1);
    close(go[1]);  // EOF on go: everybody starts
    double total = 0;
    for (int i = 0; i < n; ++i) {
        long got = 0;
        if (read(counts[0], &got, sizeof got) == sizeof got) total += static_cast<double>(got);
    }
    for (pid_t p : kids) waitpid(p, nullptr, 0);
    close(ready[0]);
    close(counts[0]);
    return total / seconds;
}

template <class Step>
long sign_for(int ready_fd, int go_fd, double seconds, Step step) {
    char c = 'r';
    (void)!write(ready_fd, &c, 1);
    (void)!read(go_fd, &c, 1);
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    long done = 0;
    while (std::chrono::steady_clock::now() < end) {
        for (int i = 0; i < 16; ++i) {
            if (!step()) return -1;
            ++done;
        }
    }
    return done;
}

void gostcsp_sign_procs(benchmark::State& state, int set_index) {
    auto& g = gostcsp_env();
    if (!g.ok) return state.SkipWithError("gostcsp token setup failed");
    const int n = static_cast<int>(state.range(0));
    double rate = 0;
    for (auto _ : state) {
        rate = run_processes(n, 1.0, [&](int r, int go, double secs) -> long {
            g.f->C_Finalize(nullptr);
            if (g.f->C_Initialize(nullptr) != CKR_OK) return -1;
            CK_SLOT_ID slot = slot_with_label(g.f, "p11bench");
            CK_SESSION_HANDLE s = user_session(g.f, slot);
            CK_OBJECT_HANDLE key =
                find_one(g.f, s, CKO_PRIVATE_KEY, std::string("key-") + sets[set_index].name);
            CK_BYTE digest[64];
            std::memset(digest, 0x5a, sizeof digest);
            const CK_ULONG dlen = set_index == 0 ? 32 : 64;
            return sign_for(r, go, secs, [&] {
                return p11_sign(g.f, s, set_index == 0 ? CKM_GOSTR3410 : CKM_GOSTR3410_512, key,
                                digest, dlen);
            });
        });
    }
    state.counters["ops_per_s"] = rate;
}

void core_sign_procs(benchmark::State& state, int set_index) {
    auto& g = gostcsp_env();
    if (!g.ok) return state.SkipWithError("gostcsp token setup failed");
    const int n = static_cast<int>(state.range(0));
    double rate = 0;
    for (auto _ : state) {
        rate = run_processes(n, 1.0, [&](int r, int go, double secs) -> long {
            std::uint8_t digest[64], sig[128];
            std::memset(digest, 0x5a, sizeof digest);
            const std::size_t dlen = set_index == 0 ? 32 : 64;
            return sign_for(r, go, secs, [&] {
                return gostcsp::core::sign_digest(g.keys[set_index], {digest, dlen},
                                                  {sig, 2 * dlen}) == gostcsp::core::Status::ok;
            });
        });
    }
    state.counters["ops_per_s"] = rate;
}

}  // namespace

BENCHMARK_CAPTURE(gostcsp_sign, 256, 0)
    ->Name("P11Sign/256-A/gostcsp")
    ->ThreadRange(1, 2)
    ->UseRealTime();
BENCHMARK_CAPTURE(core_sign, 256, 0)->Name("P11Sign/256-A/core")->ThreadRange(1, 2)->UseRealTime();
BENCHMARK_CAPTURE(gostcsp_sign, 512, 1)
    ->Name("P11Sign/512-A/gostcsp")
    ->ThreadRange(1, 2)
    ->UseRealTime();
BENCHMARK_CAPTURE(core_sign, 512, 1)->Name("P11Sign/512-A/core")->ThreadRange(1, 2)->UseRealTime();
BENCHMARK(softhsm_sign)->Name("P11Sign/p256/softhsm2")->ThreadRange(1, 2)->UseRealTime();
BENCHMARK_CAPTURE(gostcsp_sign_procs, 256, 0)
    ->Name("P11SignProcs/256-A/gostcsp")
    ->Arg(1)
    ->Arg(2)
    ->Iterations(1)
    ->UseRealTime();
BENCHMARK_CAPTURE(core_sign_procs, 256, 0)
    ->Name("P11SignProcs/256-A/core")
    ->Arg(1)
    ->Arg(2)
    ->Iterations(1)
    ->UseRealTime();
BENCHMARK_CAPTURE(gostcsp_sign_procs, 512, 1)
    ->Name("P11SignProcs/512-A/gostcsp")
    ->Arg(1)
    ->Arg(2)
    ->Iterations(1)
    ->UseRealTime();
BENCHMARK_CAPTURE(core_sign_procs, 512, 1)
    ->Name("P11SignProcs/512-A/core")
    ->Arg(1)
    ->Arg(2)
    ->Iterations(1)
    ->UseRealTime();
