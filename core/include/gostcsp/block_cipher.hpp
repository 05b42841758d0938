// SPDX-License-Identifier: Apache-2.0
// The one interface every GOST block cipher (Kuznyechik, Magma, GOST 28147-89) offers to the modes
// of GOST R 34.13-2015 (modes.hpp), MGM (mgm.hpp) and the key-handling code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "gostcsp/status.hpp"

namespace gostcsp::core {

// All three ciphers take a 256-bit key.
inline constexpr std::size_t block_cipher_key_bytes = 32;

// A keyed block cipher. Objects hold their round keys inline (no heap) and wipe them on
// destruction. `in` and `out` of the block functions may be the same buffer (not partly
// overlapping). Many-block calls are the fast path: implementations process several blocks
// per round where they can.
class BlockCipher {
  public:
    virtual ~BlockCipher() = default;

    // 16 (Kuznyechik) or 8 (Magma, GOST 28147-89) bytes.
    virtual std::size_t block_size() const noexcept = 0;
    // Replaces the key. Status::bad_length unless key.size() == 32 (the old key then stays).
    virtual Status set_key(std::span<const std::uint8_t> key) noexcept = 0;
    // `blocks` blocks of block_size() bytes each.
    virtual void encrypt_blocks(const std::uint8_t* in, std::uint8_t* out,
                                std::size_t blocks) const noexcept = 0;
    virtual void decrypt_blocks(const std::uint8_t* in, std::uint8_t* out,
                                std::size_t blocks) const noexcept = 0;

    void encrypt_block(const std::uint8_t* in, std::uint8_t* out) const noexcept {
        encrypt_blocks(in, out, 1);
    }
    void decrypt_block(const std::uint8_t* in, std::uint8_t* out) const noexcept {
        decrypt_blocks(in, out, 1);
    }

  protected:
    BlockCipher() = default;
    BlockCipher(const BlockCipher&) = default;
    BlockCipher& operator=(const BlockCipher&) = default;
};

// Largest block size of the ciphers above (buffers in the modes are sized by it).
inline constexpr std::size_t max_block_bytes = 16;

}  // namespace gostcsp::core
