// SPDX-License-Identifier: Apache-2.0
// Keystore internals shared between translation units: sealing, encoding, policy helpers.
#pragma once

#include <cstdint>
#include <new>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "gostcsp/keystore/config.hpp"
#include "gostcsp/keystore/secure_memory.hpp"
#include "gostcsp/keystore/status.hpp"
#include "gostcsp/keystore/token.hpp"

namespace gostcsp::keystore {

// Length and character checks only (no weak-PIN check): used where a factory PIN is acceptable.
Status check_pin_format(const Config& config, std::string_view pin);

namespace detail {

// The AEAD recorded with every sealed record and wrap. Only this one exists today; the name is
// stored so that a GOST cipher (Kuznyechik-MGM) can be added without a format break.
inline constexpr std::string_view aead_aes256_gcm = "aes-256-gcm";
inline constexpr std::size_t aead_key_bytes = 32;
inline constexpr std::size_t aead_nonce_bytes = 12;
inline constexpr std::size_t aead_tag_bytes = 16;
// The PIN KDF recorded with every wrap.
inline constexpr std::string_view kdf_pbkdf2_streebog512 = "pbkdf2-hmac-streebog512";
inline constexpr std::size_t kdf_salt_bytes = 32;

// Random bytes for keys (RAND_priv_bytes) and for public values such as nonces (RAND_bytes).
Status random_private(std::span<std::uint8_t> out);
Status random_public(std::span<std::uint8_t> out);

// AES-256-GCM. seal() returns ciphertext‖tag; open() writes plaintext into locked memory and
// fails with integrity_failure when the tag (over ciphertext and aad) does not verify.
Result<std::vector<std::uint8_t>> aead_seal(std::string_view alg, std::span<const std::uint8_t> key,
                                            std::span<const std::uint8_t> nonce,
                                            std::span<const std::uint8_t> aad,
                                            std::span<const std::uint8_t> plaintext);
Result<SecureBytes> aead_open(std::string_view alg, std::span<const std::uint8_t> key,
                              std::span<const std::uint8_t> nonce,
                              std::span<const std::uint8_t> aad,
                              std::span<const std::uint8_t> sealed);

// KEK = PBKDF2-HMAC-Streebog-512(pin, salt, iterations), 32 bytes, in locked memory.
Result<SecureBytes> derive_kek(std::string_view alg, std::string_view pin,
                               std::span<const std::uint8_t> salt, std::uint32_t iterations);

// Little-endian byte-string builder and a bounds-checked reader.
class Writer {
  public:
    void u8(std::uint8_t v) { out_.push_back(v); }
    void u32(std::uint32_t v) {
        for (int i = 0; i < 4; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    void u64(std::uint64_t v) {
        for (int i = 0; i < 8; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    void bytes(std::span<const std::uint8_t> b) {
        u32(static_cast<std::uint32_t>(b.size()));
        out_.insert(out_.end(), b.begin(), b.end());
    }
    void text(std::string_view s) {
        bytes({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()});
    }
    std::vector<std::uint8_t>& data() { return out_; }

  private:
    std::vector<std::uint8_t> out_;
};

class Reader {
  public:
    explicit Reader(std::span<const std::uint8_t> in) : in_(in) {}
    bool u32(std::uint32_t& v) {
        if (in_.size() - pos_ < 4) return false;
        v = 0;
        for (int i = 0; i < 4; ++i) v |= std::uint32_t{in_[pos_++]} << (8 * i);
        return true;
    }
    bool u64(std::uint64_t& v) {
        if (in_.size() - pos_ < 8) return false;
        v = 0;
        for (int i = 0; i < 8; ++i) v |= std::uint64_t{in_[pos_++]} << (8 * i);
        return true;
    }
    bool bytes(std::span<const std::uint8_t>& b) {
        std::uint32_t n = 0;
        if (!u32(n) || in_.size() - pos_ < n) return false;
        b = in_.subspan(pos_, n);
        pos_ += n;
        return true;
    }
    bool done() const { return pos_ == in_.size(); }

  private:
    std::span<const std::uint8_t> in_;
    std::size_t pos_ = 0;
};

// A T constructed inside a SecureBytes page (locked, non-dumpable); destroyed and wiped with it.
template <class T>
class LockedBox {
  public:
    LockedBox() : mem_(sizeof(T)) {
        if (mem_.valid()) ptr_ = new (mem_.data()) T();
    }
    LockedBox(const LockedBox&) = delete;
    LockedBox& operator=(const LockedBox&) = delete;
    ~LockedBox() {
        if (ptr_) ptr_->~T();
    }
    bool valid() const noexcept { return ptr_ != nullptr; }
    T& operator*() noexcept { return *ptr_; }
    const T& operator*() const noexcept { return *ptr_; }
    T* operator->() noexcept { return ptr_; }

  private:
    SecureBytes mem_;
    T* ptr_ = nullptr;
};

}  // namespace detail
}  // namespace gostcsp::keystore
