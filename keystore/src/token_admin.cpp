// SPDX-License-Identifier: Apache-2.0
// Token files: listing, naming, initialisation (C_InitToken), opening, C_GetTokenInfo.
#include "gostcsp/keystore/token.hpp"

#include <algorithm>

#include "log.hpp"
#include "pin_attempts.hpp"
#include "pin_store.hpp"
#include "records.hpp"
#include "token_file.hpp"
#include "token_impl.hpp"

namespace gostcsp::keystore {

using namespace detail;

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

}  // namespace gostcsp::keystore
