// SPDX-License-Identifier: Apache-2.0
// Keystore result vocabulary: one Error enum (mapped to CK_RV in one place by pkcs11/) + message.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "gostcsp/status.hpp"

namespace gostcsp::keystore {

// Every failure the keystore reports. The comment names the CK_RV the PKCS#11 layer is expected
// to map it to; the keystore itself knows nothing about CK_RV.
enum class Error : std::uint8_t {
    ok = 0,
    // A malformed argument (bad lengths, label too long). → CKR_ARGUMENTS_BAD
    invalid_argument,
    // gostcsp.conf missing or malformed; the message names the file and line.
    config_error,
    // The token file does not exist or cannot be opened. → CKR_TOKEN_NOT_PRESENT
    token_not_present,
    // The file exists but was never initialised (C_InitToken). → CKR_TOKEN_NOT_RECOGNIZED
    token_not_initialized,
    // The SO has not set a user PIN yet. → CKR_USER_PIN_NOT_INITIALIZED
    user_pin_not_initialized,
    // Someone re-initialised the token while we were logged in; the login is dropped.
    // → CKR_USER_NOT_LOGGED_IN
    token_changed,
    // SQLite or file-system failure. → CKR_DEVICE_ERROR
    storage_error,
    // The database stayed locked past the busy timeout. → CKR_DEVICE_ERROR
    busy,
    // Not a gostcsp token, truncated, or an unknown format / algorithm. → CKR_DEVICE_ERROR
    corrupt,
    // A sealed record failed authentication (altered, swapped or moved); nothing from it is
    // used. → CKR_DEVICE_ERROR
    integrity_failure,
    // Wrong PIN; the failure was counted and tries remain. → CKR_PIN_INCORRECT
    pin_incorrect,
    // The retry counter is at its maximum (or this wrong PIN used the last try).
    // → CKR_PIN_LOCKED
    pin_locked,
    // The PIN is a factory/default PIN that must be changed before private-key use.
    // → CKR_PIN_EXPIRED
    pin_expired,
    // The new PIN is forbidden by policy (default list, trivial pattern, configured list,
    // control characters). → CKR_PIN_INVALID
    pin_invalid,
    // The PIN is shorter or longer than the policy allows. → CKR_PIN_LEN_RANGE
    pin_len_range,
    // The operation needs the user (or the SO) logged in. → CKR_USER_NOT_LOGGED_IN
    not_logged_in,
    // The other user type is logged in. → CKR_USER_ANOTHER_ALREADY_LOGGED_IN
    already_logged_in,
    // No such handle, or not visible in this login state. → CKR_OBJECT_HANDLE_INVALID
    object_not_found,
    // Typed fields contradict each other, or an attribute duplicates a typed field or carries a
    // secret in clear. → CKR_TEMPLATE_INCONSISTENT
    template_inconsistent,
    // An immutable field, or an attempt to relax sensitive / non-extractable.
    // → CKR_ATTRIBUTE_READ_ONLY
    attribute_read_only,
    // A secret value that may not leave the token. → CKR_ATTRIBUTE_SENSITIVE
    attribute_sensitive,
    // Not a private key of a supported type for this operation. → CKR_KEY_TYPE_INCONSISTENT
    key_unusable,
    // core/ refused; Status::core_status() says why (→ CKR_DATA_LEN_RANGE,
    // CKR_MECHANISM_PARAM_INVALID, ... or CKR_FUNCTION_FAILED).
    crypto_failure,
    // Allocation or locked-memory failure. → CKR_HOST_MEMORY
    out_of_memory,
    // A bug. → CKR_GENERAL_ERROR
    internal,
};

// A short, stable description of an Error ("PIN incorrect").
std::string_view error_name(Error e) noexcept;

// The outcome of a keystore call: ok, or an Error with a human-readable message (never
// containing a PIN or key material). When error() == crypto_failure, core_status() says which.
class [[nodiscard]] Status {
  public:
    Status() noexcept = default;  // ok
    Status(Error e, std::string message, core::Status core = core::Status::ok)
        : error_(e), core_(core), message_(std::move(message)) {}

    static Status success() noexcept { return Status{}; }

    bool ok() const noexcept { return error_ == Error::ok; }
    explicit operator bool() const noexcept { return ok(); }
    Error error() const noexcept { return error_; }
    core::Status core_status() const noexcept { return core_; }
    // Message for humans; empty for ok. Falls back to error_name() when none was given.
    std::string_view message() const noexcept {
        return message_.empty() ? error_name(error_) : std::string_view{message_};
    }

  private:
    Error error_ = Error::ok;
    core::Status core_ = core::Status::ok;
    std::string message_;
};

// A value or a failed Status.
template <class T>
class [[nodiscard]] Result {
  public:
    Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
    Result(Status status) : status_(std::move(status)) {
        if (status_.ok()) status_ = Status(Error::internal, "Result constructed from ok Status");
    }

    bool ok() const noexcept { return value_.has_value(); }
    explicit operator bool() const noexcept { return ok(); }
    const Status& status() const noexcept { return status_; }
    Error error() const noexcept { return status_.error(); }

    // Only when ok().
    T& value() & { return *value_; }
    const T& value() const& { return *value_; }
    T&& value() && { return std::move(*value_); }
    T* operator->() { return &*value_; }
    const T* operator->() const { return &*value_; }
    T& operator*() & { return *value_; }
    const T& operator*() const& { return *value_; }
    T&& operator*() && { return std::move(*value_); }

  private:
    std::optional<T> value_;
    Status status_;
};

}  // namespace gostcsp::keystore
