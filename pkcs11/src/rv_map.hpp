// SPDX-License-Identifier: Apache-2.0
// The one mapping from keystore and core results to CK_RV (listed in docs/pkcs11.md).
#pragma once

#include <utility>

#include "gostcsp/keystore/status.hpp"
#include "gostcsp/status.hpp"
#include "p11_error.hpp"

namespace gostcsp::p11 {

CK_RV to_rv(core::Status s) noexcept;
CK_RV to_rv(keystore::Error e, core::Status core = core::Status::ok) noexcept;

// Throws P11Error for a failed keystore status.
inline void ks_check(const keystore::Status& s) {
    if (!s.ok()) fail(to_rv(s.error(), s.core_status()));
}
template <class T>
T ks_value(keystore::Result<T>&& r) {
    if (!r.ok()) fail(to_rv(r.error(), r.status().core_status()));
    return std::move(r).value();
}
inline void core_check(core::Status s) {
    if (s != core::Status::ok) fail(to_rv(s));
}

}  // namespace gostcsp::p11
