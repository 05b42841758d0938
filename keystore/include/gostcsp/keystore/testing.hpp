// SPDX-License-Identifier: Apache-2.0
// Test-only fault hooks into the keystore (used by tests/keystore; never set in production).
#pragma once

namespace gostcsp::keystore::testing {

using Hook = void (*)();

// Called after a PIN check's failure-counter increment has been committed and before the PIN is
// tried (KDF + unwrap). A test can kill the process here, or read the counter from another
// connection, to prove the order. nullptr (the default) disables it.
void set_after_counter_commit_hook(Hook hook) noexcept;

}  // namespace gostcsp::keystore::testing
