// SPDX-License-Identifier: Apache-2.0
// The encrypted soft token: one SQLite file per token, PIN policy, retry counters, sealed objects.
//
// Who owns what
//   * The keystore owns storage, encryption at rest, the PIN policy (default-PIN list, minimum
//     length, retry counters, lock/unblock), login state, and the rule that private scalars never
//     leave it: there is NO call that returns a private key's scalar. Keys are used in place
//     through a handle (sign_digest, vko, generate_key_pair).
//   * The PKCS#11 layer owns attribute semantics. An object is stored as a few typed fields the
//     keystore needs to enforce its rules (class, token/private, key type, parameter set,
//     sensitive/extractable, public key) plus an opaque list of {type, bytes} attributes that the
//     keystore stores and returns verbatim.
//
// Threads and processes
//   * A Token is safe to use from several threads (an internal mutex serialises calls).
//   * Several processes may open the same token file at once; every change is one SQLite
//     transaction (BEGIN IMMEDIATE, busy timeout), so each call sees the others' committed work.
//   * Login state (the unwrapped data key) belongs to one Token object; it does not survive fork:
//     a child must open its own Token.
//
// Numbering: the few CKO_/CKK_/CKA_ values below are the PKCS#11 v2.40 constants, copied so that
// the keystore needs no pkcs11.h; the PKCS#11 layer may static_assert that they agree.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gostcsp/keystore/config.hpp"
#include "gostcsp/keystore/secure_memory.hpp"
#include "gostcsp/keystore/status.hpp"
#include "gostcsp/params.hpp"
#include "gostcsp/streebog.hpp"

namespace gostcsp::keystore {

using Bytes = std::vector<std::uint8_t>;

// Object classes and key types the keystore treats specially (PKCS#11 values).
inline constexpr std::uint64_t cko_data = 0x0;
inline constexpr std::uint64_t cko_certificate = 0x1;
inline constexpr std::uint64_t cko_public_key = 0x2;
inline constexpr std::uint64_t cko_private_key = 0x3;
inline constexpr std::uint64_t cko_secret_key = 0x4;
inline constexpr std::uint64_t ckk_gostr3410 = 0x30;               // 256-bit 34.10-2012 (and 2001)
inline constexpr std::uint64_t ckk_gostr3410_512 = 0xD4321003;     // TC26 vendor value
inline constexpr std::uint64_t key_type_none = ~std::uint64_t{0};  // not a key
// Attribute types the opaque list must NOT carry, because a typed field holds them
// (CKA_CLASS, CKA_TOKEN, CKA_PRIVATE, CKA_KEY_TYPE, CKA_SENSITIVE, CKA_EXTRACTABLE,
// CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE, CKA_GOSTR3410_PARAMS), or because it would put a
// secret in clear (CKA_VALUE on private and secret keys: pass it as `secret` instead).
inline constexpr std::uint64_t cka_class = 0x0;
inline constexpr std::uint64_t cka_token = 0x1;
inline constexpr std::uint64_t cka_private = 0x2;
inline constexpr std::uint64_t cka_value = 0x11;
inline constexpr std::uint64_t cka_key_type = 0x100;
inline constexpr std::uint64_t cka_sensitive = 0x103;
inline constexpr std::uint64_t cka_extractable = 0x162;
inline constexpr std::uint64_t cka_always_sensitive = 0x165;
inline constexpr std::uint64_t cka_never_extractable = 0x164;
inline constexpr std::uint64_t cka_gostr3410_params = 0x250;
// gostcsp's vendor attribute (CKA_VENDOR_DEFINED | 0x474301): the DER OID a GOST key was
// requested with when it is an alias OID of param_set (CryptoPro-A for tc26-256-B, ...). The
// PKCS#11 layer reports it as CKA_GOSTR3410_PARAMS, so the OID asked for is the OID that
// certificates carry. An opaque attribute: the keystore stores it like any other.
inline constexpr std::uint64_t cka_gostcsp_param_oid = 0x80474301;

enum class UserType : std::uint8_t { so = 0, user = 1 };

// A stable object identifier. Token objects: the row id in the file (never reused, the same in
// every process). Session objects (is_token == false): >= session_handle_base, valid only in the
// Token object that created them.
using ObjectHandle = std::uint64_t;
inline constexpr ObjectHandle invalid_handle = 0;
inline constexpr ObjectHandle session_handle_base = ObjectHandle{1} << 62;

struct Attribute {
    std::uint64_t type = 0;
    Bytes value;
    friend bool operator==(const Attribute&, const Attribute&) = default;
};

// An object as the keystore stores it. Secrets are never part of it.
struct Object {
    ObjectHandle handle = invalid_handle;  // set by the keystore; ignored on create
    std::uint64_t object_class = cko_data;
    std::uint64_t key_type = key_type_none;
    std::optional<core::ParamSet> param_set;  // GOST keys: the curve
    bool is_token = true;            // false: a session object, kept in memory only (never on disk)
    bool is_private = false;         // true: visible and usable only while the user is logged in;
                                     // stored sealed (attributes encrypted and authenticated)
    bool sensitive = false;          // CKA_SENSITIVE: may only go false -> true
    bool extractable = true;         // CKA_EXTRACTABLE: may only go true -> false
    bool always_sensitive = false;   // maintained by the keystore (read-only)
    bool never_extractable = false;  // maintained by the keystore (read-only)
    bool has_secret = false;         // a sealed secret value exists (read-only)
    Bytes public_key;                // GOST keys: X‖Y little-endian (both halves of a pair)
    std::vector<Attribute> attributes;  // opaque to the keystore, returned verbatim
};

// Which typed fields and attributes an update changes. Attributes are replaced by type, or added.
struct ObjectUpdate {
    std::vector<Attribute> set;
    std::optional<bool> sensitive;    // only false -> true is allowed
    std::optional<bool> extractable;  // only true -> false is allowed
};

// Exact-match search. Unset fields match everything; every listed attribute must be present
// with equal bytes.
struct ObjectQuery {
    std::optional<std::uint64_t> object_class;
    std::optional<std::uint64_t> key_type;
    std::optional<bool> is_token;
    std::optional<bool> is_private;
    std::vector<Attribute> attributes;
};

// Retry state of one PIN, for CKF_{USER,SO}_PIN_* flags.
struct PinState {
    bool initialized = false;  // a PIN of this kind is set
    // Counted tries since the last success: wrong PINs, attempts of killed processes, and
    // attempts still in flight (an attempt counts until it succeeds). Persistent.
    std::uint32_t failed = 0;
    std::uint32_t in_flight = 0;    // of `failed`: attempts whose process is still trying
    std::uint32_t max_retries = 0;  // lock at this many failures
    // A default/weak PIN set as factory state: CKF_*_PIN_TO_BE_CHANGED.
    bool must_change = false;

    std::uint32_t tries_left() const noexcept {
        return failed >= max_retries ? 0 : max_retries - failed;
    }
    // CKF_*_PIN_LOCKED: no try left and none in flight that could still succeed.
    bool locked() const noexcept { return initialized && tries_left() == 0 && in_flight == 0; }
    // CKF_*_PIN_FINAL_TRY
    bool final_try() const noexcept { return initialized && tries_left() == 1; }
    // CKF_*_PIN_COUNT_LOW: some failures, not yet locked.
    bool count_low() const noexcept { return initialized && failed > 0 && !locked(); }
};

struct TokenInfo {
    std::filesystem::path path;
    bool initialized = false;  // CKF_TOKEN_INITIALIZED
    std::string label;         // UTF-8, at most 32 bytes
    std::string serial;        // 16 hex digits, derived from the random token id
    std::string manufacturer = "gostcsp";
    std::string model = "soft token";  // "TEST soft token" for a test token (16 bytes max)
    // A PIN wrap uses fewer than min_kdf_iterations: made under `test_token = true`, not fit
    // to hold real keys.
    bool test_token = false;
    PinState user;  // user.initialized == CKF_USER_PIN_INITIALIZED
    PinState so;
    unsigned pin_min_length = 0;  // current policy (from the Config)
    unsigned pin_max_length = 0;
    std::uint64_t public_objects = 0;  // token objects, for information
    std::uint64_t private_objects = 0;
};

// What a successful login reports. must_change: the PIN is a factory/default PIN; the login
// holds, but private-key use (sign_digest, vko) fails with pin_expired until the owner changes
// it with set_pin(). The PKCS#11 layer may report this as CKR_PIN_EXPIRED from C_Login.
struct LoginInfo {
    bool must_change = false;
};

// Where a new secret key comes from, for always_sensitive / never_extractable (PKCS#11 v2.40
// §4.9): a key generated in the token, or derived/unwrapped from keys that themselves were always
// sensitive / never extractable, keeps the flag true while its template is sensitive /
// unextractable. Imported keys (the default) have been outside: both start false.
struct SecretOrigin {
    bool always_sensitive = false;
    bool never_extractable = false;
};

struct KeyPairHandles {
    ObjectHandle public_key = invalid_handle;
    ObjectHandle private_key = invalid_handle;
};

// Paths of the token files (`*.token`) in config.token_dir, sorted by file name. A missing
// directory yields an empty list.
Result<std::vector<std::filesystem::path>> list_token_files(const Config& config);

// A fresh, unused path in config.token_dir for a new token (random name); creates the directory
// (0700) if needed. Nothing is written until init_token().
Result<std::filesystem::path> new_token_path(const Config& config);

// Checks a candidate PIN against the policy for *changing* a PIN: length (pin_len_range), the
// built-in default list, one character repeated, ascending/descending digit runs (0123…,
// 9876…, cyclic mod 10) and letter runs, the configured list (pin_invalid). PINs are bytes
// (UTF-8 allowed); control characters are refused (pin_invalid).
Status check_new_pin(const Config& config, std::string_view pin);
// True when `pin` is on the default/weak list or a trivial pattern (length not considered).
bool is_weak_pin(const Config& config, std::string_view pin);

// (Re)initialises the token at `path` (C_InitToken):
//  * no file, or a file never initialised: creates it (mode 0600), new random token id, data
//    key, salt; sets the SO PIN; no user PIN yet.
//  * an initialised token: the SO PIN must be correct (counted like a login; pin_incorrect /
//    pin_locked) — except when the SO PIN is locked, where re-initialisation is the only
//    recovery and is allowed without it. Every object is destroyed and a new token id and data
//    key replace the old ones, so other processes' logins end (token_changed).
// The SO PIN must satisfy the minimum length; a default/weak SO PIN is accepted as factory
// state and flagged must_change. The label is at most 32 bytes (padded by the PKCS#11 layer).
Status init_token(const Config& config, const std::filesystem::path& path, std::string_view so_pin,
                  std::string_view label);

class Token {
  public:
    // Opens an existing token file (token_not_present if missing; corrupt if it is not a gostcsp
    // token). An uninitialised token opens; most calls then fail with token_not_initialized.
    static Result<std::unique_ptr<Token>> open(const Config& config,
                                               const std::filesystem::path& path);
    ~Token();
    Token(const Token&) = delete;
    Token& operator=(const Token&) = delete;

    const std::filesystem::path& path() const noexcept;

    // Label, serial, flags and retry counters, read fresh from the file.
    Result<TokenInfo> info();

    // C_Login. The failure counter is incremented and committed in its own transaction BEFORE
    // the PIN is tried; success resets it. Errors: pin_locked (nothing tried, or this wrong PIN
    // used the last try), pin_incorrect (tries remain; info() has the count), pin_len_range,
    // user_pin_not_initialized, already_logged_in (the other user type is logged in; logging in
    // again as the same type re-verifies the PIN), token_not_initialized. Success may carry
    // must_change.
    Result<LoginInfo> login(UserType who, std::string_view pin);
    // C_Logout: forgets the data key and drops session objects that are private.
    void logout() noexcept;
    // Who is logged in, if anyone.
    std::optional<UserType> logged_in() const noexcept;

    // C_SetPIN: changes `who`'s own PIN after verifying `old_pin` (counted exactly like a login;
    // a locked PIN cannot be changed). The new PIN must pass check_new_pin() (default/weak PINs
    // are refused here). Clears must_change. Does not change the login state.
    Status set_pin(UserType who, std::string_view old_pin, std::string_view new_pin);
    // C_InitPIN: the logged-in SO sets a new user PIN, resetting the user's counter and lock
    // (this is the unblock). A default/weak PIN is accepted as factory state and flagged
    // must_change; length is enforced. must_change = true flags any PIN "to be changed" (a PIN
    // the SO chose for the user; gostcsp-tool unblock does so unless the SO says otherwise).
    // Errors: not_logged_in (SO must be logged in).
    Status init_user_pin(std::string_view new_pin, bool must_change = false);

    // Creates an object from `tmpl` (handle, has_secret, always_sensitive, never_extractable are
    // ignored). `secret` is an optional sealed value: for cko_private_key a GOST scalar (little-
    // endian, validated: 0 < d < q, param_set required; public_key is derived and filled in),
    // for cko_secret_key the key bytes. Private and secret keys must be is_private. Private
    // objects need the user logged in; public token objects may be created without a login.
    Result<ObjectHandle> create_object(const Object& tmpl,
                                       std::span<const std::uint8_t> secret = {});
    // create_object() for a secret key born inside the token (generated, derived, unwrapped):
    // `origin` decides the initial always_sensitive / never_extractable.
    Result<ObjectHandle> create_object(const Object& tmpl, std::span<const std::uint8_t> secret,
                                       SecretOrigin origin);
    // C_CopyObject: a new object with the same secret, the changes in `update` applied (same
    // rules as update_object; is_token may differ via `to_token`).
    Result<ObjectHandle> copy_object(ObjectHandle handle, const ObjectUpdate& update,
                                     std::optional<bool> to_token = std::nullopt);
    // Objects visible in the current login state that match `query` (private ones only while
    // the user is logged in). Token objects first, by handle; then session objects.
    Result<std::vector<ObjectHandle>> find_objects(const ObjectQuery& query = {});
    // The stored object (never its secret). A private object is authenticated on every read:
    // integrity_failure if its record was altered, swapped or moved from another token.
    Result<Object> read_object(ObjectHandle handle);
    // read_object without the copy, for hot paths (C_SignInit): the object as this login's cache
    // holds it. A snapshot: it stays valid while held, even if the object changes afterwards.
    Result<std::shared_ptr<const Object>> view_object(ObjectHandle handle);
    // Applies `update`: attributes replaced/added; sensitive may only become true, extractable
    // only false (attribute_read_only otherwise). Typed fields other than those are immutable.
    Status update_object(ObjectHandle handle, const ObjectUpdate& update);
    Status destroy_object(ObjectHandle handle);

    // Generates a GOST R 34.10-2012 key pair inside the token. Both templates' object_class,
    // key_type, param_set, public_key are set by the keystore (class public/private key, key type
    // ckk_gostr3410 or ckk_gostr3410_512 by the set's size); is_token / is_private / sensitive /
    // extractable and attributes are the caller's (the private half must be is_private). The
    // scalar is generated, sealed and wiped without ever leaving locked memory.
    Result<KeyPairHandles> generate_key_pair(core::ParamSet set, const Object& public_template,
                                             const Object& private_template);

    // Signs a precomputed digest with a private key (GOST R 34.10-2012, signature s‖r, 64/128
    // bytes). Needs the user logged in with a PIN that is not must_change (pin_expired).
    Result<Bytes> sign_digest(ObjectHandle private_key, std::span<const std::uint8_t> digest);
    // The same into the caller's buffer, which must be exactly the set's signature size
    // (buffer_too_small otherwise); nothing is allocated.
    Status sign_digest(ObjectHandle private_key, std::span<const std::uint8_t> digest,
                       std::span<std::uint8_t> signature);
    // VKO (R 50.1.113-2016) with a private key and the peer's public key X‖Y little-endian;
    // returns the KEK (32/64 bytes by kek_size) in locked memory. Same login rules as signing.
    Result<SecureBytes> vko(ObjectHandle private_key, std::span<const std::uint8_t> peer_public_xy,
                            std::span<const std::uint8_t> ukm, core::DigestSize kek_size);
    // The value of a secret key (cko_secret_key) that is neither sensitive nor non-extractable
    // (attribute_sensitive otherwise). Private keys are always refused: their scalars never
    // leave the keystore. Same login rules as signing.
    Result<SecureBytes> read_secret_value(ObjectHandle secret_key);

    // The value of a secret key for use INSIDE the module (encrypt, MAC, wrap, unwrap, derive
    // in place), whatever its CKA_SENSITIVE / CKA_EXTRACTABLE: the PKCS#11 layer never hands it
    // to the application. Private keys are refused (attribute_sensitive). Same login rules as
    // signing.
    Result<SecureBytes> secret_for_use(ObjectHandle secret_key);

    struct Impl;

  private:
    explicit Token(std::unique_ptr<Impl> impl) noexcept;
    std::unique_ptr<Impl> impl_;
};

}  // namespace gostcsp::keystore
