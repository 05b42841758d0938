// SPDX-License-Identifier: Apache-2.0
// gostcsp.conf parsing: every key, errors naming the line, environment overrides.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "keystore_test_util.hpp"

using namespace gostcsp::keystore;
using gostcsp::keystore::test::make_token;
using gostcsp::keystore::test::so_pin;
using gostcsp::keystore::test::TempDir;
using gostcsp::keystore::test::test_config;

namespace {

void write(const std::filesystem::path& p, std::string_view text) {
    std::ofstream(p) << text;
}

// Restores an environment variable at scope exit.
class EnvGuard {
  public:
    explicit EnvGuard(const char* name) : name_(name) {
        if (const char* v = std::getenv(name)) old_ = v;
    }
    ~EnvGuard() {
        if (old_)
            ::setenv(name_, old_->c_str(), 1);
        else
            ::unsetenv(name_);
    }

  private:
    const char* name_;
    std::optional<std::string> old_;
};

}  // namespace

TEST(KeystoreConfig, ParsesEveryKey) {
    TempDir dir;
    write(dir.path() / "extra.txt", "# site list\n246813\n\nqazwsx\n");
    const std::string text =
        "# comment\n"
        "token_dir = /srv/tokens\n"
        "pin_min_length = 8\n"
        "pin_max_length=32\n"
        "  user_max_retries =  7  \n"
        "so_max_retries = 2\n"
        "forbidden_pins_file = extra.txt\n"
        "test_token = true\n"
        "kdf_iterations = 1234\n"
        "log_level = debug\n";
    write(dir.path() / "gostcsp.conf", text);
    auto c = load_config_file(dir.path() / "gostcsp.conf");
    ASSERT_TRUE(c.ok()) << c.status().message();
    EXPECT_EQ(c->token_dir, "/srv/tokens");
    EXPECT_EQ(c->pin_min_length, 8u);
    EXPECT_EQ(c->pin_max_length, 32u);
    EXPECT_EQ(c->user_max_retries, 7u);
    EXPECT_EQ(c->so_max_retries, 2u);
    EXPECT_EQ(c->kdf_iterations, 1234u);
    EXPECT_EQ(c->log_level, LogLevel::debug);
    EXPECT_EQ(c->forbidden_pins, (std::vector<std::string>{"246813", "qazwsx"}));
}

TEST(KeystoreConfig, KdfCostAlias) {
    auto c = parse_config("test_token = yes\nkdf_cost = 99\n", "x.conf");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->kdf_iterations, 99u);
}

TEST(KeystoreConfig, KdfBelowMinimumOnlyForTestTokens) {
    auto r = parse_config("kdf_iterations = 1\n", "x.conf");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), Error::config_error);
    EXPECT_NE(r.status().message().find("below the minimum 10000"), std::string_view::npos)
        << r.status().message();
    EXPECT_TRUE(parse_config("kdf_iterations = 10000\n", "x.conf").ok());
    EXPECT_FALSE(parse_config("test_token = maybe\n", "x.conf").ok());
    // A Config built in code is held to the same rule when a PIN is wrapped.
    TempDir dir;
    Config c = test_config(dir.path());
    c.test_token = false;
    EXPECT_EQ(init_token(c, dir.path() / "t.token", so_pin, "t").error(), Error::config_error);
}

TEST(KeystoreConfig, TestTokensSaySo) {
    TempDir dir;
    Config c = test_config(dir.path());
    auto t = make_token(c, dir.path() / "test.token");
    ASSERT_TRUE(t);
    EXPECT_TRUE(t->info()->test_token);
    EXPECT_EQ(t->info()->model, "TEST soft token");
    c.test_token = false;
    c.kdf_iterations = min_kdf_iterations;
    auto real = make_token(c, dir.path() / "real.token");
    ASSERT_TRUE(real);
    EXPECT_FALSE(real->info()->test_token);
    EXPECT_EQ(real->info()->model, "soft token");
}

TEST(KeystoreConfig, ErrorsNameTheLine) {
    struct Case {
        const char* text;
        const char* expect;  // substring of the message
    } cases[] = {
        {"token_dir = /a\n\nbogus_key = 1\n", "my.conf:3: unknown key 'bogus_key'"},
        {"# c\njust some words\n", "my.conf:2: expected 'key = value'"},
        {"pin_min_length = 6x\n", "my.conf:1: pin_min_length: expected an integer"},
        {"pin_min_length = 2\n", "my.conf:1: pin_min_length"},
        {"user_max_retries = 0\n", "my.conf:1: user_max_retries"},
        {"so_max_retries = -3\n", "my.conf:1: so_max_retries"},
        {"kdf_iterations = 0\n", "my.conf:1: kdf_iterations"},
        {"log_level = loud\n", "my.conf:1: log_level"},
        {"\n\ntoken_dir =\n", "my.conf:3: token_dir: empty path"},
        {"forbidden_pins_file = /nonexistent/gostcsp/list\n", "my.conf:1: forbidden_pins_file"},
    };
    for (const auto& c : cases) {
        auto r = parse_config(c.text, "my.conf");
        ASSERT_FALSE(r.ok()) << c.text;
        EXPECT_EQ(r.error(), Error::config_error);
        EXPECT_NE(std::string(r.status().message()).find(c.expect), std::string::npos)
            << "message: " << r.status().message() << "\nexpected: " << c.expect;
    }
}

TEST(KeystoreConfig, MaxBelowMinRefused) {
    auto r = parse_config("pin_min_length = 10\npin_max_length = 8\n", "c");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), Error::config_error);
}

TEST(KeystoreConfig, EnvironmentNamesFileAndOverridesTokenDir) {
    TempDir dir;
    EnvGuard g1("GOSTCSP_CONF"), g2("GOSTCSP_TOKEN_DIR");
    write(dir.path() / "g.conf", "token_dir = /from/file\nso_max_retries = 4\n");
    ::setenv("GOSTCSP_CONF", (dir.path() / "g.conf").c_str(), 1);
    ::unsetenv("GOSTCSP_TOKEN_DIR");
    auto c = load_config();
    ASSERT_TRUE(c.ok()) << c.status().message();
    EXPECT_EQ(c->token_dir, "/from/file");
    EXPECT_EQ(c->so_max_retries, 4u);
    ::setenv("GOSTCSP_TOKEN_DIR", "/from/env", 1);
    c = load_config();
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->token_dir, "/from/env");
}

TEST(KeystoreConfig, MissingNamedFileIsAnError) {
    TempDir dir;
    EnvGuard g1("GOSTCSP_CONF");
    ::setenv("GOSTCSP_CONF", (dir.path() / "absent.conf").c_str(), 1);
    auto c = load_config();
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error(), Error::config_error);
    EXPECT_NE(std::string(c.status().message()).find("absent.conf"), std::string::npos);
}
