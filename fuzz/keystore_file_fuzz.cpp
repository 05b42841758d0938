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
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

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
        const char* shm = "/dev/shm";
        std::string tmpl = (std::filesystem::exists(shm) ? std::filesystem::path(shm)
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Fixture& f = fixture();
    std::error_code ec;
    std::filesystem::remove(f.file, ec);
    std::filesystem::remove(f.file.string() + "-journal", ec);
    {
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
