// SPDX-License-Identifier: Apache-2.0
// MGM (Multilinear Galois Mode) authenticated encryption, R 1323565.1.026-2019 / RFC 9058, for
// Kuznyechik (n = 128) and Magma (n = 64). One-shot calls; no heap; nothing secret is left behind.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "gostcsp/block_cipher.hpp"

namespace gostcsp::core {

// The cipher must be Kuznyechik or Magma (any BlockCipher of 8 or 16 bytes works); it must outlive
// this object.
class Mgm {
  public:
    explicit Mgm(const BlockCipher& cipher) noexcept : cipher_(cipher) {}
    Mgm(const Mgm&) = delete;
    Mgm& operator=(const Mgm&) = delete;

    // nonce: n bytes with the top bit of byte 0 clear (RFC 9058 §4: ICN in V_(n-1)), else
    // bad_length. tag.size() in 4..n (S >= 32 bits) else bad_length. ct.size() == pt.size().
    // |A| + |P| at most 2^(n/2) - 1 bits... (RFC 9058 §4) else limit_exceeded.
    Status encrypt(std::span<const std::uint8_t> nonce, std::span<const std::uint8_t> aad,
                   std::span<const std::uint8_t> pt, std::span<std::uint8_t> ct,
                   std::span<std::uint8_t> tag) const noexcept;
    // Same checks; auth_failed when the tag does not match — then pt is zero-filled (no
    // plaintext is released). pt == ct allowed in both calls.
    Status decrypt(std::span<const std::uint8_t> nonce, std::span<const std::uint8_t> aad,
                   std::span<const std::uint8_t> ct, std::span<const std::uint8_t> tag,
                   std::span<std::uint8_t> pt) const noexcept;

  private:
    const BlockCipher& cipher_;
};

// Streaming MGM (for EVP-style callers): AAD first, then text in any pieces, then the tag.
// Decryption releases plaintext before the tag is known (as GCM does): the caller must discard it
// unless the tag compares equal. The one-shot Mgm above never releases unauthenticated plaintext.
class MgmStream {
  public:
    explicit MgmStream(const BlockCipher& cipher) noexcept : cipher_(cipher) {}
    ~MgmStream();
    MgmStream(const MgmStream&) = delete;
    MgmStream& operator=(const MgmStream&) = delete;

    // nonce: n bytes, top bit of byte 0 clear (else bad_length). Starts a message.
    Status start(std::span<const std::uint8_t> nonce) noexcept;
    // Any lengths, before the first process() (bad_state after it or before start()).
    Status aad(std::span<const std::uint8_t> data) noexcept;
    // out.size() == in.size(); in == out allowed. limit_exceeded past RFC 9058's limit.
    Status process(std::span<const std::uint8_t> in, std::span<std::uint8_t> out,
                   bool encrypt) noexcept;
    // Writes the tag (4..n bytes, else bad_length) and ends the message; bad_length for an
    // empty message (|A| + |P| = 0).
    Status finish(std::span<std::uint8_t> tag) noexcept;

    static constexpr std::size_t engine_bytes = 768;

  private:
    void flush_aad() noexcept;
    const BlockCipher& cipher_;
    alignas(64) std::uint8_t engine_[engine_bytes];
    std::uint8_t abuf_[max_block_bytes] = {};
    std::uint8_t ks_[max_block_bytes] = {};
    std::uint8_t cbuf_[max_block_bytes] = {};
    std::size_t alen_ = 0, used_ = 0;
    std::uint64_t aad_bytes_ = 0, text_bytes_ = 0;
    bool live_ = false, text_ = false;
};

}  // namespace gostcsp::core
