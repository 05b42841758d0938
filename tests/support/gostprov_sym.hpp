// SPDX-License-Identifier: Apache-2.0
// gost-engine's provider `gostprov` as an independent oracle for the GOST block ciphers, their
// modes and MACs (EVP_CIPHER / EVP_MAC by gost-engine's names), in an OSSL_LIB_CTX of its own
// (the one GostprovOracle loads), so it never mixes with anything else in the process.
#pragma once

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "gostprov_oracle.hpp"

namespace gostcsp::test {

class GostprovSym {
  public:
    explicit GostprovSym(const GostprovOracle& o) : o_(o) {}

    bool has_cipher(const std::string& name) const {
        EVP_CIPHER* c = EVP_CIPHER_fetch(o_.libctx(), name.c_str(), nullptr);
        EVP_CIPHER_free(c);
        return c != nullptr;
    }

    // Runs cipher `name` over `in`, fed to EVP_CipherUpdate in random pieces (no padding).
    // key_mesh > 0 sets gostprov's "key-mesh" (the ACPKM section size). Empty on failure.
    std::vector<std::uint8_t> cipher(const std::string& name, std::span<const std::uint8_t> key,
                                     std::span<const std::uint8_t> iv,
                                     std::span<const std::uint8_t> in, bool encrypt,
                                     std::mt19937_64& rng, std::size_t key_mesh = 0) const {
        std::vector<std::uint8_t> out(in.size() + 64);
        EVP_CIPHER* c = EVP_CIPHER_fetch(o_.libctx(), name.c_str(), nullptr);
        EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
        bool ok = c && ctx &&
                  EVP_CipherInit_ex2(ctx, c, key.data(), iv.empty() ? nullptr : iv.data(),
                                     encrypt ? 1 : 0, nullptr) == 1;
        if (ok && key_mesh != 0) {
            OSSL_PARAM p[] = {OSSL_PARAM_construct_size_t("key-mesh", &key_mesh),
                              OSSL_PARAM_construct_end()};
            ok = EVP_CIPHER_CTX_set_params(ctx, p) == 1;
        }
        if (ok) EVP_CIPHER_CTX_set_padding(ctx, 0);
        std::size_t off = 0, produced = 0;
        while (ok && off < in.size()) {
            std::size_t n = std::min(in.size() - off, std::size_t(1 + rng() % 200));
            int len = 0;
            ok = EVP_CipherUpdate(ctx, out.data() + produced, &len, in.data() + off,
                                  static_cast<int>(n)) == 1;
            produced += static_cast<std::size_t>(len);
            off += n;
        }
        int len = 0;
        ok = ok && EVP_CipherFinal_ex(ctx, out.data() + produced, &len) == 1;
        produced += static_cast<std::size_t>(len);
        EVP_CIPHER_CTX_free(ctx);
        EVP_CIPHER_free(c);
        if (!ok) return {};
        out.resize(produced);
        return out;
    }

    // MAC `name` (gost-mac, gost-mac-12, magma-mac, kuznyechik-mac, ...) at its default size,
    // which must be `size` bytes.
    std::vector<std::uint8_t> mac(const std::string& name, std::span<const std::uint8_t> key,
                                  std::span<const std::uint8_t> data, std::size_t size,
                                  std::mt19937_64& rng, std::size_t key_mesh = 0,
                                  std::size_t cipher_key_mesh = 0, bool one_update = false) const {
        std::vector<std::uint8_t> out(size);
        // gostprov's OMAC/IMIT look their block cipher up in the *default* library context
        // (gost_prov_mac.c: EVP_CIPHER_fetch(NULL, ...)), so it must be loaded there as well; the
        // conformance binaries load no other provider, so nothing else can answer.
        static const bool default_loaded = [] {
            if (const char* dir = OPENSSL_info(OPENSSL_INFO_MODULES_DIR))
                OSSL_PROVIDER_set_default_search_path(nullptr, dir);
            return OSSL_PROVIDER_load(nullptr, "gostprov") != nullptr &&
                   OSSL_PROVIDER_load(nullptr, "default") != nullptr;
        }();
        if (!default_loaded) return {};
        EVP_MAC* m = EVP_MAC_fetch(o_.libctx(), name.c_str(), nullptr);
        EVP_MAC_CTX* ctx = m ? EVP_MAC_CTX_new(m) : nullptr;
        OSSL_PARAM params[3];
        int n = 0;
        if (key_mesh != 0) params[n++] = OSSL_PARAM_construct_size_t("key-mesh", &key_mesh);
        if (cipher_key_mesh != 0)
            params[n++] = OSSL_PARAM_construct_size_t("cipher-key-mesh", &cipher_key_mesh);
        params[n] = OSSL_PARAM_construct_end();
        bool ok = ctx && EVP_MAC_init(ctx, key.data(), key.size(), params) == 1;
        std::size_t off = 0;
        while (ok && off < data.size()) {
            const std::size_t k = one_update
                                      ? data.size()
                                      : std::min(data.size() - off, std::size_t(1 + rng() % 100));
            ok = EVP_MAC_update(ctx, data.data() + off, k) == 1;
            off += k;
        }
        std::size_t len = 0;
        ok = ok && EVP_MAC_final(ctx, out.data(), &len, out.size()) == 1 && len == size;
        EVP_MAC_CTX_free(ctx);
        EVP_MAC_free(m);
        if (!ok) return {};
        out.resize(len);
        return out;
    }

  private:
    const GostprovOracle& o_;
};

// Seeds for reproducible random cases: GOSTCSP_SEED=<base> re-runs a printed failure.
inline std::uint64_t sym_base_seed() {
    if (const char* s = std::getenv("GOSTCSP_SEED")) return std::strtoull(s, nullptr, 0);
    static const std::uint64_t seed =
        std::random_device{}() ^ (static_cast<std::uint64_t>(std::random_device{}()) << 32);
    return seed;
}

inline std::vector<std::uint8_t> random_bytes(std::mt19937_64& rng, std::size_t n) {
    std::vector<std::uint8_t> v(n);
    for (auto& b : v) b = static_cast<std::uint8_t>(rng());
    return v;
}

// Mostly short messages, sometimes a few KiB (key meshing and ACPKM sections get crossed).
inline std::size_t random_length(std::mt19937_64& rng) {
    switch (rng() % 8) {
        case 0:
            return rng() % 4200;
        case 1:
            return rng() % 17;
        default:
            return rng() % 300;
    }
}

}  // namespace gostcsp::test
