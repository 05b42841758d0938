// SPDX-License-Identifier: Apache-2.0
// GOST 28147-89 modes: counter ("gamma", RFC 5830 §6), CFB (gamma with feedback, §6.3) and the
// IMIT MAC (§7), with CryptoPro key meshing every 1024 bytes (RFC 4357 §2.3) where enabled.
#include <algorithm>
#include <cstring>

#include "feistel_internal.hpp"
#include "gostcsp/gost28147.hpp"
#include "gostcsp/secure.hpp"

namespace gostcsp::core {
namespace {

constexpr std::size_t meshing_interval = 1024;
constexpr std::uint32_t c2 = 0x01010101;  // RFC 5830 §6.1: N3 += C2 (mod 2^32)
constexpr std::uint32_t c1 = 0x01010104;  //                N4 += C1 (mod 2^32 - 1)

bool meshing_default(const Gost28147& c) noexcept {
    return gost28147_param_set_info(c.param_set()).key_meshing;
}

}  // namespace

// ---- CNT ----

Gost28147Cnt::Gost28147Cnt(const Gost28147& cipher) noexcept
    : original_(cipher), cipher_(cipher), reg_{}, gamma_{} {}

Gost28147Cnt::~Gost28147Cnt() {
    secure_zero(reg_, sizeof reg_);
    secure_zero(gamma_, sizeof gamma_);
}

Status Gost28147Cnt::start(std::span<const std::uint8_t> iv, std::optional<bool> meshing) noexcept {
    if (iv.size() != 8) return Status::bad_length;
    cipher_ = original_;
    meshing_ = meshing.value_or(meshing_default(original_));
    cipher_.encrypt_blocks(iv.data(), reg_, 1);  // (N3, N4) = E(S)
    used_ = 8;
    since_mesh_ = 0;
    started_ = true;
    return Status::ok;
}

Status Gost28147Cnt::process(std::span<const std::uint8_t> in,
                             std::span<std::uint8_t> out) noexcept {
    if (!started_) return Status::bad_state;
    if (in.size() != out.size()) return Status::bad_length;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (used_ == 8) {
            if (meshing_ && since_mesh_ == meshing_interval) {
                cipher_.mesh_key(reg_);
                since_mesh_ = 0;
            }
            const std::uint32_t n3 = detail::load_le32(reg_) + c2;
            std::uint32_t n4 = detail::load_le32(reg_ + 4);
            const std::uint32_t old = n4;
            n4 += c1;
            n4 += n4 < old ? 1u : 0u;  // mod 2^32 - 1 (the counter is public)
            detail::store_le32(reg_, n3);
            detail::store_le32(reg_ + 4, n4);
            cipher_.encrypt_blocks(reg_, gamma_, 1);
            since_mesh_ += 8;
            used_ = 0;
        }
        out[i] = in[i] ^ gamma_[used_++];
    }
    return Status::ok;
}

// ---- CFB ----

Gost28147Cfb::Gost28147Cfb(const Gost28147& cipher) noexcept
    : original_(cipher), cipher_(cipher), reg_{}, gamma_{} {}

Gost28147Cfb::~Gost28147Cfb() {
    secure_zero(reg_, sizeof reg_);
    secure_zero(gamma_, sizeof gamma_);
}

Status Gost28147Cfb::start(std::span<const std::uint8_t> iv, bool encrypt,
                           std::optional<bool> meshing) noexcept {
    if (iv.size() != 8) return Status::bad_length;
    cipher_ = original_;
    meshing_ = meshing.value_or(meshing_default(original_));
    std::memcpy(reg_, iv.data(), 8);
    encrypt_ = encrypt;
    used_ = 8;
    since_mesh_ = 0;
    started_ = true;
    return Status::ok;
}

Status Gost28147Cfb::process(std::span<const std::uint8_t> in,
                             std::span<std::uint8_t> out) noexcept {
    if (!started_) return Status::bad_state;
    if (in.size() != out.size()) return Status::bad_length;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (used_ == 8) {
            if (meshing_ && since_mesh_ == meshing_interval) {
                cipher_.mesh_key(reg_);  // the feedback register is re-encrypted too
                since_mesh_ = 0;
            }
            cipher_.encrypt_blocks(reg_, gamma_, 1);
            since_mesh_ += 8;
            used_ = 0;
        }
        const std::uint8_t x = in[i];
        const std::uint8_t y = x ^ gamma_[used_];
        out[i] = y;
        reg_[used_++] = encrypt_ ? y : x;  // ciphertext feeds back; gamma_ already holds E(reg)
    }
    return Status::ok;
}

// ---- IMIT ----

Gost28147Imit::Gost28147Imit(const Gost28147& cipher, std::optional<bool> meshing) noexcept
    : original_(cipher), cipher_(cipher), meshing_(meshing.value_or(meshing_default(cipher))) {}

Gost28147Imit::~Gost28147Imit() {
    reset();
    secure_zero(iv_, sizeof iv_);
}

Status Gost28147Imit::set_iv(std::span<const std::uint8_t> iv) noexcept {
    if (iv.size() != 8) return Status::bad_length;
    std::memcpy(iv_, iv.data(), 8);
    reset();
    return Status::ok;
}

void Gost28147Imit::reset() noexcept {
    cipher_ = original_;
    std::memcpy(state_, iv_, 8);
    secure_zero(buffer_, sizeof buffer_);
    buffered_ = 0;
    blocks_ = 0;
}

void Gost28147Imit::absorb(const std::uint8_t* block) noexcept {
    if (meshing_ && blocks_ != 0 && blocks_ % (meshing_interval / 8) == 0) {
        std::uint8_t unused[8] = {};  // CryptoPro meshes the key only, not the MAC state
        cipher_.mesh_key(unused);
    }
    for (int i = 0; i < 8; ++i) state_[i] ^= block[i];
    cipher_.imit_rounds(state_);
    ++blocks_;
}

void Gost28147Imit::update(std::span<const std::uint8_t> data) noexcept {
    for (const std::uint8_t b : data) {
        if (buffered_ == 8) {  // a full block is held back until more data shows it is not last
            absorb(buffer_);
            buffered_ = 0;
        }
        buffer_[buffered_++] = b;
    }
}

Status Gost28147Imit::final(std::span<std::uint8_t> out) noexcept {
    if (out.empty() || out.size() > 8) return Status::bad_length;
    if (buffered_ != 0) {
        std::memset(buffer_ + buffered_, 0, 8 - buffered_);
        absorb(buffer_);
        if (blocks_ == 1) {
            static constexpr std::uint8_t zero[8] = {};
            absorb(zero);
        }
    }
    std::memcpy(out.data(), state_, out.size());
    reset();
    return Status::ok;
}

}  // namespace gostcsp::core
