// SPDX-License-Identifier: Apache-2.0
// Where the provider keeps a PIN: locked, non-dumpable pages (PinBuffer), and the one place a
// URI's pin-value is taken out of the URI text (split_pin_value). No OpenSSL or PKCS#11 types, so
// the fuzz target (fuzz/uri_pin_fuzz.cpp) builds it alone.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace gostcsp::prov {

// A PIN kept in memory only as long as the token it unlocks (wiped on destruction). The bytes
// live in their own mmap'd pages, locked (mlock, best effort) and excluded from core dumps
// (MADV_DONTDUMP), never in the ordinary heap; clear() wipes them.
class PinBuffer {
  public:
    PinBuffer() = default;
    PinBuffer(const PinBuffer&) = delete;
    PinBuffer& operator=(const PinBuffer&) = delete;
    ~PinBuffer();
    // Copies `len` bytes in. On allocation failure the buffer stays empty.
    void assign(const char* data, std::size_t len);
    void assign(std::string_view v) { assign(v.data(), v.size()); }
    // Appends one byte (percent-decoding writes straight into locked memory).
    void push_back(char c);
    void clear() noexcept;
    bool empty() const noexcept { return len_ == 0; }
    std::string_view view() const noexcept { return {data_, len_}; }

  private:
    bool reserve(std::size_t n);
    void release() noexcept;
    char* data_ = nullptr;
    std::size_t cap_ = 0;
    std::size_t len_ = 0;
};

// Removes the pin-value attribute from a pkcs11: URI, percent-decoding its value into `pin`
// (untouched when the URI has none). Returns the URI without it: what messages, p11-kit (whose
// parser frees its copy without wiping) and key objects get. pin-value is discouraged anyway:
// the application's own copy of the URI still holds the PIN (docs/security.md).
std::string split_pin_value(std::string_view uri, PinBuffer& pin);

}  // namespace gostcsp::prov
