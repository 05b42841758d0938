// SPDX-License-Identifier: Apache-2.0
// Secret holders wipe, and the constant-time comparison agrees with memcmp.
#include <gtest/gtest.h>

#include <cstring>

#include "gostcsp/secure.hpp"
#include "gostcsp/status.hpp"

using namespace gostcsp::core;

TEST(Secure, SecretBytesWipesOnMove) {
    SecretBytes<32> a;
    std::memset(a.data(), 0xA5, a.size());
    SecretBytes<32> b(std::move(a));
    for (auto byte : a.span()) EXPECT_EQ(byte, 0);
    for (auto byte : b.span()) EXPECT_EQ(byte, 0xA5);
    b.wipe();
    for (auto byte : b.span()) EXPECT_EQ(byte, 0);
}

TEST(Secure, ConstantTimeEqual) {
    const std::uint8_t x[4] = {1, 2, 3, 4}, y[4] = {1, 2, 3, 5}, z[3] = {1, 2, 3};
    EXPECT_TRUE(constant_time_equal(x, x));
    EXPECT_FALSE(constant_time_equal(x, y));
    EXPECT_FALSE(constant_time_equal(x, z));  // lengths differ
}

TEST(Status, EveryCodeHasAMessage) {
    for (int i = 0; i <= static_cast<int>(Status::rng_failure); ++i)
        EXPECT_NE(status_message(static_cast<Status>(i)), "unknown status") << i;
}
