// SPDX-License-Identifier: Apache-2.0
// Throughput of Streebog-256/512 (GOST R 34.11-2012): gostcsp (each code path), gost-engine (EVP
// through the gostprov provider, in its own library context) and Botan 2, same binary and run.
//
// Names: Streebog-<bits>/<implementation>/<message bytes>. Each iteration hashes one whole
// message (init, update, final), so small sizes include the fixed cost of finalisation.
//   gostcsp_bench --benchmark_filter=Streebog
#include <benchmark/benchmark.h>
#include <botan/hash.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gostcsp/streebog.hpp"

namespace {

using gostcsp::core::DigestSize;
using gostcsp::core::Streebog;
using gostcsp::core::StreebogImpl;

constexpr std::int64_t mib = 1 << 20;
constexpr std::int64_t sizes[] = {64, 1024, mib, 100 * mib};

const std::vector<std::uint8_t>& message() {
    static const std::vector<std::uint8_t> buf = [] {
        std::vector<std::uint8_t> b(static_cast<std::size_t>(100 * mib));
        std::uint64_t x = 0x9e3779b97f4a7c15ULL;
        for (auto& v : b) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            v = static_cast<std::uint8_t>(x);
        }
        return b;
    }();
    return buf;
}

void set_counters(benchmark::State& state) {
    state.SetBytesProcessed(state.iterations() * state.range(0));
}

void bench_gostcsp(benchmark::State& state, unsigned bits, StreebogImpl impl) {
    if (!gostcsp::core::streebog_impl_supported(impl)) {
        state.SkipWithError("CPU lacks this code path");
        return;
    }
    const auto& msg = message();
    const std::span<const std::uint8_t> in(msg.data(), static_cast<std::size_t>(state.range(0)));
    std::uint8_t out[64];
    for (auto _ : state) {
        Streebog h(bits == 512 ? DigestSize::bits512 : DigestSize::bits256, impl);
        h.update(in);
        h.final(out);
        benchmark::DoNotOptimize(out);
    }
    set_counters(state);
}

struct GostEngine {
    OSSL_LIB_CTX* ctx = OSSL_LIB_CTX_new();
    OSSL_PROVIDER* prov = nullptr;
    EVP_MD* md256 = nullptr;
    EVP_MD* md512 = nullptr;
    GostEngine() {
        if (const char* dir = OPENSSL_info(OPENSSL_INFO_MODULES_DIR))
            OSSL_PROVIDER_set_default_search_path(ctx, dir);
        prov = OSSL_PROVIDER_load(ctx, "gostprov");
        md256 = EVP_MD_fetch(ctx, "md_gost12_256", nullptr);
        md512 = EVP_MD_fetch(ctx, "md_gost12_512", nullptr);
    }
    ~GostEngine() {
        EVP_MD_free(md256);
        EVP_MD_free(md512);
        if (prov) OSSL_PROVIDER_unload(prov);
        OSSL_LIB_CTX_free(ctx);
    }
};

void bench_gost_engine(benchmark::State& state, unsigned bits) {
    static GostEngine engine;
    const EVP_MD* md = bits == 512 ? engine.md512 : engine.md256;
    if (!md) {
        state.SkipWithError("gost-engine's gostprov provider not available");
        return;
    }
    const auto& msg = message();
    const auto len = static_cast<std::size_t>(state.range(0));
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> c(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    unsigned char out[64];
    unsigned out_len = 0;
    for (auto _ : state) {
        if (EVP_DigestInit_ex(c.get(), md, nullptr) != 1 ||
            EVP_DigestUpdate(c.get(), msg.data(), len) != 1 ||
            EVP_DigestFinal_ex(c.get(), out, &out_len) != 1) {
            state.SkipWithError("EVP digest failed");
            break;
        }
        benchmark::DoNotOptimize(out);
    }
    set_counters(state);
}

void bench_botan(benchmark::State& state, unsigned bits) {
    auto h = Botan::HashFunction::create(bits == 512 ? "Streebog-512" : "Streebog-256");
    if (!h) {
        state.SkipWithError("Botan lacks Streebog");
        return;
    }
    const auto& msg = message();
    const auto len = static_cast<std::size_t>(state.range(0));
    std::uint8_t out[64];
    for (auto _ : state) {
        h->update(msg.data(), len);
        h->final(out);
        benchmark::DoNotOptimize(out);
    }
    set_counters(state);
}

// 100 MiB runs take about a second each; a fixed iteration count keeps the whole run short.
void register_all() {
    for (unsigned bits : {256u, 512u}) {
        const std::string prefix = "Streebog-" + std::to_string(bits) + "/";
        auto reg = [&](const std::string& name, auto fn) {
            for (std::int64_t s : sizes) {
                auto* b = benchmark::RegisterBenchmark((prefix + name).c_str(), fn)->Arg(s);
                if (s >= 100 * mib)
                    b->Iterations(3)->Unit(benchmark::kMillisecond);
                else if (s >= mib)
                    b->Unit(benchmark::kMillisecond);
                else
                    b->Unit(benchmark::kMicrosecond);
            }
        };
        reg("gostcsp-public_tables",
            [bits](benchmark::State& st) { bench_gostcsp(st, bits, StreebogImpl::public_tables); });
        reg("gostcsp-ct_ssse3",
            [bits](benchmark::State& st) { bench_gostcsp(st, bits, StreebogImpl::ct_ssse3); });
        reg("gostcsp-ct_generic",
            [bits](benchmark::State& st) { bench_gostcsp(st, bits, StreebogImpl::ct_generic); });
        reg("gostcsp-avx512_gfni",
            [bits](benchmark::State& st) { bench_gostcsp(st, bits, StreebogImpl::avx512_gfni); });
        reg("gost-engine", [bits](benchmark::State& st) { bench_gost_engine(st, bits); });
        reg("botan", [bits](benchmark::State& st) { bench_botan(st, bits); });
    }
}

[[maybe_unused]] const int registered = (register_all(), 0);

}  // namespace
