// SPDX-License-Identifier: Apache-2.0
// Token::Impl: login checks, record access and the per-login key cache.
#include "token_impl.hpp"

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <utility>

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
    Stmt s(db, std::string("SELECT ") + record_columns + " FROM objects WHERE id = ?");
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

Result<Decoded> Token::Impl::open_sealed(const Record& r) {
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

Result<Decoded> Token::Impl::open(const Record& r) {
    if (!r.is_private()) return decode_body(r, r.body);
    if (Status st = need_user(); !st) return st;
    auto d = open_sealed(r);
    if (!d) return d;
    if (r.is_token) {
        if (Status st = check_in_manifest(r); !st) return st;
    }
    return d;
}

Result<Bytes> Token::Impl::public_tag_key() {
    auto id = read_token_id(db);
    if (!id) return id.status();
    return public_index_key(*id);
}

Status Token::Impl::seal(Record& r, const Object& o, std::span<const std::uint8_t> secret) {
    auto body = encode_body(o, secret);
    if (!body) return body.status();
    if (r.is_token) {
        Tags tags;
        if (r.is_private()) {
            tags = object_tags(index_key.span(), o);
        } else {
            auto key = public_tag_key();
            if (!key) return key.status();
            tags = object_tags(*key, o);
        }
        r.label_tag = std::move(tags.label);
        r.id_tag = std::move(tags.id);
    }
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
    auto h = insert_row(r, o, secret);
    if (!h) return h;
    if (Status st = commit(tx); !st) return st;
    return h;
}

Result<ObjectHandle> Token::Impl::insert_row(Record& r, const Object& o,
                                             std::span<const std::uint8_t> secret) {
    Stmt ins(db,
             "INSERT INTO objects (class, key_type, param_set, flags, body) "
             "VALUES (?, ?, ?, ?, x'')");
    ins.bind(1, static_cast<std::int64_t>(r.object_class));
    ins.bind(2, static_cast<std::int64_t>(r.key_type));
    ins.bind(3, r.param_set);
    ins.bind(4, static_cast<std::int64_t>(r.flags));
    if (Status st = ins.run(); !st) return st;
    r.id = static_cast<ObjectHandle>(db.last_insert_rowid());
    if (Status st = write_record(r, o, secret, nullptr); !st) return st;
    return r.id;
}

Status Token::Impl::write_record(Record& r, const Object& o, std::span<const std::uint8_t> secret,
                                 const Record* old) {
    if (!(r.is_private() && r.is_token)) {
        if (Status st = seal(r, o, secret); !st) return st;
        return write_body(r);
    }
    auto m = manifest_for_write();
    if (!m) return m.status();
    if (old && old->version >= 0) {
        if (Status st = manifest_toggle(*m, manifest_key.span(), old->id,
                                        static_cast<std::uint64_t>(old->version));
            !st) {
            return st;
        }
    } else {
        ++m->count;
    }
    r.version = static_cast<std::int64_t>(++m->counter);
    if (Status st = manifest_toggle(*m, manifest_key.span(), r.id, m->counter); !st) return st;
    if (Status st = seal(r, o, secret); !st) return st;
    if (Status st = write_body(r); !st) return st;
    wrote_manifest = true;
    return store_manifest(db, data_key.span(), token_id, *m);
}

Status Token::Impl::unlist_record(const Record& old) {
    if (!(old.is_private() && old.is_token) || old.version < 0) return {};
    auto m = manifest_for_write();
    if (!m) return m.status();
    if (Status st = manifest_toggle(*m, manifest_key.span(), old.id,
                                    static_cast<std::uint64_t>(old.version));
        !st) {
        return st;
    }
    --m->count;
    ++m->counter;
    wrote_manifest = true;
    return store_manifest(db, data_key.span(), token_id, *m);
}

Result<Manifest> Token::Impl::manifest_for_write() {
    auto m = load_manifest(db, data_key.span(), token_id);
    if (!m) return m.status();
    if (!*m) {
        return Status(Error::integrity_failure,
                      "the token's record manifest is missing; private objects cannot be changed");
    }
    if (highest_token_id == token_id && (*m)->counter < highest_counter) {
        return Status(Error::integrity_failure,
                      "the token file was rolled back to an earlier state (record manifest older "
                      "than one this process has seen)");
    }
    return **m;
}

Status Token::Impl::write_body(const Record& r) {
    Stmt up(db,
            "UPDATE objects SET flags = ?, aead_alg = ?, nonce = ?, body = ?, version = ?, "
            "label_tag = ?, id_tag = ? WHERE id = ?");
    up.bind(1, static_cast<std::int64_t>(r.flags));
    if (r.aead_alg.empty()) {
        up.bind_null(2);
        up.bind_null(3);
    } else {
        up.bind(2, r.aead_alg);
        up.bind_blob(3, r.nonce);
    }
    up.bind_blob(4, r.body);
    if (r.version >= 0)
        up.bind(5, r.version);
    else
        up.bind_null(5);
    if (r.label_tag.empty())
        up.bind_null(6);
    else
        up.bind_blob(6, r.label_tag);
    if (r.id_tag.empty())
        up.bind_null(7);
    else
        up.bind_blob(7, r.id_tag);
    up.bind(8, static_cast<std::int64_t>(r.id));
    if (Status st = up.run(); !st) return st;
    if (sqlite3_changes(db.handle()) != 1) {
        return Status(Error::object_not_found, "object was destroyed concurrently");
    }
    return {};
}

void Token::Impl::saw_manifest(std::uint64_t counter) {
    if (highest_token_id != token_id) {
        highest_token_id = token_id;
        highest_counter = 0;
    }
    highest_counter = std::max(highest_counter, counter);
}

Status Token::Impl::commit(Transaction& tx) {
    const bool wrote = std::exchange(wrote_manifest, false);
    // Under the write lock nobody else commits: if the verdict was current before this commit
    // and the counter moved by exactly this one, the verdict still holds (the manifest and rows
    // changed together here), so the next read needs no full re-verification.
    const auto before = db.change_counter();
    if (Status st = tx.commit(); !st) return st;
    const auto after = db.change_counter();
    if (before && after && verified_at == before && *after == *before + 1) verified_at = after;
    if (wrote) {
        // The committed counter (another process may have moved it on since: also genuine).
        Stmt s(db, "SELECT counter FROM manifest WHERE singleton = 1");
        Status st;
        if (s.step(st) && s.column_int(0) >= 0) {
            saw_manifest(static_cast<std::uint64_t>(s.column_int(0)));
        }
    }
    return {};
}

Status Token::Impl::derive_login_keys() {
    auto ik = derive_index_key(data_key.span());
    if (!ik) return ik.status();
    auto mk = derive_manifest_key(data_key.span());
    if (!mk) return mk.status();
    index_key = std::move(*ik);
    manifest_key = std::move(*mk);
    verified_at.reset();
    return {};
}

Status Token::Impl::ensure_manifest() {
    {
        auto m = load_manifest(db, data_key.span(), token_id);
        if (m && *m) return {};  // the usual case, without taking the write lock
    }
    Transaction tx(db);
    if (Status st = tx.begin(); !st) return st;
    auto m = load_manifest(db, data_key.span(), token_id);
    if (!m) {
        if (m.error() != Error::integrity_failure) return m.status();
        detail::log(LogLevel::error, path.string() + ": " + std::string(m.status().message()) +
                                         "; private objects are refused");
        return {};
    }
    if (*m) return {};
    auto d = digest_private_rows(db, manifest_key.span(), true);
    if (!d) return d.status();
    if (d->count > 0) {
        detail::log(LogLevel::error, path.string() +
                                         ": the record manifest was removed while versioned "
                                         "private records exist; private objects are refused");
        return {};
    }
    // A new token, or one upgraded from format 2: version its private records.
    Manifest nm;
    for (const auto id : d->unversioned) {
        auto r = load(id);
        if (!r) continue;
        auto dec = open_sealed(*r);
        if (!dec) continue;  // left unversioned: refused when used, as before
        Record nr = *r;
        nr.version = static_cast<std::int64_t>(++nm.counter);
        if (Status st = manifest_toggle(nm, manifest_key.span(), nr.id, nm.counter); !st) {
            return st;
        }
        ++nm.count;
        if (Status st = seal(nr, dec->object, dec->secret.span()); !st) return st;
        if (Status st = write_body(nr); !st) return st;
    }
    if (Status st = store_manifest(db, data_key.span(), token_id, nm); !st) return st;
    wrote_manifest = true;
    if (!d->unversioned.empty()) {
        detail::log(LogLevel::info, path.string() + ": " + std::to_string(nm.count) +
                                        " private records versioned into a new record manifest");
    }
    return commit(tx);
}

Status Token::Impl::verify_records() {
    const auto before = db.change_counter();
    if (before && verified_at == before) return {};
    const bool own_read = sqlite3_get_autocommit(db.handle()) != 0;
    if (own_read) {
        if (Status st = db.exec("BEGIN"); !st) return st;
    }
    struct End {
        Db& db;
        bool active;
        ~End() {
            if (active) (void)db.exec("COMMIT");
        }
    } end{db, own_read};
    all_bad = Status();
    bad_group.fill(false);
    auto m = load_manifest(db, data_key.span(), token_id);
    if (!m) {
        if (m.error() != Error::integrity_failure) return m.status();
        all_bad = m.status();
    } else if (!*m) {
        all_bad = Status(Error::integrity_failure, "the token's record manifest is missing");
    } else if (highest_token_id == token_id && (*m)->counter < highest_counter) {
        all_bad = Status(Error::integrity_failure,
                         "the token file was rolled back to an earlier state (record manifest " +
                             std::to_string((*m)->counter) + " older than " +
                             std::to_string(highest_counter) + " seen by this process)");
    } else {
        saw_manifest((*m)->counter);
        auto d = digest_private_rows(db, manifest_key.span());
        if (!d) return d.status();
        std::size_t n_bad = 0;
        for (std::size_t g = 0; g < manifest_groups; ++g) {
            bad_group[g] = d->groups[g] != (*m)->groups[g];
            n_bad += bad_group[g];
        }
        if (n_bad) {
            detail::log(LogLevel::error,
                        path.string() + ": " + std::to_string(n_bad) +
                            " record group(s) disagree with the record manifest (a record was "
                            "rolled back, removed or planted); their private objects are refused");
        }
    }
    if (!all_bad.ok()) {
        detail::log(LogLevel::error, path.string() + ": " + std::string(all_bad.message()));
    }
    if (own_read) {
        end.active = false;
        if (Status st = db.exec("COMMIT"); !st) return st;
    }
    if (before && db.change_counter() == before) verified_at = before;
    return {};
}

Status Token::Impl::check_in_manifest(const Record& r) {
    if (Status st = verify_records(); !st) return st;
    if (!all_bad.ok()) {
        return Status(
            Error::integrity_failure,
            "object " + std::to_string(r.id) + " is not used: " + std::string(all_bad.message()));
    }
    if (r.version < 0) {
        return Status(Error::integrity_failure,
                      "object " + std::to_string(r.id) +
                          " is not in the token's record manifest (a format-2 record planted "
                          "after the upgrade); it is not used");
    }
    if (bad_group[manifest_group(r.id)]) {
        return Status(Error::integrity_failure,
                      "object " + std::to_string(r.id) +
                          " is not used: it or another record of its group (id mod " +
                          std::to_string(manifest_groups) +
                          ") was rolled back to an older copy, removed or planted");
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
