// SPDX-License-Identifier: Apache-2.0
// GOST R 34.13-2015 modes of operation over any BlockCipher: ECB, CTR, OFB, CBC, CFB, MAC (OMAC).
#include "gostcsp/modes.hpp"

#include <algorithm>
#include <cstring>

#include "ctr_internal.hpp"
#include "gostcsp/secure.hpp"

namespace gostcsp::core {
namespace {

constexpr std::size_t batch_blocks = 32;  // key stream blocks made per cipher call

bool sizes_match(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept {
    return in.size() == out.size();
}

void xor_bytes(std::uint8_t* out, const std::uint8_t* a, const std::uint8_t* b,
               std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) out[i] = a[i] ^ b[i];
}

// Register of z blocks kept as a ring: MSB_n(R) is block `head`; "R = LSB_(m-n)(R) || Y" writes Y
// over the head block and moves the head on.
bool iv_size_ok(std::size_t iv, std::size_t n, std::size_t max) noexcept {
    return iv != 0 && iv % n == 0 && iv <= max;
}

}  // namespace

Status ecb_encrypt(const BlockCipher& c, std::span<const std::uint8_t> in,
                   std::span<std::uint8_t> out) noexcept {
    const std::size_t n = c.block_size();
    if (!sizes_match(in, out) || in.size() % n != 0) return Status::bad_length;
    c.encrypt_blocks(in.data(), out.data(), in.size() / n);
    return Status::ok;
}

Status ecb_decrypt(const BlockCipher& c, std::span<const std::uint8_t> in,
                   std::span<std::uint8_t> out) noexcept {
    const std::size_t n = c.block_size();
    if (!sizes_match(in, out) || in.size() % n != 0) return Status::bad_length;
    c.decrypt_blocks(in.data(), out.data(), in.size() / n);
    return Status::ok;
}

// ---- CTR ----

Ctr::~Ctr() {
    secure_zero(counter_, sizeof counter_);
    secure_zero(gamma_, sizeof gamma_);
}

Status Ctr::start(std::span<const std::uint8_t> iv, std::uint64_t first_block) noexcept {
    const std::size_t n = cipher_.block_size();
    if (iv.size() != n / 2) return Status::bad_length;
    const std::uint64_t max_m1 = n == 16 ? ~std::uint64_t{0} : (std::uint64_t{1} << (4 * n)) - 1;
    if (first_block > max_m1) return Status::limit_exceeded;
    std::memcpy(counter_, iv.data(), n / 2);
    for (std::size_t i = 0; i < n / 2; ++i)
        counter_[n - 1 - i] = static_cast<std::uint8_t>(first_block >> (8 * i));
    blocks_left_m1_ = max_m1 - first_block;
    exhausted_ = false;
    used_ = n;
    started_ = true;
    return Status::ok;
}

Status Ctr::process(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept {
    if (!started_) return Status::bad_state;
    if (!sizes_match(in, out)) return Status::bad_length;
    const std::size_t n = cipher_.block_size();
    const std::size_t buffered = n - used_;
    if (in.size() > buffered) {
        const std::uint64_t need = (in.size() - buffered + n - 1) / n;
        if (exhausted_ || need - 1 > blocks_left_m1_) return Status::limit_exceeded;
    }
    const std::uint8_t* src = in.data();
    std::uint8_t* dst = out.data();
    std::size_t len = in.size();
    const std::size_t take = std::min(len, buffered);
    xor_bytes(dst, src, gamma_ + used_, take);
    used_ += take;
    src += take;
    dst += take;
    len -= take;
    alignas(64) std::uint8_t ks[batch_blocks * max_block_bytes];
    while (len != 0) {
        const std::size_t blocks = std::min(batch_blocks, (len + n - 1) / n);
        detail::fill_counters(ks, counter_, n, n, blocks);
        if (blocks - 1 == blocks_left_m1_)
            exhausted_ = true;
        else
            blocks_left_m1_ -= blocks;
        cipher_.encrypt_blocks(ks, ks, blocks);
        const std::size_t bytes = std::min(len, blocks * n);
        detail::xor_stream(dst, src, ks, bytes);
        src += bytes;
        dst += bytes;
        len -= bytes;
        if (bytes % n != 0) {  // keep the rest of the last block's key stream
            const std::size_t last = bytes / n * n;
            std::memcpy(gamma_, ks + last, n);
            used_ = bytes - last;
        }
    }
    secure_zero(ks, sizeof ks);
    return Status::ok;
}

// ---- OFB ----

Ofb::~Ofb() {
    secure_zero(reg_, sizeof reg_);
    secure_zero(gamma_, sizeof gamma_);
}

Status Ofb::start(std::span<const std::uint8_t> iv) noexcept {
    const std::size_t n = cipher_.block_size();
    if (!iv_size_ok(iv.size(), n, max_iv_bytes)) return Status::bad_length;
    std::memcpy(reg_, iv.data(), iv.size());
    z_ = iv.size() / n;
    head_ = 0;
    used_ = n;
    started_ = true;
    return Status::ok;
}

Status Ofb::process(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept {
    if (!started_) return Status::bad_state;
    if (!sizes_match(in, out)) return Status::bad_length;
    const std::size_t n = cipher_.block_size();
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (used_ == n) {
            std::uint8_t* r = reg_ + head_ * n;
            cipher_.encrypt_block(r, gamma_);  // Y = E(MSB_n(R))
            std::memcpy(r, gamma_, n);         // R = LSB_(m-n)(R) || Y
            head_ = (head_ + 1) % z_;
            used_ = 0;
        }
        out[i] = in[i] ^ gamma_[used_++];
    }
    return Status::ok;
}

// ---- CBC ----

Cbc::~Cbc() {
    secure_zero(reg_, sizeof reg_);
}

Status Cbc::start(std::span<const std::uint8_t> iv, bool encrypt) noexcept {
    const std::size_t n = cipher_.block_size();
    if (!iv_size_ok(iv.size(), n, max_iv_bytes)) return Status::bad_length;
    std::memcpy(reg_, iv.data(), iv.size());
    z_ = iv.size() / n;
    head_ = 0;
    encrypt_ = encrypt;
    started_ = true;
    return Status::ok;
}

Status Cbc::process(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept {
    if (!started_) return Status::bad_state;
    const std::size_t n = cipher_.block_size();
    if (!sizes_match(in, out) || in.size() % n != 0) return Status::bad_length;
    std::uint8_t t[max_block_bytes];
    for (std::size_t off = 0; off < in.size(); off += n) {
        std::uint8_t* r = reg_ + head_ * n;
        if (encrypt_) {
            xor_bytes(t, in.data() + off, r, n);
            cipher_.encrypt_block(t, out.data() + off);
            std::memcpy(r, out.data() + off, n);
        } else {
            std::memcpy(t, in.data() + off, n);  // in may equal out
            cipher_.decrypt_block(t, out.data() + off);
            xor_bytes(out.data() + off, out.data() + off, r, n);
            std::memcpy(r, t, n);
        }
        head_ = (head_ + 1) % z_;
    }
    secure_zero(t, sizeof t);
    return Status::ok;
}

// ---- CFB (s = n) ----

Cfb::~Cfb() {
    secure_zero(reg_, sizeof reg_);
    secure_zero(gamma_, sizeof gamma_);
    secure_zero(partial_, sizeof partial_);
}

Status Cfb::start(std::span<const std::uint8_t> iv, bool encrypt) noexcept {
    const std::size_t n = cipher_.block_size();
    if (!iv_size_ok(iv.size(), n, max_iv_bytes)) return Status::bad_length;
    std::memcpy(reg_, iv.data(), iv.size());
    z_ = iv.size() / n;
    head_ = 0;
    used_ = n;
    encrypt_ = encrypt;
    started_ = true;
    return Status::ok;
}

Status Cfb::process(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept {
    if (!started_) return Status::bad_state;
    if (!sizes_match(in, out)) return Status::bad_length;
    const std::size_t n = cipher_.block_size();
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (used_ == n) {
            cipher_.encrypt_block(reg_ + head_ * n, gamma_);
            used_ = 0;
        }
        const std::uint8_t x = in[i];
        const std::uint8_t y = x ^ gamma_[used_];
        out[i] = y;
        partial_[used_++] = encrypt_ ? y : x;  // the ciphertext byte feeds back
        if (used_ == n) {                      // R = LSB_(m-n)(R) || C
            std::memcpy(reg_ + head_ * n, partial_, n);
            head_ = (head_ + 1) % z_;
        }
    }
    return Status::ok;
}

// ---- MAC (OMAC1) ----

void omac_subkeys(const BlockCipher& c, std::uint8_t* k1, std::uint8_t* k2) noexcept {
    const std::size_t n = c.block_size();
    const std::uint8_t rb = n == 16 ? 0x87 : 0x1b;  // B_128 / B_64 (34.13 §5.6.2)
    std::uint8_t r[max_block_bytes] = {};
    c.encrypt_block(r, r);
    auto shift = [n, rb](const std::uint8_t* in, std::uint8_t* out) {
        const std::uint8_t msb = in[0] >> 7;
        for (std::size_t i = 0; i + 1 < n; ++i)
            out[i] = static_cast<std::uint8_t>(in[i] << 1 | in[i + 1] >> 7);
        out[n - 1] = static_cast<std::uint8_t>(in[n - 1] << 1) ^
                     static_cast<std::uint8_t>(rb & (0u - msb));  // no secret branch
    };
    shift(r, k1);
    shift(k1, k2);
    secure_zero(r, sizeof r);
}

Omac::Omac(const BlockCipher& c) noexcept : cipher_(c) {}

Omac::~Omac() {
    reset();
}

void Omac::reset() noexcept {
    secure_zero(state_, sizeof state_);
    secure_zero(buffer_, sizeof buffer_);
    buffered_ = 0;
}

void Omac::update(std::span<const std::uint8_t> data) noexcept {
    const std::size_t n = cipher_.block_size();
    const std::uint8_t* p = data.data();
    std::size_t len = data.size();
    // The last block (full or not) is held back for final().
    while (len != 0) {
        if (buffered_ == n) {
            xor_bytes(state_, state_, buffer_, n);
            cipher_.encrypt_block(state_, state_);
            buffered_ = 0;
        }
        const std::size_t take = std::min(len, n - buffered_);
        std::memcpy(buffer_ + buffered_, p, take);
        buffered_ += take;
        p += take;
        len -= take;
    }
}

Status Omac::final(std::span<std::uint8_t> out) noexcept {
    const std::size_t n = cipher_.block_size();
    if (out.empty() || out.size() > n) return Status::bad_length;
    std::uint8_t k1[max_block_bytes], k2[max_block_bytes];
    omac_subkeys(cipher_, k1, k2);
    const std::uint8_t* k = k1;
    if (buffered_ < n) {  // pad: 1 0...0 (34.13 procedure 3)
        buffer_[buffered_] = 0x80;
        std::memset(buffer_ + buffered_ + 1, 0, n - buffered_ - 1);
        k = k2;
    }
    xor_bytes(state_, state_, buffer_, n);
    xor_bytes(state_, state_, k, n);
    cipher_.encrypt_block(state_, state_);
    std::memcpy(out.data(), state_, out.size());  // MSB_s
    secure_zero(k1, sizeof k1);
    secure_zero(k2, sizeof k2);
    reset();
    return Status::ok;
}

}  // namespace gostcsp::core
