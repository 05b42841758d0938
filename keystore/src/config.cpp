// SPDX-License-Identifier: Apache-2.0
// gostcsp.conf parser: `key = value` lines, '#' comments; errors name file and line.
#include "gostcsp/keystore/config.hpp"

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "log.hpp"

namespace gostcsp::keystore {

namespace {

std::string_view trim(std::string_view s) {
    const auto ws = " \t\r\n";
    const auto b = s.find_first_not_of(ws);
    if (b == std::string_view::npos) return {};
    const auto e = s.find_last_not_of(ws);
    return s.substr(b, e - b + 1);
}

// true|yes|1 and false|no|0; nullopt for anything else.
std::optional<bool> parse_flag(std::string_view v) {
    if (v == "true" || v == "yes" || v == "1") return true;
    if (v == "false" || v == "no" || v == "0") return false;
    return std::nullopt;
}

bool parse_unsigned(std::string_view v, std::uint64_t lo, std::uint64_t hi, std::uint64_t& out) {
    if (v.empty()) return false;
    std::uint64_t x = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (ec != std::errc{} || p != v.data() + v.size()) return false;
    if (x < lo || x > hi) return false;
    out = x;
    return true;
}

Status config_error(std::string_view origin, std::size_t line, std::string_view what) {
    std::string msg(origin);
    if (line) msg += ":" + std::to_string(line);
    msg += ": ";
    msg += what;
    return Status(Error::config_error, std::move(msg));
}

Result<std::string> read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return Status(Error::config_error,
                      file.string() + ": cannot open: " + std::string(std::strerror(errno)));
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// One PIN per line; blank lines and '#' comments ignored.
Status load_forbidden_pins(Config& config, std::string_view origin, std::size_t line) {
    auto text = read_file(config.forbidden_pins_file);
    if (!text) {
        return config_error(origin, line,
                            "forbidden_pins_file: " + std::string(text.status().message()));
    }
    std::istringstream in(*text);
    std::string l;
    while (std::getline(in, l)) {
        auto t = trim(l);
        if (t.empty() || t.front() == '#') continue;
        config.forbidden_pins.emplace_back(t);
    }
    return {};
}

}  // namespace

Result<Config> parse_config(std::string_view text, std::string_view origin) {
    Config config;
    config.source = std::string(origin);
    std::size_t line_no = 0;
    std::size_t forbidden_line = 0;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        auto nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        auto line = trim(text.substr(pos, nl - pos));
        pos = nl + 1;
        ++line_no;
        if (line.empty() || line.front() == '#') continue;
        const auto eq = line.find('=');
        if (eq == std::string_view::npos) {
            return config_error(origin, line_no,
                                "expected 'key = value', got '" + std::string(line) + "'");
        }
        const auto key = trim(line.substr(0, eq));
        const auto value = trim(line.substr(eq + 1));
        std::uint64_t n = 0;
        auto bad_number = [&](std::string_view range) {
            return config_error(origin, line_no,
                                std::string(key) + ": expected an integer in " +
                                    std::string(range) + ", got '" + std::string(value) + "'");
        };
        if (key == "token_dir") {
            if (value.empty()) return config_error(origin, line_no, "token_dir: empty path");
            config.token_dir = std::string(value);
        } else if (key == "pin_min_length") {
            if (!parse_unsigned(value, 4, 255, n)) return bad_number("4..255");
            config.pin_min_length = static_cast<unsigned>(n);
        } else if (key == "pin_max_length") {
            if (!parse_unsigned(value, 4, 255, n)) return bad_number("4..255");
            config.pin_max_length = static_cast<unsigned>(n);
        } else if (key == "user_max_retries") {
            if (!parse_unsigned(value, 1, 1000, n)) return bad_number("1..1000");
            config.user_max_retries = static_cast<unsigned>(n);
        } else if (key == "so_max_retries") {
            if (!parse_unsigned(value, 1, 1000, n)) return bad_number("1..1000");
            config.so_max_retries = static_cast<unsigned>(n);
        } else if (key == "forbidden_pins_file") {
            if (value.empty())
                return config_error(origin, line_no, "forbidden_pins_file: empty path");
            config.forbidden_pins_file = std::string(value);
            forbidden_line = line_no;
        } else if (key == "kdf_iterations" || key == "kdf_cost") {
            if (!parse_unsigned(value, 1, 100000000, n)) return bad_number("1..100000000");
            config.kdf_iterations = static_cast<std::uint32_t>(n);
        } else if (key == "allow_factory_pins") {
            // A provisioning line's switch: gostcsp-tool keygen / import-cert under factory PINs.
            const auto flag = parse_flag(value);
            if (!flag)
                return config_error(
                    origin, line_no,
                    "allow_factory_pins: expected true|false, got '" + std::string(value) + "'");
            config.allow_factory_pins = *flag;
        } else if (key == "test_token") {
            const auto flag = parse_flag(value);
            if (!flag) return config_error(origin, line_no, "test_token: expected true or false");
            config.test_token = *flag;
        } else if (key == "so_can_restore_user_keys") {
            const auto flag = parse_flag(value);
            if (!flag)
                return config_error(origin, line_no,
                                    "so_can_restore_user_keys: expected true or false");
            config.so_can_restore_user_keys = *flag;
        } else if (key == "log_level") {
            if (value == "error")
                config.log_level = LogLevel::error;
            else if (value == "warning")
                config.log_level = LogLevel::warning;
            else if (value == "info")
                config.log_level = LogLevel::info;
            else if (value == "debug")
                config.log_level = LogLevel::debug;
            else
                return config_error(origin, line_no,
                                    "log_level: expected error|warning|info|debug, got '" +
                                        std::string(value) + "'");
        } else {
            return config_error(origin, line_no, "unknown key '" + std::string(key) + "'");
        }
    }
    if (config.kdf_iterations < min_kdf_iterations && !config.test_token) {
        return config_error(origin, 0,
                            "kdf_iterations " + std::to_string(config.kdf_iterations) +
                                " is below the minimum " + std::to_string(min_kdf_iterations) +
                                "; only a test token (test_token = true) may use less");
    }
    if (config.pin_max_length < config.pin_min_length) {
        return config_error(origin, 0, "pin_max_length is smaller than pin_min_length");
    }
    if (!config.forbidden_pins_file.empty()) {
        // A relative path is relative to the configuration file's directory.
        if (config.forbidden_pins_file.is_relative() && !config.source.empty()) {
            config.forbidden_pins_file = config.source.parent_path() / config.forbidden_pins_file;
        }
        if (Status st = load_forbidden_pins(config, origin, forbidden_line); !st) return st;
    }
    return config;
}

Result<Config> load_config_file(const std::filesystem::path& file) {
    auto text = read_file(file);
    if (!text) return text.status();
    return parse_config(*text, file.string());
}

Result<Config> load_config() {
    Result<Config> config = Config{};
    const char* env = std::getenv("GOSTCSP_CONF");
    if (env && *env) {
        config = load_config_file(env);  // named explicitly: must exist
    } else {
        std::error_code ec;
        if (std::filesystem::exists(default_config_path, ec)) {
            config = load_config_file(default_config_path);
        }
    }
    if (!config) return config;
    const char* dir = std::getenv("GOSTCSP_TOKEN_DIR");
    if (dir && *dir) config->token_dir = dir;
    detail::set_log_level(config->log_level);
    return config;
}

}  // namespace gostcsp::keystore
