// SPDX-License-Identifier: Apache-2.0
// SQLite connection, statements and IMMEDIATE transactions for the token files.
#include "sqlite_db.hpp"

#include <limits>

namespace gostcsp::keystore::detail {

namespace {
// Long enough for a concurrent login's counter commit or a PIN rewrap; the slow KDF never runs
// inside a transaction, so real waits are short.
constexpr int busy_timeout_ms = 30000;
}  // namespace

Error sqlite_error(int rc) noexcept {
    switch (rc & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return Error::busy;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
        case SQLITE_FORMAT:
        case SQLITE_SCHEMA:
        case SQLITE_MISMATCH:
            return Error::corrupt;
        case SQLITE_NOMEM:
            return Error::out_of_memory;
        case SQLITE_CANTOPEN:
            return Error::token_not_present;
        default:
            return Error::storage_error;
    }
}

Stmt::Stmt(Db& db, std::string_view sql) : db_(db) {
    const int rc =
        sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
    if (rc != SQLITE_OK) {
        prepare_status_ = db.last_error("prepare", rc);
        stmt_ = nullptr;
    }
}

Stmt::~Stmt() {
    sqlite3_finalize(stmt_);
}

void Stmt::bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
}
void Stmt::bind(int i, std::string_view text) {
    sqlite3_bind_text64(stmt_, i, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}
void Stmt::bind_blob(int i, std::span<const std::uint8_t> blob) {
    // A zero-length blob must still be a blob, not NULL.
    static const std::uint8_t empty = 0;
    sqlite3_bind_blob64(stmt_, i, blob.empty() ? &empty : blob.data(), blob.size(),
                        SQLITE_TRANSIENT);
}
void Stmt::bind_null(int i) {
    sqlite3_bind_null(stmt_, i);
}

bool Stmt::step(Status& status) {
    if (!stmt_) {
        status = prepare_status_;
        return false;
    }
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) status = db_.last_error("step", rc);
    sqlite3_reset(stmt_);
    return false;
}

Status Stmt::run() {
    Status st;
    while (step(st)) {
    }
    return st;
}

std::int64_t Stmt::column_int(int i) const {
    return sqlite3_column_int64(stmt_, i);
}
bool Stmt::column_is_null(int i) const {
    return sqlite3_column_type(stmt_, i) == SQLITE_NULL;
}
std::string Stmt::column_text(int i) const {
    const auto* p = sqlite3_column_text(stmt_, i);
    const int n = sqlite3_column_bytes(stmt_, i);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n))
             : std::string();
}
std::span<const std::uint8_t> Stmt::column_blob_view(int i) const {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, i));
    const int n = sqlite3_column_bytes(stmt_, i);
    if (!p || n <= 0) return {};
    return {p, static_cast<std::size_t>(n)};
}
std::vector<std::uint8_t> Stmt::column_blob(int i) const {
    auto v = column_blob_view(i);
    return {v.begin(), v.end()};
}

Db::~Db() {
    close();
}

void Db::close() noexcept {
    if (db_) {
        sqlite3_close_v2(db_);
        db_ = nullptr;
        file_ = nullptr;
    }
}

Status Db::open(const std::filesystem::path& path) {
    close();
    path_ = path.string();
    const int rc =
        sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        Status st = last_error("open", rc);
        close();
        return st;
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, busy_timeout_ms);
    // Rollback journal (not WAL): the token stays one self-contained file at rest, and readers
    // briefly blocking a writer costs nothing at a token's write rate. FULL sync makes every
    // acknowledged commit durable across power loss, not only across a killed process.
    // secure_delete overwrites freed pages so removed ciphertexts and old wraps do not linger.
    // No mmap: change_counter() reads the header with pread, which must not race a remap.
    if (Status st = exec("PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL; "
                         "PRAGMA secure_delete=ON; PRAGMA mmap_size=0; "
                         "PRAGMA foreign_keys=ON; PRAGMA trusted_schema=OFF;");
        !st) {
        return st;
    }
    // The file handle is fixed for the connection's lifetime; taken now, while single-threaded.
    if (sqlite3_file_control(db_, "main", SQLITE_FCNTL_FILE_POINTER, &file_) != SQLITE_OK) {
        file_ = nullptr;
    }
    return {};
}

std::optional<std::uint32_t> Db::change_counter() const noexcept {
    if (file_ == nullptr || file_->pMethods == nullptr) return std::nullopt;
    unsigned char b[4];
    if (file_->pMethods->xRead(file_, b, sizeof b, 24) != SQLITE_OK) return std::nullopt;
    return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
           std::uint32_t{b[3]};
}

Status Db::exec(std::string_view sql) {
    std::string s(sql);
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        return Status(sqlite_error(rc), path_ + ": " + msg);
    }
    return {};
}

Status Db::last_error(std::string_view what, int rc) {
    std::string msg = path_ + ": " + std::string(what) + ": ";
    msg += db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    return Status(sqlite_error(rc), std::move(msg));
}

std::int64_t Db::last_insert_rowid() const noexcept {
    return sqlite3_last_insert_rowid(db_);
}

Transaction::~Transaction() {
    if (active_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

Status Transaction::begin() {
    Status st = db_.exec("BEGIN IMMEDIATE");
    active_ = st.ok();
    return st;
}

Status Transaction::commit() {
    Status st = db_.exec("COMMIT");
    if (st.ok()) active_ = false;
    return st;
}

}  // namespace gostcsp::keystore::detail
