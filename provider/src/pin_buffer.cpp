// SPDX-License-Identifier: Apache-2.0
// PinBuffer (mmap'd, mlock'ed, MADV_DONTDUMP pages) and split_pin_value (RFC 7512 pin-value,
// percent-decoded straight into a PinBuffer).
#include "pin_buffer.hpp"

#include <openssl/crypto.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

namespace gostcsp::prov {

PinBuffer::~PinBuffer() {
    release();
}

bool PinBuffer::reserve(std::size_t n) {
    if (n <= cap_) return true;
    const long page_size = sysconf(_SC_PAGESIZE);
    const std::size_t page = page_size > 0 ? static_cast<std::size_t>(page_size) : 4096;
    const std::size_t cap = (n + page - 1) / page * page;
    void* p = mmap(nullptr, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return false;
    (void)madvise(p, cap, MADV_DONTDUMP);  // not in core dumps
    (void)mlock(p, cap);                   // not in swap (best effort: RLIMIT_MEMLOCK)
    auto* fresh = static_cast<char*>(p);
    if (len_ != 0) std::memcpy(fresh, data_, len_);
    const std::size_t len = len_;
    release();
    data_ = fresh;
    cap_ = cap;
    len_ = len;
    return true;
}

void PinBuffer::release() noexcept {
    if (data_ == nullptr) return;
    OPENSSL_cleanse(data_, cap_);
    (void)munlock(data_, cap_);
    (void)munmap(data_, cap_);
    data_ = nullptr;
    cap_ = 0;
    len_ = 0;
}

void PinBuffer::assign(const char* data, std::size_t len) {
    clear();
    if (len == 0 || !reserve(len)) return;
    std::memcpy(data_, data, len);
    len_ = len;
}

void PinBuffer::push_back(char c) {
    if (!reserve(len_ + 1)) return;
    data_[len_++] = c;
}

void PinBuffer::clear() noexcept {
    if (data_ != nullptr) OPENSSL_cleanse(data_, cap_);
    len_ = 0;
}

namespace {
int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

std::string split_pin_value(std::string_view uri, PinBuffer& pin) {
    const std::size_t q = uri.find('?');
    if (q == std::string_view::npos) return std::string(uri);
    std::string out(uri.substr(0, q));
    std::string_view query = uri.substr(q + 1);
    bool first = true;
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view attr = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        constexpr std::string_view key = "pin-value=";
        if (attr.substr(0, key.size()) == key) {
            pin.clear();
            const std::string_view v = attr.substr(key.size());
            for (std::size_t i = 0; i < v.size(); ++i) {
                const int hi = i + 2 < v.size() && v[i] == '%' ? hex_value(v[i + 1]) : -1;
                const int lo = hi >= 0 ? hex_value(v[i + 2]) : -1;
                if (v[i] == '%' && hi >= 0 && lo >= 0) {
                    pin.push_back(static_cast<char>(hi * 16 + lo));
                    i += 2;
                } else {
                    pin.push_back(v[i]);
                }
            }
            continue;
        }
        out += first ? '?' : '&';
        out.append(attr);
        first = false;
    }
    return out;
}

}  // namespace gostcsp::prov
