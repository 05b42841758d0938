// SPDX-License-Identifier: Apache-2.0
// GOST 28147-89 (RFC 5830) block cipher: the Feistel core with a parameter set's S-boxes and
// little-endian byte order (key words K0..K7 and N1 || N2 little-endian, as RFC 4357 and
// gost-engine use), the IMIT rounds and CryptoPro key meshing (RFC 4357 §2.3.2).
#include <algorithm>
#include <cstring>

#include "gost28147_internal.hpp"
#include "gostcsp/secure.hpp"

namespace gostcsp::core {
namespace {

constexpr std::size_t chunk = 64;

void run(const detail::FeistelCore& core, detail::FeistelOp op, const std::uint8_t* in,
         std::uint8_t* out, std::size_t blocks) noexcept {
    std::uint32_t w[2 * chunk];
    while (blocks != 0) {
        const std::size_t n = std::min(blocks, chunk);
        for (std::size_t i = 0; i < 2 * n; ++i) w[i] = detail::load_le32(in + 4 * i);
        detail::feistel_run(core, op, w, n);
        for (std::size_t i = 0; i < 2 * n; ++i) detail::store_le32(out + 4 * i, w[i]);
        in += 8 * n;
        out += 8 * n;
        blocks -= n;
    }
    secure_zero(w, sizeof w);
}

// RFC 4357 §2.3.2: the constant C that the key meshing "decrypts".
constexpr std::uint8_t meshing_constant[32] = {
    0x69, 0x00, 0x72, 0x22, 0x64, 0xC9, 0x04, 0x23, 0x8D, 0x3A, 0xDB, 0x96, 0x46, 0xE9, 0x2A, 0xC4,
    0x18, 0xFE, 0xAC, 0x94, 0x00, 0xED, 0x07, 0x12, 0xC0, 0x86, 0xDC, 0xC2, 0xEF, 0x4C, 0xA9, 0x2B};

}  // namespace

Gost28147::Gost28147(Gost28147ParamSet params, MagmaImpl impl) noexcept : core_{}, params_(params) {
    detail::gost28147_load_sboxes(params, core_);
    core_.impl = detail::feistel_resolve(impl);
}

Gost28147::Gost28147(std::span<const std::uint8_t, key_bytes> key, Gost28147ParamSet params,
                     MagmaImpl impl) noexcept
    : Gost28147(params, impl) {
    (void)set_key(key);
}

Gost28147::~Gost28147() {
    secure_zero(core_.key, sizeof core_.key);
}

Status Gost28147::set_key(std::span<const std::uint8_t> key) noexcept {
    if (key.size() != key_bytes) return Status::bad_length;
    for (int i = 0; i < 8; ++i) core_.key[i] = detail::load_le32(key.data() + 4 * i);
    return Status::ok;
}

void Gost28147::encrypt_blocks(const std::uint8_t* in, std::uint8_t* out,
                               std::size_t blocks) const noexcept {
    run(core_, detail::FeistelOp::encrypt, in, out, blocks);
}

void Gost28147::decrypt_blocks(const std::uint8_t* in, std::uint8_t* out,
                               std::size_t blocks) const noexcept {
    run(core_, detail::FeistelOp::decrypt, in, out, blocks);
}

void Gost28147::imit_rounds(std::uint8_t block[8]) const noexcept {
    run(core_, detail::FeistelOp::imit16, block, block, 1);
}

void Gost28147::mesh_key(std::uint8_t iv[8]) noexcept {
    std::uint8_t k[32];
    decrypt_blocks(meshing_constant, k, 4);
    (void)set_key(k);
    secure_zero(k, sizeof k);
    encrypt_blocks(iv, iv, 1);
}

}  // namespace gostcsp::core
