// SPDX-License-Identifier: Apache-2.0
// PIN records and verification under the attempt protocol.
#include "pin_store.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "gostcsp/keystore/testing.hpp"
#include "log.hpp"
#include "pin_attempts.hpp"
#include "token_file.hpp"

namespace gostcsp::keystore {

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

namespace detail {

namespace {
constexpr std::string_view aad_wrap_tag = "gostcsp/data-key/v2";

// How long a login waits for attempts in flight before giving up with `busy`.
constexpr auto admission_wait_limit = std::chrono::seconds(120);

Status locked_status(UserType who) {
    return Status(Error::pin_locked,
                  who == UserType::user
                      ? "user PIN is locked; the SO must set a new user PIN (unblock)"
                      : "SO PIN is locked; only re-initialising the token (which destroys "
                        "its keys) recovers");
}
}  // namespace

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

}  // namespace detail
}  // namespace gostcsp::keystore
