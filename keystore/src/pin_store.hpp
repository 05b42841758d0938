// SPDX-License-Identifier: Apache-2.0
// PIN records: the data key's wraps under each PIN (with the PIN's policy state bound in), their
// counters, and PIN verification under the attempt protocol (docs/keystore.md "PIN protocol").
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "gostcsp/keystore/status.hpp"
#include "gostcsp/keystore/token.hpp"
#include "internal.hpp"
#include "sqlite_db.hpp"

namespace gostcsp::keystore::detail {

// One PIN wrap of the data key, as stored in `pins`.
struct Wrap {
    std::string kdf_alg{detail::kdf_pbkdf2_streebog512};
    Bytes salt;
    std::uint32_t iterations = 0;
    std::string wrap_alg{detail::aead_aes256_gcm};
    Bytes nonce;
    Bytes wrapped;
    // The PIN's policy state, authenticated by the wrap: altering it in the file makes the PIN
    // stop working instead of lifting a must-change or raising the retry limit.
    std::uint32_t max_retries = 0;
    bool must_change = false;
};

Bytes wrap_aad(std::span<const std::uint8_t> token_id, UserType who, const Wrap& wr);
// A new wrap of `data_key` under `pin`; refuses a KDF cost below the minimum unless test_token.
Result<Wrap> make_wrap(std::span<const std::uint8_t> token_id, UserType who, std::string_view pin,
                       std::span<const std::uint8_t> data_key, std::uint32_t iterations,
                       std::uint32_t max_retries, bool must_change, bool test_token);
// Replaces the PIN's row (counter reset to 0).
Status store_wrap(Db& db, UserType who, const Wrap& w);

struct PinRow {
    Wrap wrap;
    std::uint32_t failed = 0;
    std::uint32_t max_retries = 0;
    bool must_change = false;
};

Result<std::optional<PinRow>> read_pin_row(Db& db, UserType who);
Result<PinState> pin_state(Db& db, UserType who, const std::optional<PinRow>& row);
std::string who_name(UserType who);

// A PIN verification under the attempt protocol (docs/keystore.md "PIN protocol"):
//  1. admission, one transaction: attempts of dead processes become failures; if the counted
//     failures plus the attempts in flight leave a try, an attempt row is committed; if not and
//     attempts are in flight, wait for their verdicts (one may succeed); if none are, locked.
//  2. the KDF and unwrap, outside any transaction;
//  3. verdict, one transaction: the row goes; success resets the resolved failures to 0, a
//     failure adds one (unless another process already folded the row in as dead).
// A process killed after 1 leaves its row, which the next admission counts as a failure.
struct Verified {
    SecureBytes data_key;
    Bytes token_id;
    bool must_change = false;
};

Result<Verified> verify_pin_counted(Db& db, UserType who, std::string_view pin);

}  // namespace gostcsp::keystore::detail
