// SPDX-License-Identifier: Apache-2.0
// Document signing through EVP: digest-sign / digest-verify of 1 KB … 100 MB with the gostcsp
// provider (gostcsp.so in its own library context) and gost-engine (ENGINE "gost"), same run.
//
// Names: DocSign/<sign|verify>/<size>/<gostcsp|gost-engine>, GOST R 34.10-2012 256-bit key on
// tc26-256-A with Streebog-256 (the usual document-signing pairing). One iteration = one whole
// EVP_DigestSign / EVP_DigestVerify call over the document. gostcsp.so is found through
// $GOSTCSP_PROVIDER_DIR or <build>/providers next to this binary's directory.
//   gostcsp_bench --benchmark_filter=DocSign
#define OPENSSL_SUPPRESS_DEPRECATED 1  // ENGINE API for the gost-engine side
#include <benchmark/benchmark.h>
#include <openssl/engine.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/provider.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using Bytes = std::vector<unsigned char>;

const Bytes& document(std::size_t size) {
    static std::vector<Bytes> docs;
    for (const auto& d : docs)
        if (d.size() == size) return d;
    Bytes d(size);
    std::uint32_t x = 0x12345678u;
    for (auto& b : d) {
        x = x * 1664525u + 1013904223u;
        b = static_cast<unsigned char>(x >> 24);
    }
    docs.push_back(std::move(d));
    return docs.back();
}

std::string provider_dir() {
    if (const char* env = std::getenv("GOSTCSP_PROVIDER_DIR")) return env;
    char exe[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) return "providers";
    std::string path(exe, static_cast<std::size_t>(n));
    path = path.substr(0, path.rfind('/'));                 // <build>/bench
    return path.substr(0, path.rfind('/')) + "/providers";  // <build>/providers
}

// gostcsp: a library context with the default provider and gostcsp.so.
struct Gostcsp {
    OSSL_LIB_CTX* libctx = nullptr;
    EVP_PKEY* key = nullptr;
    bool ok = false;
    Gostcsp() {
        libctx = OSSL_LIB_CTX_new();
        if (libctx == nullptr ||
            !OSSL_PROVIDER_set_default_search_path(libctx, provider_dir().c_str()) ||
            OSSL_PROVIDER_load(libctx, "default") == nullptr ||
            OSSL_PROVIDER_load(libctx, "gostcsp") == nullptr)
            return;
        EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(libctx, "gost2012_256", nullptr);
        ok = ctx != nullptr && EVP_PKEY_keygen_init(ctx) > 0 &&
             EVP_PKEY_CTX_ctrl_str(ctx, "paramset", "TCA") > 0 && EVP_PKEY_generate(ctx, &key) > 0;
        EVP_PKEY_CTX_free(ctx);
    }
};

// Built during static initialisation, before any benchmark registers gost-engine's methods: a key
// created while an engine ASN.1 method exists for its NID would be routed to the engine's legacy
// EVP_PKEY_METHOD by EVP_PKEY_CTX_new (OpenSSL 3.0 int_ctx_new) when that engine is a default.
Gostcsp g_gostcsp;

Gostcsp& gostcsp() {
    return g_gostcsp;
}

// gost-engine: its legacy EVP_PKEY methods and digests.
struct Engine {
    ENGINE* e = nullptr;
    EVP_PKEY* key = nullptr;
    const EVP_MD* md = nullptr;
    bool ok = false;
    Engine() {
        ENGINE_load_builtin_engines();
        e = ENGINE_by_id("gost");
        if (e == nullptr || !ENGINE_init(e)) return;
        // Its EVP_PKEY_ASN1_METHOD is what lets EVP_PKEY_keygen type the key; the engine is
        // passed explicitly everywhere else.
        ENGINE_register_pkey_asn1_meths(e);
        md = ENGINE_get_digest(e, NID_id_GostR3411_2012_256);
        EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(NID_id_GostR3410_2012_256, e);
        ok = md != nullptr && ctx != nullptr && EVP_PKEY_keygen_init(ctx) > 0 &&
             EVP_PKEY_CTX_ctrl_str(ctx, "paramset", "TCA") > 0 && EVP_PKEY_keygen(ctx, &key) > 0;
        EVP_PKEY_CTX_free(ctx);
    }
};

Engine& engine() {
    static Engine g;
    return g;
}

bool sign_once(bool ours, const Bytes& doc, Bytes& sig) {
    EVP_MD_CTX* m = EVP_MD_CTX_new();
    size_t len = sig.size();
    const bool ok =
        (ours ? EVP_DigestSignInit_ex(m, nullptr, "md_gost12_256", gostcsp().libctx, nullptr,
                                      gostcsp().key, nullptr)
              : EVP_DigestSignInit(m, nullptr, engine().md, engine().e, engine().key)) > 0 &&
        EVP_DigestSign(m, sig.data(), &len, doc.data(), doc.size()) > 0;
    EVP_MD_CTX_free(m);
    sig.resize(len);
    return ok;
}

bool verify_once(bool ours, const Bytes& doc, const Bytes& sig) {
    EVP_MD_CTX* m = EVP_MD_CTX_new();
    const bool ok =
        (ours ? EVP_DigestVerifyInit_ex(m, nullptr, "md_gost12_256", gostcsp().libctx, nullptr,
                                        gostcsp().key, nullptr)
              : EVP_DigestVerifyInit(m, nullptr, engine().md, engine().e, engine().key)) > 0 &&
        EVP_DigestVerify(m, sig.data(), sig.size(), doc.data(), doc.size()) == 1;
    EVP_MD_CTX_free(m);
    return ok;
}

// OpenSSL 3.0 sends every EVP_PKEY_CTX for a GOST NID to a *default* pkey-method engine, provider
// keys included (int_ctx_new). Other benchmarks in this binary make gost-engine that default, so
// the gostcsp runs take it out of the default table first (engine runs pass the engine explicitly).
void keep_engine_out_of_provider_path() {
    for (const int nid : {NID_id_GostR3410_2012_256, NID_id_GostR3410_2012_512}) {
        if (ENGINE* def = ENGINE_get_pkey_meth_engine(nid)) {
            ENGINE_unregister_pkey_meths(def);
            ENGINE_finish(def);
        }
    }
}

void doc_bench(benchmark::State& state, bool ours, bool sign) {
    if (ours) keep_engine_out_of_provider_path();
    if (ours ? !gostcsp().ok : !engine().ok)
        return state.SkipWithError(ours ? "gostcsp.so not loadable" : "no gost engine");
    const Bytes& doc = document(static_cast<std::size_t>(state.range(0)));
    Bytes sig(64);
    if (!sign_once(ours, doc, sig)) return state.SkipWithError("sign failed");
    for (auto _ : state) {
        if (sign) {
            sig.assign(64, 0);
            if (!sign_once(ours, doc, sig)) return state.SkipWithError("sign failed");
        } else if (!verify_once(ours, doc, sig)) {
            return state.SkipWithError("verify failed");
        }
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void sizes(benchmark::internal::Benchmark* b) {
    b->Arg(1 << 10)->Arg(1 << 20)->Arg(10 << 20)->Arg(100 << 20)->Unit(benchmark::kMillisecond);
}

BENCHMARK_CAPTURE(doc_bench, sign_gostcsp, true, true)->Name("DocSign/sign/gostcsp")->Apply(sizes);
BENCHMARK_CAPTURE(doc_bench, sign_engine, false, true)
    ->Name("DocSign/sign/gost-engine")
    ->Apply(sizes);
BENCHMARK_CAPTURE(doc_bench, verify_gostcsp, true, false)
    ->Name("DocSign/verify/gostcsp")
    ->Apply(sizes);
BENCHMARK_CAPTURE(doc_bench, verify_engine, false, false)
    ->Name("DocSign/verify/gost-engine")
    ->Apply(sizes);

}  // namespace
