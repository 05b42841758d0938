// SPDX-License-Identifier: Apache-2.0
// PIN attempts in flight: one row per attempt between its admission and its verdict, owned by a
// process. A row whose process is gone (SIGKILL inside C_Login) is a failed try. See
// docs/keystore.md "PIN protocol" for the invariant these rows keep.
#pragma once

#include <cstdint>

#include "gostcsp/keystore/status.hpp"
#include "gostcsp/keystore/token.hpp"
#include "sqlite_db.hpp"

namespace gostcsp::keystore::detail {

inline constexpr const char* pin_attempts_schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS pin_attempts (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    user_type INTEGER NOT NULL,
    owner     TEXT NOT NULL        -- boot id, pid and start time of the trying process
);
)sql";

struct AttemptRows {
    std::uint32_t live = 0;  // attempts whose process still runs
    std::uint32_t dead = 0;  // attempts whose process is gone: failed tries not yet folded in
};

// Counts `who`'s attempt rows without writing (a file without the table has none).
Result<AttemptRows> count_attempts(Db& db, UserType who);
// Inside a write transaction: folds the attempts of dead processes into pins.failed (one
// failure each) and deletes their rows. Returns how many were folded.
Result<std::uint32_t> reap_dead_attempts(Db& db, UserType who);
// Inside a write transaction: records an attempt of this process; returns its row id.
Result<std::int64_t> begin_attempt(Db& db, UserType who);
// Inside a write transaction: removes the attempt's row; false if it was already gone (reaped
// by another process, or the token was re-initialised), in which case it was already counted.
Result<bool> end_attempt(Db& db, std::int64_t id);

}  // namespace gostcsp::keystore::detail
