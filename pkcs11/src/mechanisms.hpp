// SPDX-License-Identifier: Apache-2.0
// The mechanism table: every mechanism gostcsp offers, its CK_MECHANISM_INFO and its shape.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "p11_error.hpp"

namespace gostcsp::p11 {

enum class MechKind : std::uint8_t {
    keypair_gen,  // C_GenerateKeyPair
    raw_sign,     // sign/verify a precomputed digest
    hash_sign,    // Streebog then 34.10 (single- and multi-part)
    digest,       // Streebog
    hmac,         // HMAC-Streebog with a generic secret key (sign/verify)
    derive,       // VKO
    keg,          // KEG (VKO + KDF_TREE), RFC 9189
};

struct MechInfo {
    CK_MECHANISM_TYPE type;
    std::string_view name;
    MechKind kind;
    unsigned key_bits;  // 256 / 512 for GOST key mechanisms; digest size in bits otherwise
    CK_MECHANISM_INFO info;
};

std::span<const MechInfo> mechanism_table() noexcept;
// nullptr if the mechanism is not offered.
const MechInfo* find_mechanism(CK_MECHANISM_TYPE type) noexcept;

}  // namespace gostcsp::p11
