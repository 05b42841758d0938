// SPDX-License-Identifier: Apache-2.0
// Magma (GOST R 34.12-2015, RFC 8891): the Feistel core with the tc26-Z S-boxes and big-endian
// byte order. The key words K_1..K_8 are the key's 32-bit big-endian words; a block a_1 || a_0 is
// read big-endian and a_0 enters the first round function (RFC 8891 §5.1).
#include <algorithm>

#include "gost28147_internal.hpp"
#include "gostcsp/secure.hpp"

namespace gostcsp::core {
namespace {

constexpr std::size_t chunk = 64;  // blocks converted to words per call of the core

void run(const detail::FeistelCore& core, detail::FeistelOp op, const std::uint8_t* in,
         std::uint8_t* out, std::size_t blocks) noexcept {
    std::uint32_t w[2 * chunk];
    while (blocks != 0) {
        const std::size_t n = std::min(blocks, chunk);
        for (std::size_t b = 0; b < n; ++b) {
            w[2 * b] = detail::load_be32(in + 8 * b + 4);
            w[2 * b + 1] = detail::load_be32(in + 8 * b);
        }
        detail::feistel_run(core, op, w, n);
        for (std::size_t b = 0; b < n; ++b) {
            detail::store_be32(out + 8 * b + 4, w[2 * b]);
            detail::store_be32(out + 8 * b, w[2 * b + 1]);
        }
        in += 8 * n;
        out += 8 * n;
        blocks -= n;
    }
    secure_zero(w, sizeof w);
}

}  // namespace

Magma::Magma(MagmaImpl impl) noexcept : core_{} {
    detail::gost28147_load_sboxes(Gost28147ParamSet::tc26_z, core_);
    core_.impl = detail::feistel_resolve(impl);
}

Magma::Magma(std::span<const std::uint8_t, key_bytes> key, MagmaImpl impl) noexcept : Magma(impl) {
    (void)set_key(key);
}

Magma::~Magma() {
    secure_zero(core_.key, sizeof core_.key);
}

Status Magma::set_key(std::span<const std::uint8_t> key) noexcept {
    if (key.size() != key_bytes) return Status::bad_length;
    for (int i = 0; i < 8; ++i) core_.key[i] = detail::load_be32(key.data() + 4 * i);
    return Status::ok;
}

void Magma::encrypt_blocks(const std::uint8_t* in, std::uint8_t* out,
                           std::size_t blocks) const noexcept {
    run(core_, detail::FeistelOp::encrypt, in, out, blocks);
}

void Magma::decrypt_blocks(const std::uint8_t* in, std::uint8_t* out,
                           std::size_t blocks) const noexcept {
    run(core_, detail::FeistelOp::decrypt, in, out, blocks);
}

}  // namespace gostcsp::core
