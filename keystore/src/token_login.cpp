// SPDX-License-Identifier: Apache-2.0
// Login, logout and PIN changes (C_Login, C_Logout, C_SetPIN, C_InitPIN).
#include "gostcsp/keystore/token.hpp"

#include <unistd.h>

#include "log.hpp"
#include "pin_store.hpp"
#include "token_file.hpp"
#include "token_impl.hpp"

namespace gostcsp::keystore {

using namespace detail;

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

}  // namespace gostcsp::keystore
