// SPDX-License-Identifier: Apache-2.0
// Names of keystore errors.
#include "gostcsp/keystore/status.hpp"

namespace gostcsp::keystore {

std::string_view error_name(Error e) noexcept {
    switch (e) {
        case Error::ok:
            return "ok";
        case Error::invalid_argument:
            return "invalid argument";
        case Error::config_error:
            return "configuration error";
        case Error::token_not_present:
            return "token not present";
        case Error::token_not_initialized:
            return "token not initialized";
        case Error::user_pin_not_initialized:
            return "user PIN not initialized";
        case Error::token_changed:
            return "token was re-initialized; log in again";
        case Error::storage_error:
            return "storage error";
        case Error::busy:
            return "token database busy";
        case Error::corrupt:
            return "token file corrupt or not a gostcsp token";
        case Error::integrity_failure:
            return "integrity check failed (record altered)";
        case Error::pin_incorrect:
            return "PIN incorrect";
        case Error::pin_locked:
            return "PIN locked";
        case Error::pin_expired:
            return "PIN must be changed";
        case Error::pin_invalid:
            return "PIN not allowed by policy";
        case Error::pin_len_range:
            return "PIN length out of range";
        case Error::not_logged_in:
            return "not logged in";
        case Error::already_logged_in:
            return "another user is already logged in";
        case Error::object_not_found:
            return "object not found";
        case Error::template_inconsistent:
            return "template inconsistent";
        case Error::attribute_read_only:
            return "attribute is read-only";
        case Error::attribute_sensitive:
            return "attribute is sensitive";
        case Error::key_unusable:
            return "key cannot be used for this operation";
        case Error::crypto_failure:
            return "cryptographic operation failed";
        case Error::out_of_memory:
            return "out of memory";
        case Error::internal:
            return "internal error";
    }
    return "unknown error";
}

}  // namespace gostcsp::keystore
