// SPDX-License-Identifier: Apache-2.0
// DER OBJECT IDENTIFIER ↔ dotted text, and the GOST OIDs carried in key attributes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "gostcsp/params.hpp"
#include "p11_error.hpp"

namespace gostcsp::p11 {

// DER encoding (tag 06, short or long length) of a dotted OID; empty on a malformed OID.
Bytes oid_to_der(std::string_view dotted);
// Dotted text of a DER OID; nullopt if it is not one well-formed OID.
std::optional<std::string> der_to_oid(const std::uint8_t* der, std::size_t len);

// The parameter set a CKA_GOSTR3410_PARAMS value names (any alias OID), if supported.
std::optional<core::ParamSet> param_set_from_der(const Bytes& der);
// CKA_GOSTR3410_PARAMS for a set (its canonical OID).
Bytes param_set_der(core::ParamSet set);
// CKA_GOSTR3411_PARAMS for a key of `bits` (Streebog-256 / -512 OID).
Bytes digest_oid_der(unsigned bits);

}  // namespace gostcsp::p11
