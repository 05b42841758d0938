// SPDX-License-Identifier: Apache-2.0
// PIN policy: length, default/vendor PIN list, trivial patterns, the configured forbidden list.
#include <algorithm>
#include <array>
#include <string_view>

#include "gostcsp/keystore/token.hpp"

namespace gostcsp::keystore {

namespace {

// Vendors' factory PINs (Rutoken, JaCarta, eToken, SafeNet, SoftHSM examples) and the usual
// first guesses.
constexpr std::array<std::string_view, 14> builtin_default_pins = {
    "12345678", "87654321", "1234567890", "0987654321", "11111111", "00000000",  "0000",
    "1234",     "123456",   "12345",      "password",   "qwerty",   "123456789", "1111",
};

// All characters equal ("000000", "aaaa").
bool all_same(std::string_view pin) {
    return std::all_of(pin.begin(), pin.end(), [&](char c) { return c == pin.front(); });
}

// Digit runs stepping by +1 or -1 modulo 10 ("3456789012", "0987654321"), or letter runs
// stepping by +1 / -1 ("abcdef", "FEDCBA").
bool is_run(std::string_view pin) {
    if (pin.size() < 3) return false;
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (std::all_of(pin.begin(), pin.end(), digit)) {
        for (int step : {1, 9}) {  // +1 and -1 mod 10
            bool run = true;
            for (std::size_t i = 1; i < pin.size() && run; ++i) {
                run = (pin[i - 1] - '0' + step) % 10 == pin[i] - '0';
            }
            if (run) return true;
        }
        return false;
    }
    for (int step : {1, -1}) {
        bool run = true;
        for (std::size_t i = 1; i < pin.size() && run; ++i) {
            const char a = pin[i - 1], b = pin[i];
            const bool letters = ((a >= 'a' && a <= 'z') && (b >= 'a' && b <= 'z')) ||
                                 ((a >= 'A' && a <= 'Z') && (b >= 'A' && b <= 'Z'));
            run = letters && b - a == step;
        }
        if (run) return true;
    }
    return false;
}

}  // namespace

bool is_weak_pin(const Config& config, std::string_view pin) {
    if (pin.empty()) return true;
    if (std::find(builtin_default_pins.begin(), builtin_default_pins.end(), pin) !=
        builtin_default_pins.end()) {
        return true;
    }
    if (std::find(config.forbidden_pins.begin(), config.forbidden_pins.end(), pin) !=
        config.forbidden_pins.end()) {
        return true;
    }
    return all_same(pin) || is_run(pin);
}

Status check_pin_format(const Config& config, std::string_view pin) {
    if (pin.size() < config.pin_min_length || pin.size() > config.pin_max_length) {
        return Status(Error::pin_len_range, "PIN must be " + std::to_string(config.pin_min_length) +
                                                " to " + std::to_string(config.pin_max_length) +
                                                " characters long");
    }
    for (char c : pin) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            return Status(Error::pin_invalid, "PIN contains a control character");
        }
    }
    return {};
}

Status check_new_pin(const Config& config, std::string_view pin) {
    if (Status st = check_pin_format(config, pin); !st) return st;
    if (is_weak_pin(config, pin)) {
        return Status(Error::pin_invalid,
                      "PIN refused: it is a default/well-known PIN or a trivial pattern "
                      "(repeated or sequential characters); choose another");
    }
    return {};
}

}  // namespace gostcsp::keystore
