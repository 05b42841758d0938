// SPDX-License-Identifier: Apache-2.0
// The token file: format identification, creation, the token row.
#include "token_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace gostcsp::keystore::detail {

Result<FileState> file_state(Db& db) {
    Status st;
    Stmt app(db, "PRAGMA application_id");
    std::int64_t app_id = 0;
    if (app.step(st)) app_id = app.column_int(0);
    if (!st) return st;
    Stmt ver(db, "PRAGMA user_version");
    std::int64_t version = 0;
    if (ver.step(st)) version = ver.column_int(0);
    if (!st) return st;
    Stmt tables(db, "SELECT count(*) FROM sqlite_schema");
    std::int64_t n_tables = 0;
    if (tables.step(st)) n_tables = tables.column_int(0);
    if (!st) return st;
    if (app_id == 0 && version == 0 && n_tables == 0) return FileState::fresh;
    if (app_id != application_id) {
        return Status(Error::corrupt, "not a gostcsp token file (foreign SQLite database)");
    }
    if (version != format_version) {
        return Status(Error::corrupt,
                      "unsupported token format version " + std::to_string(version));
    }
    Stmt tok(db, "SELECT count(*) FROM token");
    std::int64_t n = 0;
    if (tok.step(st)) n = tok.column_int(0);
    if (!st) return st;
    return n == 1 ? FileState::initialized : FileState::fresh;
}

Result<Bytes> read_token_id(Db& db) {
    Stmt s(db, "SELECT token_id FROM token WHERE singleton = 1");
    if (!s.prepared()) {
        // No `token` table: an empty (never initialised) file, or not a token at all.
        auto state = file_state(db);
        if (!state) return state.status();
        if (*state == FileState::fresh) {
            return Status(Error::token_not_initialized, "token not initialized");
        }
        return s.prepare_status();
    }
    Status st;
    if (!s.step(st)) {
        if (!st) return st;
        return Status(Error::token_not_initialized, "token not initialized");
    }
    Bytes id = s.column_blob(0);
    if (id.size() != token_id_bytes) return Status(Error::corrupt, "bad token id");
    return id;
}

Status ensure_token_dir(const std::filesystem::path& dir) {
    std::error_code ec;
    if (dir.empty() || std::filesystem::exists(dir, ec)) return {};
    if (dir.has_parent_path() && dir.parent_path() != dir) {
        std::filesystem::create_directories(dir.parent_path(), ec);
    }
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        return Status(Error::storage_error, dir.string() + ": cannot create directory: " +
                                                std::string(std::strerror(errno)));
    }
    return {};
}

Status create_token_file(const std::filesystem::path& path) {
    if (path.has_parent_path()) {
        if (Status st = ensure_token_dir(path.parent_path()); !st) return st;
    }
    const int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) {
        return Status(Error::storage_error,
                      path.string() + ": cannot create: " + std::string(std::strerror(errno)));
    }
    if (fd >= 0) ::close(fd);
    return {};
}

std::string hex(std::span<const std::uint8_t> b) {
    static const char digits[] = "0123456789abcdef";
    std::string s;
    for (auto x : b) {
        s += digits[x >> 4];
        s += digits[x & 15];
    }
    return s;
}

std::string utc_now() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace gostcsp::keystore::detail
