// SPDX-License-Identifier: Apache-2.0
// GOST 28147-89 (RFC 5830) with the parameter sets of RFC 4357 §11.2 and RFC 7836 (tc26-Z), the
// CryptoPro key meshing (RFC 4357 §2.3), the counter (gamma) mode, CFB and the IMIT MAC.
//
// Byte order (as RFC 4357, gost-engine, Botan and PKCS#11 use it): the key is eight 32-bit words
// K0..K7, each little-endian; a block is N1 || N2, each little-endian.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "gostcsp/block_cipher.hpp"
#include "gostcsp/magma.hpp"

namespace gostcsp::core {

enum class Gost28147ParamSet : std::uint8_t {
    cryptopro_a,  // id-Gost28147-89-CryptoPro-A-ParamSet 1.2.643.2.2.31.1
    cryptopro_b,  // id-Gost28147-89-CryptoPro-B-ParamSet 1.2.643.2.2.31.2
    cryptopro_c,  // id-Gost28147-89-CryptoPro-C-ParamSet 1.2.643.2.2.31.3
    cryptopro_d,  // id-Gost28147-89-CryptoPro-D-ParamSet 1.2.643.2.2.31.4
    tc26_z,       // id-tc26-gost-28147-param-Z 1.2.643.7.1.2.5.1.1 (the Magma S-boxes)
    test,         // id-Gost28147-89-TestParamSet 1.2.643.2.2.31.0 (examples only)
    // The S-boxes GOST R 34.11-94 runs 28147 with (RFC 4357 §11.2; Botan's only two S-boxes):
    gostr3411_94_test,       // id-GostR3411-94-TestParamSet 1.2.643.2.2.30.0 (RFC 5831 examples)
    gostr3411_94_cryptopro,  // id-GostR3411-94-CryptoProParamSet 1.2.643.2.2.30.1
};

struct Gost28147ParamSetInfo {
    Gost28147ParamSet id;
    std::string_view name;  // e.g. "id-Gost28147-89-CryptoPro-A-ParamSet"
    std::string_view oid;   // dotted
    bool key_meshing;       // CryptoPro key meshing every 1 KiB in CNT/CFB/IMIT (RFC 4357 §2.3)
};

std::span<const Gost28147ParamSetInfo> all_gost28147_param_sets() noexcept;
const Gost28147ParamSetInfo& gost28147_param_set_info(Gost28147ParamSet id) noexcept;
std::optional<Gost28147ParamSet> gost28147_param_set_from_oid(std::string_view dotted) noexcept;
std::optional<Gost28147ParamSet> gost28147_param_set_from_name(std::string_view name) noexcept;

class Gost28147 final : public BlockCipher {
  public:
    static constexpr std::size_t block_bytes = 8;
    static constexpr std::size_t key_bytes = 32;

    explicit Gost28147(Gost28147ParamSet params = Gost28147ParamSet::cryptopro_a,
                       MagmaImpl impl = MagmaImpl::automatic) noexcept;
    Gost28147(std::span<const std::uint8_t, key_bytes> key,
              Gost28147ParamSet params = Gost28147ParamSet::cryptopro_a,
              MagmaImpl impl = MagmaImpl::automatic) noexcept;
    Gost28147(const Gost28147&) = default;
    Gost28147& operator=(const Gost28147&) = default;
    ~Gost28147() override;

    std::size_t block_size() const noexcept override { return block_bytes; }
    Status set_key(std::span<const std::uint8_t> key) noexcept override;
    void encrypt_blocks(const std::uint8_t* in, std::uint8_t* out,
                        std::size_t blocks) const noexcept override;
    void decrypt_blocks(const std::uint8_t* in, std::uint8_t* out,
                        std::size_t blocks) const noexcept override;
    // The 16-round "imitovstavka" step of RFC 5830 §7 on one block (state in place).
    void imit_rounds(std::uint8_t block[8]) const noexcept;
    // CryptoPro key meshing (RFC 4357 §2.3.2): K := D_K(C), iv := E_K(iv) with the new K.
    void mesh_key(std::uint8_t iv[8]) noexcept;

    Gost28147ParamSet param_set() const noexcept { return params_; }
    MagmaImpl impl() const noexcept { return core_.impl; }

  private:
    detail::FeistelCore core_;
    Gost28147ParamSet params_;
};

// The counter ("gamma", RFC 5830 §6) mode. Stream: process() may be called with any lengths.
// With meshing (the parameter set's key_meshing unless overridden) the key is meshed after every
// 1024 bytes as RFC 4357 §2.3.2 says (gost-engine's gost89-cnt).
class Gost28147Cnt {
  public:
    explicit Gost28147Cnt(const Gost28147& cipher) noexcept;
    ~Gost28147Cnt();
    // iv: 8 bytes (Status::bad_length otherwise). `meshing` overrides the parameter set's default.
    Status start(std::span<const std::uint8_t> iv, std::optional<bool> meshing = {}) noexcept;
    // out.size() must equal in.size(); in == out allowed.
    Status process(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept;

  private:
    Gost28147 original_;   // start() begins again from this key
    Gost28147 cipher_;     // the key in use (meshing changes it)
    std::uint8_t reg_[8];  // N3 || N4 (little-endian words)
    std::uint8_t gamma_[8];
    std::size_t used_ = 8;  // bytes of gamma_ consumed
    std::size_t since_mesh_ = 0;
    bool meshing_ = false;
    bool started_ = false;
};

// CFB (RFC 5830 §6.3: gamma with feedback), 64-bit feedback, with optional key meshing.
class Gost28147Cfb {
  public:
    explicit Gost28147Cfb(const Gost28147& cipher) noexcept;
    ~Gost28147Cfb();
    Status start(std::span<const std::uint8_t> iv, bool encrypt,
                 std::optional<bool> meshing = {}) noexcept;
    Status process(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept;

  private:
    Gost28147 original_;
    Gost28147 cipher_;
    std::uint8_t reg_[8];    // feedback register (last ciphertext block)
    std::uint8_t gamma_[8];  // E(reg_) for the block in progress
    std::size_t used_ = 8;
    std::size_t since_mesh_ = 0;
    bool encrypt_ = true;
    bool meshing_ = false;
    bool started_ = false;
};

// The IMIT MAC (RFC 5830 §7; gost-engine's gost-mac / gost-mac-12 with meshing) of 1..8 bytes.
class Gost28147Imit {
  public:
    explicit Gost28147Imit(const Gost28147& cipher, std::optional<bool> meshing = {}) noexcept;
    ~Gost28147Imit();
    // Optional start value (RFC 4357 key wrap passes the UKM here); 8 bytes.
    Status set_iv(std::span<const std::uint8_t> iv) noexcept;
    void update(std::span<const std::uint8_t> data) noexcept;
    // Writes out.size() (1..8) bytes (the first bytes of the state; gost-mac uses 4) and resets to
    // the empty message with the same key and IV. Blocks are zero-padded; a message of one block
    // gets a zero block appended (RFC 5830 §7 needs at least two); the empty message gives zeros.
    Status final(std::span<std::uint8_t> out) noexcept;
    void reset() noexcept;

  private:
    void absorb(const std::uint8_t* block) noexcept;

    Gost28147 original_;
    Gost28147 cipher_;
    std::uint8_t iv_[8] = {};
    std::uint8_t state_[8] = {};
    std::uint8_t buffer_[8] = {};
    std::size_t buffered_ = 0;
    std::uint64_t blocks_ = 0;
    bool meshing_ = false;
};

}  // namespace gostcsp::core
