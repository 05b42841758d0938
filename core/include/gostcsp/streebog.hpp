// SPDX-License-Identifier: Apache-2.0
// Streebog — GOST R 34.11-2012 (RFC 6986) and HMAC-Streebog (R 50.1.113-2016, RFC 7836 §4.1).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace gostcsp::core {

// Output size of Streebog in bytes: 32 (Streebog-256) or 64 (Streebog-512).
enum class DigestSize : std::uint8_t { bits256 = 32, bits512 = 64 };

constexpr std::size_t digest_bytes(DigestSize s) noexcept {
    return static_cast<std::size_t>(s);
}

// Which compression-function implementation runs.
//   public_tables  16 KiB of tables indexed by the hashed bytes (as gost-engine, Botan and
//                  libgcrypt do): fast, but a cache-timing observer learns about the input.
//                  For public data only (message digests); never chosen for a secret.
//   avx512_gfni    state in one ZMM register, no data-indexed memory access (constant-time);
//                  needs AVX-512 F/BW/VL/VBMI + GFNI.
//   ct_ssse3       constant-time, in-register PSHUFB nibble look-ups; any x86-64 with SSSE3.
//   ct_generic     constant-time, plain 64-bit code; any CPU (slow: ~50x the tables).
// `automatic` picks the fastest for public data (avx512_gfni, else public_tables);
// `automatic_secret` the fastest constant-time one (avx512_gfni, ct_ssse3, ct_generic) and is
// what HMAC (its key is secret), PBKDF2 and the VKO KEK use. Neither path branches on data.
// Asking for one the CPU lacks (see streebog_impl_supported) gets `automatic_secret` when a
// constant-time one was asked for, `automatic` otherwise.
enum class StreebogImpl : std::uint8_t {
    automatic,
    automatic_secret,
    public_tables,
    avx512_gfni,
    ct_ssse3,
    ct_generic,
};

// True when the CPU (and OS) support the given implementation.
bool streebog_impl_supported(StreebogImpl impl) noexcept;
// True for the implementations without data-dependent branches or memory indices.
bool streebog_impl_constant_time(StreebogImpl impl) noexcept;
// The implementation `automatic` resolves to on this machine.
StreebogImpl streebog_impl_selected() noexcept;
// The implementation `automatic_secret` resolves to on this machine.
StreebogImpl streebog_secret_impl_selected() noexcept;
std::string_view streebog_impl_name(StreebogImpl impl) noexcept;

// Incremental Streebog. No heap; the state is wiped on destruction and after final().
class Streebog {
  public:
    static constexpr std::size_t block_size = 64;

    explicit Streebog(DigestSize size = DigestSize::bits256,
                      StreebogImpl impl = StreebogImpl::automatic) noexcept;
    Streebog(const Streebog&) = default;
    Streebog& operator=(const Streebog&) = default;
    ~Streebog();

    // Starts over with the same digest size.
    void reset() noexcept;
    void update(std::span<const std::uint8_t> data) noexcept;
    // Writes digest_bytes(size()) bytes (memory order, as openssl dgst prints) and resets.
    // `out` must be at least that long.
    void final(std::span<std::uint8_t> out) noexcept;

    DigestSize size() const noexcept { return size_; }
    // The implementation this object runs (never `automatic`).
    StreebogImpl impl() const noexcept { return impl_; }
    std::size_t output_bytes() const noexcept { return digest_bytes(size_); }

  private:
    alignas(64) std::uint64_t h_[8];
    alignas(64) std::uint64_t n_[8];
    alignas(64) std::uint64_t sigma_[8];
    alignas(64) std::uint8_t buffer_[block_size];
    std::size_t buffered_ = 0;
    DigestSize size_;
    StreebogImpl impl_;
};

// One-shot helpers.
std::array<std::uint8_t, 32> streebog256(std::span<const std::uint8_t> data) noexcept;
std::array<std::uint8_t, 64> streebog512(std::span<const std::uint8_t> data) noexcept;

// HMAC (RFC 2104) over Streebog, block size 64. Key and pads are wiped on destruction. Every
// state after the key is secret, so `automatic` means `automatic_secret` here; other values
// force an implementation (tests and the constant-time check only).
class HmacStreebog {
  public:
    HmacStreebog(DigestSize size, std::span<const std::uint8_t> key,
                 StreebogImpl impl = StreebogImpl::automatic_secret) noexcept;
    HmacStreebog(const HmacStreebog&) = default;
    HmacStreebog& operator=(const HmacStreebog&) = default;
    ~HmacStreebog();

    void update(std::span<const std::uint8_t> data) noexcept;
    // Writes digest_bytes(size) bytes and restarts with the same key.
    void final(std::span<std::uint8_t> out) noexcept;
    std::size_t output_bytes() const noexcept { return inner_.output_bytes(); }

  private:
    Streebog inner_;
    Streebog outer_;
    Streebog inner_start_;  // states after absorbing the padded keys, so restart is cheap
    Streebog outer_start_;
};

// PBKDF2 (RFC 8018) with HMAC-Streebog-512 (R 50.1.111-2016). Writes out.size() bytes.
void pbkdf2_streebog512(std::span<const std::uint8_t> password, std::span<const std::uint8_t> salt,
                        std::uint32_t iterations, std::span<std::uint8_t> out) noexcept;

namespace testing {
// Makes `automatic_secret` resolve to `impl` (any supported value, public_tables included, so
// the constant-time check can show it catches the table path), or restores the automatic choice
// (automatic / automatic_secret). Returns what `automatic_secret` now resolves to.
StreebogImpl force_streebog_secret_impl(StreebogImpl impl) noexcept;
}  // namespace testing

}  // namespace gostcsp::core
