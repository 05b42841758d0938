// SPDX-License-Identifier: Apache-2.0
// Thin RAII wrapper over SQLite (connection, statement, IMMEDIATE transaction) mapping to Status.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gostcsp/keystore/status.hpp"

namespace gostcsp::keystore::detail {

// Maps a SQLite result code to a keystore Error (busy, corrupt, storage_error).
Error sqlite_error(int rc) noexcept;

class Db;

// A prepared statement; reset and re-bindable. Columns are 0-based, parameters 1-based.
class Stmt {
  public:
    Stmt(Db& db, std::string_view sql);
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    ~Stmt();

    bool prepared() const noexcept { return stmt_ != nullptr; }
    sqlite3_stmt* handle() noexcept { return stmt_; }
    const Status& prepare_status() const noexcept { return prepare_status_; }

    void bind(int i, std::int64_t v);
    void bind(int i, std::string_view text);
    void bind_blob(int i, std::span<const std::uint8_t> blob);
    void bind_null(int i);

    // Steps once: true when a row is available, false when done; errors go to *status.
    bool step(Status& status);
    // Runs to completion (for INSERT/UPDATE/DELETE).
    Status run();

    std::int64_t column_int(int i) const;
    bool column_is_null(int i) const;
    std::string column_text(int i) const;
    std::vector<std::uint8_t> column_blob(int i) const;
    std::span<const std::uint8_t> column_blob_view(int i) const;

  private:
    Db& db_;
    sqlite3_stmt* stmt_ = nullptr;
    Status prepare_status_;
};

class Db {
  public:
    Db() = default;
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;
    ~Db();

    // Opens an existing file read-write (no create) and applies the connection settings: busy
    // timeout, rollback journal (DELETE), synchronous=FULL, foreign keys, secure_delete.
    Status open(const std::filesystem::path& path);
    void close() noexcept;
    sqlite3* handle() noexcept { return db_; }

    // Runs one or more statements without results.
    Status exec(std::string_view sql);
    // A status for the last error on this connection, prefixed by `what`.
    Status last_error(std::string_view what, int rc);
    std::int64_t last_insert_rowid() const noexcept;
    // SQLite's file change counter (header offset 24), read with one pread and no lock. In
    // rollback-journal mode every commit by any process increments it, so an unchanged value
    // means nothing was committed since it was last read. Safe to call from any thread while
    // another uses the connection. nullopt when unreadable (e.g. an empty file).
    std::optional<std::uint32_t> change_counter() const noexcept;

  private:
    sqlite3* db_ = nullptr;
    sqlite3_file* file_ = nullptr;  // the main database file, for change_counter()
    std::string path_;
};

// BEGIN IMMEDIATE … COMMIT; rolls back on destruction unless committed. The write lock is taken
// at begin(), so read-modify-write sequences inside are atomic across processes.
class Transaction {
  public:
    explicit Transaction(Db& db) noexcept : db_(db) {}
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();
    Status begin();
    Status commit();

  private:
    Db& db_;
    bool active_ = false;
};

}  // namespace gostcsp::keystore::detail
