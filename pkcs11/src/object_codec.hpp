// SPDX-License-Identifier: Apache-2.0
// Converts between PKCS#11 attribute maps and the keystore's typed object record.
#pragma once

#include "gostcsp/keystore/token.hpp"
#include "p11_error.hpp"

namespace gostcsp::p11 {

enum class ObjectOrigin : std::uint8_t { created, generated, derived };

struct NewObject {
    keystore::Object object;  // typed fields + opaque attributes for the keystore
    Bytes secret;             // a private scalar or secret-key value, sealed by the keystore
    AttrMap all;              // every attribute after defaults (for checks by the caller)
};

// Applies defaults and gostcsp's policy to a parsed template (class bit `cls`) and splits it
// into the keystore's record: private keys must stay sensitive and unextractable
// (CKR_ATTRIBUTE_VALUE_INVALID otherwise), imported private keys go only into the token, GOST
// keys name a supported parameter set matching their key type.
NewObject prepare_new_object(AttrMap attrs, unsigned cls, ObjectOrigin origin);
// The attribute view of a stored object (secret values are never part of it).
AttrMap attrs_from_keystore(const keystore::Object& o);
// One boolean usage attribute (CKA_SIGN, CKA_DERIVE, …) of the object's opaque list, without
// building the whole AttrMap: the per-operation path of C_SignInit.
bool usage_allowed(const keystore::Object& o, CK_ATTRIBUTE_TYPE type);
// Checks C_SetAttributeValue / C_CopyObject changes against the current values (one-way
// CKA_SENSITIVE / CKA_EXTRACTABLE rules → CKR_ATTRIBUTE_READ_ONLY) and builds the update.
keystore::ObjectUpdate update_from_changes(const AttrMap& current, const AttrMap& changes,
                                           unsigned cls);

}  // namespace gostcsp::p11
