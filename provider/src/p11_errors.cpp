// SPDX-License-Identifier: Apache-2.0
// CK_RV → provider reason and message: the single mapping used by every token operation.
#include "p11_errors.hpp"

#include <cstdio>
#include <string>

#include "p11_client.hpp"

namespace gostcsp::prov {

const char* ckr_name(CK_RV rv) noexcept {
    switch (rv) {
#define GOSTCSP_CKR(x) \
    case x:            \
        return #x;
        GOSTCSP_CKR(CKR_OK)
        GOSTCSP_CKR(CKR_HOST_MEMORY)
        GOSTCSP_CKR(CKR_SLOT_ID_INVALID)
        GOSTCSP_CKR(CKR_GENERAL_ERROR)
        GOSTCSP_CKR(CKR_FUNCTION_FAILED)
        GOSTCSP_CKR(CKR_ARGUMENTS_BAD)
        GOSTCSP_CKR(CKR_ATTRIBUTE_SENSITIVE)
        GOSTCSP_CKR(CKR_ATTRIBUTE_TYPE_INVALID)
        GOSTCSP_CKR(CKR_DATA_LEN_RANGE)
        GOSTCSP_CKR(CKR_DEVICE_ERROR)
        GOSTCSP_CKR(CKR_DEVICE_REMOVED)
        GOSTCSP_CKR(CKR_FUNCTION_NOT_SUPPORTED)
        GOSTCSP_CKR(CKR_KEY_HANDLE_INVALID)
        GOSTCSP_CKR(CKR_KEY_TYPE_INCONSISTENT)
        GOSTCSP_CKR(CKR_KEY_FUNCTION_NOT_PERMITTED)
        GOSTCSP_CKR(CKR_MECHANISM_INVALID)
        GOSTCSP_CKR(CKR_MECHANISM_PARAM_INVALID)
        GOSTCSP_CKR(CKR_OBJECT_HANDLE_INVALID)
        GOSTCSP_CKR(CKR_OPERATION_ACTIVE)
        GOSTCSP_CKR(CKR_OPERATION_NOT_INITIALIZED)
        GOSTCSP_CKR(CKR_PIN_INCORRECT)
        GOSTCSP_CKR(CKR_PIN_INVALID)
        GOSTCSP_CKR(CKR_PIN_LEN_RANGE)
        GOSTCSP_CKR(CKR_PIN_EXPIRED)
        GOSTCSP_CKR(CKR_PIN_LOCKED)
        GOSTCSP_CKR(CKR_SESSION_CLOSED)
        GOSTCSP_CKR(CKR_SESSION_COUNT)
        GOSTCSP_CKR(CKR_SESSION_HANDLE_INVALID)
        GOSTCSP_CKR(CKR_TEMPLATE_INCOMPLETE)
        GOSTCSP_CKR(CKR_TEMPLATE_INCONSISTENT)
        GOSTCSP_CKR(CKR_TOKEN_NOT_PRESENT)
        GOSTCSP_CKR(CKR_TOKEN_NOT_RECOGNIZED)
        GOSTCSP_CKR(CKR_USER_ALREADY_LOGGED_IN)
        GOSTCSP_CKR(CKR_USER_NOT_LOGGED_IN)
        GOSTCSP_CKR(CKR_USER_PIN_NOT_INITIALIZED)
        GOSTCSP_CKR(CKR_USER_TYPE_INVALID)
        GOSTCSP_CKR(CKR_BUFFER_TOO_SMALL)
        GOSTCSP_CKR(CKR_CRYPTOKI_NOT_INITIALIZED)
        GOSTCSP_CKR(CKR_CRYPTOKI_ALREADY_INITIALIZED)
#undef GOSTCSP_CKR
        default:
            return nullptr;
    }
}

void raise_ckr(const ProvCtx* ctx, CK_RV rv, const Token* token, const char* step, const char* file,
               int line, const char* func) noexcept {
    try {
        const std::string label = token != nullptr ? token->label() : std::string("?");
        const char* name = ckr_name(rv);
        char code[32];
        std::snprintf(code, sizeof code, "CKR 0x%lx", static_cast<unsigned long>(rv));
        const char* rv_text = name != nullptr ? name : code;
        switch (rv) {
            case CKR_PIN_EXPIRED:
                raise_error(ctx, Reason::token_pin_expired, file, line, func,
                            "token \"%s\": the user PIN is the initial (default) one and must be "
                            "changed before the token can be used (gostcsp-tool change-pin, or "
                            "the token vendor's tool)",
                            label.c_str());
                return;
            case CKR_PIN_INCORRECT:
            case CKR_PIN_INVALID:
            case CKR_PIN_LEN_RANGE: {
                const CK_FLAGS f = token != nullptr ? token->current_flags() : 0;
                // PKCS#11 reports flags, not counts: COUNT_LOW means "an incorrect PIN was
                // entered since the last successful login" (v2.40 §3.2), not "few tries left".
                const char* tries =
                    (f & CKF_USER_PIN_LOCKED) != 0      ? "the PIN is now locked"
                    : (f & CKF_USER_PIN_FINAL_TRY) != 0 ? "one try left before the PIN locks"
                    : (f & CKF_USER_PIN_COUNT_LOW) != 0
                        ? "an incorrect PIN has been entered since the last successful login; "
                          "the token does not say how many tries remain"
                        : "the token does not say how many tries remain";
                raise_error(ctx, Reason::token_pin_incorrect, file, line, func,
                            "token \"%s\": wrong user PIN (%s); %s", label.c_str(), rv_text, tries);
                return;
            }
            case CKR_PIN_LOCKED:
                raise_error(ctx, Reason::token_pin_locked, file, line, func,
                            "token \"%s\": the user PIN is locked after too many wrong tries; "
                            "ask the token's administrator (SO) to unblock it (gostcsp-tool "
                            "unblock)",
                            label.c_str());
                return;
            case CKR_USER_NOT_LOGGED_IN:
            case CKR_USER_PIN_NOT_INITIALIZED:
                raise_error(ctx, Reason::token_login_required, file, line, func,
                            "token \"%s\": %s needs the user PIN (%s)", label.c_str(), step,
                            rv_text);
                return;
            case CKR_KEY_HANDLE_INVALID:
            case CKR_OBJECT_HANDLE_INVALID:
                raise_error(ctx, Reason::token_key_not_found, file, line, func,
                            "token \"%s\": %s: the key is gone (%s)", label.c_str(), step, rv_text);
                return;
            case CKR_HOST_MEMORY:
                raise_error(ctx, Reason::out_of_memory, file, line, func);
                return;
            default:
                raise_error(ctx, Reason::token_error, file, line, func, "token \"%s\": %s: %s",
                            label.c_str(), step, rv_text);
                return;
        }
    } catch (...) {
        raise_error(ctx, Reason::token_error, file, line, func);
    }
}

}  // namespace gostcsp::prov
