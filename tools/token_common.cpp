// SPDX-License-Identifier: Apache-2.0
// gostcsp-tool: PIN sources and prompts, token selection, login and refusals (token_common.hpp).
#include "token_common.hpp"

#include <fcntl.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace gostcsp::tool {

Bytes bool_attr(bool v) {
    return {static_cast<std::uint8_t>(v ? 1 : 0)};
}
// CK_ULONG in the host's representation, as the module reads it back.
Bytes ulong_attr(std::uint64_t v) {
    const unsigned long u = static_cast<unsigned long>(v);
    Bytes b(sizeof u);
    std::memcpy(b.data(), &u, sizeof u);
    return b;
}
Bytes text_attr(std::string_view s) {
    return {s.begin(), s.end()};
}
// DER OID of Streebog-256 (1.2.643.7.1.1.2.2) / Streebog-512 (1.2.643.7.1.1.2.3).
Bytes streebog_oid_der(unsigned bits) {
    return {0x06, 0x08, 0x2a, 0x85, 0x03,
            0x07, 0x01, 0x01, 0x02, static_cast<std::uint8_t>(bits == 256 ? 0x02 : 0x03)};
}

std::string hex(std::span<const std::uint8_t> b) {
    static const char digits[] = "0123456789abcdef";
    std::string s;
    for (auto x : b) {
        s += digits[x >> 4];
        s += digits[x & 15];
    }
    return s;
}

std::optional<Bytes> from_hex(std::string_view s) {
    if (s.size() % 2) return std::nullopt;
    Bytes out;
    auto nib = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (std::size_t i = 0; i < s.size(); i += 2) {
        const int hi = nib(s[i]), lo = nib(s[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
    }
    return out;
}

namespace {

void strip_newline(std::string& s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
}

// The terminal state to restore if a signal (Ctrl-C) arrives while echo is off.
volatile sig_atomic_t g_tty_fd = -1;
termios g_tty_saved{};

extern "C" void restore_tty_and_reraise(int sig) {
    if (g_tty_fd >= 0) ::tcsetattr(g_tty_fd, TCSAFLUSH, &g_tty_saved);  // async-signal-safe
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}

// Reads a line from /dev/tty with echo off. Returns false (and a reason) without a terminal.
bool prompt_no_echo(const std::string& prompt, Pin& out, std::string& error,
                    const std::string& no_tty) {
    const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        error = no_tty;
        return false;
    }
    termios old{};
    const bool is_tty = ::tcgetattr(fd, &old) == 0;
    struct sigaction restore {
    }, saved_int{}, saved_term{}, saved_hup{};
    if (is_tty) {
        g_tty_saved = old;
        g_tty_fd = fd;
        restore.sa_handler = restore_tty_and_reraise;
        ::sigemptyset(&restore.sa_mask);
        ::sigaction(SIGINT, &restore, &saved_int);
        ::sigaction(SIGTERM, &restore, &saved_term);
        ::sigaction(SIGHUP, &restore, &saved_hup);
        termios quiet = old;
        quiet.c_lflag &= static_cast<tcflag_t>(~(ECHO | ECHONL));
        quiet.c_lflag |= ICANON;
        ::tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    (void)!::write(fd, prompt.data(), prompt.size());
    char c;
    bool got_line = false;
    while (::read(fd, &c, 1) == 1) {
        if (c == '\n') {
            got_line = true;
            break;
        }
        if (out.str().size() < 1024) out.str().push_back(c);
    }
    if (is_tty) {
        ::tcsetattr(fd, TCSAFLUSH, &old);
        ::sigaction(SIGINT, &saved_int, nullptr);
        ::sigaction(SIGTERM, &saved_term, nullptr);
        ::sigaction(SIGHUP, &saved_hup, nullptr);
        g_tty_fd = -1;
    }
    (void)!::write(fd, "\n", 1);
    ::close(fd);
    c = 0;
    strip_newline(out.str());
    if (!got_line && out.view().empty()) {
        error = "no PIN entered";
        return false;
    }
    return true;
}

}  // namespace

bool read_pin(const PinSource& src, const std::string& what, bool confirm, Pin& out,
              std::string& error) {
    out.wipe();
    if (!src.file.empty()) {
        std::ifstream in(src.file, std::ios::binary);
        if (!in) {
            error = what + " file " + src.file + ": " + std::strerror(errno);
            return false;
        }
        std::getline(in, out.str());
        strip_newline(out.str());
        if (out.view().empty()) {
            error = what + " file " + src.file + " is empty";
            return false;
        }
        return true;
    }
    if (!src.env.empty()) {
        const char* v = std::getenv(src.env.c_str());
        if (!v || !*v) {
            error = "environment variable " + src.env + " (" + what + ") is not set";
            return false;
        }
        out.str().assign(v);
        return true;
    }
    // Name the options this command really has (init-token: --so-pin-file, --so-pin-env).
    const std::string no_tty = "no terminal to prompt for the " + what + "; give it with --" +
                               src.prefix + "pin-file FILE or --" + src.prefix + "pin-env VAR";
    if (!prompt_no_echo("Enter " + what + ": ", out, error, no_tty)) return false;
    if (confirm) {
        Pin again;
        if (!prompt_no_echo("Repeat " + what + ": ", again, error, no_tty)) return false;
        if (again.view() != out.view()) {
            error = "the two entries of the " + what + " differ";
            return false;
        }
    }
    return true;
}

void add_pin_options(CLI::App* cmd, PinSource& src, const std::string& prefix,
                     const std::string& what) {
    src.prefix = prefix;
    cmd->add_option("--" + prefix + "pin-file", src.file,
                    "read the " + what + " from the first line of this file");
    cmd->add_option("--" + prefix + "pin-env", src.env,
                    "read the " + what + " from this environment variable");
}

void add_common(CLI::App* cmd, Common& c, bool with_token) {
    if (with_token) {
        cmd->add_option("-t,--token", c.token,
                        "token to use: its file path, serial or label (default: the only token)");
    }
    cmd->add_option("--token-dir", c.token_dir,
                    "token directory (default: GOSTCSP_TOKEN_DIR, else token_dir in gostcsp.conf)");
}

[[noreturn]] void fail(std::string message) {
    throw Failure{std::move(message)};
}

// Hints that turn a keystore refusal into an instruction.
std::string explain(const ks::Status& st) {
    std::string msg(st.message());
    switch (st.error()) {
        case ks::Error::pin_expired:
            msg += " (run: gostcsp-tool change-pin)";
            break;
        case ks::Error::user_pin_not_initialized:
            msg += " (run: gostcsp-tool unblock, which lets the SO set the user PIN)";
            break;
        case ks::Error::pin_invalid:
        case ks::Error::pin_len_range:
            break;
        default:
            break;
    }
    return msg;
}

void check(const ks::Status& st, std::string_view what) {
    if (!st) fail(what.empty() ? explain(st) : std::string(what) + ": " + explain(st));
}

ks::Config config_for(const Common& c) {
    auto cfg = ks::load_config();
    if (!cfg) fail(std::string(cfg.status().message()));
    if (!c.token_dir.empty()) cfg->token_dir = c.token_dir;
    return std::move(cfg).value();
}

// Resolves --token: an existing path, or a serial / label among the tokens in the directory.
std::filesystem::path find_token(const ks::Config& cfg, const std::string& spec) {
    std::error_code ec;
    if (!spec.empty() && (spec.find('/') != std::string::npos) &&
        std::filesystem::exists(spec, ec)) {
        return spec;
    }
    auto files = take(ks::list_token_files(cfg), "listing tokens");
    std::vector<std::filesystem::path> matches;
    for (const auto& f : files) {
        if (spec.empty()) {
            matches.push_back(f);
            continue;
        }
        if (f.filename() == spec || f.stem() == spec) {
            matches.push_back(f);
            continue;
        }
        auto t = ks::Token::open(cfg, f);
        if (!t) continue;
        auto info = (*t)->info();
        if (info && (info->serial == spec || info->label == spec)) matches.push_back(f);
    }
    if (matches.empty()) {
        fail(spec.empty()
                 ? "no token in " + cfg.token_dir.string() + " (run: gostcsp-tool init-token)"
                 : "no token matches '" + spec + "' in " + cfg.token_dir.string());
    }
    if (matches.size() > 1) {
        fail(spec.empty()
                 ? "several tokens in " + cfg.token_dir.string() + "; choose one with --token"
                 : "several tokens match '" + spec +
                       "' (duplicate labels); choose one by its serial (gostcsp-tool list-tokens)");
    }
    return matches.front();
}

std::unique_ptr<ks::Token> open_token(const ks::Config& cfg, const std::filesystem::path& p) {
    return take(ks::Token::open(cfg, p), p.string());
}

// Logs in; reports a default PIN that must be changed on stderr.
void login(ks::Token& t, ks::UserType who, const PinSource& src) {
    const std::string what = who == ks::UserType::so ? "SO PIN" : "user PIN";
    Pin pin;
    std::string error;
    if (!read_pin(src, what, false, pin, error)) fail(error);
    auto li = t.login(who, pin.view());
    pin.wipe();
    if (!li) fail("login: " + explain(li.status()));
    if (li->must_change) {
        std::cerr << "gostcsp-tool: warning: the " << what
                  << " must be changed: it is a default PIN or one the SO set (gostcsp-tool change-pin"
                  << (who == ks::UserType::so ? " --so" : "") << ")\n";
    }
    // Either PIN unwraps the data key: a factory SO PIN exposes the user's keys too.
    if (who == ks::UserType::user) {
        auto info = t.info();
        if (info && info->so.must_change) {
            std::cerr
                << "gostcsp-tool: warning: the SO PIN is still a factory default; anyone with "
                   "the token file can decrypt its keys with it (gostcsp-tool change-pin --so)\n";
        }
    }
}

std::string flags_of(const ks::TokenInfo& i) {
    std::string f;
    auto add = [&](bool on, const char* name) {
        if (on) f += std::string(f.empty() ? "" : " ") + name;
    };
    add(i.initialized, "TOKEN_INITIALIZED");
    add(i.user.initialized, "USER_PIN_INITIALIZED");
    add(i.user.count_low(), "USER_PIN_COUNT_LOW");
    add(i.user.final_try(), "USER_PIN_FINAL_TRY");
    add(i.user.locked(), "USER_PIN_LOCKED");
    add(i.user.must_change, "USER_PIN_TO_BE_CHANGED");
    add(i.so.count_low(), "SO_PIN_COUNT_LOW");
    add(i.so.final_try(), "SO_PIN_FINAL_TRY");
    add(i.so.locked(), "SO_PIN_LOCKED");
    add(i.so.must_change, "SO_PIN_TO_BE_CHANGED");
    return f.empty() ? "-" : f;
}

std::string pin_line(const ks::PinState& p) {
    if (!p.initialized) return "not set";
    std::ostringstream s;
    s << p.failed << " failed of " << p.max_retries << " allowed, " << p.tries_left()
      << (p.tries_left() == 1 ? " try left" : " tries left");
    if (p.locked()) s << " (LOCKED)";
    if (p.must_change) s << " (must be changed: a default PIN or one the SO set)";
    return s.str();
}

const Bytes* attr(const ks::Object& o, std::uint64_t type) {
    for (const auto& a : o.attributes)
        if (a.type == type) return &a.value;
    return nullptr;
}

std::string attr_text(const ks::Object& o, std::uint64_t type) {
    const Bytes* v = attr(o, type);
    return v ? std::string(v->begin(), v->end()) : std::string();
}

bool attr_true(const ks::Object& o, std::uint64_t type) {
    const Bytes* v = attr(o, type);
    return v && !v->empty() && (*v)[0] != 0;
}

std::string class_name(std::uint64_t c) {
    switch (c) {
        case ks::cko_data:
            return "data";
        case ks::cko_certificate:
            return "certificate";
        case ks::cko_public_key:
            return "public-key";
        case ks::cko_private_key:
            return "private-key";
        case ks::cko_secret_key:
            return "secret-key";
        default:
            return "class-0x" + hex(ulong_attr(c));
    }
}

std::vector<ks::TokenInfo> initialised_tokens(const ks::Config& cfg) {
    std::vector<ks::TokenInfo> out;
    auto files = ks::list_token_files(cfg);
    if (!files) return out;
    for (const auto& f : *files) {
        auto t = ks::Token::open(cfg, f);
        if (!t) continue;
        auto info = (*t)->info();
        if (info && info->initialized) out.push_back(std::move(*info));
    }
    return out;
}

void refuse_factory_pins(const ks::Config& cfg, ks::Token& t, std::string_view action) {
    auto info = take(t.info(), "reading the token");
    std::string which;
    if (info.so.must_change) which = "SO PIN";
    if (info.user.must_change) which += which.empty() ? "user PIN" : " and the user PIN";
    if (which.empty()) return;
    if (cfg.allow_factory_pins) {
        std::cerr << "gostcsp-tool: warning: " << action << " under a factory/default " << which
                  << " (allow_factory_pins = true in " << cfg.source.string() << ")\n";
        return;
    }
    fail("refusing " + std::string(action) + ": the " + which +
         " of this token is still a factory/default PIN (change both first: gostcsp-tool "
         "change-pin --so, gostcsp-tool change-pin; a provisioning line may set "
         "allow_factory_pins = true in gostcsp.conf)");
}

void confirm(const std::string& what, bool yes) {
    if (yes) return;
    const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) fail(what + ": not confirmed (no terminal to ask; add --yes to go ahead)");
    const std::string q = "gostcsp-tool: " + what + ". Continue? [y/N] ";
    (void)!::write(fd, q.data(), q.size());
    std::string answer;
    char c;
    while (::read(fd, &c, 1) == 1 && c != '\n')
        if (answer.size() < 16) answer.push_back(c);
    ::close(fd);
    strip_newline(answer);
    if (answer != "y" && answer != "Y" && answer != "yes" && answer != "YES")
        fail(what + ": cancelled, nothing was changed");
}

}  // namespace gostcsp::tool
