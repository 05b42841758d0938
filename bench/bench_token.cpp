// SPDX-License-Identifier: Apache-2.0
// Token keys through gostcsp.so: document signing with a key inside our soft token (pkcs11: URI,
// OSSL_STORE) beside the file-key runs of bench_provider.cpp, and C_Sign through the provider
// (EVP_PKEY_sign of a digest) on 1 and 2 threads.
//
// Names: TokenDocSign/sign/<size>/token (compare with DocSign/sign/<size>/gostcsp and
// /gost-engine: same key type tc26-256-A, Streebog-256); TokenSign/digest/threads:N (ops/s).
// The token is created in a temporary directory with <build>/tools/gostcsp-tool and reached
// through <build>/pkcs11/libgostcsp-pkcs11.so (override with GOSTCSP_TOOL / GOSTCSP_P11_MODULE).
//   gostcsp_bench --benchmark_filter='DocSign|TokenSign'
#define OPENSSL_SUPPRESS_DEPRECATED 1  // ENGINE API: keep gost-engine off the provider path
#include <benchmark/benchmark.h>
#include <openssl/engine.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/store.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

using Bytes = std::vector<unsigned char>;

std::string build_dir() {
    char exe[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) return ".";
    std::string path(exe, static_cast<std::size_t>(n));
    path = path.substr(0, path.rfind('/'));  // <build>/bench
    return path.substr(0, path.rfind('/'));
}

std::string env_or(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return v != nullptr ? v : fallback;
}

const char* const pin = "Bench-Heron-4412";

// A soft token with one 256-bit key, and a library context with gostcsp.so configured to reach it.
struct TokenSetup {
    std::filesystem::path dir;
    OSSL_LIB_CTX* libctx = nullptr;
    EVP_PKEY* key = nullptr;
    bool ok = false;
    std::string why = "not set up";

    TokenSetup() {
        const std::string b = build_dir();
        const std::string tool = env_or("GOSTCSP_TOOL", b + "/tools/gostcsp-tool");
        const std::string module = env_or("GOSTCSP_P11_MODULE", b + "/pkcs11/libgostcsp-pkcs11.so");
        const std::string provdir = env_or("GOSTCSP_PROVIDER_DIR", b + "/providers");
        dir =
            std::filesystem::temp_directory_path() / ("gostcsp-bench-" + std::to_string(getpid()));
        std::filesystem::create_directories(dir);
        setenv("GOSTCSP_TOKEN_DIR", (dir / "tokens").c_str(), 1);
        setenv("GOSTCSP_CONF", (dir / "gostcsp.conf").c_str(), 1);
        std::ofstream(dir / "gostcsp.conf") << "test_token = true\nkdf_iterations = 64\n";
        setenv("BENCH_SO_PIN", "12345678", 1);
        setenv("BENCH_FACTORY_PIN", "87654321", 1);
        setenv("BENCH_USER_PIN", pin, 1);
        for (const std::string args :
             {"init-token --label bench --so-pin-env BENCH_SO_PIN",
              "unblock --token bench --so-pin-env BENCH_SO_PIN --new-pin-env BENCH_FACTORY_PIN",
              "change-pin --token bench --pin-env BENCH_FACTORY_PIN --new-pin-env BENCH_USER_PIN",
              "keygen --token bench --pin-env BENCH_USER_PIN --label k --id 01 --param-set A"}) {
            const std::string cmd =
                "'" + tool + "' " + args + " >/dev/null 2>&1";  // quoted: spaces
            if (std::system(cmd.c_str()) != 0) {
                why = "gostcsp-tool failed: " + cmd;
                return;
            }
        }
        std::ofstream(dir / "openssl.cnf")
            << "openssl_conf = openssl_init\n[openssl_init]\nproviders = provider_sect\n"
               "[provider_sect]\ndefault = default_sect\ngostcsp = gostcsp_sect\n"
               "[default_sect]\nactivate = 1\n[gostcsp_sect]\nactivate = 1\nmodule = "
            << provdir << "/gostcsp.so\npkcs11-module = " << module << "\n";
        libctx = OSSL_LIB_CTX_new();
        if (libctx == nullptr || !OSSL_LIB_CTX_load_config(libctx, (dir / "openssl.cnf").c_str())) {
            why = "loading gostcsp.so with pkcs11-module failed";
            return;
        }
        const std::string uri =
            std::string("pkcs11:token=bench;object=k;type=private?pin-value=") + pin;
        OSSL_STORE_CTX* st = OSSL_STORE_open_ex(uri.c_str(), libctx, nullptr, nullptr, nullptr,
                                                nullptr, nullptr, nullptr);
        while (st != nullptr && key == nullptr && !OSSL_STORE_eof(st)) {
            OSSL_STORE_INFO* info = OSSL_STORE_load(st);
            if (info == nullptr) break;
            if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
                key = OSSL_STORE_INFO_get1_PKEY(info);
            OSSL_STORE_INFO_free(info);
        }
        OSSL_STORE_close(st);
        ok = key != nullptr;
        if (!ok) why = "the token key did not load through OSSL_STORE";
    }
    ~TokenSetup() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};

// Set up before any other benchmark registers gost-engine as the default for the GOST NIDs.
TokenSetup& token() {
    static TokenSetup t;
    return t;
}
[[maybe_unused]] const bool g_early = (token(), true);

void keep_engine_out() {
    for (const int nid : {NID_id_GostR3410_2012_256, NID_id_GostR3410_2012_512}) {
        if (ENGINE* def = ENGINE_get_pkey_meth_engine(nid)) {
            ENGINE_unregister_pkey_meths(def);
            ENGINE_finish(def);
        }
    }
}

const Bytes& document(std::size_t size) {
    static std::vector<Bytes> docs;
    for (const auto& d : docs)
        if (d.size() == size) return d;
    Bytes d(size);
    std::uint32_t x = 0x9e3779b9u;
    for (auto& c : d) {
        x = x * 1664525u + 1013904223u;
        c = static_cast<unsigned char>(x >> 24);
    }
    docs.push_back(std::move(d));
    return docs.back();
}

void token_doc_sign(benchmark::State& state) {
    keep_engine_out();
    TokenSetup& t = token();
    if (!t.ok) return state.SkipWithError(t.why.c_str());
    const Bytes& doc = document(static_cast<std::size_t>(state.range(0)));
    Bytes sig(64);
    for (auto _ : state) {
        EVP_MD_CTX* m = EVP_MD_CTX_new();
        size_t len = sig.size();
        const bool ok = EVP_DigestSignInit_ex(m, nullptr, "md_gost12_256", t.libctx, nullptr, t.key,
                                              nullptr) > 0 &&
                        EVP_DigestSign(m, sig.data(), &len, doc.data(), doc.size()) > 0;
        EVP_MD_CTX_free(m);
        if (!ok) return state.SkipWithError("token sign failed");
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(token_doc_sign)
    ->Name("TokenDocSign/sign/token")
    ->Arg(1 << 10)
    ->Arg(1 << 20)
    ->Arg(10 << 20)
    ->Arg(100 << 20)
    ->Unit(benchmark::kMillisecond);

// EVP_PKEY_sign of a 32-byte digest: one C_SignInit + C_Sign on a pooled session per call.
void token_sign_digest(benchmark::State& state) {
    if (state.thread_index() == 0) keep_engine_out();
    TokenSetup& t = token();
    if (!t.ok) return state.SkipWithError(t.why.c_str());
    unsigned char dgst[32] = {1, 2, 3, 4, 5, 6, 7, 8};
    dgst[31] = static_cast<unsigned char>(state.thread_index());
    unsigned char sig[64];
    EVP_PKEY_CTX* c = EVP_PKEY_CTX_new_from_pkey(t.libctx, t.key, nullptr);
    if (c == nullptr || EVP_PKEY_sign_init(c) <= 0) {
        EVP_PKEY_CTX_free(c);
        return state.SkipWithError("sign init failed");
    }
    for (auto _ : state) {
        size_t len = sizeof sig;
        if (EVP_PKEY_sign(c, sig, &len, dgst, sizeof dgst) <= 0) {
            EVP_PKEY_CTX_free(c);
            return state.SkipWithError("token sign failed");
        }
    }
    EVP_PKEY_CTX_free(c);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(token_sign_digest)->Name("TokenSign/digest")->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
