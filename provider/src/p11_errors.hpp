// SPDX-License-Identifier: Apache-2.0
// The provider's one CK_RV → OpenSSL error mapping (token policies as readable messages).
#pragma once

#include <p11-kit/pkcs11.h>

#include "errors.hpp"

namespace gostcsp::prov {

class Token;

// Puts the error for a failed PKCS#11 call `step` on the token (may be nullptr) on the queue.
// PIN policies read as advice: change the default PIN, tries left, ask the SO to unblock.
void raise_ckr(const ProvCtx* ctx, CK_RV rv, const Token* token, const char* step, const char* file,
               int line, const char* func) noexcept;

// The symbolic name of a return value ("CKR_PIN_INCORRECT"), or nullptr if unknown.
const char* ckr_name(CK_RV rv) noexcept;

}  // namespace gostcsp::prov

#define GOSTCSP_RAISE_CKR(ctx, rv, token, step) \
    ::gostcsp::prov::raise_ckr((ctx), (rv), (token), (step), __FILE__, __LINE__, __func__)
