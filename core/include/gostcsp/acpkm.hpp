// SPDX-License-Identifier: Apache-2.0
// Internal re-keying of R 1323565.1.017-2018 / RFC 8645: the ACPKM key transformation, CTR-ACPKM
// (§6.2.2) and OMAC-ACPKM (the OMAC-ACPKM-Master mode of §6.3.6), for Kuznyechik and Magma.
// Instantiated for Kuznyechik and Magma only (the objects own a copy of the cipher: they rekey it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "gostcsp/block_cipher.hpp"
#include "gostcsp/kuznyechik.hpp"
#include "gostcsp/magma.hpp"

namespace gostcsp::core {

// K := ACPKM(K) = MSB_256(E_K(D_1) | ... | E_K(D_J)) (RFC 8645 §6.2.1), in place.
template <class Cipher>
void acpkm_rekey(Cipher& cipher) noexcept;

// CTR-ACPKM with c = n/2 (the ICN is n/2 bytes, as in CTR), section size N bytes (a non-zero
// multiple of the block size). Messages may be at most n·2^(c-1) bits: 2^(n/2-1) blocks
// (RFC 8645 §6.2.2); process() refuses with limit_exceeded past that.
template <class Cipher>
class CtrAcpkm {
  public:
    static constexpr std::size_t n = Cipher::block_bytes;

    // `cipher` is copied (its key is the initial key K).
    CtrAcpkm(const Cipher& cipher, std::size_t section_bytes) noexcept;
    ~CtrAcpkm();
    CtrAcpkm(const CtrAcpkm&) = default;
    CtrAcpkm& operator=(const CtrAcpkm&) = default;

    // icn: n/2 bytes. Restarts from the initial key. bad_length for a wrong ICN size or a section
    // size that is zero or no multiple of the block size.
    Status start(std::span<const std::uint8_t> icn) noexcept;
    // out.size() == in.size(), in == out allowed; any lengths across calls.
    Status process(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept;

  private:
    void next_gamma_blocks() noexcept;

    Cipher initial_;
    Cipher cipher_;
    std::size_t section_bytes_;
    alignas(16) std::uint8_t counter_[n] = {};
    static constexpr std::size_t batch = 32;  // blocks of key stream produced per cipher call
    alignas(64) std::uint8_t gamma_[batch * n] = {};
    std::size_t gamma_len_ = 0, used_ = 0;
    std::uint64_t section_used_ = 0;  // bytes of the current section's key stream produced
    std::uint64_t blocks_left_ = 0;   // key stream blocks still allowed
    bool started_ = false;
};

// OMAC-ACPKM (RFC 8645 §6.3.6): section size N bytes, master key frequency T* bytes (both
// non-zero multiples of the block size; T* also of k + n = 32 + n bytes).
// update() any lengths; final() writes 1..n bytes and resets with the same key.
template <class Cipher>
class OmacAcpkm {
  public:
    static constexpr std::size_t n = Cipher::block_bytes;
    static constexpr std::size_t material_bytes = Cipher::key_bytes + n;  // K^j | K^j_1

    OmacAcpkm(const Cipher& cipher, std::size_t section_bytes,
              std::size_t master_frequency_bytes) noexcept;
    ~OmacAcpkm();
    OmacAcpkm(const OmacAcpkm&) = default;
    OmacAcpkm& operator=(const OmacAcpkm&) = default;

    // bad_length when the section or master sizes are invalid (then update/final do nothing
    // and final keeps returning bad_length).
    Status status() const noexcept { return valid_ ? Status::ok : Status::bad_length; }
    void update(std::span<const std::uint8_t> data) noexcept;
    // bad_length for out.size() outside 1..n; limit_exceeded past the message limit.
    Status final(std::span<std::uint8_t> out) noexcept;
    void reset() noexcept;

  private:
    void next_section_key() noexcept;
    void absorb_block(const std::uint8_t* block) noexcept;

    Cipher master_;  // initial key K, the master of ACPKM-Master
    CtrAcpkm<Cipher> material_;
    Cipher section_cipher_;
    std::size_t section_bytes_;
    alignas(16) std::uint8_t k1_[n] = {};
    alignas(16) std::uint8_t state_[n] = {};
    alignas(16) std::uint8_t buffer_[n] = {};
    std::size_t buffered_ = 0;
    std::uint64_t section_done_ = 0;  // bytes absorbed into the current section
    bool have_key_ = false;
    bool valid_ = false;
    bool overflow_ = false;
};

extern template void acpkm_rekey<Kuznyechik>(Kuznyechik&) noexcept;
extern template void acpkm_rekey<Magma>(Magma&) noexcept;
extern template class CtrAcpkm<Kuznyechik>;
extern template class CtrAcpkm<Magma>;
extern template class OmacAcpkm<Kuznyechik>;
extern template class OmacAcpkm<Magma>;

}  // namespace gostcsp::core
