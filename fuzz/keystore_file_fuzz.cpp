// SPDX-License-Identifier: Apache-2.0
// libFuzzer: the keystore opening an arbitrary token file. The input is written as a `.token`
// file into a private directory and opened through the keystore's API (Token::open), then read
// as an application would: token info, every visible object, a user login with the seeds' PIN,
// the private objects, a signature with each private key, logout. Invariant: results or errors
// (corrupt, integrity_failure, ...), never a crash, hang or sanitizer report.
//
// The seeds (fuzz/corpus/keystore_file) are real token files: make_keystore_seeds.cpp (format 3,
// SO PIN / user PIN below) and tests/keystore/data/format2.token (the previous release's format;
// its PINs are tried too).
//
// Edit mode: an input starting with 0xED is not a file but a list of cell edits applied (with
// SQLite, bypassing the keystore) to a copy of the objects.token seed — any table, row, column,
// any value (integer, blob, text, NULL), rows deleted or duplicated — so that the keystore's own
// record, manifest and PIN-row parsing is reached far more often than by flipping bytes of the
// b-tree pages (which SQLite mostly refuses as a malformed database).
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "gostcsp/keystore/token.hpp"

namespace ks = gostcsp::keystore;

namespace {

constexpr const char* user_pins[] = {"7391846205", "Amber-Falcon-2093"};
constexpr const char* so_pins[] = {"5927461830", "Quartz-Lantern-77"};
constexpr std::size_t max_objects = 64;  // enough for the seeds; bounds the work per input

struct Fixture {
    std::filesystem::path dir;
    std::filesystem::path file;
    ks::Config config;
};

Fixture& fixture() {
    static Fixture f = [] {
        Fixture x;
        // GOSTCSP_FUZZ_TMP (fuzz_smoke.sh: its scratch directory, removed after the run; libFuzzer
        // ends without atexit handlers), else /dev/shm, else the temporary directory.
        const char* shm = "/dev/shm";
        const char* env = std::getenv("GOSTCSP_FUZZ_TMP");
        std::string tmpl = (env != nullptr && *env != 0    ? std::filesystem::path(env)
                            : std::filesystem::exists(shm) ? std::filesystem::path(shm)
                                                           : std::filesystem::temp_directory_path())
                               .string() +
                           "/gostcsp-fuzz-ks-XXXXXX";
        if (mkdtemp(tmpl.data()) == nullptr) std::abort();
        x.dir = tmpl;
        x.file = x.dir / "fuzz.token";
        x.config.token_dir = x.dir;
        x.config.test_token = true;
        x.config.kdf_iterations = 10;
        x.config.user_max_retries = 1000;
        x.config.so_max_retries = 1000;
        x.config.log_level = ks::LogLevel::error;
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove_all(fixture().dir, ec);
        });
        return x;
    }();
    return f;
}

// The largest PBKDF2 count any PIN wrap in the file asks for (0 when unreadable). A file may ask
// for up to 2^32 - 1 iterations, which is slow by design, not a bug: such inputs skip the login.
std::int64_t max_kdf_iterations(const std::filesystem::path& file) {
    sqlite3* db = nullptr;
    std::int64_t most = 0;
    if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, "SELECT max(kdf_iterations) FROM pins", -1, &st, nullptr) ==
            SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW) most = sqlite3_column_int64(st, 0);
            sqlite3_finalize(st);
        } else {
            most = -1;
        }
    }
    sqlite3_close(db);
    return most;
}

void read_visible(ks::Token& t) {
    auto found = t.find_objects();
    if (!found.ok()) return;
    std::size_t n = 0;
    for (ks::ObjectHandle h : *found) {
        if (++n > max_objects) break;
        auto o = t.read_object(h);
        if (!o.ok()) continue;
        if (o->object_class == ks::cko_private_key && o->param_set && t.logged_in()) {
            const std::uint8_t digest[64] = {1, 2, 3};
            const auto& info = gostcsp::core::param_set_info(*o->param_set);
            (void)t.sign_digest(h, {digest, info.bits / 8});
        }
    }
    ks::ObjectQuery q;
    q.object_class = ks::cko_private_key;
    (void)t.find_objects(q);
}

// Applies the edit program `in` to the SQLite file `file` (generic over the schema: tables and
// columns are looked up at run time). Errors (constraints, types) just skip that edit.
void apply_edits(const std::filesystem::path& file, const std::uint8_t* in, std::size_t n) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        return;
    }
    std::vector<std::string> tables;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
                           -1, &st, nullptr) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW)
            tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
        sqlite3_finalize(st);
    }
    auto byte = [&]() -> std::uint8_t {
        if (n == 0) return 0;
        --n;
        return *in++;
    };
    for (int edits = 0; n > 0 && !tables.empty() && edits < 16; ++edits) {
        const std::string& table = tables[byte() % tables.size()];
        std::vector<std::string> cols;
        if (sqlite3_prepare_v2(db, ("SELECT name FROM pragma_table_info('" + table + "')").c_str(),
                               -1, &st, nullptr) == SQLITE_OK) {
            while (sqlite3_step(st) == SQLITE_ROW)
                cols.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
            sqlite3_finalize(st);
        }
        if (cols.empty()) continue;
        const std::string& col = cols[byte() % cols.size()];
        const int row = byte() % 8;
        const std::uint8_t kind = byte();
        const std::string where = " WHERE rowid = (SELECT rowid FROM \"" + table +
                                  "\" LIMIT 1 OFFSET " + std::to_string(row) + ")";
        std::string sql;
        if (kind % 8 == 6) {
            sql = "DELETE FROM \"" + table + "\"" + where;
        } else if (kind % 8 == 7) {  // a duplicate row under a new rowid, where the schema allows
            sql = "INSERT INTO \"" + table + "\" SELECT * FROM \"" + table + "\"" + where;
        } else {
            sql = "UPDATE \"" + table + "\" SET \"" + col + "\" = ?" + where;
        }
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) continue;
        switch (kind % 8) {
            case 0:
            case 1: {  // an integer: small, boundary or raw 64-bit
                std::uint64_t v = 0;
                for (int i = 0; i < (kind % 8 == 0 ? 1 : 8); ++i) v = v << 8 | byte();
                if (kind % 8 == 0) v = static_cast<std::uint64_t>(static_cast<std::int8_t>(v));
                sqlite3_bind_int64(st, 1, static_cast<sqlite3_int64>(v));
                break;
            }
            case 2:
            case 3: {  // a blob or text of the input's bytes
                const std::size_t len = std::min<std::size_t>(byte(), n);
                if (kind % 8 == 2)
                    sqlite3_bind_blob(st, 1, in, static_cast<int>(len), SQLITE_TRANSIENT);
                else
                    sqlite3_bind_text(st, 1, reinterpret_cast<const char*>(in),
                                      static_cast<int>(len), SQLITE_TRANSIENT);
                in += len;
                n -= len;
                break;
            }
            case 4: {  // the same cell with one bit flipped (blobs) or one added (integers)
                sqlite3_stmt* cur = nullptr;
                const std::string q = "SELECT \"" + col + "\" FROM \"" + table + "\"" + where;
                std::vector<std::uint8_t> v;
                bool is_int = false;
                sqlite3_int64 iv = 0;
                if (sqlite3_prepare_v2(db, q.c_str(), -1, &cur, nullptr) == SQLITE_OK &&
                    sqlite3_step(cur) == SQLITE_ROW) {
                    if (sqlite3_column_type(cur, 0) == SQLITE_INTEGER) {
                        is_int = true;
                        iv = sqlite3_column_int64(cur, 0);
                    } else if (const void* b = sqlite3_column_blob(cur, 0)) {
                        const auto* p = static_cast<const std::uint8_t*>(b);
                        v.assign(p, p + sqlite3_column_bytes(cur, 0));
                    }
                }
                sqlite3_finalize(cur);
                const std::uint8_t at = byte(), bit = byte();
                if (is_int) {
                    sqlite3_bind_int64(st, 1, iv + (bit % 2 ? 1 : -1));
                } else {
                    if (!v.empty()) v[at % v.size()] ^= static_cast<std::uint8_t>(1u << (bit % 8));
                    sqlite3_bind_blob(st, 1, v.data(), static_cast<int>(v.size()),
                                      SQLITE_TRANSIENT);
                }
                break;
            }
            default:
                sqlite3_bind_null(st, 1);
                break;
        }
        (void)sqlite3_step(st);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Fixture& f = fixture();
    std::error_code ec;
    std::filesystem::remove(f.file, ec);
    std::filesystem::remove(f.file.string() + "-journal", ec);
    if (size > 0 && data[0] == 0xED) {
        std::filesystem::copy_file(GOSTCSP_FUZZ_KS_SEED, f.file, ec);
        if (ec) std::abort();
        apply_edits(f.file, data + 1, size - 1);
    } else {
        std::ofstream out(f.file, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
        if (!out) std::abort();
    }
    const std::int64_t iterations = max_kdf_iterations(f.file);
    auto opened = ks::Token::open(f.config, f.file);
    if (!opened.ok()) return 0;
    ks::Token& t = **opened;
    (void)t.info();
    read_visible(t);
    if (iterations > 0 && iterations <= 100) {
        for (const char* pin : user_pins) {
            if (!t.login(ks::UserType::user, pin).ok()) continue;
            read_visible(t);
            t.logout();
            break;
        }
        for (const char* pin : so_pins) {
            if (!t.login(ks::UserType::so, pin).ok()) continue;
            (void)t.info();
            t.logout();
            break;
        }
    }
    return 0;
}
