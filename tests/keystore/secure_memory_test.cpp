// SPDX-License-Identifier: Apache-2.0
// SecureBytes: the kernel's own view (/proc/self/smaps) shows the mapping non-dumpable and, when
// RLIMIT_MEMLOCK allows, locked; contents are wiped on move.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "gostcsp/keystore/secure_memory.hpp"

using gostcsp::keystore::SecureBytes;

// The sanitizers' runtimes turn mlock into a no-op that reports success.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define GOSTCSP_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define GOSTCSP_SANITIZED 1
#endif
#endif

namespace {

// The VmFlags line of the smaps entry containing `addr`.
std::string vm_flags_of(const void* addr) {
    std::ifstream smaps("/proc/self/smaps");
    std::string line;
    const auto a = reinterpret_cast<std::uintptr_t>(addr);
    bool inside = false;
    while (std::getline(smaps, line)) {
        std::uintptr_t lo = 0, hi = 0;
        char dash = 0;
        std::istringstream head(line);
        if (head >> std::hex >> lo >> dash >> hi && dash == '-') {
            inside = a >= lo && a < hi;
            continue;
        }
        if (inside && line.rfind("VmFlags:", 0) == 0) return line;
    }
    return {};
}

bool has_flag(const std::string& flags, const char* f) {
    std::istringstream in(flags.substr(8));
    std::string tok;
    while (in >> tok)
        if (tok == f) return true;
    return false;
}

}  // namespace

TEST(KeystoreSecureMemory, MappingIsNonDumpableAndLocked) {
    SecureBytes b(100);
    ASSERT_TRUE(b.valid());
    std::memset(b.data(), 0xAB, b.size());
    const std::string flags = vm_flags_of(b.data());
    ASSERT_FALSE(flags.empty()) << "mapping not found in /proc/self/smaps";
    EXPECT_TRUE(has_flag(flags, "dd")) << flags;  // VM_DONTDUMP
    rlimit lim{};
    ::getrlimit(RLIMIT_MEMLOCK, &lim);
#ifndef GOSTCSP_SANITIZED
    if (lim.rlim_cur >= 4096) {
        EXPECT_TRUE(b.locked());
        EXPECT_TRUE(has_flag(flags, "lo")) << flags;  // VM_LOCKED
    }
#endif
#ifdef MADV_WIPEONFORK
    EXPECT_TRUE(has_flag(flags, "wf")) << flags;  // VM_WIPEONFORK
#endif
}

TEST(KeystoreSecureMemory, MoveLeavesSourceEmptyAndTruncateWipes) {
    SecureBytes a(32);
    std::memset(a.data(), 0x5C, 32);
    SecureBytes b(std::move(a));
    EXPECT_EQ(a.size(), 0u);
    EXPECT_EQ(a.data(), nullptr);
    ASSERT_EQ(b.size(), 32u);
    EXPECT_EQ(b.data()[31], 0x5C);
    b.truncate(8);
    EXPECT_EQ(b.size(), 8u);
    EXPECT_EQ(b.data()[8], 0) << "the cut tail is wiped";
    EXPECT_EQ(b.data()[7], 0x5C);
    SecureBytes empty;
    EXPECT_TRUE(empty.valid());
    EXPECT_TRUE(empty.empty());
}
