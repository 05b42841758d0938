// SPDX-License-Identifier: Apache-2.0
// keystore::Error / core::Status → CK_RV: the single table the PKCS#11 layer answers from.
#include "rv_map.hpp"

namespace gostcsp::p11 {

CK_RV to_rv(core::Status s) noexcept {
    switch (s) {
        case core::Status::ok:
            return CKR_OK;
        case core::Status::bad_length:
            return CKR_DATA_LEN_RANGE;
        case core::Status::unknown_param_set:
            return CKR_DOMAIN_PARAMS_INVALID;
        case core::Status::invalid_private_key:
            return CKR_ATTRIBUTE_VALUE_INVALID;
        case core::Status::invalid_public_key:
            return CKR_MECHANISM_PARAM_INVALID;
        case core::Status::invalid_signature:
            return CKR_SIGNATURE_INVALID;
        case core::Status::invalid_ukm:
            return CKR_MECHANISM_PARAM_INVALID;
        case core::Status::param_set_mismatch:
            return CKR_MECHANISM_PARAM_INVALID;
        case core::Status::rng_failure:
            return CKR_FUNCTION_FAILED;
        case core::Status::auth_failed:  // MGM tag, KImp15 / key unwrap MAC
            return CKR_ENCRYPTED_DATA_INVALID;
        case core::Status::limit_exceeded:  // counter space or ACPKM sections exhausted
            return CKR_DATA_LEN_RANGE;
        case core::Status::bad_state:
            return CKR_OPERATION_NOT_INITIALIZED;
    }
    return CKR_GENERAL_ERROR;
}

CK_RV to_rv(keystore::Error e, core::Status core) noexcept {
    using keystore::Error;
    switch (e) {
        case Error::ok:
            return CKR_OK;
        case Error::invalid_argument:
            return CKR_ARGUMENTS_BAD;
        case Error::config_error:
            return CKR_GENERAL_ERROR;
        case Error::token_not_present:
            return CKR_TOKEN_NOT_PRESENT;
        case Error::token_not_initialized:
            return CKR_TOKEN_NOT_RECOGNIZED;
        case Error::user_pin_not_initialized:
            return CKR_USER_PIN_NOT_INITIALIZED;
        case Error::token_changed:
            return CKR_USER_NOT_LOGGED_IN;
        case Error::storage_error:
        case Error::busy:
        case Error::corrupt:
        case Error::integrity_failure:
            return CKR_DEVICE_ERROR;
        case Error::pin_incorrect:
            return CKR_PIN_INCORRECT;
        case Error::pin_locked:
            return CKR_PIN_LOCKED;
        case Error::pin_expired:
            return CKR_PIN_EXPIRED;
        case Error::pin_invalid:
            return CKR_PIN_INVALID;
        case Error::pin_len_range:
            return CKR_PIN_LEN_RANGE;
        case Error::not_logged_in:
            return CKR_USER_NOT_LOGGED_IN;
        case Error::already_logged_in:
            return CKR_USER_ANOTHER_ALREADY_LOGGED_IN;
        case Error::object_not_found:
            return CKR_OBJECT_HANDLE_INVALID;
        case Error::template_inconsistent:
            return CKR_TEMPLATE_INCONSISTENT;
        case Error::attribute_read_only:
            return CKR_ATTRIBUTE_READ_ONLY;
        case Error::attribute_sensitive:
            return CKR_ATTRIBUTE_SENSITIVE;
        case Error::key_unusable:
            return CKR_KEY_TYPE_INCONSISTENT;
        case Error::crypto_failure:
            return core == core::Status::ok ? CKR_FUNCTION_FAILED : to_rv(core);
        case Error::out_of_memory:
            return CKR_HOST_MEMORY;
        case Error::internal:
            return CKR_GENERAL_ERROR;
    }
    return CKR_GENERAL_ERROR;
}

}  // namespace gostcsp::p11
