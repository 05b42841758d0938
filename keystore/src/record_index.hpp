// SPDX-License-Identifier: Apache-2.0
// The search index and the record manifest (docs/keystore.md "Index" and "Record manifest").
//
// Index: CKA_LABEL and CKA_ID are found through indexed columns holding a 16-byte tag,
// HMAC-Streebog-256(index key, u64 type ‖ value). Private objects use a key derived from the
// data key, so the file reveals neither their labels nor their ids (only which objects share
// one); public objects use a key derived from the token id (their bodies are in clear anyway).
//
// Manifest: a sealed row holding a counter and, per group of records (id mod manifest_groups),
// the XOR of AES-256(manifest key, u64 id ‖ u64 version) over the token's private records. Every
// private record carries its version (the counter value of its last write) in its AEAD
// associated data, so restoring an older copy of a record, deleting one or planting one makes
// its group disagree with the manifest; the records of that group are then refused.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "gostcsp/keystore/status.hpp"
#include "gostcsp/keystore/token.hpp"
#include "internal.hpp"
#include "sqlite_db.hpp"

namespace gostcsp::keystore::detail {

inline constexpr std::size_t index_tag_bytes = 16;
// The indexed attributes: CKA_LABEL and CKA_ID.
inline constexpr std::uint64_t cka_label_type = 0x3;
inline constexpr std::uint64_t cka_id_type = 0x102;
inline constexpr std::size_t manifest_groups = 256;

// Keys derived from the data key (locked memory): the private index key, the manifest PRF key.
Result<SecureBytes> derive_index_key(std::span<const std::uint8_t> data_key);
Result<SecureBytes> derive_manifest_key(std::span<const std::uint8_t> data_key);
// The public objects' index key, from the token id.
Bytes public_index_key(std::span<const std::uint8_t> token_id);
// The tag of attribute `type` = `value` under `key`.
Bytes index_tag(std::span<const std::uint8_t> key, std::uint64_t type,
                std::span<const std::uint8_t> value);

// Tags of an object's CKA_LABEL / CKA_ID (empty when the attribute is absent).
struct Tags {
    Bytes label, id;
};
Tags object_tags(std::span<const std::uint8_t> key, const Object& o);

using GroupDigest = std::array<std::uint8_t, 16>;

struct Manifest {
    std::uint64_t counter = 0;  // the version of the latest private write
    std::uint64_t count = 0;    // private records
    std::array<GroupDigest, manifest_groups> groups{};
};

// Reads and authenticates the manifest: nullopt when the row is missing, integrity_failure when
// it does not open under the data key.
Result<std::optional<Manifest>> load_manifest(Db& db, std::span<const std::uint8_t> data_key,
                                              std::span<const std::uint8_t> token_id);
Status store_manifest(Db& db, std::span<const std::uint8_t> data_key,
                      std::span<const std::uint8_t> token_id, const Manifest& m);

// Adds or removes (the same operation) record (id, version) in m.
Status manifest_toggle(Manifest& m, std::span<const std::uint8_t> manifest_key, std::uint64_t id,
                       std::uint64_t version);

// Recomputes the groups from the versioned (private) rows in the file; with_unversioned also
// lists the private rows without a version (format 2, before the user's first login).
struct FileDigest {
    std::uint64_t count = 0;
    std::array<GroupDigest, manifest_groups> groups{};
    std::vector<std::uint64_t> unversioned;
};
Result<FileDigest> digest_private_rows(Db& db, std::span<const std::uint8_t> manifest_key,
                                       bool with_unversioned = false);

inline std::size_t manifest_group(std::uint64_t id) {
    return id % manifest_groups;
}

}  // namespace gostcsp::keystore::detail
