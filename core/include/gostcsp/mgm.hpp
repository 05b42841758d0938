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

}  // namespace gostcsp::core
