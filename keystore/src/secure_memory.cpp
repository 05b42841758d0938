// SPDX-License-Identifier: Apache-2.0
// SecureBytes: anonymous mappings locked in RAM, excluded from core dumps and fork children.
#include "gostcsp/keystore/secure_memory.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <utility>

#include "gostcsp/secure.hpp"
#include "log.hpp"

namespace gostcsp::keystore {

namespace {
std::size_t page_size() noexcept {
    static const std::size_t size = [] {
        const long p = sysconf(_SC_PAGESIZE);
        return p > 0 ? static_cast<std::size_t>(p) : std::size_t{4096};
    }();
    return size;
}
std::atomic<bool> warned_mlock{false};
}  // namespace

SecureBytes::SecureBytes(std::size_t size) noexcept {
    if (size == 0) return;
    const std::size_t page = page_size();
    if (size > (std::size_t{1} << 30)) return;  // refuse absurd sizes; valid() == false
    const std::size_t mapped = (size + page - 1) / page * page;
    void* p = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        size_ = size;  // data_ stays null: valid() is false
        return;
    }
    // Best effort: each call can fail on old kernels; the memory is still usable.
    (void)madvise(p, mapped, MADV_DONTDUMP);
#ifdef MADV_WIPEONFORK
    (void)madvise(p, mapped, MADV_WIPEONFORK);
#endif
    locked_ = mlock(p, mapped) == 0;
    if (!locked_ && !warned_mlock.exchange(true)) {
        detail::log(LogLevel::warning,
                    "mlock failed (RLIMIT_MEMLOCK?); key material may be swapped out");
    }
    data_ = static_cast<std::uint8_t*>(p);
    size_ = size;
    mapped_ = mapped;
}

SecureBytes::SecureBytes(SecureBytes&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      mapped_(std::exchange(other.mapped_, 0)),
      locked_(std::exchange(other.locked_, false)) {}

SecureBytes& SecureBytes::operator=(SecureBytes&& other) noexcept {
    if (this != &other) {
        release();
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
        mapped_ = std::exchange(other.mapped_, 0);
        locked_ = std::exchange(other.locked_, false);
    }
    return *this;
}

SecureBytes::~SecureBytes() {
    release();
}

void SecureBytes::truncate(std::size_t size) noexcept {
    if (size >= size_) return;
    if (data_) core::secure_zero(data_ + size, size_ - size);
    size_ = size;
}

void SecureBytes::release() noexcept {
    if (data_) {
        core::secure_zero(data_, mapped_);
        if (locked_) munlock(data_, mapped_);
        munmap(data_, mapped_);
    }
    data_ = nullptr;
    size_ = 0;
    mapped_ = 0;
    locked_ = false;
}

}  // namespace gostcsp::keystore
