// SPDX-License-Identifier: Apache-2.0
// Modes of operation of GOST R 34.13-2015 for a 64- or 128-bit block cipher (block_cipher.hpp):
// ECB, CTR, OFB, CBC, CFB and the MAC (OMAC1 / CMAC). Names and parameters follow the standard:
// n is the block size, m = z·n the register (IV) size of OFB/CBC/CFB, s = n for CFB.
//
// No padding: ECB and CBC take whole blocks only (procedure 1-3 padding is the caller's job).
// Stream modes (CTR, OFB, CFB) accept any lengths across calls. No heap; state is wiped.
// The cipher object passed in must outlive the mode object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "gostcsp/block_cipher.hpp"

namespace gostcsp::core {

// ECB: in.size() a multiple of the block size, out.size() == in.size() (else bad_length).
Status ecb_encrypt(const BlockCipher& c, std::span<const std::uint8_t> in,
                   std::span<std::uint8_t> out) noexcept;
Status ecb_decrypt(const BlockCipher& c, std::span<const std::uint8_t> in,
                   std::span<std::uint8_t> out) noexcept;

// CTR (34.13 §5.2): IV of n/2 bytes; counter block CTR_1 = IV || 0^(n/2), incremented mod 2^n.
// At most 2^(n/2) blocks per IV (34.13 §5.2 note): process() refuses with limit_exceeded when
// the data would pass it (and then processes nothing of that call).
class Ctr {
  public:
    explicit Ctr(const BlockCipher& c) noexcept : cipher_(c) {}
    ~Ctr();
    Ctr(const Ctr&) = delete;
    Ctr& operator=(const Ctr&) = delete;

    // iv.size() == block_size / 2. `first_block` starts the key stream at block number
    // first_block (0 = the start; random access), which must be < 2^(n/2).
    Status start(std::span<const std::uint8_t> iv, std::uint64_t first_block = 0) noexcept;
    // out.size() == in.size(); in == out allowed. Encryption and decryption are the same.
    Status process(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept;

  private:
    const BlockCipher& cipher_;
    alignas(16) std::uint8_t counter_[max_block_bytes] = {};
    alignas(16) std::uint8_t gamma_[max_block_bytes] = {};
    std::size_t used_ = 0;              // bytes of gamma_ consumed (block size = none left)
    std::uint64_t blocks_left_m1_ = 0;  // counter blocks still allowed, minus one
    bool exhausted_ = false;
    bool started_ = false;
};

// OFB (34.13 §5.3): IV of z·n bytes (z >= 1).
class Ofb {
  public:
    explicit Ofb(const BlockCipher& c) noexcept : cipher_(c) {}
    ~Ofb();
    Ofb(const Ofb&) = delete;
    Ofb& operator=(const Ofb&) = delete;
    static constexpr std::size_t max_iv_bytes = 8 * max_block_bytes;

    Status start(std::span<const std::uint8_t> iv) noexcept;
    Status process(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept;

  private:
    const BlockCipher& cipher_;
    std::uint8_t reg_[max_iv_bytes] = {};  // R, a ring of z blocks; head_ is its MSB_n block
    std::uint8_t gamma_[max_block_bytes] = {};
    std::size_t z_ = 0, head_ = 0, used_ = 0;
    bool started_ = false;
};

// CBC (34.13 §5.4): IV of z·n bytes; whole blocks; encrypt or decrypt chosen at start().
class Cbc {
  public:
    explicit Cbc(const BlockCipher& c) noexcept : cipher_(c) {}
    ~Cbc();
    Cbc(const Cbc&) = delete;
    Cbc& operator=(const Cbc&) = delete;
    static constexpr std::size_t max_iv_bytes = 8 * max_block_bytes;

    Status start(std::span<const std::uint8_t> iv, bool encrypt) noexcept;
    // in.size() a multiple of the block size; out.size() == in.size().
    Status process(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept;

  private:
    const BlockCipher& cipher_;
    std::uint8_t reg_[max_iv_bytes] = {};
    std::size_t z_ = 0, head_ = 0;
    bool encrypt_ = true;
    bool started_ = false;
};

// CFB (34.13 §5.5) with s = n: IV of z·n bytes; a last partial block is allowed (it ends the
// stream: a later process() call returns bad_state).
class Cfb {
  public:
    explicit Cfb(const BlockCipher& c) noexcept : cipher_(c) {}
    ~Cfb();
    Cfb(const Cfb&) = delete;
    Cfb& operator=(const Cfb&) = delete;
    static constexpr std::size_t max_iv_bytes = 8 * max_block_bytes;

    Status start(std::span<const std::uint8_t> iv, bool encrypt) noexcept;
    Status process(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept;

  private:
    const BlockCipher& cipher_;
    std::uint8_t reg_[max_iv_bytes] = {};
    std::uint8_t gamma_[max_block_bytes] = {};
    std::uint8_t partial_[max_block_bytes] = {};  // ciphertext of the block in progress
    std::size_t z_ = 0, head_ = 0, used_ = 0;
    bool encrypt_ = true;
    bool started_ = false;
};

// MAC (34.13 §5.6; = OMAC1/CMAC): update() any lengths, final() writes 1..n bytes (MSB_s) and
// resets to the empty message with the same key.
class Omac {
  public:
    explicit Omac(const BlockCipher& c) noexcept;
    ~Omac();
    Omac(const Omac&) = delete;
    Omac& operator=(const Omac&) = delete;

    void update(std::span<const std::uint8_t> data) noexcept;
    // out.size() in 1..block size, else bad_length (and nothing is written).
    Status final(std::span<std::uint8_t> out) noexcept;
    void reset() noexcept;

  private:
    const BlockCipher& cipher_;
    std::uint8_t state_[max_block_bytes] = {};
    std::uint8_t buffer_[max_block_bytes] = {};
    std::size_t buffered_ = 0;
};

// The OMAC subkeys K1, K2 (34.13 §5.6.2) of a cipher; k1/k2 of block_size() bytes.
void omac_subkeys(const BlockCipher& c, std::uint8_t* k1, std::uint8_t* k2) noexcept;

}  // namespace gostcsp::core
