// SPDX-License-Identifier: Apache-2.0
// Locked, non-dumpable memory (mlock + MADV_DONTDUMP) for decrypted keys and derived secrets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace gostcsp::keystore {

// A heap buffer of secret bytes in its own anonymous mapping, locked in RAM (mlock) and excluded
// from core dumps (MADV_DONTDUMP) and from fork children (MADV_WIPEONFORK where available). It is
// wiped and unmapped on destruction and when moved from. Move-only.
//
// If mlock fails (RLIMIT_MEMLOCK), the buffer still works and locked() returns false; the
// keystore logs a warning once. Allocation failure leaves an empty buffer (valid() == false).
class SecureBytes {
  public:
    SecureBytes() noexcept = default;
    explicit SecureBytes(std::size_t size) noexcept;
    SecureBytes(const SecureBytes&) = delete;
    SecureBytes& operator=(const SecureBytes&) = delete;
    SecureBytes(SecureBytes&& other) noexcept;
    SecureBytes& operator=(SecureBytes&& other) noexcept;
    ~SecureBytes();

    bool valid() const noexcept { return data_ != nullptr || size_ == 0; }
    bool locked() const noexcept { return locked_; }
    std::uint8_t* data() noexcept { return data_; }
    const std::uint8_t* data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    std::span<std::uint8_t> span() noexcept { return {data_, size_}; }
    std::span<const std::uint8_t> span() const noexcept { return {data_, size_}; }
    // Shrinks the visible size (wiping the tail); never grows.
    void truncate(std::size_t size) noexcept;

  private:
    void release() noexcept;

    std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t mapped_ = 0;
    bool locked_ = false;
};

}  // namespace gostcsp::keystore
