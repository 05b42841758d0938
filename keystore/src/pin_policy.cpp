// SPDX-License-Identifier: Apache-2.0
// PIN policy: length, default/vendor PIN list, trivial patterns, the configured forbidden list.
#include <algorithm>
#include <array>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "gostcsp/keystore/token.hpp"

namespace gostcsp::keystore {

namespace {

// Vendors' factory PINs and common passwords (keystore/data/common_pins.inc), lower case.
constexpr std::string_view common_pins[] = {
#include "../data/common_pins.inc"
};

std::string lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

// Undoes the usual look-alike substitutions (P@ssw0rd, l3tm31n); `one` is what '1' stands for.
std::string unleet(std::string_view lower, char one) {
    std::string out(lower);
    for (char& c : out) {
        switch (c) {
            case '@':
            case '4':
                c = 'a';
                break;
            case '3':
                c = 'e';
                break;
            case '0':
                c = 'o';
                break;
            case '$':
            case '5':
                c = 's';
                break;
            case '7':
            case '+':
                c = 't';
                break;
            case '!':
                c = 'i';
                break;
            case '1':
                c = one;
                break;
            default:
                break;
        }
    }
    return out;
}

bool listed(std::string_view lower, const std::vector<std::string>& configured) {
    auto in = [&](std::string_view cand) {
        if (std::find(std::begin(common_pins), std::end(common_pins), cand) !=
            std::end(common_pins))
            return true;
        return std::any_of(configured.begin(), configured.end(),
                           [&](const std::string& f) { return lower_ascii(f) == cand; });
    };
    if (in(lower) || in(unleet(lower, 'i')) || in(unleet(lower, 'l'))) return true;
    // A listed word with digits or symbols appended ("password1", "Qwerty!23").
    std::size_t end = lower.size();
    while (end > 0 && !(lower[end - 1] >= 'a' && lower[end - 1] <= 'z')) --end;
    return end >= 4 && end < lower.size() && in(lower.substr(0, end));
}

// One block repeated ("123123123", "abab"), or only two distinct characters ("11112222").
bool repeated_blocks(std::string_view pin) {
    const std::size_t n = pin.size();
    for (std::size_t b = 1; b <= n / 2; ++b) {
        if (n % b != 0) continue;
        bool same = true;
        for (std::size_t i = b; i < n && same; ++i) same = pin[i] == pin[i - b];
        if (same) return true;
    }
    // Two characters only, however arranged ("11112222", "1211121").
    const char a = pin.front();
    const auto other = std::find_if(pin.begin(), pin.end(), [&](char c) { return c != a; });
    if (other == pin.end()) return true;
    const char b = *other;
    return n >= 4 && std::all_of(pin.begin(), pin.end(), [&](char c) { return c == a || c == b; });
}

// Adjacent keys on a QWERTY keyboard or a numeric keypad, in either direction ("asdfgh",
// "0987", "1qaz2wsx", "789456").
bool keyboard_walk(std::string_view lower) {
    static constexpr std::string_view rows[] = {"1234567890-=",
                                                "qwertyuiop[]",
                                                "asdfghjkl;'",
                                                "zxcvbnm,./",
                                                "!@#$%^&*()_+",
                                                "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
                                                "qazwsxedcrfvtgbyhnujmikolp",
                                                "1q2w3e4r5t6y7u8i9o0p",
                                                "q1w2e3r4t5y6u7i8o9p0",
                                                "789456123",
                                                "147258369",
                                                "741852963",
                                                "159357",
                                                "753951"};
    if (lower.size() < 4) return false;
    for (std::string_view row : rows) {
        if (row.find(lower) != std::string_view::npos) return true;
        std::string rev(row.rbegin(), row.rend());
        if (rev.find(lower) != std::string::npos) return true;
    }
    return false;
}

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
    const std::string lower = lower_ascii(pin);
    return listed(lower, config.forbidden_pins) || all_same(pin) || is_run(pin) ||
           repeated_blocks(lower) || keyboard_walk(lower);
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
    // A space typed or pasted at either end would silently become part of the PIN.
    if (pin.front() == ' ' || pin.back() == ' ') {
        return Status(Error::pin_invalid, "PIN starts or ends with a space");
    }
    return {};
}

Status check_new_pin(const Config& config, std::string_view pin) {
    if (Status st = check_pin_format(config, pin); !st) return st;
    if (is_weak_pin(config, pin)) {
        return Status(Error::pin_invalid,
                      "PIN refused: it is a default/well-known PIN or password, or a trivial "
                      "pattern (repeated or sequential characters or blocks, a keyboard walk); "
                      "choose another");
    }
    return {};
}

}  // namespace gostcsp::keystore
