// SPDX-License-Identifier: Apache-2.0
// Keystore log sink: one line per message on stderr, "gostcsp-keystore: <level>: <text>".
#include "log.hpp"

#include <atomic>
#include <cstdio>

namespace gostcsp::keystore::detail {

namespace {
std::atomic<int> threshold{static_cast<int>(LogLevel::warning)};
constexpr const char* level_names[] = {"error", "warning", "info", "debug"};
}  // namespace

void set_log_level(LogLevel level) noexcept {
    threshold = static_cast<int>(level);
}

void log(LogLevel level, std::string_view message) noexcept {
    if (static_cast<int>(level) > threshold.load()) return;
    std::fprintf(stderr, "gostcsp-keystore: %s: %.*s\n", level_names[static_cast<int>(level)],
                 static_cast<int>(message.size()), message.data());
}

}  // namespace gostcsp::keystore::detail
