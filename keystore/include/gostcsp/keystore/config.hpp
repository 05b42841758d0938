// SPDX-License-Identifier: Apache-2.0
// gostcsp.conf: token directory, PIN policy, KDF cost and log level (documented in
// docs/keystore.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "gostcsp/keystore/status.hpp"

namespace gostcsp::keystore {

// The system default configuration path, used when GOSTCSP_CONF is not set.
inline constexpr const char* default_config_path = "/etc/gostcsp/gostcsp.conf";
// The token directory used when neither the file nor GOSTCSP_TOKEN_DIR names one.
inline constexpr const char* default_token_dir = "/var/lib/gostcsp/tokens";
// Token files are `<name>.token` in the token directory.
inline constexpr const char* token_file_extension = ".token";

// The least PBKDF2 cost accepted for PIN wraps, unless the configuration marks its tokens as
// test tokens (`test_token = true`), which then say so in C_GetTokenInfo and list-tokens.
inline constexpr std::uint32_t min_kdf_iterations = 10000;

enum class LogLevel : std::uint8_t { error, warning, info, debug };

// The parsed configuration. Defaults below apply to keys the file does not set.
struct Config {
    std::filesystem::path token_dir = default_token_dir;  // key: token_dir
    unsigned pin_min_length = 6;                          // key: pin_min_length (>= 4)
    unsigned pin_max_length = 64;                         // key: pin_max_length
    unsigned user_max_retries = 10;                       // key: user_max_retries (1..1000)
    unsigned so_max_retries = 10;                         // key: so_max_retries (1..1000)
    std::filesystem::path forbidden_pins_file;            // key: forbidden_pins_file
    std::vector<std::string> forbidden_pins;              // loaded from that file
    // PBKDF2-HMAC-Streebog-512 iterations for new PIN wraps (key: kdf_iterations, alias
    // `kdf_cost`). Existing wraps keep the count recorded with them in the token file.
    std::uint32_t kdf_iterations = 56000;
    // key: test_token (true|false). Allows kdf_iterations below min_kdf_iterations, for test
    // suites and benchmarks only; such tokens are marked as test tokens.
    bool test_token = false;
    // key: so_can_restore_user_keys (true|false), applied when a token is initialised. true:
    // the SO PIN wraps the same data key as the user PIN (unblock keeps the user's keys; the SO
    // PIN plus the file can decrypt them). false: the SO PIN wraps a key of its own that
    // decrypts nothing; setting the user PIN (unblock) makes a new user key and destroys every
    // private object.
    bool so_can_restore_user_keys = true;
    LogLevel log_level = LogLevel::warning;  // key: log_level (error|warning|info|debug)
    // key: allow_factory_pins (true|false): gostcsp-tool keygen / import-cert on a token whose
    // SO or user PIN is still a factory/default PIN (refused by default; docs/keystore.md).
    bool allow_factory_pins = false;
    std::filesystem::path source;  // the file these came from (empty: none)
};

// Loads the configuration:
//  * the file named by GOSTCSP_CONF (must exist), else default_config_path (if it does not exist,
//    the built-in defaults are used);
//  * then GOSTCSP_TOKEN_DIR, when set and non-empty, overrides token_dir.
// Lines are `key = value`; blank lines and lines starting with '#' are ignored. An unknown key, a
// line without '=', a bad number or an unreadable forbidden_pins_file is a config_error whose
// message names the file and line ("gostcsp.conf:7: unknown key 'pin_min_lenght'").
Result<Config> load_config();
// Parses one file; no environment variable is consulted (GOSTCSP_TOKEN_DIR is not applied).
Result<Config> load_config_file(const std::filesystem::path& file);
// Parses configuration text; `origin` names it in messages.
Result<Config> parse_config(std::string_view text, std::string_view origin);

}  // namespace gostcsp::keystore
