// SPDX-License-Identifier: Apache-2.0
// The provider's error reasons and the one mapping core::Status → OpenSSL error queue.
#pragma once

#include <openssl/core.h>

#include "gostcsp/status.hpp"
#include "prov.hpp"

namespace gostcsp::prov {

// Reason codes registered with the core (get_reason_strings); stable numbers.
enum class Reason : int {
    internal_error = 1,
    wrong_length = 2,
    unknown_param_set = 3,
    invalid_private_key = 4,
    invalid_public_key = 5,
    invalid_signature = 6,
    invalid_ukm = 7,
    param_set_mismatch = 8,
    rng_failure = 9,
    out_of_memory = 10,
    missing_key = 11,
    missing_private_key = 12,
    missing_peer_key = 13,
    missing_ukm = 14,
    digest_not_allowed = 15,
    wrong_digest_length = 16,
    wrong_signature_length = 17,
    bad_encoding = 18,
    wrong_key_type = 19,
    buffer_too_small = 20,
    cipher_not_found = 21,
    passphrase_failed = 22,
    encoding_failed = 23,
    operation_not_initialised = 24,
    bad_parameter = 25,
    auth_failed = 26,     // MGM tag / key-import MAC mismatch
    limit_exceeded = 27,  // CTR / ACPKM data limit
    // Token keys (pkcs11: URIs); mapped from CK_RV in p11_errors.cpp only.
    token_pin_expired = 100,
    token_pin_incorrect = 101,
    token_pin_locked = 102,
    token_key_not_found = 103,
    token_error = 104,
    token_login_required = 105,
    token_module = 106,
    bad_uri = 107,
    token_not_found = 108,
    // A foreign ENGINE owns the GOST key types (engine_coexist.hpp).
    foreign_engine = 120,
};

// {reason, text} rows for OSSL_FUNC_PROVIDER_GET_REASON_STRINGS, ending with {0, nullptr}.
const OSSL_ITEM* reason_strings() noexcept;

// Puts an error with our reason on the calling thread's queue (through the core's upcalls, so
// the error carries the provider's library code and prints as "gostcsp: <reason>").
void raise_error(const ProvCtx* ctx, Reason reason, const char* file, int line, const char* func,
                 const char* fmt = nullptr, ...) noexcept;

// The single core::Status → Reason mapping.
Reason reason_for(core::Status s) noexcept;

}  // namespace gostcsp::prov

// ERR_raise for this provider: GOSTCSP_RAISE(ctx, Reason::x) or with printf-style detail.
#define GOSTCSP_RAISE(ctx, reason, ...)                               \
    ::gostcsp::prov::raise_error((ctx), (reason), __FILE__, __LINE__, \
                                 __func__ __VA_OPT__(, ) __VA_ARGS__)
#define GOSTCSP_RAISE_STATUS(ctx, status) GOSTCSP_RAISE((ctx), ::gostcsp::prov::reason_for(status))
