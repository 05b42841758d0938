// SPDX-License-Identifier: Apache-2.0
// Shared helpers for keystore tests: temporary token directories and a low-cost test config.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "gostcsp/keystore/keystore.hpp"

namespace gostcsp::keystore::test {

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it at scope exit.
class TempDir {
  public:
    TempDir() {
        const char* base = std::getenv("TMPDIR");
        std::string tmpl = std::string(base && *base ? base : "/tmp") + "/gostcsp-ks-XXXXXX";
        if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

inline constexpr const char* so_pin = "so-Secret-9471";
inline constexpr const char* user_pin = "user-Secret-5820";
inline constexpr const char* user_pin2 = "other-Secret-3316";

// Policy as a deployment would set it, but a tiny KDF cost so the suite stays fast.
inline Config test_config(const std::filesystem::path& dir) {
    Config c;
    c.token_dir = dir;
    c.kdf_iterations = 8;
    c.test_token = true;  // below min_kdf_iterations: marked as a test token
    c.pin_min_length = 6;
    c.user_max_retries = 5;
    c.so_max_retries = 3;
    return c;
}

// Initialises a token with so_pin and sets user_pin; returns it opened, nobody logged in.
inline std::unique_ptr<Token> make_token(const Config& cfg, const std::filesystem::path& file,
                                         std::string_view label = "test token") {
    Status st = init_token(cfg, file, so_pin, label);
    EXPECT_TRUE(st.ok()) << st.message();
    auto t = Token::open(cfg, file);
    EXPECT_TRUE(t.ok()) << t.status().message();
    if (!t) return nullptr;
    auto li = (*t)->login(UserType::so, so_pin);
    EXPECT_TRUE(li.ok()) << li.status().message();
    st = (*t)->init_user_pin(user_pin);
    EXPECT_TRUE(st.ok()) << st.message();
    (*t)->logout();
    return std::move(*t);
}

// A private data object carrying `payload` as an opaque attribute (CKA_VALUE of a data object).
inline Object private_data(std::string_view label, const std::vector<std::uint8_t>& payload) {
    Object o;
    o.object_class = cko_data;
    o.is_private = true;
    o.attributes.push_back({0x3 /*CKA_LABEL*/, {label.begin(), label.end()}});
    o.attributes.push_back({cka_value, payload});
    return o;
}

inline const std::vector<std::uint8_t>* find_attr(const Object& o, std::uint64_t type) {
    for (const auto& a : o.attributes)
        if (a.type == type) return &a.value;
    return nullptr;
}

}  // namespace gostcsp::keystore::test
