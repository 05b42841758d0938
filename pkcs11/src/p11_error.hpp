// SPDX-License-Identifier: Apache-2.0
// The exception the C++ model throws to answer a C_* call with a CK_RV, and small shared types.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "gostcsp/p11/gost_pkcs11.h"

namespace gostcsp::p11 {

// Thrown by the model; the C ABI layer turns it into its CK_RV (entry.cpp's catch ladder).
class P11Error {
  public:
    explicit P11Error(CK_RV rv) noexcept : rv_(rv) {}
    CK_RV rv() const noexcept { return rv_; }

  private:
    CK_RV rv_;
};

[[noreturn]] inline void fail(CK_RV rv) {
    throw P11Error(rv);
}
inline void check(bool cond, CK_RV rv) {
    if (!cond) fail(rv);
}

// An allocator that wipes memory before giving it back (for PINs, secret values).
template <class T>
struct WipingAllocator {
    using value_type = T;
    WipingAllocator() noexcept = default;
    template <class U>
    WipingAllocator(const WipingAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
    void deallocate(T* p, std::size_t n) noexcept;
    template <class U>
    bool operator==(const WipingAllocator<U>&) const noexcept {
        return true;
    }
};
void wipe_memory(void* p, std::size_t n) noexcept;
template <class T>
void WipingAllocator<T>::deallocate(T* p, std::size_t n) noexcept {
    wipe_memory(p, n * sizeof(T));
    std::allocator<T>{}.deallocate(p, n);
}

using Bytes = std::vector<std::uint8_t, WipingAllocator<std::uint8_t>>;
// Attribute values of one object, by type.
using AttrMap = std::map<CK_ATTRIBUTE_TYPE, Bytes>;

inline Bytes to_bytes(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    return n == 0 ? Bytes{} : Bytes(b, b + n);
}
inline Bytes ulong_bytes(CK_ULONG v) {
    return to_bytes(&v, sizeof v);
}
inline Bytes bool_bytes(bool v) {
    CK_BBOOL b = v ? CK_TRUE : CK_FALSE;
    return to_bytes(&b, 1);
}

}  // namespace gostcsp::p11
