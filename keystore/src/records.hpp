// SPDX-License-Identifier: Apache-2.0
// Object records: the stored form of an object, its codec and sealing AAD, and the keystore's
// attribute rules.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gostcsp/gost3410.hpp"
#include "gostcsp/keystore/status.hpp"
#include "gostcsp/keystore/token.hpp"
#include "internal.hpp"
#include "sqlite_db.hpp"

namespace gostcsp::keystore::detail {

inline constexpr std::uint32_t flag_private = 1u << 0;
inline constexpr std::uint32_t flag_sensitive = 1u << 1;
inline constexpr std::uint32_t flag_extractable = 1u << 2;
inline constexpr std::uint32_t flag_always_sensitive = 1u << 3;
inline constexpr std::uint32_t flag_never_extractable = 1u << 4;
inline constexpr std::uint32_t flag_has_secret = 1u << 5;
inline constexpr std::uint32_t flag_known = (1u << 6) - 1;

inline constexpr std::string_view aad_object_tag = "gostcsp/object/v1";

// A stored object in its on-disk form (also used for session objects in memory).
struct Record {
    ObjectHandle id = invalid_handle;
    std::uint64_t object_class = 0;
    std::uint64_t key_type = key_type_none;
    std::int64_t param_set = -1;
    std::uint32_t flags = 0;
    std::string aead_alg;  // empty: public
    Bytes nonce;
    Bytes body;
    bool is_token = true;
    bool is_private() const { return flags & flag_private; }
};

// Associated data of a sealed record: everything about it that is not in the ciphertext.
Bytes record_aad(std::span<const std::uint8_t> token_id, const Record& r);

// Body: public key, attributes, secret (empty for public objects).
Result<SecureBytes> encode_body(const Object& o, std::span<const std::uint8_t> secret);

struct Decoded {
    Object object;
    SecureBytes secret;
};

Result<Decoded> decode_body(const Record& r, std::span<const std::uint8_t> body);

// A row of `SELECT id, class, key_type, param_set, flags, aead_alg, nonce, body FROM objects`,
// with the checks that need no key (flags known, private rows sealed, keys never in clear).
Result<Record> row_record(const Stmt& s);

bool is_gost_key_type(std::uint64_t kt);
std::uint64_t gost_key_type_for(core::ParamSet set);
bool valid_param_set(std::int64_t v);
Status crypto_status(core::Status s, std::string_view what);

// Attribute types the opaque list may not carry (see token.hpp).
Status check_attributes(const std::vector<Attribute>& attrs, std::uint64_t object_class);
void apply_attributes(std::vector<Attribute>& attrs, const std::vector<Attribute>& set);
bool matches(const Object& o, const ObjectQuery& q);

}  // namespace gostcsp::keystore::detail
