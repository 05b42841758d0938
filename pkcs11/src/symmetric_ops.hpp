// SPDX-License-Identifier: Apache-2.0
// The symmetric half's hooks used by the shared sign/verify paths (crypto_ops.cpp): cipher MACs
// kept in Operation::sym.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "module.hpp"

namespace gostcsp::p11 {

// Bytes of the MAC the operation produces.
std::size_t sym_mac_bytes(const SymContext& c) noexcept;
void sym_mac_update(SymContext& c, std::span<const std::uint8_t> data);
// out.size() == sym_mac_bytes(c).
void sym_mac_final(SymContext& c, std::span<std::uint8_t> out);

// The key type a cipher's keys have (CKK_KUZNECHIK, CKK_MAGMA, CKK_GOST28147).
CK_KEY_TYPE key_type_for(SymAlg alg) noexcept;
// Block size of a cipher in bytes.
std::size_t block_bytes_of(SymAlg alg) noexcept;

}  // namespace gostcsp::p11
