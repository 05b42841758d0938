// SPDX-License-Identifier: Apache-2.0
// The reason text of the last OpenSSL error, for tests that check which error a call raised.
#pragma once

#include <openssl/err.h>

#include <string>

namespace gostcsp::test {

// The last queued error's reason ("" if none, "<code N>" if it has no text); clears the queue.
inline std::string last_reason() {
    unsigned long e = 0, last = 0;
    while ((e = ERR_get_error()) != 0) last = e;
    const char* r = last != 0 ? ERR_reason_error_string(last) : nullptr;
    return r != nullptr ? r : (last != 0 ? "<code " + std::to_string(last) + ">" : "");
}

}  // namespace gostcsp::test
