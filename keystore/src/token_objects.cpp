// SPDX-License-Identifier: Apache-2.0
// Object management: create, copy, find, read, update, destroy, generate a key pair.
#include "gostcsp/keystore/token.hpp"

#include <algorithm>

#include "record_index.hpp"
#include "records.hpp"
#include "token_file.hpp"
#include "token_impl.hpp"

namespace gostcsp::keystore {

using namespace detail;

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

Result<ObjectHandle> Token::create_object(const Object& tmpl, std::span<const std::uint8_t> secret,
                                          SecretOrigin origin) {
    if (tmpl.object_class != cko_secret_key) {
        return Status(Error::template_inconsistent, "only secret keys take a SecretOrigin");
    }
    std::lock_guard lock(impl_->mu);
    if (auto id = read_token_id(impl_->db); !id) return id.status();
    auto rec = impl_->record_for(tmpl, !secret.empty(), false);
    if (!rec) return rec.status();
    if (origin.always_sensitive && tmpl.sensitive) rec->flags |= flag_always_sensitive;
    if (origin.never_extractable && !tmpl.extractable) rec->flags |= flag_never_extractable;
    return impl_->insert(std::move(*rec), tmpl, secret);
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
        // Filter on the typed columns and the index tags in SQL (record_index.hpp); private
        // rows only when they could be visible. The decoded objects are matched exactly below.
        const bool user = impl.who == UserType::user;
        std::string sql = std::string("SELECT ") + record_columns + " FROM objects WHERE 1";
        if (!user) sql += " AND (flags & 1) = 0";
        if (query.object_class) sql += " AND class = :class";
        if (query.key_type) sql += " AND key_type = :key_type";
        const Attribute* label = nullptr;
        const Attribute* ckaid = nullptr;
        for (const auto& a : query.attributes) {
            if (a.type == cka_label_type && !label) label = &a;
            if (a.type == cka_id_type && !ckaid) ckaid = &a;
        }
        if (label) sql += " AND label_tag IN (:label_pub, :label_priv)";
        if (ckaid) sql += " AND id_tag IN (:id_pub, :id_priv)";
        sql += " ORDER BY id";
        Stmt s(impl.db, sql);
        auto idx = [&](const char* name) { return sqlite3_bind_parameter_index(s.handle(), name); };
        if (query.object_class)
            s.bind(idx(":class"), static_cast<std::int64_t>(*query.object_class));
        if (query.key_type) s.bind(idx(":key_type"), static_cast<std::int64_t>(*query.key_type));
        if (label || ckaid) {
            auto pub = impl.public_tag_key();
            if (!pub) return pub.status();
            auto bind_tags = [&](const Attribute* a, const char* p, const char* q) {
                if (!a) return;
                s.bind_blob(idx(p), index_tag(*pub, a->type, a->value));
                if (user)
                    s.bind_blob(idx(q), index_tag(impl.index_key.span(), a->type, a->value));
                else
                    s.bind_null(idx(q));
            };
            bind_tags(label, ":label_pub", ":label_priv");
            bind_tags(ckaid, ":id_pub", ":id_priv");
        }
        Status st;
        while (s.step(st)) {
            auto r = row_record(s);
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
    auto v = view_object(handle);
    if (!v) return v.status();
    return Object(**v);
}

Result<std::shared_ptr<const Object>> Token::view_object(ObjectHandle handle) {
    if (auto c = impl_->cached(handle)) return std::shared_ptr<const Object>(c, &c->object);
    std::lock_guard lock(impl_->mu);
    const auto counter = impl_->db.change_counter();
    auto r = impl_->load(handle);
    if (!r) return r.status();
    if (!impl_->visible(*r)) return Status(Error::object_not_found, "no such object");
    auto d = impl_->open(*r);
    if (!d) return d.status();
    auto entry = std::make_shared<Impl::Cached>();
    entry->object = std::move(d->object);
    const Object* object = &entry->object;
    impl_->remember(handle, counter, entry);
    return std::shared_ptr<const Object>(std::move(entry), object);
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
    if (Status st = impl.write_record(nr, d->object, d->secret.span(), &*r); !st) return st;
    return impl.commit(tx);
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
    Transaction tx(impl.db);
    if (Status st = tx.begin(); !st) return st;
    if (r->is_private()) {
        // Re-read under the write lock; only a record the manifest vouches for is unlisted.
        r = impl.load(handle);
        if (!r) return r.status();
        if (Status st = impl.check_in_manifest(*r); !st) return st;
        if (Status st = impl.unlist_record(*r); !st) return st;
    }
    Stmt del(impl.db, "DELETE FROM objects WHERE id = ?");
    del.bind(1, static_cast<std::int64_t>(handle));
    if (Status st = del.run(); !st) return st;
    if (sqlite3_changes(impl.db.handle()) != 1) {
        return Status(Error::object_not_found, "object was destroyed concurrently");
    }
    if (Status st = impl.commit(tx); !st) return st;
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
        return impl.insert_row(r, o, secret);
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
        if (Status st = impl.commit(tx); !st) {
            if (*ph >= session_handle_base) impl.session.erase(*ph);
            if (*kh >= session_handle_base) impl.session.erase(*kh);
            return st;
        }
    }
    out.public_key = *ph;
    out.private_key = *kh;
    return out;
}

}  // namespace gostcsp::keystore
