// SPDX-License-Identifier: Apache-2.0
// Token::Impl: one open token's login state, per-login key cache, session objects and the
// record access (load, authenticate, seal, insert) that the Token methods share.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_map>

#include "gostcsp/gost3410.hpp"
#include "gostcsp/keystore/token.hpp"
#include "internal.hpp"
#include "records.hpp"
#include "sqlite_db.hpp"

namespace gostcsp::keystore {

namespace detail {
// Bumped in every fork child (pthread_atfork), so the cache fast path notices a fork without a
// getpid() system call.
unsigned current_fork_generation();
}  // namespace detail

struct Token::Impl {
    Config config;
    std::filesystem::path path;
    detail::Db db;
    mutable std::mutex mu;  // every call except the cache fast paths below
    std::optional<UserType> who;
    pid_t login_pid = 0;  // a fork child inherits no login (its locked pages are wiped)
    SecureBytes data_key;
    Bytes token_id;  // of the login
    std::map<ObjectHandle, detail::Record> session;
    ObjectHandle next_session = session_handle_base;

    // ---- per-login cache: signing and reading without touching the file ----
    // Objects opened during the user's login, and the unsealed private keys used, keyed by
    // handle. An entry is valid while the file's change counter equals cache_counter (read
    // before the entry was validated under `mu`) and in the process that made it; any commit
    // by anyone (a re-initialisation, a PIN change, a destroyed object) empties it on the next
    // use. Logout, drop_login, destruction (C_Finalize) and fork (pid, MADV_WIPEONFORK) wipe it.
    struct Cached {
        Object object;
        std::unique_ptr<detail::LockedBox<core::PrivateKey>> key;  // private GOST keys once used
    };
    mutable std::shared_mutex cache_mu;  // readers share it; only mu holders write
    std::unordered_map<ObjectHandle, std::shared_ptr<const Cached>> cache;
    std::uint32_t cache_counter = 0;
    unsigned cache_generation = 0;  // detail::current_fork_generation() when filled

    std::shared_ptr<const Cached> cached(ObjectHandle h) const {
        std::shared_lock lk(cache_mu);
        if (cache.empty() || cache_generation != detail::current_fork_generation()) return nullptr;
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
        const unsigned generation = detail::current_fork_generation();
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

    bool visible(const detail::Record& r) const {
        return !r.is_private() || who == UserType::user;
    }

    // The logged-in user's data key, after checking nobody re-initialised the token.
    Status need_user();
    Status check_current();
    Status check_not_must_change();
    Result<detail::Record> load(ObjectHandle h);
    // A record that fails its checks is left out of searches, with the reason logged.
    void hide_bad_record(ObjectHandle id, const Status& why) const;
    // Decodes (and for private records authenticates and decrypts) a record.
    Result<detail::Decoded> open(const detail::Record& r);
    // Encodes (and for private records seals) `o` + `secret` into r.body. r.id must be final.
    Status seal(detail::Record& r, const Object& o, std::span<const std::uint8_t> secret);
    // Inserts a record (token: a new row; session: the map) and seals it with its final id.
    Result<ObjectHandle> insert(detail::Record r, const Object& o,
                                std::span<const std::uint8_t> secret);
    Status write_body(const detail::Record& r);
    // Builds the stored form of a new object from a template, checking the keystore's rules.
    Result<detail::Record> record_for(const Object& t, bool has_secret, bool generated);
    Status check_update(const detail::Record& r, const ObjectUpdate& u, std::uint32_t& flags);
    // A private GOST key for in-place use: from the cache, else unsealed into locked memory
    // (and cached for the rest of the login).
    Result<std::shared_ptr<const Cached>> private_key(ObjectHandle h);
    // Loads a private GOST key into locked memory for in-place use.
    Status load_private_key(ObjectHandle h, detail::LockedBox<core::PrivateKey>& key,
                            Object* object);
};

}  // namespace gostcsp::keystore
