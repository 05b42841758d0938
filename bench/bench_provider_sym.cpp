// SPDX-License-Identifier: Apache-2.0
// EVP throughput of gostcsp.so's ciphers and MACs beside gost-engine's provider gostprov, each in
// its own library context, same binary and run: one EVP init + update + final per message.
//   gostcsp_bench --benchmark_filter=ProvSym
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

std::string sym_provider_dir() {
    if (const char* env = std::getenv("GOSTCSP_PROVIDER_DIR")) return env;
    char exe[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) return "providers";
    std::string path(exe, static_cast<std::size_t>(n));
    path = path.substr(0, path.rfind('/'));
    return path.substr(0, path.rfind('/')) + "/providers";
}

struct SymLib {
    OSSL_LIB_CTX* ctx = nullptr;
    explicit SymLib(const char* name) {
        ctx = OSSL_LIB_CTX_new();
        if (std::string(name) == "gostcsp")
            OSSL_PROVIDER_set_default_search_path(ctx, sym_provider_dir().c_str());
        OSSL_PROVIDER_load(ctx, "default");
        if (OSSL_PROVIDER_load(ctx, name) == nullptr) {
            OSSL_LIB_CTX_free(ctx);
            ctx = nullptr;
        }
    }
};

SymLib& lib(bool ours) {
    static SymLib a("gostcsp"), b("gostprov");
    return ours ? a : b;
}

void cipher_bench(benchmark::State& s, const char* name, std::size_t ivlen, bool ours) {
    EVP_CIPHER* c = lib(ours).ctx ? EVP_CIPHER_fetch(lib(ours).ctx, name, nullptr) : nullptr;
    if (c == nullptr) {
        s.SkipWithError("cipher not available");
        return;
    }
    const auto len = static_cast<std::size_t>(s.range(0));
    std::vector<unsigned char> key(32, 0x42), iv(ivlen, 0x17), in(len, 0x5a), out(len + 32);
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    for (auto _ : s) {
        int l1 = 0, l2 = 0;
        bool ok = EVP_EncryptInit_ex2(ctx, c, key.data(), iv.data(), nullptr) == 1 &&
                  EVP_EncryptUpdate(ctx, out.data(), &l1, in.data(), static_cast<int>(len)) == 1 &&
                  EVP_EncryptFinal_ex(ctx, out.data() + l1, &l2) == 1;
        if (!ok) {
            s.SkipWithError("EVP failed");
            break;
        }
        benchmark::DoNotOptimize(out.data());
    }
    s.SetBytesProcessed(static_cast<std::int64_t>(s.iterations()) * static_cast<std::int64_t>(len));
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(c);
}

void mac_bench(benchmark::State& s, const char* name, bool ours) {
    EVP_MAC* m = lib(ours).ctx ? EVP_MAC_fetch(lib(ours).ctx, name, nullptr) : nullptr;
    if (m == nullptr) {
        s.SkipWithError("MAC not available");
        return;
    }
    const auto len = static_cast<std::size_t>(s.range(0));
    std::vector<unsigned char> key(32, 0x42), in(len, 0x5a), out(64);
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(m);
    for (auto _ : s) {
        std::size_t outl = 0;
        bool ok = EVP_MAC_init(ctx, key.data(), key.size(), nullptr) == 1 &&
                  EVP_MAC_update(ctx, in.data(), len) == 1 &&
                  EVP_MAC_final(ctx, out.data(), &outl, out.size()) == 1;
        if (!ok) {
            s.SkipWithError("EVP_MAC failed");
            break;
        }
        benchmark::DoNotOptimize(out.data());
    }
    s.SetBytesProcessed(static_cast<std::int64_t>(s.iterations()) * static_cast<std::int64_t>(len));
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(m);
}

void sym_sizes(benchmark::internal::Benchmark* b) {
    b->Arg(64)->Arg(1024)->Arg(1 << 20);
}

#define GOSTCSP_SYM_CIPHER(label, name, iv)                            \
    BENCHMARK_CAPTURE(cipher_bench, label##_gostcsp, name, iv, true)   \
        ->Name("ProvSym/" name "/gostcsp")                             \
        ->Apply(sym_sizes);                                            \
    BENCHMARK_CAPTURE(cipher_bench, label##_gostprov, name, iv, false) \
        ->Name("ProvSym/" name "/gostprov")                            \
        ->Apply(sym_sizes)

GOSTCSP_SYM_CIPHER(kctr, "kuznyechik-ctr", 8);
GOSTCSP_SYM_CIPHER(kacpkm, "kuznyechik-ctr-acpkm", 8);
GOSTCSP_SYM_CIPHER(kcbc, "kuznyechik-cbc", 16);
GOSTCSP_SYM_CIPHER(mctr, "magma-ctr", 4);
GOSTCSP_SYM_CIPHER(gcnt, "gost89-cnt", 8);

BENCHMARK_CAPTURE(mac_bench, kmac_gostcsp, "kuznyechik-mac", true)
    ->Name("ProvSym/kuznyechik-mac/gostcsp")
    ->Apply(sym_sizes);
BENCHMARK_CAPTURE(mac_bench, kmac_gostprov, "kuznyechik-mac", false)
    ->Name("ProvSym/kuznyechik-mac/gostprov")
    ->Apply(sym_sizes);

}  // namespace
