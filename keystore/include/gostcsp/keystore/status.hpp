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
    invalid_argument,          // a malformed argument (bad lengths, empty label)   CKR_ARGUMENTS_BAD
    config_error,              // gostcsp.conf missing / malformed (message names the line)
    token_not_present,         // the token file does not exist / cannot be opened  CKR_TOKEN_NOT_PRESENT
    token_not_initialized,     // the file exists but C_InitToken never completed   CKR_TOKEN_NOT_RECOGNIZED
    user_pin_not_initialized,  // the SO has not set a user PIN yet      CKR_USER_PIN_NOT_INITIALIZED
    token_changed,             // the token was re-initialised by someone else while we were
                               // logged in; the login is dropped          CKR_USER_NOT_LOGGED_IN
    storage_error,             // SQLite / file-system failure                      CKR_DEVICE_ERROR
    busy,                      // the database stayed locked past the busy timeout  CKR_DEVICE_ERROR
    corrupt,                   // the file is not a gostcsp token, truncated, or has an unknown
                               // format / algorithm                               CKR_DEVICE_ERROR
    integrity_failure,         // a sealed record failed authentication (tampered, swapped or
                               // moved); nothing from it is used                  CKR_DEVICE_ERROR
    pin_incorrect,             // wrong PIN, tries remain (the failure was counted) CKR_PIN_INCORRECT
    pin_locked,                // the retry counter reached its maximum             CKR_PIN_LOCKED
    pin_expired,               // the PIN is a factory/default PIN that must be changed before
                               // private-key use                                  CKR_PIN_EXPIRED
    pin_invalid,               // the new PIN is forbidden by policy (default list, trivial
                               // pattern, configured list, bad characters)         CKR_PIN_INVALID
    pin_len_range,             // the PIN is shorter or longer than the policy allows CKR_PIN_LEN_RANGE
    not_logged_in,             // the operation needs a user (or SO) login        CKR_USER_NOT_LOGGED_IN
    already_logged_in,         // the other user type is logged in     CKR_USER_ANOTHER_ALREADY_LOGGED_IN
    object_not_found,          // no such handle, or not visible in this login state CKR_OBJECT_HANDLE_INVALID
    template_inconsistent,     // typed fields contradict each other or an attribute duplicates a
                               // typed field / carries a secret in clear      CKR_TEMPLATE_INCONSISTENT
    attribute_read_only,       // an immutable field, or an attempt to relax sensitive /
                               // non-extractable                                 CKR_ATTRIBUTE_READ_ONLY
    attribute_sensitive,       // a secret value that may not leave the token   CKR_ATTRIBUTE_SENSITIVE
    key_unusable,              // the object is not a private key of a supported type for this
                               // operation                                       CKR_KEY_TYPE_INCONSISTENT
    crypto_failure,            // core/ refused (see Status::core_status())  e.g. CKR_DATA_LEN_RANGE,
                               // CKR_MECHANISM_PARAM_INVALID, CKR_FUNCTION_FAILED
    out_of_memory,             // allocation or mlock failure                        CKR_HOST_MEMORY
    internal,                  // a bug                                              CKR_GENERAL_ERROR
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
