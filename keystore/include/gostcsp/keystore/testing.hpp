// SPDX-License-Identifier: Apache-2.0
// Test-only fault hooks into the keystore (used by tests/keystore; never set in production).
#pragma once

namespace gostcsp::keystore::testing {

using Hook = void (*)();

// Called after a PIN check's failure-counter increment has been committed and before the PIN is
// tried (KDF + unwrap). A test can kill the process here, or read the counter from another
// connection, to prove the order. nullptr (the default) disables it.
void set_after_counter_commit_hook(Hook hook) noexcept;

// Called inside the transaction that records a PIN verdict, so calls from all processes are
// ordered as their commits are: 'S' a correct PIN, 'W' a wrong one, 'K' an attempt of a killed
// process folded in as a failure. nullptr (the default) disables it.
using VerdictHook = void (*)(char verdict);
void set_verdict_hook(VerdictHook hook) noexcept;
VerdictHook verdict_hook() noexcept;

}  // namespace gostcsp::keystore::testing
