// SPDX-License-Identifier: Apache-2.0
// Sealing (AES-256-GCM through OpenSSL EVP), the PIN KDF (PBKDF2-HMAC-Streebog-512) and randomness.
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <limits>
#include <memory>

#include "gostcsp/streebog.hpp"
#include "internal.hpp"

namespace gostcsp::keystore::detail {

namespace {
struct CtxFree {
    void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};
using CtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

Status check_params(std::string_view alg, std::span<const std::uint8_t> key,
                    std::span<const std::uint8_t> nonce) {
    if (alg != aead_aes256_gcm) {
        return Status(Error::corrupt, "unsupported sealing algorithm '" + std::string(alg) + "'");
    }
    if (key.size() != aead_key_bytes || nonce.size() != aead_nonce_bytes) {
        return Status(Error::corrupt, "bad key or nonce length for " + std::string(alg));
    }
    return {};
}

bool fits_int(std::size_t n) {
    return n <= static_cast<std::size_t>(std::numeric_limits<int>::max());
}
}  // namespace

Status random_private(std::span<std::uint8_t> out) {
    if (RAND_priv_bytes(out.data(), static_cast<int>(out.size())) != 1) {
        return Status(Error::crypto_failure, "random generator failed", core::Status::rng_failure);
    }
    return {};
}

Status random_public(std::span<std::uint8_t> out) {
    if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
        return Status(Error::crypto_failure, "random generator failed", core::Status::rng_failure);
    }
    return {};
}

Result<std::vector<std::uint8_t>> aead_seal(std::string_view alg, std::span<const std::uint8_t> key,
                                            std::span<const std::uint8_t> nonce,
                                            std::span<const std::uint8_t> aad,
                                            std::span<const std::uint8_t> plaintext) {
    if (Status st = check_params(alg, key, nonce); !st) return st;
    if (!fits_int(plaintext.size()) || !fits_int(aad.size())) {
        return Status(Error::invalid_argument, "record too large");
    }
    CtxPtr ctx(EVP_CIPHER_CTX_new());
    if (!ctx) return Status(Error::out_of_memory, "EVP_CIPHER_CTX_new failed");
    std::vector<std::uint8_t> out(plaintext.size() + aead_tag_bytes);
    int len = 0;
    bool ok = EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()),
                                  nullptr) == 1 &&
              EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), nonce.data()) == 1;
    if (ok && !aad.empty()) {
        ok = EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(),
                               static_cast<int>(aad.size())) == 1;
    }
    int total = 0;
    if (ok && !plaintext.empty()) {
        ok = EVP_EncryptUpdate(ctx.get(), out.data(), &len, plaintext.data(),
                               static_cast<int>(plaintext.size())) == 1;
        total = len;
    }
    if (ok) {
        ok = EVP_EncryptFinal_ex(ctx.get(), out.data() + total, &len) == 1;
        total += len;
    }
    if (ok) {
        ok = static_cast<std::size_t>(total) == plaintext.size() &&
             EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(aead_tag_bytes),
                                 out.data() + plaintext.size()) == 1;
    }
    if (!ok) return Status(Error::crypto_failure, "AES-256-GCM encryption failed");
    return out;
}

Result<SecureBytes> aead_open(std::string_view alg, std::span<const std::uint8_t> key,
                              std::span<const std::uint8_t> nonce,
                              std::span<const std::uint8_t> aad,
                              std::span<const std::uint8_t> sealed) {
    if (Status st = check_params(alg, key, nonce); !st) return st;
    if (sealed.size() < aead_tag_bytes) {
        return Status(Error::integrity_failure, "sealed value too short");
    }
    if (!fits_int(sealed.size()) || !fits_int(aad.size())) {
        return Status(Error::corrupt, "sealed value too large");
    }
    const std::size_t n = sealed.size() - aead_tag_bytes;
    // Allocate at least one byte so an empty plaintext still has a valid buffer to point at.
    SecureBytes out(n == 0 ? 1 : n);
    if (!out.valid()) return Status(Error::out_of_memory, "cannot allocate locked memory");
    out.truncate(n);
    CtxPtr ctx(EVP_CIPHER_CTX_new());
    if (!ctx) return Status(Error::out_of_memory, "EVP_CIPHER_CTX_new failed");
    int len = 0;
    bool ok = EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()),
                                  nullptr) == 1 &&
              EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), nonce.data()) == 1;
    if (ok && !aad.empty()) {
        ok = EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(),
                               static_cast<int>(aad.size())) == 1;
    }
    int total = 0;
    if (ok && n > 0) {
        ok =
            EVP_DecryptUpdate(ctx.get(), out.data(), &len, sealed.data(), static_cast<int>(n)) == 1;
        total = len;
    }
    if (!ok) return Status(Error::crypto_failure, "AES-256-GCM decryption failed");
    // The tag is copied because EVP's ctrl takes a non-const pointer.
    std::uint8_t tag[aead_tag_bytes];
    std::copy(sealed.begin() + static_cast<std::ptrdiff_t>(n), sealed.end(), tag);
    ok = EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(aead_tag_bytes),
                             tag) == 1 &&
         EVP_DecryptFinal_ex(ctx.get(), out.data() + total, &len) == 1;
    if (!ok) {
        // `out` is wiped by its destructor; nothing unauthenticated escapes.
        return Status(Error::integrity_failure, "authentication tag mismatch");
    }
    return out;
}

Result<SecureBytes> derive_kek(std::string_view alg, std::string_view pin,
                               std::span<const std::uint8_t> salt, std::uint32_t iterations) {
    if (alg != kdf_pbkdf2_streebog512) {
        return Status(Error::corrupt, "unsupported PIN KDF '" + std::string(alg) + "'");
    }
    if (iterations == 0 || salt.empty()) return Status(Error::corrupt, "bad KDF parameters");
    SecureBytes kek(aead_key_bytes);
    if (!kek.valid()) return Status(Error::out_of_memory, "cannot allocate locked memory");
    core::pbkdf2_streebog512({reinterpret_cast<const std::uint8_t*>(pin.data()), pin.size()}, salt,
                             iterations, kek.span());
    return kek;
}

}  // namespace gostcsp::keystore::detail
