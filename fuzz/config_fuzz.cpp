// SPDX-License-Identifier: Apache-2.0
// libFuzzer: the gostcsp.conf parser over arbitrary text. Invariant: a result or an error,
// never a crash or a sanitizer report; an accepted configuration stays inside the documented
// ranges.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gostcsp/keystore/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = gostcsp::keystore::parse_config(text, "fuzz");
    if (parsed && parsed->kdf_iterations == 0) std::abort();
    return 0;
}
