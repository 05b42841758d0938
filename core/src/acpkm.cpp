// SPDX-License-Identifier: Apache-2.0
// ACPKM internal re-keying (R 1323565.1.017-2018, RFC 8645): CTR-ACPKM and OMAC-ACPKM.
#include "gostcsp/acpkm.hpp"

#include <algorithm>
#include <cstring>

#include "ctr_internal.hpp"
#include "gostcsp/modes.hpp"
#include "gostcsp/secure.hpp"

namespace gostcsp::core {
namespace {

// D of RFC 8645 §6.2.1: 80 81 ... 9f (the first 256 bits are all a 256-bit key needs).
constexpr std::uint8_t acpkm_d[32] = {
    0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,
    0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f};

}  // namespace

template <class Cipher>
void acpkm_rekey(Cipher& cipher) noexcept {
    std::uint8_t k[32];
    cipher.encrypt_blocks(acpkm_d, k, 32 / Cipher::block_bytes);
    (void)cipher.set_key(k);
    secure_zero(k, sizeof k);
}

// ---- CTR-ACPKM ----

template <class Cipher>
CtrAcpkm<Cipher>::CtrAcpkm(const Cipher& cipher, std::size_t section_bytes) noexcept
    : initial_(cipher), cipher_(cipher), section_bytes_(section_bytes) {}

template <class Cipher>
CtrAcpkm<Cipher>::~CtrAcpkm() {
    secure_zero(counter_, sizeof counter_);
    secure_zero(gamma_, sizeof gamma_);
}

template <class Cipher>
Status CtrAcpkm<Cipher>::start(std::span<const std::uint8_t> icn) noexcept {
    if (icn.size() != n / 2 || section_bytes_ == 0 || section_bytes_ % n != 0)
        return Status::bad_length;
    cipher_ = initial_;
    std::memcpy(counter_, icn.data(), n / 2);
    std::memset(counter_ + n / 2, 0, n / 2);
    gamma_len_ = used_ = 0;
    section_used_ = 0;
    blocks_left_ = std::uint64_t{1} << (4 * n - 1);  // 2^(c-1) blocks, c = n/2 bits
    started_ = true;
    return Status::ok;
}

template <class Cipher>
void CtrAcpkm<Cipher>::next_gamma_blocks() noexcept {
    if (section_used_ == section_bytes_) {
        acpkm_rekey(cipher_);
        section_used_ = 0;
    }
    const std::size_t in_section = (section_bytes_ - section_used_) / n;
    const std::size_t blocks =
        static_cast<std::size_t>(std::min<std::uint64_t>({batch, in_section, blocks_left_}));
    detail::fill_counters(gamma_, counter_, n, n / 2, blocks);  // Inc_c: the low c = n/2 bits
    cipher_.encrypt_blocks(gamma_, gamma_, blocks);
    section_used_ += blocks * n;
    blocks_left_ -= blocks;
    gamma_len_ = blocks * n;
    used_ = 0;
}

template <class Cipher>
Status CtrAcpkm<Cipher>::process(std::span<const std::uint8_t> in,
                                 std::span<std::uint8_t> out) noexcept {
    if (!started_) return Status::bad_state;
    if (in.size() != out.size()) return Status::bad_length;
    const std::size_t buffered = gamma_len_ - used_;
    if (in.size() > buffered) {
        const std::uint64_t need = (in.size() - buffered + n - 1) / n;
        if (need > blocks_left_) return Status::limit_exceeded;
    }
    std::size_t off = 0;
    while (off < in.size()) {
        if (used_ == gamma_len_) next_gamma_blocks();
        const std::size_t take = std::min(in.size() - off, gamma_len_ - used_);
        detail::xor_stream(out.data() + off, in.data() + off, gamma_ + used_, take);
        used_ += take;
        off += take;
    }
    return Status::ok;
}

// ---- OMAC-ACPKM ----

template <class Cipher>
OmacAcpkm<Cipher>::OmacAcpkm(const Cipher& cipher, std::size_t section_bytes,
                             std::size_t master_frequency_bytes) noexcept
    : master_(cipher),
      material_(cipher, master_frequency_bytes),
      section_cipher_(cipher),
      section_bytes_(section_bytes) {
    valid_ = section_bytes != 0 && section_bytes % n == 0 && master_frequency_bytes != 0 &&
             master_frequency_bytes % n == 0 && master_frequency_bytes % material_bytes == 0;
    reset();
}

template <class Cipher>
OmacAcpkm<Cipher>::~OmacAcpkm() {
    reset();
    secure_zero(k1_, sizeof k1_);
}

template <class Cipher>
void OmacAcpkm<Cipher>::reset() noexcept {
    static constexpr std::uint8_t ones[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    if (valid_) (void)material_.start(std::span(ones, n / 2));  // ICN = 1^(n/2)
    secure_zero(state_, sizeof state_);
    secure_zero(buffer_, sizeof buffer_);
    buffered_ = 0;
    section_done_ = 0;
    have_key_ = false;
    overflow_ = false;
}

// K^j | K^j_1 = the next k + n bytes of ACPKM-Master (a zero input's CTR-ACPKM key stream).
template <class Cipher>
void OmacAcpkm<Cipher>::next_section_key() noexcept {
    std::uint8_t m[material_bytes] = {};
    if (material_.process(m, m) != Status::ok) overflow_ = true;
    (void)section_cipher_.set_key(std::span(m, Cipher::key_bytes));
    std::memcpy(k1_, m + Cipher::key_bytes, n);
    secure_zero(m, sizeof m);
    have_key_ = true;
    section_done_ = 0;
}

template <class Cipher>
void OmacAcpkm<Cipher>::absorb_block(const std::uint8_t* block) noexcept {
    if (!have_key_ || section_done_ == section_bytes_) next_section_key();
    for (std::size_t i = 0; i < n; ++i) state_[i] ^= block[i];
    section_cipher_.encrypt_blocks(state_, state_, 1);
    section_done_ += n;
}

template <class Cipher>
void OmacAcpkm<Cipher>::update(std::span<const std::uint8_t> data) noexcept {
    if (!valid_) return;
    for (const std::uint8_t b : data) {
        if (buffered_ == n) {  // the last block is held back for final()
            absorb_block(buffer_);
            buffered_ = 0;
        }
        buffer_[buffered_++] = b;
    }
}

template <class Cipher>
Status OmacAcpkm<Cipher>::final(std::span<std::uint8_t> out) noexcept {
    if (!valid_) return Status::bad_length;
    if (out.empty() || out.size() > n) return Status::bad_length;
    if (!have_key_ || section_done_ == section_bytes_) next_section_key();
    // SK = Generate_Subkey(K^l_1, |M_b|): K1 for a full block, K1 << 1 (xor R_n) otherwise.
    std::uint8_t sk[n];
    std::memcpy(sk, k1_, n);
    if (buffered_ < n) {
        const std::uint8_t msb = sk[0] >> 7;
        for (std::size_t i = 0; i + 1 < n; ++i)
            sk[i] = static_cast<std::uint8_t>(sk[i] << 1 | sk[i + 1] >> 7);
        const std::uint8_t rb = n == 16 ? 0x87 : 0x1b;
        sk[n - 1] =
            static_cast<std::uint8_t>(sk[n - 1] << 1) ^ static_cast<std::uint8_t>(rb & (0u - msb));
        buffer_[buffered_] = 0x80;
        std::memset(buffer_ + buffered_ + 1, 0, n - buffered_ - 1);
    }
    for (std::size_t i = 0; i < n; ++i) state_[i] ^= buffer_[i] ^ sk[i];
    section_cipher_.encrypt_blocks(state_, state_, 1);
    const bool failed = overflow_;
    if (!failed) std::memcpy(out.data(), state_, out.size());
    secure_zero(sk, sizeof sk);
    reset();
    return failed ? Status::limit_exceeded : Status::ok;
}

template void acpkm_rekey<Kuznyechik>(Kuznyechik&) noexcept;
template void acpkm_rekey<Magma>(Magma&) noexcept;
template class CtrAcpkm<Kuznyechik>;
template class CtrAcpkm<Magma>;
template class OmacAcpkm<Kuznyechik>;
template class OmacAcpkm<Magma>;

}  // namespace gostcsp::core
