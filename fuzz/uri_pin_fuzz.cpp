// SPDX-License-Identifier: Apache-2.0
// libFuzzer: split_pin_value over arbitrary URI text. Invariants: no crash or sanitizer report;
// the returned URI never carries a pin-value attribute; without a query the URI is unchanged;
// the decoded PIN is never longer than the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "pin_buffer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view uri(reinterpret_cast<const char*>(data), size);
    gostcsp::prov::PinBuffer pin;
    const std::string rest = gostcsp::prov::split_pin_value(uri, pin);
    const std::size_t q = rest.find('?');
    if (q != std::string::npos) {
        std::string_view query = std::string_view(rest).substr(q + 1);
        while (!query.empty()) {
            const std::size_t amp = query.find('&');
            if (query.substr(0, amp).starts_with("pin-value=")) std::abort();
            query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        }
    }
    if (uri.find('?') == std::string_view::npos && rest != uri) std::abort();
    if (pin.view().size() > size) std::abort();
    return 0;
}
