// SPDX-License-Identifier: Apache-2.0
// The soft token: SQLite schema, PIN wraps and counters, sealed objects, in-place key use.
#include "gostcsp/keystore/token.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#include "gostcsp/gost3410.hpp"
#include "gostcsp/keystore/testing.hpp"
#include "gostcsp/secure.hpp"
#include "internal.hpp"
#include "log.hpp"
#include "pin_attempts.hpp"
#include "sqlite_db.hpp"

namespace gostcsp::keystore {

using detail::Db;
using detail::LockedBox;
using detail::Reader;
using detail::Stmt;
using detail::Transaction;
using detail::Writer;

namespace testing {
namespace {
std::atomic<Hook> after_counter_commit{nullptr};
}
void set_after_counter_commit_hook(Hook hook) noexcept {
    after_counter_commit = hook;
}
namespace {
std::atomic<VerdictHook> verdict{nullptr};
}
void set_verdict_hook(VerdictHook hook) noexcept {
    verdict = hook;
}
VerdictHook verdict_hook() noexcept {
    return verdict.load();
}
}  // namespace testing

namespace {

// Bumped in every fork child (pthread_atfork), so the cache fast path notices a fork without a
// getpid() system call. glibc unregisters the handler when the module is unloaded.
std::atomic<unsigned> fork_generation{0};
unsigned current_fork_generation() {
    static std::once_flag once;
    std::call_once(once, [] { ::pthread_atfork(nullptr, nullptr, [] { ++fork_generation; }); });
    return fork_generation.load(std::memory_order_relaxed);
}

// ---- file format -------------------------------------------------------------------------------

constexpr std::int64_t application_id = 0x47435354;  // "GCST" in the SQLite header
constexpr std::int64_t format_version = 2;           // PRAGMA user_version
constexpr std::size_t token_id_bytes = 16;
constexpr std::size_t data_key_bytes = detail::aead_key_bytes;
constexpr std::size_t max_label_bytes = 32;

constexpr const char* schema_sql = R"sql(
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

constexpr std::uint32_t flag_private = 1u << 0;
constexpr std::uint32_t flag_sensitive = 1u << 1;
constexpr std::uint32_t flag_extractable = 1u << 2;
constexpr std::uint32_t flag_always_sensitive = 1u << 3;
constexpr std::uint32_t flag_never_extractable = 1u << 4;
constexpr std::uint32_t flag_has_secret = 1u << 5;
constexpr std::uint32_t flag_known = (1u << 6) - 1;

constexpr std::string_view aad_object_tag = "gostcsp/object/v1";
constexpr std::string_view aad_wrap_tag = "gostcsp/data-key/v2";

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
Bytes record_aad(std::span<const std::uint8_t> token_id, const Record& r) {
    Writer w;
    w.text(aad_object_tag);
    w.bytes(token_id);
    w.u64(r.id);
    w.u64(r.object_class);
    w.u64(r.key_type);
    w.u64(static_cast<std::uint64_t>(r.param_set));
    w.u32(r.flags);
    w.text(r.aead_alg);
    return std::move(w.data());
}

// Body: public key, attributes, secret (empty for public objects).
Result<SecureBytes> encode_body(const Object& o, std::span<const std::uint8_t> secret) {
    Writer w;
    w.bytes(o.public_key);
    w.u32(static_cast<std::uint32_t>(o.attributes.size()));
    for (const auto& a : o.attributes) {
        w.u64(a.type);
        w.bytes(a.value);
    }
    // The secret goes straight into locked memory; the non-secret prefix is copied after it.
    const auto& prefix = w.data();
    SecureBytes out(prefix.size() + 4 + secret.size());
    if (!out.valid()) return Status(Error::out_of_memory, "cannot allocate locked memory");
    std::copy(prefix.begin(), prefix.end(), out.data());
    const auto n = static_cast<std::uint32_t>(secret.size());
    for (int i = 0; i < 4; ++i)
        out.data()[prefix.size() + static_cast<std::size_t>(i)] =
            static_cast<std::uint8_t>(n >> (8 * i));
    if (!secret.empty()) std::copy(secret.begin(), secret.end(), out.data() + prefix.size() + 4);
    // A private object's attributes are confidential too: leave no copy in the free heap.
    core::secure_zero(w.data().data(), w.data().size());
    return out;
}

struct Decoded {
    Object object;
    SecureBytes secret;
};

Result<Decoded> decode_body(const Record& r, std::span<const std::uint8_t> body) {
    Decoded d;
    Reader rd(body);
    std::span<const std::uint8_t> pub, secret;
    std::uint32_t count = 0;
    auto bad = [&] {
        return Status(Error::corrupt, "object " + std::to_string(r.id) + ": malformed record body");
    };
    if (!rd.bytes(pub) || !rd.u32(count)) return bad();
    Object& o = d.object;
    o.public_key.assign(pub.begin(), pub.end());
    for (std::uint32_t i = 0; i < count; ++i) {
        Attribute a;
        std::span<const std::uint8_t> v;
        if (!rd.u64(a.type) || !rd.bytes(v)) return bad();
        a.value.assign(v.begin(), v.end());
        o.attributes.push_back(std::move(a));
    }
    if (!rd.bytes(secret) || !rd.done()) return bad();
    if (!secret.empty()) {
        d.secret = SecureBytes(secret.size());
        if (!d.secret.valid()) return Status(Error::out_of_memory, "cannot allocate locked memory");
        std::copy(secret.begin(), secret.end(), d.secret.data());
    }
    if (((r.flags & flag_has_secret) != 0) != !secret.empty()) return bad();
    o.handle = r.id;
    o.object_class = r.object_class;
    o.key_type = r.key_type;
    if (r.param_set >= 0) o.param_set = static_cast<core::ParamSet>(r.param_set);
    o.is_token = r.is_token;
    o.is_private = r.flags & flag_private;
    o.sensitive = r.flags & flag_sensitive;
    o.extractable = r.flags & flag_extractable;
    o.always_sensitive = r.flags & flag_always_sensitive;
    o.never_extractable = r.flags & flag_never_extractable;
    o.has_secret = r.flags & flag_has_secret;
    return d;
}

bool is_gost_key_type(std::uint64_t kt) {
    return kt == ckk_gostr3410 || kt == ckk_gostr3410_512;
}

std::uint64_t gost_key_type_for(core::ParamSet set) {
    return core::param_set_info(set).bits == 256 ? ckk_gostr3410 : ckk_gostr3410_512;
}

bool valid_param_set(std::int64_t v) {
    const auto sets = core::all_param_sets();
    return std::any_of(sets.begin(), sets.end(), [&](const core::ParamSetInfo& i) {
        return static_cast<std::int64_t>(i.id) == v;
    });
}

Status crypto_status(core::Status s, std::string_view what) {
    return Status(Error::crypto_failure,
                  std::string(what) + ": " + std::string(core::status_message(s)), s);
}

// Attribute types the opaque list may not carry (see token.hpp).
Status check_attributes(const std::vector<Attribute>& attrs, std::uint64_t object_class) {
    for (const auto& a : attrs) {
        switch (a.type) {
            case cka_class:
            case cka_token:
            case cka_private:
            case cka_key_type:
            case cka_sensitive:
            case cka_extractable:
            case cka_always_sensitive:
            case cka_never_extractable:
            case cka_gostr3410_params:
                return Status(
                    Error::template_inconsistent, "attribute 0x" + [&] {
                        char buf[20];
                        std::snprintf(buf, sizeof buf, "%llx",
                                      static_cast<unsigned long long>(a.type));
                        return std::string(buf);
                    }() + " is a typed field, not an opaque attribute");
            case cka_value:
                if (object_class == cko_private_key || object_class == cko_secret_key) {
                    return Status(Error::template_inconsistent,
                                  "a key's secret value must be passed as the sealed secret, "
                                  "never as a clear attribute");
                }
                break;
            default:
                break;
        }
    }
    return {};
}

void apply_attributes(std::vector<Attribute>& attrs, const std::vector<Attribute>& set) {
    for (const auto& s : set) {
        auto it = std::find_if(attrs.begin(), attrs.end(),
                               [&](const Attribute& a) { return a.type == s.type; });
        if (it != attrs.end())
            it->value = s.value;
        else
            attrs.push_back(s);
    }
}

bool matches(const Object& o, const ObjectQuery& q) {
    if (q.object_class && *q.object_class != o.object_class) return false;
    if (q.key_type && *q.key_type != o.key_type) return false;
    if (q.is_token && *q.is_token != o.is_token) return false;
    if (q.is_private && *q.is_private != o.is_private) return false;
    for (const auto& want : q.attributes) {
        auto it = std::find_if(o.attributes.begin(), o.attributes.end(),
                               [&](const Attribute& a) { return a.type == want.type; });
        if (it == o.attributes.end() || it->value != want.value) return false;
    }
    return true;
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

// One PIN wrap of the data key, as stored in `pins`.
struct Wrap {
    std::string kdf_alg{detail::kdf_pbkdf2_streebog512};
    Bytes salt;
    std::uint32_t iterations = 0;
    std::string wrap_alg{detail::aead_aes256_gcm};
    Bytes nonce;
    Bytes wrapped;
    // The PIN's policy state, authenticated by the wrap: altering it in the file makes the PIN
    // stop working instead of lifting a must-change or raising the retry limit.
    std::uint32_t max_retries = 0;
    bool must_change = false;
};

Bytes wrap_aad(std::span<const std::uint8_t> token_id, UserType who, const Wrap& wr) {
    Writer w;
    w.text(aad_wrap_tag);
    w.bytes(token_id);
    w.u8(static_cast<std::uint8_t>(who));
    w.text(wr.kdf_alg);
    w.u32(wr.iterations);
    w.bytes(wr.salt);
    w.u32(wr.max_retries);
    w.u8(wr.must_change ? 1 : 0);
    return std::move(w.data());
}

Result<Wrap> make_wrap(std::span<const std::uint8_t> token_id, UserType who, std::string_view pin,
                       std::span<const std::uint8_t> data_key, std::uint32_t iterations,
                       std::uint32_t max_retries, bool must_change, bool test_token) {
    if (iterations < min_kdf_iterations && !test_token) {
        return Status(Error::config_error, "kdf_iterations " + std::to_string(iterations) +
                                               " is below the minimum " +
                                               std::to_string(min_kdf_iterations) +
                                               " for a token that is not a test token");
    }
    Wrap w;
    w.iterations = iterations;
    w.max_retries = max_retries;
    w.must_change = must_change;
    w.salt.resize(detail::kdf_salt_bytes);
    w.nonce.resize(detail::aead_nonce_bytes);
    if (Status st = detail::random_public(w.salt); !st) return st;
    if (Status st = detail::random_public(w.nonce); !st) return st;
    auto kek = detail::derive_kek(w.kdf_alg, pin, w.salt, w.iterations);
    if (!kek) return kek.status();
    auto sealed =
        detail::aead_seal(w.wrap_alg, kek->span(), w.nonce, wrap_aad(token_id, who, w), data_key);
    if (!sealed) return sealed.status();
    w.wrapped = std::move(*sealed);
    return w;
}

Status store_wrap(Db& db, UserType who, const Wrap& w) {
    Stmt s(db,
           "INSERT OR REPLACE INTO pins (user_type, kdf_alg, kdf_salt, kdf_iterations, wrap_alg, "
           "wrap_nonce, wrapped_key, failed, max_retries, must_change) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)");
    s.bind(1, static_cast<std::int64_t>(who));
    s.bind(2, w.kdf_alg);
    s.bind_blob(3, w.salt);
    s.bind(4, static_cast<std::int64_t>(w.iterations));
    s.bind(5, w.wrap_alg);
    s.bind_blob(6, w.nonce);
    s.bind_blob(7, w.wrapped);
    s.bind(8, static_cast<std::int64_t>(w.max_retries));
    s.bind(9, w.must_change ? 1 : 0);
    return s.run();
}

// The on-disk state of a file: not a token, fresh (empty / never initialised), or initialised.
enum class FileState { fresh, initialized };

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

Result<FileState> file_state(Db& db);

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

struct PinRow {
    Wrap wrap;
    std::uint32_t failed = 0;
    std::uint32_t max_retries = 0;
    bool must_change = false;
};

Result<std::optional<PinRow>> read_pin_row(Db& db, UserType who) {
    Stmt s(db,
           "SELECT kdf_alg, kdf_salt, kdf_iterations, wrap_alg, wrap_nonce, wrapped_key, failed, "
           "max_retries, must_change FROM pins WHERE user_type = ?");
    s.bind(1, static_cast<std::int64_t>(who));
    Status st;
    if (!s.step(st)) {
        if (!st) return st;
        return std::optional<PinRow>{};
    }
    PinRow r;
    r.wrap.kdf_alg = s.column_text(0);
    r.wrap.salt = s.column_blob(1);
    const std::int64_t iter = s.column_int(2);
    r.wrap.wrap_alg = s.column_text(3);
    r.wrap.nonce = s.column_blob(4);
    r.wrap.wrapped = s.column_blob(5);
    const std::int64_t failed = s.column_int(6), max = s.column_int(7);
    if (iter <= 0 || iter > 0xffffffffLL || failed < 0 || failed > 0xffffffffLL || max <= 0 ||
        max > 0xffffffffLL) {
        return Status(Error::corrupt, "malformed PIN record");
    }
    r.wrap.iterations = static_cast<std::uint32_t>(iter);
    r.failed = static_cast<std::uint32_t>(failed);
    r.max_retries = static_cast<std::uint32_t>(max);
    r.must_change = s.column_int(8) != 0;
    r.wrap.max_retries = r.max_retries;
    r.wrap.must_change = r.must_change;
    return std::optional<PinRow>(std::move(r));
}

Result<PinState> pin_state(Db& db, UserType who, const std::optional<PinRow>& row) {
    PinState p;
    if (!row) return p;
    auto rows = detail::count_attempts(db, who);
    if (!rows) return rows.status();
    p.initialized = true;
    p.failed = row->failed + rows->live + rows->dead;
    p.in_flight = rows->live;
    p.max_retries = row->max_retries;
    p.must_change = row->must_change;
    return p;
}

std::string who_name(UserType who) {
    return who == UserType::so ? "SO" : "user";
}

// Creates the token directory (and parents) when missing; a directory we create is 0700.
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

// A PIN verification under the attempt protocol (docs/keystore.md "PIN protocol"):
//  1. admission, one transaction: attempts of dead processes become failures; if the counted
//     failures plus the attempts in flight leave a try, an attempt row is committed; if not and
//     attempts are in flight, wait for their verdicts (one may succeed); if none are, locked.
//  2. the KDF and unwrap, outside any transaction;
//  3. verdict, one transaction: the row goes; success resets the resolved failures to 0, a
//     failure adds one (unless another process already folded the row in as dead).
// A process killed after 1 leaves its row, which the next admission counts as a failure.
struct Verified {
    SecureBytes data_key;
    Bytes token_id;
    bool must_change = false;
};

// How long a login waits for attempts in flight before giving up with `busy`.
constexpr auto admission_wait_limit = std::chrono::seconds(120);

Status locked_status(UserType who) {
    return Status(Error::pin_locked,
                  who == UserType::user
                      ? "user PIN is locked; the SO must set a new user PIN (unblock)"
                      : "SO PIN is locked; only re-initialising the token (which destroys "
                        "its keys) recovers");
}

Result<Verified> verify_pin_counted(Db& db, UserType who, std::string_view pin) {
    Verified v;
    PinRow row;
    std::int64_t attempt = 0;
    const auto give_up = std::chrono::steady_clock::now() + admission_wait_limit;
    std::uint32_t backoff_us = 200;
    for (;;) {
        Transaction tx(db);
        if (Status st = tx.begin(); !st) return st;
        auto id = read_token_id(db);
        if (!id) return id.status();
        v.token_id = std::move(*id);
        auto reaped = detail::reap_dead_attempts(db, who);
        if (!reaped) return reaped.status();
        auto r = read_pin_row(db, who);
        if (!r) return r.status();
        if (!*r) {
            if (who == UserType::user) {
                return Status(Error::user_pin_not_initialized,
                              "the user PIN has not been set (the SO must set it first)");
            }
            return Status(Error::corrupt, "token has no SO PIN record");
        }
        row = std::move(**r);
        auto rows = detail::count_attempts(db, who);
        if (!rows) return rows.status();
        if (std::uint64_t{row.failed} + rows->live < row.max_retries) {
            auto a = detail::begin_attempt(db, who);
            if (!a) return a.status();
            attempt = *a;
            if (Status st = tx.commit(); !st) return st;
            break;
        }
        if (Status st = tx.commit(); !st) return st;  // keep what was reaped
        if (rows->live == 0) return locked_status(who);
        // Every remaining try is in flight: one of them may be right and free the others.
        if (std::chrono::steady_clock::now() > give_up) {
            return Status(Error::busy, "too many PIN attempts in flight; try again");
        }
        std::this_thread::sleep_for(std::chrono::microseconds(backoff_us));
        backoff_us = std::min<std::uint32_t>(backoff_us * 2, 20000);
    }
    // The attempt is on disk. Only now is the PIN tried.
    if (auto hook = testing::after_counter_commit.load()) hook();

    auto kek = detail::derive_kek(row.wrap.kdf_alg, pin, row.wrap.salt, row.wrap.iterations);
    if (!kek) return kek.status();
    auto dk = detail::aead_open(row.wrap.wrap_alg, kek->span(), row.wrap.nonce,
                                wrap_aad(v.token_id, who, row.wrap), row.wrap.wrapped);
    if (!dk && dk.error() != Error::integrity_failure) return dk.status();
    const bool correct = dk.ok() && dk->size() == data_key_bytes;
    if (dk.ok() && !correct) return Status(Error::corrupt, "bad data key length");

    Transaction tx(db);
    if (Status st = tx.begin(); !st) return st;
    auto id = read_token_id(db);
    if (!id) return id.status();
    if (*id != v.token_id) {
        return Status(Error::token_changed, "token was re-initialised during login");
    }
    auto mine = detail::end_attempt(db, attempt);
    if (!mine) return mine.status();
    if (correct || *mine) {
        Stmt upd(db, correct ? "UPDATE pins SET failed = 0 WHERE user_type = ?"
                             : "UPDATE pins SET failed = failed + 1 WHERE user_type = ?");
        upd.bind(1, static_cast<std::int64_t>(who));
        if (Status st = upd.run(); !st) return st;
    }
    auto after = read_pin_row(db, who);
    if (!after) return after.status();
    if (auto hook = testing::verdict_hook(); hook && (correct || *mine)) hook(correct ? 'S' : 'W');
    if (Status st = tx.commit(); !st) return st;
    if (!correct) {
        const std::uint32_t failed = *after ? (*after)->failed : row.max_retries;
        if (failed >= row.max_retries) {
            detail::log(LogLevel::info, who_name(who) + " PIN locked after " +
                                            std::to_string(failed) + " failed attempts");
            return Status(Error::pin_locked,
                          who_name(who) + " PIN incorrect; the PIN is now locked");
        }
        const std::uint32_t left = row.max_retries - failed;
        return Status(Error::pin_incorrect, who_name(who) + " PIN incorrect; " +
                                                std::to_string(left) +
                                                (left == 1 ? " try left" : " tries left"));
    }
    v.data_key = std::move(*dk);
    v.must_change = row.must_change;
    return v;
}

}  // namespace

// ---- free functions ----------------------------------------------------------------------------

Result<std::vector<std::filesystem::path>> list_token_files(const Config& config) {
    std::vector<std::filesystem::path> out;
    std::error_code ec;
    if (!std::filesystem::exists(config.token_dir, ec)) return out;
    for (std::filesystem::directory_iterator it(config.token_dir, ec), end; !ec && it != end;
         it.increment(ec)) {
        if (it->path().extension() == token_file_extension && it->is_regular_file(ec)) {
            out.push_back(it->path());
        }
    }
    if (ec) {
        return Status(Error::storage_error,
                      config.token_dir.string() + ": cannot list: " + ec.message());
    }
    std::sort(out.begin(), out.end());
    return out;
}

Result<std::filesystem::path> new_token_path(const Config& config) {
    if (Status st = ensure_token_dir(config.token_dir); !st) return st;
    std::error_code ec;
    for (int attempt = 0; attempt < 16; ++attempt) {
        std::uint8_t r[8];
        if (Status st = detail::random_public(r); !st) return st;
        auto p = config.token_dir / (hex(r) + token_file_extension);
        if (!std::filesystem::exists(p, ec)) return p;
    }
    return Status(Error::internal, "could not pick an unused token file name");
}

Status init_token(const Config& config, const std::filesystem::path& path, std::string_view so_pin,
                  std::string_view label) {
    if (label.size() > max_label_bytes) {
        return Status(Error::invalid_argument, "label longer than 32 bytes");
    }
    std::error_code exists_ec;
    if (!std::filesystem::exists(path, exists_ec)) {
        if (Status st = check_pin_format(config, so_pin); !st) return st;  // create nothing
    }
    if (Status st = create_token_file(path); !st) return st;
    Db db;
    if (Status st = db.open(path); !st) return st;
    auto state = file_state(db);
    if (!state) return state.status();

    if (*state == FileState::fresh) {
        // Only settable before the first table exists: freed pages can then be given back to
        // the file system (incremental_vacuum after deletions) instead of growing forever.
        if (Status st = db.exec("PRAGMA auto_vacuum = INCREMENTAL"); !st) return st;
    }
    Bytes old_id;
    if (*state == FileState::initialized) {
        auto id = read_token_id(db);
        if (!id) return id.status();
        old_id = *id;
        auto so = read_pin_row(db, UserType::so);
        if (!so) return so.status();
        auto so_state = pin_state(db, UserType::so, *so);
        if (!so_state) return so_state.status();
        const bool so_locked = !*so || so_state->locked();
        if (so_locked) {
            detail::log(LogLevel::warning,
                        path.string() + ": SO PIN locked; re-initialising destroys all objects");
        } else {
            // Verified (and counted) before the length check, as C_Login(CKU_SO) does: a wrong
            // SO PIN of any length is CKR_PIN_INCORRECT (PKCS#11 v2.40 C_InitToken).
            auto v = verify_pin_counted(db, UserType::so, so_pin);
            if (!v) return v.status();
        }
    }
    // The SO PIN the token gets (new, or after a locked SO PIN) must satisfy the length policy.
    if (Status st = check_pin_format(config, so_pin); !st) return st;

    Bytes token_id(token_id_bytes);
    SecureBytes data_key(data_key_bytes);
    if (!data_key.valid()) return Status(Error::out_of_memory, "cannot allocate locked memory");
    if (Status st = detail::random_public(token_id); !st) return st;
    if (Status st = detail::random_private(data_key.span()); !st) return st;
    const bool weak = is_weak_pin(config, so_pin);
    auto wrap = make_wrap(token_id, UserType::so, so_pin, data_key.span(), config.kdf_iterations,
                          config.so_max_retries, weak, config.test_token);
    if (!wrap) return wrap.status();

    Transaction tx(db);
    if (Status st = tx.begin(); !st) return st;
    // Re-check under the write lock: nobody initialised or re-initialised it meanwhile.
    auto state2 = file_state(db);
    if (!state2) return state2.status();
    if (*state2 != *state) {
        return Status(Error::busy, "token was initialised concurrently by another process");
    }
    if (*state2 == FileState::initialized) {
        auto id = read_token_id(db);
        if (!id) return id.status();
        if (*id != old_id) {
            return Status(Error::busy, "token was re-initialised concurrently by another process");
        }
    }
    if (Status st = db.exec(schema_sql); !st) return st;
    if (Status st = db.exec("PRAGMA application_id = " + std::to_string(application_id) +
                            "; PRAGMA user_version = " + std::to_string(format_version) + ";");
        !st) {
        return st;
    }
    if (Status st = db.exec(detail::pin_attempts_schema_sql); !st) return st;
    if (Status st = db.exec("DELETE FROM objects; DELETE FROM pins; DELETE FROM token; "
                            "DELETE FROM pin_attempts;");
        !st) {
        return st;
    }
    Stmt ins(db,
             "INSERT INTO token (singleton, token_id, label, aead_alg, created_utc, so_keys) "
             "VALUES (1, ?, ?, ?, ?, ?)");
    ins.bind_blob(1, token_id);
    ins.bind(2, label);
    ins.bind(3, detail::aead_aes256_gcm);
    ins.bind(4, utc_now());
    ins.bind(5, config.so_can_restore_user_keys ? "restore" : "separate");
    if (Status st = ins.run(); !st) return st;
    if (Status st = store_wrap(db, UserType::so, *wrap); !st) return st;
    if (Status st = tx.commit(); !st) return st;
    detail::log(LogLevel::info, path.string() + ": token initialised" +
                                    (weak ? " (SO PIN is a default PIN and must be changed)" : ""));
    return {};
}

// ---- Token -------------------------------------------------------------------------------------

struct Token::Impl {
    Config config;
    std::filesystem::path path;
    Db db;
    mutable std::mutex mu;  // every call except the cache fast paths below
    std::optional<UserType> who;
    pid_t login_pid = 0;  // a fork child inherits no login (its locked pages are wiped)
    SecureBytes data_key;
    Bytes token_id;  // of the login
    std::map<ObjectHandle, Record> session;
    ObjectHandle next_session = session_handle_base;

    // ---- per-login cache: signing and reading without touching the file ----
    // Objects opened during the user's login, and the unsealed private keys used, keyed by
    // handle. An entry is valid while the file's change counter equals cache_counter (read
    // before the entry was validated under `mu`) and in the process that made it; any commit
    // by anyone (a re-initialisation, a PIN change, a destroyed object) empties it on the next
    // use. Logout, drop_login, destruction (C_Finalize) and fork (pid, MADV_WIPEONFORK) wipe it.
    struct Cached {
        Object object;
        std::unique_ptr<LockedBox<core::PrivateKey>> key;  // private GOST keys once used
    };
    mutable std::shared_mutex cache_mu;  // readers share it; only mu holders write
    std::unordered_map<ObjectHandle, std::shared_ptr<const Cached>> cache;
    std::uint32_t cache_counter = 0;
    unsigned cache_generation = 0;  // current_fork_generation() when filled

    std::shared_ptr<const Cached> cached(ObjectHandle h) const {
        std::shared_lock lk(cache_mu);
        if (cache.empty() || cache_generation != current_fork_generation()) return nullptr;
        const auto c = db.change_counter();
        if (!c || *c != cache_counter) return nullptr;
        auto it = cache.find(h);
        return it == cache.end() ? nullptr : it->second;
    }

    // Called with `mu` held, after validating `entry` against the file state at `counter`.
    void remember(ObjectHandle h, std::optional<std::uint32_t> counter,
                  std::shared_ptr<const Cached> entry) {
        if (!counter || who != UserType::user) return;
        std::unique_lock lk(cache_mu);
        const unsigned generation = current_fork_generation();
        if (cache_generation != generation || cache_counter != *counter) {
            cache.clear();
            cache_counter = *counter;
            cache_generation = generation;
        }
        cache[h] = std::move(entry);
    }

    void forget(ObjectHandle h) {
        std::unique_lock lk(cache_mu);
        cache.erase(h);
    }

    void drop_cache() noexcept {
        std::unique_lock lk(cache_mu);
        cache.clear();
    }

    void drop_login() noexcept {
        drop_cache();
        who.reset();
        data_key = SecureBytes();
        token_id.clear();
        for (auto it = session.begin(); it != session.end();) {
            if (it->second.is_private())
                it = session.erase(it);
            else
                ++it;
        }
    }

    // The logged-in user's data key, after checking nobody re-initialised the token.
    Status need_user() {
        if (who && login_pid != ::getpid()) drop_login();  // a fork child: the key is wiped
        if (who != UserType::user) {
            return Status(Error::not_logged_in, "the user must be logged in");
        }
        return check_current();
    }

    Status check_current() {
        auto id = read_token_id(db);
        if (!id) {
            if (id.error() == Error::token_not_initialized) {
                drop_login();
                return Status(Error::token_changed, "token was re-initialised; log in again");
            }
            return id.status();
        }
        if (*id != token_id) {
            drop_login();
            return Status(Error::token_changed, "token was re-initialised; log in again");
        }
        return {};
    }

    Status check_not_must_change() {
        auto row = read_pin_row(db, UserType::user);
        if (!row) return row.status();
        if (*row && (*row)->must_change) {
            return Status(Error::pin_expired,
                          "the user PIN is a default PIN and must be changed before keys are used");
        }
        return {};
    }

    Result<Record> load(ObjectHandle h) {
        if (h >= session_handle_base) {
            auto it = session.find(h);
            if (it == session.end()) return Status(Error::object_not_found, "no such object");
            return it->second;
        }
        if (h == invalid_handle || h > static_cast<ObjectHandle>(INT64_MAX)) {
            return Status(Error::object_not_found, "no such object");
        }
        Stmt s(db,
               "SELECT id, class, key_type, param_set, flags, aead_alg, nonce, body FROM objects "
               "WHERE id = ?");
        s.bind(1, static_cast<std::int64_t>(h));
        Status st;
        if (!s.step(st)) {
            if (!st) return st;
            return Status(Error::object_not_found, "no such object");
        }
        return row_record(s);
    }

    static Result<Record> row_record(const Stmt& s) {
        Record r;
        r.id = static_cast<ObjectHandle>(s.column_int(0));
        r.object_class = static_cast<std::uint64_t>(s.column_int(1));
        r.key_type = static_cast<std::uint64_t>(s.column_int(2));
        r.param_set = s.column_int(3);
        const std::int64_t flags = s.column_int(4);
        if (flags < 0 || (static_cast<std::uint64_t>(flags) & ~std::uint64_t{flag_known})) {
            return Status(Error::corrupt, "object " + std::to_string(r.id) + ": unknown flags");
        }
        r.flags = static_cast<std::uint32_t>(flags);
        if (!s.column_is_null(5)) r.aead_alg = s.column_text(5);
        r.nonce = s.column_blob(6);
        r.body = s.column_blob(7);
        r.is_token = true;
        if (r.param_set != -1 && !valid_param_set(r.param_set)) {
            return Status(Error::corrupt, "object " + std::to_string(r.id) + ": bad parameter set");
        }
        // A private object stored without sealing, or a public one with, is an altered file.
        if (r.is_private() != !r.aead_alg.empty()) {
            return Status(Error::integrity_failure,
                          "object " + std::to_string(r.id) + ": private flag and sealing disagree");
        }
        // Keys and secrets exist only sealed: a clear row claiming to be one was planted.
        const bool key_class =
            r.object_class == cko_private_key || r.object_class == cko_secret_key;
        if ((key_class || (r.flags & flag_has_secret)) && !r.is_private()) {
            return Status(Error::integrity_failure,
                          "object " + std::to_string(r.id) + ": a key stored without a seal");
        }
        return r;
    }

    bool visible(const Record& r) const { return !r.is_private() || who == UserType::user; }

    // A record that fails its checks is left out of searches, with the reason logged.
    void hide_bad_record(ObjectHandle id, const Status& why) const {
        detail::log(LogLevel::warning, path.string() + ": object " + std::to_string(id) +
                                           " hidden: " + std::string(why.message()));
    }

    // Decodes (and for private records authenticates and decrypts) a record.
    Result<Decoded> open(const Record& r) {
        if (!r.is_private()) return decode_body(r, r.body);
        if (Status st = need_user(); !st) return st;
        auto plain = detail::aead_open(r.aead_alg, data_key.span(), r.nonce,
                                       record_aad(token_id, r), r.body);
        if (!plain) {
            if (plain.error() == Error::integrity_failure) {
                detail::log(LogLevel::error, path.string() + ": object " + std::to_string(r.id) +
                                                 " failed authentication (tampered or moved)");
                return Status(Error::integrity_failure,
                              "object " + std::to_string(r.id) +
                                  " failed authentication: the record was altered, swapped or "
                                  "moved; it is not used");
            }
            return plain.status();
        }
        return decode_body(r, plain->span());
    }

    // Encodes (and for private records seals) `o` + `secret` into r.body. r.id must be final.
    Status seal(Record& r, const Object& o, std::span<const std::uint8_t> secret) {
        auto body = encode_body(o, secret);
        if (!body) return body.status();
        if (!r.is_private()) {
            r.aead_alg.clear();
            r.nonce.clear();
            r.body.assign(body->data(), body->data() + body->size());
            return {};
        }
        r.aead_alg = std::string(detail::aead_aes256_gcm);
        r.nonce.resize(detail::aead_nonce_bytes);
        if (Status st = detail::random_public(r.nonce); !st) return st;
        auto sealed = detail::aead_seal(r.aead_alg, data_key.span(), r.nonce,
                                        record_aad(token_id, r), body->span());
        if (!sealed) return sealed.status();
        r.body = std::move(*sealed);
        return {};
    }

    // Inserts a record (token: a new row; session: the map) and seals it with its final id.
    Result<ObjectHandle> insert(Record r, const Object& o, std::span<const std::uint8_t> secret) {
        if (!r.is_token) {
            r.id = next_session++;
            if (Status st = seal(r, o, secret); !st) return st;
            const ObjectHandle h = r.id;
            session.emplace(h, std::move(r));
            return h;
        }
        Transaction tx(db);
        if (Status st = tx.begin(); !st) return st;
        if (r.is_private()) {
            if (Status st = check_current(); !st) return st;
        }
        Stmt ins(db,
                 "INSERT INTO objects (class, key_type, param_set, flags, body) "
                 "VALUES (?, ?, ?, ?, x'')");
        ins.bind(1, static_cast<std::int64_t>(r.object_class));
        ins.bind(2, static_cast<std::int64_t>(r.key_type));
        ins.bind(3, r.param_set);
        ins.bind(4, static_cast<std::int64_t>(r.flags));
        if (Status st = ins.run(); !st) return st;
        r.id = static_cast<ObjectHandle>(db.last_insert_rowid());
        if (Status st = seal(r, o, secret); !st) return st;
        if (Status st = write_body(r); !st) return st;
        if (Status st = tx.commit(); !st) return st;
        return r.id;
    }

    Status write_body(const Record& r) {
        Stmt up(db, "UPDATE objects SET flags = ?, aead_alg = ?, nonce = ?, body = ? WHERE id = ?");
        up.bind(1, static_cast<std::int64_t>(r.flags));
        if (r.aead_alg.empty()) {
            up.bind_null(2);
            up.bind_null(3);
        } else {
            up.bind(2, r.aead_alg);
            up.bind_blob(3, r.nonce);
        }
        up.bind_blob(4, r.body);
        up.bind(5, static_cast<std::int64_t>(r.id));
        if (Status st = up.run(); !st) return st;
        if (sqlite3_changes(db.handle()) != 1) {
            return Status(Error::object_not_found, "object was destroyed concurrently");
        }
        return {};
    }

    // Builds the stored form of a new object from a template, checking the keystore's rules.
    Result<Record> record_for(const Object& t, bool has_secret, bool generated) {
        if (Status st = check_attributes(t.attributes, t.object_class); !st) return st;
        const bool key_with_secret =
            t.object_class == cko_private_key || t.object_class == cko_secret_key;
        if (key_with_secret && !t.is_private) {
            return Status(Error::template_inconsistent,
                          "private and secret keys must be private objects");
        }
        if (key_with_secret != has_secret) {
            return Status(Error::template_inconsistent,
                          key_with_secret ? "a private or secret key needs its secret value"
                                          : "only private and secret keys carry a secret value");
        }
        if (t.is_private) {
            if (Status st = need_user(); !st) return st;
        }
        Record r;
        r.object_class = t.object_class;
        r.key_type = t.key_type;
        r.param_set = t.param_set ? static_cast<std::int64_t>(*t.param_set) : -1;
        r.is_token = t.is_token;
        r.flags = (t.is_private ? flag_private : 0) | (t.sensitive ? flag_sensitive : 0) |
                  (t.extractable ? flag_extractable : 0) | (has_secret ? flag_has_secret : 0);
        if (generated) {
            // Born inside the token: "always sensitive" / "never extractable" start true when
            // the key starts that way. Imported keys have been outside, so both stay false.
            if (t.sensitive) r.flags |= flag_always_sensitive;
            if (!t.extractable) r.flags |= flag_never_extractable;
        }
        return r;
    }

    Status check_update(const Record& r, const ObjectUpdate& u, std::uint32_t& flags) {
        if (Status st = check_attributes(u.set, r.object_class); !st) return st;
        flags = r.flags;
        if (u.sensitive) {
            const bool cur = r.flags & flag_sensitive;
            if (cur && !*u.sensitive) {
                return Status(Error::attribute_read_only,
                              "a sensitive key cannot be made non-sensitive");
            }
            if (*u.sensitive) flags |= flag_sensitive;
        }
        if (u.extractable) {
            const bool cur = r.flags & flag_extractable;
            if (!cur && *u.extractable) {
                return Status(Error::attribute_read_only,
                              "a non-extractable key cannot be made extractable");
            }
            if (!*u.extractable) {
                flags &= ~flag_extractable;
            }
        }
        if (!(flags & flag_sensitive)) flags &= ~flag_always_sensitive;
        if (flags & flag_extractable) flags &= ~flag_never_extractable;
        return {};
    }

    // A private GOST key for in-place use: from the cache, else unsealed into locked memory
    // (and cached for the rest of the login).
    Result<std::shared_ptr<const Cached>> private_key(ObjectHandle h) {
        if (auto c = cached(h); c && c->key) return c;
        std::lock_guard lock(mu);
        const auto counter = db.change_counter();
        auto entry = std::make_shared<Cached>();
        entry->key = std::make_unique<LockedBox<core::PrivateKey>>();
        if (Status st = load_private_key(h, *entry->key, &entry->object); !st) return st;
        remember(h, counter, entry);
        return std::shared_ptr<const Cached>(std::move(entry));
    }

    // Loads a private GOST key into locked memory for in-place use.
    Status load_private_key(ObjectHandle h, LockedBox<core::PrivateKey>& key, Object* object) {
        if (Status st = need_user(); !st) return st;
        if (Status st = check_not_must_change(); !st) return st;
        auto r = load(h);
        if (!r) return r.status();
        if (!visible(*r)) return Status(Error::object_not_found, "no such object");
        if (r->object_class != cko_private_key || !is_gost_key_type(r->key_type) ||
            r->param_set < 0 || !(r->flags & flag_has_secret) || !r->is_private()) {
            return Status(Error::key_unusable, "the object is not a GOST R 34.10-2012 private key");
        }
        auto d = open(*r);
        if (!d) return d.status();
        if (!key.valid()) return Status(Error::out_of_memory, "cannot allocate locked memory");
        const auto set = static_cast<core::ParamSet>(r->param_set);
        if (core::Status cs = core::PrivateKey::from_le_bytes(set, d->secret.span(), *key);
            !core::ok(cs)) {
            return Status(Error::corrupt, "stored private key is invalid", cs);
        }
        *object = std::move(d->object);
        return {};
    }
};

Token::Token(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
Token::~Token() = default;

Result<std::unique_ptr<Token>> Token::open(const Config& config,
                                           const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        return Status(Error::token_not_present, path.string() + ": no such token file");
    }
    auto impl = std::make_unique<Impl>();
    impl->config = config;
    impl->path = path;
    if (Status st = impl->db.open(path); !st) return st;
    auto state = file_state(impl->db);
    if (!state) return state.status();
    return std::unique_ptr<Token>(new Token(std::move(impl)));
}

const std::filesystem::path& Token::path() const noexcept {
    return impl_->path;
}

Result<TokenInfo> Token::info() {
    std::lock_guard lock(impl_->mu);
    auto& db = impl_->db;
    TokenInfo info;
    info.path = impl_->path;
    info.pin_min_length = impl_->config.pin_min_length;
    info.pin_max_length = impl_->config.pin_max_length;
    auto state = file_state(db);
    if (!state) return state.status();
    if (*state == FileState::fresh) return info;
    Stmt s(db, "SELECT token_id, label FROM token WHERE singleton = 1");
    Status st;
    if (!s.step(st)) {
        if (!st) return st;
        return info;
    }
    const Bytes id = s.column_blob(0);
    if (id.size() != token_id_bytes) return Status(Error::corrupt, "bad token id");
    info.initialized = true;
    info.label = s.column_text(1);
    info.serial = hex(std::span(id).first(8));
    auto user = read_pin_row(db, UserType::user);
    if (!user) return user.status();
    auto so = read_pin_row(db, UserType::so);
    if (!so) return so.status();
    auto user_state = pin_state(db, UserType::user, *user);
    if (!user_state) return user_state.status();
    auto so_state = pin_state(db, UserType::so, *so);
    if (!so_state) return so_state.status();
    info.user = *user_state;
    info.so = *so_state;
    // A wrap below the minimum cost can only come from a test configuration.
    for (const auto* row : {&*user, &*so}) {
        if (*row && (*row)->wrap.iterations < min_kdf_iterations) info.test_token = true;
    }
    if (info.test_token) info.model = "TEST soft token";
    Stmt c(db, "SELECT flags & 1, count(*) FROM objects GROUP BY flags & 1");
    while (c.step(st)) {
        (c.column_int(0) ? info.private_objects : info.public_objects) =
            static_cast<std::uint64_t>(c.column_int(1));
    }
    if (!st) return st;
    return info;
}

Result<LoginInfo> Token::login(UserType who, std::string_view pin) {
    std::lock_guard lock(impl_->mu);
    if (impl_->who && *impl_->who != who) {
        return Status(Error::already_logged_in,
                      "the " + who_name(*impl_->who) + " is logged in; log out first");
    }
    if (pin.empty() || pin.size() > impl_->config.pin_max_length) {
        return Status(Error::pin_len_range, "PIN length out of range");
    }
    auto v = verify_pin_counted(impl_->db, who, pin);
    if (!v) return v.status();
    // Re-verifying the same user (CKU_CONTEXT_SPECIFIC) keeps its session objects, unless the
    // token was re-initialised meanwhile (a new token id: everything old is void).
    if (impl_->who != who || impl_->token_id != v->token_id) impl_->drop_login();
    impl_->who = who;
    impl_->login_pid = ::getpid();
    impl_->data_key = std::move(v->data_key);
    impl_->token_id = std::move(v->token_id);
    return LoginInfo{v->must_change};
}

void Token::logout() noexcept {
    std::lock_guard lock(impl_->mu);
    impl_->drop_login();
}

std::optional<UserType> Token::logged_in() const noexcept {
    std::lock_guard lock(impl_->mu);
    return impl_->who;
}

Status Token::set_pin(UserType who, std::string_view old_pin, std::string_view new_pin) {
    std::lock_guard lock(impl_->mu);
    // Policy first, so a refused new PIN costs no try of the old one.
    if (Status st = check_new_pin(impl_->config, new_pin); !st) return st;
    if (old_pin.empty() || old_pin.size() > 255) {
        return Status(Error::pin_len_range, "PIN length out of range");
    }
    auto& db = impl_->db;
    auto v = verify_pin_counted(db, who, old_pin);
    if (!v) return v.status();
    auto row = read_pin_row(db, who);
    if (!row) return row.status();
    if (!*row) return Status(Error::token_changed, "PIN record vanished");
    auto wrap =
        make_wrap(v->token_id, who, new_pin, v->data_key.span(), impl_->config.kdf_iterations,
                  (*row)->max_retries, false, impl_->config.test_token);
    if (!wrap) return wrap.status();
    Transaction tx(db);
    if (Status st = tx.begin(); !st) return st;
    auto id = read_token_id(db);
    if (!id) return id.status();
    if (*id != v->token_id) {
        return Status(Error::token_changed, "token was re-initialised during the PIN change");
    }
    if (Status st = store_wrap(db, who, *wrap); !st) return st;
    return tx.commit();
}

Status Token::init_user_pin(std::string_view new_pin, bool must_change) {
    std::lock_guard lock(impl_->mu);
    if (impl_->who != UserType::so) {
        return Status(Error::not_logged_in, "the SO must be logged in to set the user PIN");
    }
    if (Status st = check_pin_format(impl_->config, new_pin); !st) return st;
    if (Status st = impl_->check_current(); !st) return st;
    const bool weak = must_change || is_weak_pin(impl_->config, new_pin);
    // 'separate': the SO's key decrypts nothing; the user gets a new key of its own, and the
    // private objects sealed under the old one are destroyed with it.
    bool separate = false;
    {
        Stmt m(impl_->db, "SELECT so_keys FROM token WHERE singleton = 1");
        Status st;
        if (m.step(st)) separate = m.column_text(0) == "separate";
        if (!st) return st;
    }
    SecureBytes user_key;
    if (separate) {
        user_key = SecureBytes(data_key_bytes);
        if (!user_key.valid()) return Status(Error::out_of_memory, "cannot allocate locked memory");
        if (Status st = detail::random_private(user_key.span()); !st) return st;
    }
    auto wrap =
        make_wrap(impl_->token_id, UserType::user, new_pin,
                  separate ? user_key.span() : impl_->data_key.span(), impl_->config.kdf_iterations,
                  impl_->config.user_max_retries, weak, impl_->config.test_token);
    if (!wrap) return wrap.status();
    auto& db = impl_->db;
    Transaction tx(db);
    if (Status st = tx.begin(); !st) return st;
    if (Status st = impl_->check_current(); !st) return st;
    if (Status st = store_wrap(db, UserType::user, *wrap); !st) {
        return st;
    }
    if (separate) {
        if (Status st = db.exec("DELETE FROM objects WHERE (flags & 1) = 1"); !st) return st;
        detail::log(LogLevel::warning,
                    impl_->path.string() +
                        ": user PIN set by the SO on a token whose SO cannot restore user keys: "
                        "a new user key was made and every private object was destroyed");
    }
    return tx.commit();
}

Result<ObjectHandle> Token::create_object(const Object& tmpl,
                                          std::span<const std::uint8_t> secret) {
    std::lock_guard lock(impl_->mu);
    if (auto id = read_token_id(impl_->db); !id) return id.status();
    auto rec = impl_->record_for(tmpl, !secret.empty(), false);
    if (!rec) return rec.status();
    Object o = tmpl;
    if (tmpl.object_class == cko_private_key) {
        if (!is_gost_key_type(tmpl.key_type) || !tmpl.param_set ||
            gost_key_type_for(*tmpl.param_set) != tmpl.key_type) {
            return Status(Error::template_inconsistent,
                          "a private key needs a GOST key type matching its parameter set");
        }
        LockedBox<core::PrivateKey> key;
        if (!key.valid()) return Status(Error::out_of_memory, "cannot allocate locked memory");
        if (core::Status cs = core::PrivateKey::from_le_bytes(*tmpl.param_set, secret, *key);
            !core::ok(cs)) {
            return crypto_status(cs, "private key rejected");
        }
        core::PublicKey pub;
        if (core::Status cs = key->derive_public(pub); !core::ok(cs)) {
            return crypto_status(cs, "cannot derive the public key");
        }
        const auto xy = pub.le_xy();
        if (!tmpl.public_key.empty() &&
            !std::equal(xy.begin(), xy.end(), tmpl.public_key.begin(), tmpl.public_key.end())) {
            return Status(Error::template_inconsistent,
                          "public_key does not match the private scalar");
        }
        o.public_key.assign(xy.begin(), xy.end());
    } else if (tmpl.object_class == cko_public_key && is_gost_key_type(tmpl.key_type) &&
               !tmpl.public_key.empty()) {
        if (!tmpl.param_set || gost_key_type_for(*tmpl.param_set) != tmpl.key_type) {
            return Status(Error::template_inconsistent,
                          "a GOST public key needs a key type matching its parameter set");
        }
        core::PublicKey pub;
        if (core::Status cs = core::PublicKey::from_le_xy(*tmpl.param_set, tmpl.public_key, pub);
            !core::ok(cs)) {
            return crypto_status(cs, "public key rejected");
        }
    }
    return impl_->insert(std::move(*rec), o, secret);
}

Result<ObjectHandle> Token::copy_object(ObjectHandle handle, const ObjectUpdate& update,
                                        std::optional<bool> to_token) {
    std::lock_guard lock(impl_->mu);
    auto r = impl_->load(handle);
    if (!r) return r.status();
    if (!impl_->visible(*r)) return Status(Error::object_not_found, "no such object");
    auto d = impl_->open(*r);
    if (!d) return d.status();
    std::uint32_t flags = 0;
    if (Status st = impl_->check_update(*r, update, flags); !st) return st;
    Record nr = *r;
    nr.flags = flags;
    if (to_token) nr.is_token = *to_token;
    nr.id = invalid_handle;
    apply_attributes(d->object.attributes, update.set);
    return impl_->insert(std::move(nr), d->object, d->secret.span());
}

Result<std::vector<ObjectHandle>> Token::find_objects(const ObjectQuery& query) {
    std::lock_guard lock(impl_->mu);
    auto& impl = *impl_;
    if (auto id = read_token_id(impl.db); !id) return id.status();
    if (impl.who == UserType::user) {
        if (Status st = impl.check_current(); !st) return st;
    }
    std::vector<Record> records;
    {
        // Filter on the typed columns in SQL; private rows only when they could be visible.
        Stmt s(impl.db,
               "SELECT id, class, key_type, param_set, flags, aead_alg, nonce, body FROM objects "
               "WHERE (?1 OR (flags & 1) = 0) AND (?2 IS NULL OR class = ?2) "
               "AND (?3 IS NULL OR key_type = ?3) ORDER BY id");
        s.bind(1, impl.who == UserType::user ? 1 : 0);
        if (query.object_class)
            s.bind(2, static_cast<std::int64_t>(*query.object_class));
        else
            s.bind_null(2);
        if (query.key_type)
            s.bind(3, static_cast<std::int64_t>(*query.key_type));
        else
            s.bind_null(3);
        Status st;
        while (s.step(st)) {
            auto r = Impl::row_record(s);
            if (!r) {
                impl.hide_bad_record(static_cast<ObjectHandle>(s.column_int(0)), r.status());
                continue;
            }
            records.push_back(std::move(*r));
        }
        if (!st) return st;
    }
    for (const auto& [h, r] : impl.session) records.push_back(r);
    std::vector<ObjectHandle> out;
    for (const auto& r : records) {
        if (!impl.visible(r)) continue;
        // Private records are authenticated even when only typed fields are queried, so an
        // altered record is hidden rather than listed; the others are still found.
        auto d = impl.open(r);
        if (!d) {
            if (d.error() != Error::integrity_failure && d.error() != Error::corrupt)
                return d.status();
            impl.hide_bad_record(r.id, d.status());
            continue;
        }
        if (matches(d->object, query)) out.push_back(r.id);
    }
    return out;
}

Result<Object> Token::read_object(ObjectHandle handle) {
    if (auto c = impl_->cached(handle)) return c->object;
    std::lock_guard lock(impl_->mu);
    const auto counter = impl_->db.change_counter();
    auto r = impl_->load(handle);
    if (!r) return r.status();
    if (!impl_->visible(*r)) return Status(Error::object_not_found, "no such object");
    auto d = impl_->open(*r);
    if (!d) return d.status();
    auto entry = std::make_shared<Impl::Cached>();
    entry->object = d->object;
    impl_->remember(handle, counter, std::move(entry));
    return std::move(d->object);
}

Status Token::update_object(ObjectHandle handle, const ObjectUpdate& update) {
    std::lock_guard lock(impl_->mu);
    auto& impl = *impl_;
    if (handle >= session_handle_base) {
        auto r = impl.load(handle);
        if (!r) return r.status();
        if (!impl.visible(*r)) return Status(Error::object_not_found, "no such object");
        auto d = impl.open(*r);
        if (!d) return d.status();
        std::uint32_t flags = 0;
        if (Status st = impl.check_update(*r, update, flags); !st) return st;
        apply_attributes(d->object.attributes, update.set);
        Record nr = *r;
        nr.flags = flags;
        if (Status st = impl.seal(nr, d->object, d->secret.span()); !st) return st;
        impl.session[handle] = std::move(nr);
        impl.forget(handle);
        return {};
    }
    // Token object: read, check and rewrite under one write transaction.
    Transaction tx(impl.db);
    if (Status st = tx.begin(); !st) return st;
    auto r = impl.load(handle);
    if (!r) return r.status();
    if (!impl.visible(*r)) return Status(Error::object_not_found, "no such object");
    auto d = impl.open(*r);
    if (!d) return d.status();
    std::uint32_t flags = 0;
    if (Status st = impl.check_update(*r, update, flags); !st) return st;
    apply_attributes(d->object.attributes, update.set);
    Record nr = *r;
    nr.flags = flags;
    if (Status st = impl.seal(nr, d->object, d->secret.span()); !st) return st;
    if (Status st = impl.write_body(nr); !st) return st;
    return tx.commit();
}

Status Token::destroy_object(ObjectHandle handle) {
    std::lock_guard lock(impl_->mu);
    auto& impl = *impl_;
    auto r = impl.load(handle);
    if (!r) return r.status();
    if (!impl.visible(*r)) return Status(Error::object_not_found, "no such object");
    if (r->is_private()) {
        if (Status st = impl.need_user(); !st) return st;
    }
    if (!r->is_token) {
        impl.session.erase(handle);
        impl.forget(handle);
        return {};
    }
    Stmt del(impl.db, "DELETE FROM objects WHERE id = ?");
    del.bind(1, static_cast<std::int64_t>(handle));
    if (Status st = del.run(); !st) return st;
    if (sqlite3_changes(impl.db.handle()) != 1) {
        return Status(Error::object_not_found, "object was destroyed concurrently");
    }
    // Give freed pages back, a bounded number per deletion so no single call pauses writers
    // for long (signers do not touch the file). A no-op unless auto_vacuum is incremental.
    (void)impl.db.exec("PRAGMA incremental_vacuum(256)");
    return {};
}

Result<KeyPairHandles> Token::generate_key_pair(core::ParamSet set, const Object& public_template,
                                                const Object& private_template) {
    std::lock_guard lock(impl_->mu);
    auto& impl = *impl_;
    if (Status st = impl.need_user(); !st) return st;
    Object pub_t = public_template, priv_t = private_template;
    pub_t.object_class = cko_public_key;
    priv_t.object_class = cko_private_key;
    pub_t.key_type = priv_t.key_type = gost_key_type_for(set);
    pub_t.param_set = priv_t.param_set = set;
    auto pub_rec = impl.record_for(pub_t, false, true);
    if (!pub_rec) return pub_rec.status();
    auto priv_rec = impl.record_for(priv_t, true, true);
    if (!priv_rec) return priv_rec.status();

    LockedBox<core::PrivateKey> key;
    if (!key.valid()) return Status(Error::out_of_memory, "cannot allocate locked memory");
    if (core::Status cs = core::PrivateKey::generate(set, *key); !core::ok(cs)) {
        return crypto_status(cs, "key generation failed");
    }
    core::PublicKey pub;
    if (core::Status cs = key->derive_public(pub); !core::ok(cs)) {
        return crypto_status(cs, "cannot derive the public key");
    }
    const auto xy = pub.le_xy();
    pub_t.public_key.assign(xy.begin(), xy.end());
    priv_t.public_key.assign(xy.begin(), xy.end());

    // Both token halves land in one transaction: a crash leaves both or neither.
    KeyPairHandles out;
    const bool any_token = pub_rec->is_token || priv_rec->is_token;
    Transaction tx(impl.db);
    if (any_token) {
        if (Status st = tx.begin(); !st) return st;
    }
    auto insert_in_tx = [&](Record r, const Object& o,
                            std::span<const std::uint8_t> secret) -> Result<ObjectHandle> {
        if (!r.is_token) return impl.insert(std::move(r), o, secret);
        Stmt ins(impl.db,
                 "INSERT INTO objects (class, key_type, param_set, flags, body) "
                 "VALUES (?, ?, ?, ?, x'')");
        ins.bind(1, static_cast<std::int64_t>(r.object_class));
        ins.bind(2, static_cast<std::int64_t>(r.key_type));
        ins.bind(3, r.param_set);
        ins.bind(4, static_cast<std::int64_t>(r.flags));
        if (Status st = ins.run(); !st) return st;
        r.id = static_cast<ObjectHandle>(impl.db.last_insert_rowid());
        if (Status st = impl.seal(r, o, secret); !st) return st;
        if (Status st = impl.write_body(r); !st) return st;
        return r.id;
    };
    if (any_token) {
        if (Status st = impl.check_current(); !st) return st;
    }
    auto ph = insert_in_tx(std::move(*pub_rec), pub_t, {});
    if (!ph) return ph.status();
    auto kh = insert_in_tx(std::move(*priv_rec), priv_t, key->le_bytes());
    if (!kh) {
        if (*ph >= session_handle_base) impl.session.erase(*ph);
        return kh.status();
    }
    if (any_token) {
        if (Status st = tx.commit(); !st) {
            if (*ph >= session_handle_base) impl.session.erase(*ph);
            if (*kh >= session_handle_base) impl.session.erase(*kh);
            return st;
        }
    }
    out.public_key = *ph;
    out.private_key = *kh;
    return out;
}

Result<Bytes> Token::sign_digest(ObjectHandle private_key, std::span<const std::uint8_t> digest) {
    auto entry = impl_->private_key(private_key);  // no lock held while signing
    if (!entry) return entry.status();
    const core::PrivateKey& key = **(*entry)->key;
    Bytes sig(core::param_set_info(key.param_set()).signature_bytes());
    if (core::Status cs = core::sign_digest(key, digest, sig); !core::ok(cs)) {
        return crypto_status(cs, "signing failed");
    }
    return sig;
}

Result<SecureBytes> Token::vko(ObjectHandle private_key,
                               std::span<const std::uint8_t> peer_public_xy,
                               std::span<const std::uint8_t> ukm, core::DigestSize kek_size) {
    auto entry = impl_->private_key(private_key);
    if (!entry) return entry.status();
    const core::PrivateKey& key = **(*entry)->key;
    core::PublicKey peer;
    if (core::Status cs = core::PublicKey::from_le_xy(key.param_set(), peer_public_xy, peer);
        !core::ok(cs)) {
        return crypto_status(cs, "peer public key rejected");
    }
    SecureBytes kek(core::digest_bytes(kek_size));
    if (!kek.valid()) return Status(Error::out_of_memory, "cannot allocate locked memory");
    if (core::Status cs = core::vko(key, peer, ukm, kek_size, kek.span()); !core::ok(cs)) {
        return crypto_status(cs, "VKO failed");
    }
    return kek;
}

Result<SecureBytes> Token::read_secret_value(ObjectHandle secret_key) {
    std::lock_guard lock(impl_->mu);
    auto r = impl_->load(secret_key);
    if (!r) return r.status();
    if (!impl_->visible(*r)) return Status(Error::object_not_found, "no such object");
    if (r->object_class != cko_secret_key) {
        return Status(Error::attribute_sensitive,
                      "only secret keys' values can be read; private keys never leave the token");
    }
    if ((r->flags & flag_sensitive) || !(r->flags & flag_extractable)) {
        return Status(Error::attribute_sensitive, "the key is sensitive or not extractable");
    }
    if (Status st = impl_->need_user(); !st) return st;
    if (Status st = impl_->check_not_must_change(); !st) return st;
    auto d = impl_->open(*r);
    if (!d) return d.status();
    return std::move(d->secret);
}

}  // namespace gostcsp::keystore
