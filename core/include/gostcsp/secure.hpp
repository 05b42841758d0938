// SPDX-License-Identifier: Apache-2.0
// Holders for secrets that are wiped when they go out of scope.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace gostcsp::core {

// Overwrites `len` bytes with zeros in a way the compiler cannot elide.
void secure_zero(void* p, std::size_t len) noexcept;

// Compares two equal-length buffers in time independent of their contents.
bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept;

// A fixed-size byte array that is wiped on destruction and on move-from.
template <std::size_t N>
class SecretBytes {
  public:
    SecretBytes() noexcept : bytes_{} {}
    SecretBytes(const SecretBytes&) = default;
    SecretBytes& operator=(const SecretBytes&) = default;
    SecretBytes(SecretBytes&& other) noexcept : bytes_(other.bytes_) { other.wipe(); }
    SecretBytes& operator=(SecretBytes&& other) noexcept {
        if (this != &other) {
            bytes_ = other.bytes_;
            other.wipe();
        }
        return *this;
    }
    ~SecretBytes() { wipe(); }

    std::uint8_t* data() noexcept { return bytes_.data(); }
    const std::uint8_t* data() const noexcept { return bytes_.data(); }
    static constexpr std::size_t size() noexcept { return N; }
    std::span<std::uint8_t, N> span() noexcept { return bytes_; }
    std::span<const std::uint8_t, N> span() const noexcept { return bytes_; }
    void wipe() noexcept { secure_zero(bytes_.data(), N); }

  private:
    std::array<std::uint8_t, N> bytes_;
};

// Wipes an arbitrary trivially-copyable object when the guard leaves scope.
template <class T>
class WipeOnExit {
  public:
    explicit WipeOnExit(T& obj) noexcept : obj_(obj) {}
    WipeOnExit(const WipeOnExit&) = delete;
    WipeOnExit& operator=(const WipeOnExit&) = delete;
    ~WipeOnExit() { secure_zero(&obj_, sizeof(T)); }

  private:
    T& obj_;
};

}  // namespace gostcsp::core
