// SPDX-License-Identifier: Apache-2.0
// gostcsp's own object identifiers (the standards' OIDs live in params.hpp).
#pragma once

namespace gostcsp {

// The algorithm of a gostcsp *key reference*: a PKCS#8 PrivateKeyInfo whose privateKey OCTET
// STRING is a `pkcs11:` URI or a key file's path instead of key material. The engine's ASN.1
// method for it turns the reference into a legacy shell key (docs/openssl.md). A UUID OID
// (X.667, 2.25.<uuid as integer>), so it needs no registration.
inline constexpr const char* key_reference_oid = "2.25.204242435340915082712179152027141201539";
inline constexpr const char* key_reference_sn = "gostcsp-keyref";

}  // namespace gostcsp
