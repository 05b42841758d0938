// SPDX-License-Identifier: Apache-2.0
// Minimal keystore logging to stderr, filtered by the configured level. Never log PINs or keys.
#pragma once

#include <string_view>

#include "gostcsp/keystore/config.hpp"

namespace gostcsp::keystore::detail {

// Sets the threshold (the most verbose level still printed); the last loaded Config wins.
void set_log_level(LogLevel level) noexcept;
void log(LogLevel level, std::string_view message) noexcept;

}  // namespace gostcsp::keystore::detail
