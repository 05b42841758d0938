// SPDX-License-Identifier: Apache-2.0
// Token::Impl: login checks, record access and the per-login key cache.
#include "token_impl.hpp"

#include <pthread.h>
#include <unistd.h>

#include <atomic>

#include "log.hpp"
#include "pin_store.hpp"
#include "token_file.hpp"

namespace gostcsp::keystore {

using namespace detail;

namespace detail {
namespace {
std::atomic<unsigned> fork_generation{0};
}  // namespace
// glibc unregisters the handler when the module is unloaded.
unsigned current_fork_generation() {
    static std::once_flag once;
    std::call_once(once, [] { ::pthread_atfork(nullptr, nullptr, [] { ++fork_generation; }); });
    return fork_generation.load(std::memory_order_relaxed);
}
}  // namespace detail

Status Token::Impl::need_user() {
    if (who && login_pid != ::getpid()) drop_login();  // a fork child: the key is wiped
    if (who != UserType::user) {
        return Status(Error::not_logged_in, "the user must be logged in");
    }
    return check_current();
}

Status Token::Impl::check_current() {
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

Status Token::Impl::check_not_must_change() {
    auto row = read_pin_row(db, UserType::user);
    if (!row) return row.status();
    if (*row && (*row)->must_change) {
        return Status(Error::pin_expired,
                      "the user PIN is a default PIN and must be changed before keys are used");
    }
    return {};
}

Result<Record> Token::Impl::load(ObjectHandle h) {
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

// A record that fails its checks is left out of searches, with the reason logged.
void Token::Impl::hide_bad_record(ObjectHandle id, const Status& why) const {
    detail::log(LogLevel::warning, path.string() + ": object " + std::to_string(id) +
                                       " hidden: " + std::string(why.message()));
}

// Decodes (and for private records authenticates and decrypts) a record.

Result<Decoded> Token::Impl::open(const Record& r) {
    if (!r.is_private()) return decode_body(r, r.body);
    if (Status st = need_user(); !st) return st;
    auto plain =
        detail::aead_open(r.aead_alg, data_key.span(), r.nonce, record_aad(token_id, r), r.body);
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

Status Token::Impl::seal(Record& r, const Object& o, std::span<const std::uint8_t> secret) {
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
    auto sealed = detail::aead_seal(r.aead_alg, data_key.span(), r.nonce, record_aad(token_id, r),
                                    body->span());
    if (!sealed) return sealed.status();
    r.body = std::move(*sealed);
    return {};
}

// Inserts a record (token: a new row; session: the map) and seals it with its final id.

Result<ObjectHandle> Token::Impl::insert(Record r, const Object& o,
                                         std::span<const std::uint8_t> secret) {
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

Status Token::Impl::write_body(const Record& r) {
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

Result<Record> Token::Impl::record_for(const Object& t, bool has_secret, bool generated) {
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

Status Token::Impl::check_update(const Record& r, const ObjectUpdate& u, std::uint32_t& flags) {
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

Result<std::shared_ptr<const Token::Impl::Cached>> Token::Impl::private_key(ObjectHandle h) {
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

Status Token::Impl::load_private_key(ObjectHandle h, LockedBox<core::PrivateKey>& key,
                                     Object* object) {
    if (Status st = need_user(); !st) return st;
    if (Status st = check_not_must_change(); !st) return st;
    auto r = load(h);
    if (!r) return r.status();
    if (!visible(*r)) return Status(Error::object_not_found, "no such object");
    if (r->object_class != cko_private_key || !is_gost_key_type(r->key_type) || r->param_set < 0 ||
        !(r->flags & flag_has_secret) || !r->is_private()) {
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

}  // namespace gostcsp::keystore
