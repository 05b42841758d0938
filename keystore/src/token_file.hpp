// SPDX-License-Identifier: Apache-2.0
// The token file: its SQLite schema, format identification, creation and the token row.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "gostcsp/keystore/status.hpp"
#include "gostcsp/keystore/token.hpp"
#include "internal.hpp"
#include "sqlite_db.hpp"

namespace gostcsp::keystore::detail {

inline constexpr std::int64_t application_id = 0x47435354;  // "GCST" in the SQLite header
inline constexpr std::int64_t format_version = 2;           // PRAGMA user_version
inline constexpr std::size_t token_id_bytes = 16;
inline constexpr std::size_t data_key_bytes = detail::aead_key_bytes;
inline constexpr std::size_t max_label_bytes = 32;

inline constexpr const char* schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS token (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    token_id    BLOB NOT NULL,      -- 16 random bytes; bound into every wrap and sealed record
    label       TEXT NOT NULL,
    aead_alg    TEXT NOT NULL,      -- algorithm for new sealed records
    created_utc TEXT NOT NULL,
    so_keys     TEXT NOT NULL DEFAULT 'restore'  -- 'restore' | 'separate' (see config.hpp)
);
CREATE TABLE IF NOT EXISTS pins (
    user_type      INTEGER PRIMARY KEY CHECK (user_type IN (0, 1)),  -- 0 SO, 1 user
    kdf_alg        TEXT NOT NULL,
    kdf_salt       BLOB NOT NULL,
    kdf_iterations INTEGER NOT NULL,
    wrap_alg       TEXT NOT NULL,
    wrap_nonce     BLOB NOT NULL,
    wrapped_key    BLOB NOT NULL,   -- the data key sealed under the PIN's KEK
    failed         INTEGER NOT NULL,
    max_retries    INTEGER NOT NULL,
    must_change    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS objects (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: handles stay unambiguous
    class     INTEGER NOT NULL,
    key_type  INTEGER NOT NULL,
    param_set INTEGER NOT NULL,     -- core::ParamSet, -1 for none
    flags     INTEGER NOT NULL,     -- see flag_* below
    aead_alg  TEXT,                 -- NULL: public object, body in clear
    nonce     BLOB,
    body      BLOB NOT NULL         -- encoded attributes (+ secret), sealed when private
);
CREATE INDEX IF NOT EXISTS objects_by_class ON objects (class, key_type);
)sql";


// The on-disk state of a file: not a token, fresh (empty / never initialised), or initialised.
enum class FileState { fresh, initialized };

Result<FileState> file_state(Db& db);
// The token id of an initialised file; token_not_initialized for a fresh one.
Result<Bytes> read_token_id(Db& db);

// Creates the token directory (and parents) when missing; a directory we create is 0700.
Status ensure_token_dir(const std::filesystem::path& dir);
// Creates an empty token file (0600) unless it exists.
Status create_token_file(const std::filesystem::path& path);

std::string hex(std::span<const std::uint8_t> b);
std::string utc_now();

}  // namespace gostcsp::keystore::detail
