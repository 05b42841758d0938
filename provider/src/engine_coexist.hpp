// SPDX-License-Identifier: Apache-2.0
// Living beside gost-engine. OpenSSL 3.0 hands every EVP_PKEY_CTX of a GOST key type to the
// ENGINE registered as the default pkey method for that NID (int_ctx_new → ENGINE_get_pkey_meth_
// engine), provider keys included. gost-engine's methods then dereference a legacy EC_KEY that a
// provider key does not have (assertion in gost_ec_sign.c, SIGSEGV in pkey_gost_decrypt). So while
// a foreign engine owns the GOST key types, gostcsp creates no GOST key objects at all: software
// keys are left to the engine's own decoder, token keys are refused with a message saying what to
// change (docs/openssl.md, "Beside gost-engine").
#pragma once

#include "key.hpp"

namespace gostcsp::prov {

// The id of the engine (not gostcsp's own bridge) that OpenSSL would pick as the pkey method for
// `kind`'s NID in this process, or nullptr when there is none and provider keys are safe to hand
// out. gost-engine registers its pkey methods when it is loaded, whatever default_algorithms says.
const char* foreign_pkey_engine(KeyKind kind) noexcept;

// Raises Reason::foreign_engine (naming the engine and the fix) and returns true when a foreign
// engine owns `kind`; false otherwise.
bool refuse_under_foreign_engine(const ProvCtx* prov, KeyKind kind) noexcept;

// True when gostcsp's own engine (the bridge) has registered its ASN.1 method for key references
// in this process (openssl.cnf with `default_algorithms = PKEY_ASN1`, or a key it wrapped): then a
// key-URI file is better handed on as a reference, which the engine turns into a legacy shell that
// OpenSSL 3.0's CMS / PKCS#7 / libssl legacy paths can use.
bool own_bridge_takes_references() noexcept;

}  // namespace gostcsp::prov
