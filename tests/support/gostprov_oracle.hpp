// SPDX-License-Identifier: Apache-2.0
// gost-engine's OpenSSL provider `gostprov` as an independent GOST R 34.11-2012 (Streebog) oracle,
// loaded in an OSSL_LIB_CTX of its own so it never mixes with anything else in the process.
#pragma once

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace gostcsp::test {

class GostprovOracle {
  public:
    GostprovOracle() {
        ctx_ = OSSL_LIB_CTX_new();
        if (!ctx_) return;
        // gostprov.so lives in OpenSSL's modules directory (Debian: libengine-gost-openssl).
        if (const char* dir = OPENSSL_info(OPENSSL_INFO_MODULES_DIR))
            OSSL_PROVIDER_set_default_search_path(ctx_, dir);
        gost_ = OSSL_PROVIDER_load(ctx_, "gostprov");
        default_ = OSSL_PROVIDER_load(ctx_, "default");  // HMAC itself lives there
        if (gost_) {
            md256_ = EVP_MD_fetch(ctx_, "md_gost12_256", nullptr);
            md512_ = EVP_MD_fetch(ctx_, "md_gost12_512", nullptr);
        }
    }
    GostprovOracle(const GostprovOracle&) = delete;
    GostprovOracle& operator=(const GostprovOracle&) = delete;
    ~GostprovOracle() {
        EVP_MD_free(md256_);
        EVP_MD_free(md512_);
        if (gost_) OSSL_PROVIDER_unload(gost_);
        if (default_) OSSL_PROVIDER_unload(default_);
        OSSL_LIB_CTX_free(ctx_);
    }

    bool available() const { return md256_ != nullptr && md512_ != nullptr; }
    const EVP_MD* md(unsigned bits) const { return bits == 512 ? md512_ : md256_; }
    OSSL_LIB_CTX* libctx() const { return ctx_; }

    // Digest of the concatenation of `parts`, fed to EVP_DigestUpdate one part at a time.
    std::vector<std::uint8_t> digest(
        unsigned bits, const std::vector<std::span<const std::uint8_t>>& parts) const {
        std::vector<std::uint8_t> out(bits / 8);
        EVP_MD_CTX* c = EVP_MD_CTX_new();
        bool ok = c && EVP_DigestInit_ex(c, md(bits), nullptr) == 1;
        for (const auto& p : parts) ok = ok && EVP_DigestUpdate(c, p.data(), p.size()) == 1;
        unsigned len = 0;
        ok = ok && EVP_DigestFinal_ex(c, out.data(), &len) == 1 && len == out.size();
        EVP_MD_CTX_free(c);
        if (!ok) out.clear();
        return out;
    }
    std::vector<std::uint8_t> digest(unsigned bits, std::span<const std::uint8_t> data) const {
        return digest(bits, std::vector<std::span<const std::uint8_t>>{data});
    }

    // HMAC (OpenSSL's default-provider HMAC over gostprov's Streebog); empty on failure.
    std::vector<std::uint8_t> hmac(unsigned bits, std::span<const std::uint8_t> key,
                                   std::span<const std::uint8_t> data) const {
        std::vector<std::uint8_t> out(bits / 8);
        EVP_MAC* mac = EVP_MAC_fetch(ctx_, "HMAC", nullptr);
        EVP_MAC_CTX* c = mac ? EVP_MAC_CTX_new(mac) : nullptr;
        std::string name = bits == 512 ? "md_gost12_512" : "md_gost12_256";
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, name.data(), 0),
            OSSL_PARAM_construct_end()};
        std::size_t len = 0;
        // OpenSSL rejects a NULL key pointer even for an empty key.
        static const std::uint8_t empty = 0;
        bool ok = c &&
                  EVP_MAC_init(c, key.empty() ? &empty : key.data(), key.size(), params) == 1 &&
                  EVP_MAC_update(c, data.data(), data.size()) == 1 &&
                  EVP_MAC_final(c, out.data(), &len, out.size()) == 1 && len == out.size();
        EVP_MAC_CTX_free(c);
        EVP_MAC_free(mac);
        if (!ok) out.clear();
        return out;
    }

  private:
    OSSL_LIB_CTX* ctx_ = nullptr;
    OSSL_PROVIDER* gost_ = nullptr;
    OSSL_PROVIDER* default_ = nullptr;
    EVP_MD* md256_ = nullptr;
    EVP_MD* md512_ = nullptr;
};

}  // namespace gostcsp::test
