// SPDX-License-Identifier: Apache-2.0
// Status codes returned by core/: the one error vocabulary the PKCS#11 and provider layers map.
#pragma once

#include <string_view>

namespace gostcsp::core {

enum class [[nodiscard]] Status{
    ok = 0,
    bad_length,           // a buffer or encoding has the wrong size
    unknown_param_set,    // OID or name names no supported parameter set
    invalid_private_key,  // scalar is 0 or >= q
    invalid_public_key,   // not on the curve, identity, or outside the prime-order subgroup
    invalid_signature,    // r or s out of range, or the equation does not hold
    invalid_ukm,          // UKM is zero (mod q) or has the wrong size
    param_set_mismatch,   // keys of two different parameter sets were combined
    rng_failure,          // the random generator failed
    auth_failed,          // an authentication tag (MGM) does not match
    limit_exceeded,       // a mode's data limit (counter space, ACPKM sections) would be passed
    bad_state,            // a mode object used before start() or after its last partial block
};

// A short, stable, human-readable description ("invalid public key").
std::string_view status_message(Status s) noexcept;

constexpr bool ok(Status s) noexcept {
    return s == Status::ok;
}

}  // namespace gostcsp::core
