// SPDX-License-Identifier: Apache-2.0
// PIN policy: the default/vendor list, trivial patterns, the configured list, length limits.
#include <gtest/gtest.h>

#include "keystore_test_util.hpp"

using namespace gostcsp::keystore;

TEST(KeystorePinPolicy, DefaultVendorPinsAreWeak) {
    Config c;
    // The list the issue requires, verbatim.
    for (const char* pin : {"12345678", "87654321", "1234567890", "0987654321", "11111111",
                            "00000000", "0000", "1234", "123456"}) {
        EXPECT_TRUE(is_weak_pin(c, pin)) << pin;
    }
}

TEST(KeystorePinPolicy, TrivialPatternsAreWeak) {
    Config c;
    for (const char* pin : {"999999", "777", "aaaaaaaa", "3456789", "7890123", "9876543", "2109876",
                            "abcdefgh", "ZYXWVU"}) {
        EXPECT_TRUE(is_weak_pin(c, pin)) << pin;
    }
    for (const char* pin :
         {"135790", "12345670", "user-Secret-5820", "aabbcc", "1234567899", "abcdeg"}) {
        EXPECT_FALSE(is_weak_pin(c, pin)) << pin;
    }
}

TEST(KeystorePinPolicy, ConfiguredListIsWeak) {
    Config c;
    c.forbidden_pins = {"CompanyName2026"};
    EXPECT_TRUE(is_weak_pin(c, "CompanyName2026"));
    EXPECT_FALSE(is_weak_pin(c, "CompanyName2027"));
}

TEST(KeystorePinPolicy, CheckNewPin) {
    Config c;
    c.pin_min_length = 8;
    c.pin_max_length = 16;
    EXPECT_EQ(check_new_pin(c, "h7#kQ9").error(), Error::pin_len_range);             // 6 < 8
    EXPECT_EQ(check_new_pin(c, "h7#kQ9xz-long-PIN").error(), Error::pin_len_range);  // 17 > 16
    EXPECT_EQ(check_new_pin(c, "12345678").error(), Error::pin_invalid);
    EXPECT_EQ(check_new_pin(c, "00000000").error(), Error::pin_invalid);
    EXPECT_EQ(check_new_pin(c, "h7#kQ9\nz").error(), Error::pin_invalid);  // control character
    EXPECT_TRUE(check_new_pin(c, "h7#kQ9xz").ok());
}

// The cases issue #11 found accepted, and their families.
TEST(KeystorePinPolicy, CommonPasswordsAnyCaseAndLookAlikesAreWeak) {
    Config c;
    for (const char* pin : {"Password", "PASSWORD", "P@ssw0rd", "p4$$w0rd", "Password1",
                            "Qwerty123!", "LetMeIn", "TRUSTNO1"}) {
        EXPECT_TRUE(is_weak_pin(c, pin)) << pin;
    }
    c.forbidden_pins = {"AcmeCorp"};
    EXPECT_TRUE(is_weak_pin(c, "acmecorp")) << "the configured list is case-insensitive too";
    EXPECT_TRUE(is_weak_pin(c, "ACMECORP2026"));
    EXPECT_FALSE(is_weak_pin(c, "Correct-Horse-Battery"));
}

TEST(KeystorePinPolicy, RepeatedBlocksAndKeyboardWalksAreWeak) {
    Config c;
    for (const char* pin : {"123123123", "11112222", "12121212", "abcabcabc", "xyzxyz", "asdfghjk",
                            "qwertyui", "1qaz2wsx", "0987", "lkjhgfds", "789456123", "zxcvbnm,"}) {
        EXPECT_TRUE(is_weak_pin(c, pin)) << pin;
    }
    for (const char* pin : {"h7#kQ9xz", "river-Otter-2093", "aabbcc"}) {
        EXPECT_FALSE(is_weak_pin(c, pin)) << pin;
    }
}

TEST(KeystorePinPolicy, LeadingOrTrailingSpaceRefused) {
    Config c;
    EXPECT_EQ(check_new_pin(c, "12345678 ").error(), Error::pin_invalid);
    EXPECT_EQ(check_new_pin(c, " h7#kQ9xz").error(), Error::pin_invalid);
    EXPECT_EQ(check_new_pin(c, "h7#kQ9xz ").error(), Error::pin_invalid);
    EXPECT_TRUE(check_new_pin(c, "h7 #kQ9xz").ok()) << "inner spaces are fine";
}
