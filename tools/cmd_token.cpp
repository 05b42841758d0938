// SPDX-License-Identifier: Apache-2.0
// `gostcsp-tool` soft-token administration: init-token, change-pin, unblock, list-tokens,
// list-objects, keygen, delete-object, import-cert (over gostcsp::keystore).
//
// PINs never appear on the command line (argv is visible to every user through /proc). Each PIN
// comes from a no-echo prompt on /dev/tty, from the first line of a file (--*pin-file), or from a
// named environment variable (--*pin-env VAR) for scripts. PINs are never printed or logged, and
// are wiped from memory after use.
#include <fcntl.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "gostcsp/keystore/keystore.hpp"
#include "gostcsp/params.hpp"
#include "gostcsp/secure.hpp"

namespace gostcsp::tool {
namespace {

namespace ks = gostcsp::keystore;

// PKCS#11 attribute numbers and values the tool writes, so that keys and certificates it creates
// look to the PKCS#11 module exactly like ones created through C_GenerateKeyPair / C_CreateObject.
constexpr std::uint64_t cka_label = 0x3;
constexpr std::uint64_t cka_certificate_type = 0x80;
constexpr std::uint64_t cka_issuer = 0x81;
constexpr std::uint64_t cka_serial_number = 0x82;
constexpr std::uint64_t cka_trusted = 0x86;
constexpr std::uint64_t cka_certificate_category = 0x87;
constexpr std::uint64_t cka_java_midp_security_domain = 0x88;
constexpr std::uint64_t cka_url = 0x89;
constexpr std::uint64_t cka_hash_of_subject_public_key = 0x8A;
constexpr std::uint64_t cka_hash_of_issuer_public_key = 0x8B;
constexpr std::uint64_t cka_check_value = 0x90;
constexpr std::uint64_t cka_public_key_info = 0x129;
constexpr std::uint64_t cka_always_authenticate = 0x202;
constexpr std::uint64_t cka_wrap_with_trusted = 0x210;
constexpr std::uint64_t cka_allowed_mechanisms = 0x40000600;  // CKF_ARRAY_ATTRIBUTE | 0x600
constexpr std::uint64_t cka_subject = 0x101;
constexpr std::uint64_t cka_id = 0x102;
constexpr std::uint64_t cka_encrypt = 0x104;
constexpr std::uint64_t cka_decrypt = 0x105;
constexpr std::uint64_t cka_wrap = 0x106;
constexpr std::uint64_t cka_unwrap = 0x107;
constexpr std::uint64_t cka_sign = 0x108;
constexpr std::uint64_t cka_sign_recover = 0x109;
constexpr std::uint64_t cka_verify = 0x10A;
constexpr std::uint64_t cka_verify_recover = 0x10B;
constexpr std::uint64_t cka_derive = 0x10C;
constexpr std::uint64_t cka_start_date = 0x110;
constexpr std::uint64_t cka_end_date = 0x111;
constexpr std::uint64_t cka_local = 0x163;
constexpr std::uint64_t cka_key_gen_mechanism = 0x166;
constexpr std::uint64_t cka_modifiable = 0x170;
constexpr std::uint64_t cka_copyable = 0x171;
constexpr std::uint64_t cka_destroyable = 0x172;
constexpr std::uint64_t cka_gostr3411_params = 0x251;
constexpr std::uint64_t ckm_gostr3410_key_pair_gen = 0x1200;
constexpr std::uint64_t ckm_gostr3410_512_key_pair_gen = 0xD4321005;
constexpr std::uint64_t ckc_x_509 = 0;

using Bytes = std::vector<std::uint8_t>;

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

// A PIN in a std::string that is wiped when it goes out of scope.
class Pin {
  public:
    Pin() { value_.reserve(256); }  // no reallocation (and stray copies) for normal PINs
    Pin(const Pin&) = delete;
    Pin& operator=(const Pin&) = delete;
    ~Pin() { wipe(); }
    std::string& str() { return value_; }
    std::string_view view() const { return value_; }
    void wipe() {
        if (!value_.empty()) core::secure_zero(value_.data(), value_.size());
        value_.clear();
    }

  private:
    std::string value_;
};

// Where one PIN comes from.
struct PinSource {
    std::string file;
    std::string env;
};

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
bool prompt_no_echo(const std::string& prompt, Pin& out, std::string& error) {
    const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        error = "no terminal to prompt for the PIN; use --pin-file or --pin-env";
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

// Fills `out` from the source, or prompts. `what` names the PIN in prompts and messages.
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
    if (!prompt_no_echo("Enter " + what + ": ", out, error)) return false;
    if (confirm) {
        Pin again;
        if (!prompt_no_echo("Repeat " + what + ": ", again, error)) return false;
        if (again.view() != out.view()) {
            error = "the two entries of the " + what + " differ";
            return false;
        }
    }
    return true;
}

void add_pin_options(CLI::App* cmd, PinSource& src, const std::string& prefix,
                     const std::string& what) {
    cmd->add_option("--" + prefix + "pin-file", src.file,
                    "read the " + what + " from the first line of this file");
    cmd->add_option("--" + prefix + "pin-env", src.env,
                    "read the " + what + " from this environment variable");
}

// Options every token command shares.
struct Common {
    std::string token;      // path, serial or label
    std::string token_dir;  // overrides the configuration
};

void add_common(CLI::App* cmd, Common& c, bool with_token = true) {
    if (with_token) {
        cmd->add_option("-t,--token", c.token,
                        "token to use: its file path, serial or label (default: the only token)");
    }
    cmd->add_option("--token-dir", c.token_dir,
                    "token directory (default: GOSTCSP_TOKEN_DIR, else token_dir in gostcsp.conf)");
}

// A refusal or failure, reported once on stderr; the command's exit status becomes 1.
struct Failure {
    std::string message;
};

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

void check(const ks::Status& st, std::string_view what = {}) {
    if (!st) fail(what.empty() ? explain(st) : std::string(what) + ": " + explain(st));
}

template <class T>
T take(ks::Result<T>&& r, std::string_view what) {
    if (!r) fail(std::string(what) + ": " + explain(r.status()));
    return std::move(r).value();
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
                 : "several tokens match '" + spec + "'; use the serial or the path");
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
                  << " is a default PIN and must be changed (gostcsp-tool change-pin"
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
    if (p.must_change) s << " (default PIN, must be changed)";
    return s.str();
}

// Runs a command body, turning a Failure into one stderr line and exit status 1.
template <class F>
void guarded(const char* name, ToolContext& ctx, F body) {
    try {
        body();
    } catch (const Failure& f) {
        std::cout.flush();
        std::cerr << "gostcsp-tool " << name << ": " << f.message << '\n';
        ctx.fail(1);
    }
}

// ---- commands ----------------------------------------------------------------------------------

struct InitOptions {
    Common common;
    std::string label;
    PinSource so;
};

void run_init(const InitOptions& o) {
    const auto cfg = config_for(o.common);
    std::filesystem::path path;
    if (!o.common.token.empty()) {
        path = find_token(cfg, o.common.token);
        std::cerr << "gostcsp-tool: re-initialising " << path.string()
                  << ": every object on it will be destroyed\n";
    } else {
        path = take(ks::new_token_path(cfg), "choosing a token file");
    }
    Pin pin;
    std::string error;
    if (!read_pin(o.so, "SO PIN", o.common.token.empty(), pin, error)) fail(error);
    check(ks::init_token(cfg, path, pin.view(), o.label));
    const bool weak = ks::is_weak_pin(cfg, pin.view());
    pin.wipe();
    auto t = open_token(cfg, path);
    auto info = take(t->info(), "reading the token");
    std::cout << "initialised token '" << info.label << "' serial " << info.serial << " at "
              << path.string() << '\n';
    if (weak) {
        std::cout << "note: the SO PIN is a default PIN; it must be changed "
                     "(gostcsp-tool change-pin --so)\n";
    }
    std::cout << "next: set the user PIN with gostcsp-tool unblock --token " << info.serial << '\n';
}

struct ChangePinOptions {
    Common common;
    bool so = false;
    PinSource old_pin;
    PinSource new_pin;
};

void run_change_pin(const ChangePinOptions& o) {
    const auto cfg = config_for(o.common);
    auto t = open_token(cfg, find_token(cfg, o.common.token));
    const auto who = o.so ? ks::UserType::so : ks::UserType::user;
    const std::string what = o.so ? "SO PIN" : "user PIN";
    Pin old_pin, new_pin;
    std::string error;
    if (!read_pin(o.old_pin, "current " + what, false, old_pin, error)) fail(error);
    if (!read_pin(o.new_pin, "new " + what, true, new_pin, error)) fail(error);
    check(t->set_pin(who, old_pin.view(), new_pin.view()));
    std::cout << what << " changed\n";
}

struct UnblockOptions {
    Common common;
    PinSource so;
    PinSource new_pin;
};

void run_unblock(const UnblockOptions& o) {
    const auto cfg = config_for(o.common);
    auto t = open_token(cfg, find_token(cfg, o.common.token));
    login(*t, ks::UserType::so, o.so);
    Pin pin;
    std::string error;
    if (!read_pin(o.new_pin, "new user PIN", true, pin, error)) fail(error);
    const bool weak = ks::is_weak_pin(cfg, pin.view());
    check(t->init_user_pin(pin.view()));
    pin.wipe();
    t->logout();
    std::cout << "user PIN set; retry counter reset\n";
    if (weak) {
        std::cout << "note: it is a default PIN: the user must change it (gostcsp-tool change-pin) "
                     "before keys can be used\n";
    }
}

void run_list_tokens(const Common& c) {
    const auto cfg = config_for(c);
    auto files = take(ks::list_token_files(cfg), "listing tokens");
    if (files.empty()) {
        std::cout << "no tokens in " << cfg.token_dir.string() << '\n';
        return;
    }
    bool first = true;
    for (const auto& f : files) {
        if (!first) std::cout << '\n';
        first = false;
        std::cout << "token " << f.string() << '\n';
        auto t = ks::Token::open(cfg, f);
        if (!t) {
            std::cout << "  error:    " << t.status().message() << '\n';
            continue;
        }
        auto i = (*t)->info();
        if (!i) {
            std::cout << "  error:    " << i.status().message() << '\n';
            continue;
        }
        if (!i->initialized) {
            std::cout << "  (not initialised)\n";
            continue;
        }
        std::cout << "  label:    " << i->label << '\n'
                  << "  serial:   " << i->serial << '\n'
                  << "  model:    " << i->manufacturer << ' ' << i->model << '\n'
                  << "  flags:    " << flags_of(*i) << '\n'
                  << "  user PIN: " << pin_line(i->user) << '\n'
                  << "  SO PIN:   " << pin_line(i->so) << '\n'
                  << "  objects:  " << i->public_objects << " public, " << i->private_objects
                  << " private\n";
        if (i->test_token) {
            std::cout << "  warning:  TEST TOKEN: a PIN wrap uses fewer than "
                      << ks::min_kdf_iterations << " KDF iterations; not for real keys\n";
        }
    }
}

struct ListObjectsOptions {
    Common common;
    bool login = false;
    PinSource pin;
};

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

const Bytes* attr(const ks::Object& o, std::uint64_t type) {
    for (const auto& a : o.attributes)
        if (a.type == type) return &a.value;
    return nullptr;
}

void run_list_objects(const ListObjectsOptions& o) {
    const auto cfg = config_for(o.common);
    auto t = open_token(cfg, find_token(cfg, o.common.token));
    if (o.login) login(*t, ks::UserType::user, o.pin);
    auto handles = take(t->find_objects(), "listing objects");
    if (handles.empty()) {
        std::cout << (o.login ? "no objects\n"
                              : "no public objects (add --login to see private ones)\n");
        return;
    }
    for (auto h : handles) {
        auto obj = take(t->read_object(h), "object " + std::to_string(h));
        std::cout << "object " << h << ": " << class_name(obj.object_class);
        if (obj.param_set) {
            const auto& info = core::param_set_info(*obj.param_set);
            std::cout << " GOST R 34.10-2012 " << info.bits << " " << info.name;
        }
        std::cout << '\n';
        if (const Bytes* l = attr(obj, cka_label)) {
            std::cout << "  label:  " << std::string(l->begin(), l->end()) << '\n';
        }
        if (const Bytes* id = attr(obj, cka_id); id && !id->empty()) {
            std::cout << "  id:     " << hex(*id) << '\n';
        }
        std::string flags = obj.is_private ? "private" : "public";
        if (obj.object_class == ks::cko_private_key || obj.object_class == ks::cko_secret_key) {
            flags += obj.sensitive ? " sensitive" : " NOT-sensitive";
            flags += obj.extractable ? " extractable" : " non-extractable";
            if (obj.always_sensitive) flags += " always-sensitive";
            if (obj.never_extractable) flags += " never-extractable";
        }
        std::cout << "  flags:  " << flags << '\n';
        if (!obj.public_key.empty()) {
            std::cout << "  public: " << hex(obj.public_key).substr(0, 32) << "… ("
                      << obj.public_key.size() << " bytes, X‖Y little-endian)\n";
        }
    }
    if (!o.login) std::cout << "(private objects are listed only with --login)\n";
}

struct KeygenOptions {
    Common common;
    unsigned bits = 256;
    std::string param_set = "A";
    std::string label;
    std::string id;
    PinSource pin;
};

core::ParamSet parse_param_set(unsigned bits, const std::string& name) {
    // Short names: tc26 A–D (256) / A–C (512), "test" for the standards' example sets.
    static const std::pair<const char*, core::ParamSet> short256[] = {
        {"A", core::ParamSet::tc26_256_a},
        {"B", core::ParamSet::tc26_256_b},
        {"C", core::ParamSet::tc26_256_c},
        {"D", core::ParamSet::tc26_256_d},
        {"test", core::ParamSet::gost2001_test}};
    static const std::pair<const char*, core::ParamSet> short512[] = {
        {"A", core::ParamSet::tc26_512_a},
        {"B", core::ParamSet::tc26_512_b},
        {"C", core::ParamSet::tc26_512_c},
        {"test", core::ParamSet::tc26_512_test}};
    if (bits == 256) {
        for (const auto& [n, s] : short256)
            if (name == n) return s;
    } else {
        for (const auto& [n, s] : short512)
            if (name == n) return s;
    }
    auto set = core::param_set_from_name(name);
    if (!set) set = core::param_set_from_oid(name);
    if (!set) fail("unknown parameter set '" + name + "'");
    if (core::param_set_info(*set).bits != bits) {
        fail("parameter set '" + name + "' is not a " + std::to_string(bits) + "-bit set");
    }
    return *set;
}

void run_keygen(const KeygenOptions& o) {
    const auto set = parse_param_set(o.bits, o.param_set);
    Bytes id;
    if (!o.id.empty()) {
        auto parsed = from_hex(o.id);
        if (!parsed) fail("--id must be hex digits, e.g. 01a2");
        id = *parsed;
    }
    const auto cfg = config_for(o.common);
    auto t = open_token(cfg, find_token(cfg, o.common.token));
    login(*t, ks::UserType::user, o.pin);
    const unsigned bits = core::param_set_info(set).bits;
    ks::Object pub, priv;
    pub.is_private = false;
    priv.is_private = true;
    priv.sensitive = true;
    priv.extractable = false;
    // The attributes C_GenerateKeyPair would give the pair, so the PKCS#11 module serves it.
    for (ks::Object* k : {&pub, &priv}) {
        k->is_token = true;
        k->attributes = {
            {cka_label, text_attr(o.label)},
            {cka_id, id},
            {cka_subject, {}},
            {cka_start_date, {}},
            {cka_end_date, {}},
            {cka_derive, bool_attr(true)},
            {cka_local, bool_attr(true)},
            {cka_key_gen_mechanism,
             ulong_attr(bits == 256 ? ckm_gostr3410_key_pair_gen : ckm_gostr3410_512_key_pair_gen)},
            {cka_modifiable, bool_attr(true)},
            {cka_copyable, bool_attr(true)},
            {cka_destroyable, bool_attr(true)},
            {cka_gostr3411_params, streebog_oid_der(bits)},
            {cka_allowed_mechanisms, {}},
            {cka_public_key_info, {}},
        };
    }
    using Flag = std::pair<std::uint64_t, bool>;
    for (const Flag& f : {Flag{cka_verify, true}, Flag{cka_encrypt, false}, Flag{cka_wrap, false},
                          Flag{cka_verify_recover, false}, Flag{cka_trusted, false}}) {
        pub.attributes.push_back({f.first, bool_attr(f.second)});
    }
    for (const Flag& f : {Flag{cka_sign, true}, Flag{cka_decrypt, false}, Flag{cka_unwrap, false},
                          Flag{cka_sign_recover, false}, Flag{cka_wrap_with_trusted, false},
                          Flag{cka_always_authenticate, false}}) {
        priv.attributes.push_back({f.first, bool_attr(f.second)});
    }
    auto kp = take(t->generate_key_pair(set, pub, priv), "key generation");
    auto pub_obj = take(t->read_object(kp.public_key), "reading the new public key");
    std::cout << "generated GOST R 34.10-2012 " << bits << "-bit key pair ("
              << core::param_set_info(set).name << ")\n"
              << "  private key: object " << kp.private_key << " (sensitive, non-extractable)\n"
              << "  public key:  object " << kp.public_key << '\n'
              << "  public X‖Y (little-endian): " << hex(pub_obj.public_key) << '\n';
}

struct DeleteOptions {
    Common common;
    std::vector<ks::ObjectHandle> handles;
    PinSource pin;
};

void run_delete(const DeleteOptions& o) {
    const auto cfg = config_for(o.common);
    auto t = open_token(cfg, find_token(cfg, o.common.token));
    login(*t, ks::UserType::user, o.pin);
    for (auto h : o.handles) {
        auto obj = take(t->read_object(h), "object " + std::to_string(h));
        check(t->destroy_object(h), "object " + std::to_string(h));
        std::cout << "deleted object " << h << " (" << class_name(obj.object_class) << ")\n";
    }
}

struct ImportCertOptions {
    Common common;
    std::string file;
    std::string label;
    std::string id;
    PinSource pin;
};

// DER of an OpenSSL object through its i2d_* function.
template <class T, class F>
Bytes der_of(F i2d, T* obj) {
    unsigned char* p = nullptr;
    const int n = i2d(obj, &p);
    if (n <= 0) return {};
    Bytes b(p, p + n);
    OPENSSL_free(p);
    return b;
}

void run_import_cert(const ImportCertOptions& o) {
    Bytes id;
    if (!o.id.empty()) {
        auto parsed = from_hex(o.id);
        if (!parsed) fail("--id must be hex digits, e.g. 01a2");
        id = *parsed;
    }
    std::ifstream in(o.file, std::ios::binary);
    if (!in) fail(o.file + ": " + std::strerror(errno));
    const std::string raw((std::istreambuf_iterator<char>(in)), {});
    // PEM or DER; the certificate is parsed only to fill the PKCS#11 search attributes.
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(raw.data(), static_cast<int>(raw.size())), &BIO_free);
    X509* parsed = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (!parsed) {
        const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
        parsed = d2i_X509(nullptr, &p, static_cast<long>(raw.size()));
    }
    if (!parsed) fail(o.file + ": not an X.509 certificate (PEM or DER)");
    std::unique_ptr<X509, decltype(&X509_free)> cert(parsed, &X509_free);
    const Bytes der = der_of(i2d_X509, cert.get());
    const Bytes subject = der_of(i2d_X509_NAME, X509_get_subject_name(cert.get()));
    const Bytes issuer = der_of(i2d_X509_NAME, X509_get_issuer_name(cert.get()));
    const Bytes serial = der_of(i2d_ASN1_INTEGER, X509_get0_serialNumber(cert.get()));
    if (der.empty() || subject.empty()) fail(o.file + ": cannot re-encode the certificate");

    const auto cfg = config_for(o.common);
    auto t = open_token(cfg, find_token(cfg, o.common.token));
    login(*t, ks::UserType::user, o.pin);
    ks::Object c;
    c.object_class = ks::cko_certificate;
    c.is_token = true;
    c.is_private = false;
    c.attributes = {
        {cka_label, text_attr(o.label)},
        {cka_id, id},
        {cka_certificate_type, ulong_attr(ckc_x_509)},
        {ks::cka_value, der},
        {cka_subject, subject},
        {cka_issuer, issuer},
        {cka_serial_number, serial},
        {cka_trusted, bool_attr(false)},
        {cka_certificate_category, ulong_attr(0)},
        {cka_modifiable, bool_attr(true)},
        {cka_copyable, bool_attr(true)},
        {cka_destroyable, bool_attr(true)},
        {cka_start_date, {}},
        {cka_end_date, {}},
        {cka_check_value, {}},
        {cka_url, {}},
        {cka_hash_of_subject_public_key, {}},
        {cka_hash_of_issuer_public_key, {}},
        {cka_java_midp_security_domain, ulong_attr(0)},
        {cka_public_key_info, {}},
    };
    auto h = take(t->create_object(c), "storing the certificate");
    std::cout << "imported certificate as object " << h << " (" << der.size() << " bytes DER)\n";
}

}  // namespace

void register_token_commands(CLI::App& app, ToolContext& ctx) {
    {
        auto o = std::make_shared<InitOptions>();
        auto* cmd = app.add_subcommand(
            "init-token",
            "create a new soft token (or, with --token, re-initialise one: destroys its objects)");
        add_common(cmd, o->common);
        cmd->add_option("-l,--label", o->label, "token label (at most 32 bytes)")->required();
        add_pin_options(cmd, o->so, "so-", "SO PIN");
        cmd->callback([o, &ctx] { guarded("init-token", ctx, [&] { run_init(*o); }); });
    }
    {
        auto o = std::make_shared<ChangePinOptions>();
        auto* cmd =
            app.add_subcommand("change-pin", "change the user PIN (or with --so the SO PIN)");
        add_common(cmd, o->common);
        cmd->add_flag("--so", o->so, "change the SO PIN instead of the user PIN");
        add_pin_options(cmd, o->old_pin, "", "current PIN");
        add_pin_options(cmd, o->new_pin, "new-", "new PIN");
        cmd->callback([o, &ctx] { guarded("change-pin", ctx, [&] { run_change_pin(*o); }); });
    }
    {
        auto o = std::make_shared<UnblockOptions>();
        auto* cmd = app.add_subcommand(
            "unblock", "the SO sets a new user PIN (first PIN, or unblocking a locked one)");
        add_common(cmd, o->common);
        add_pin_options(cmd, o->so, "so-", "SO PIN");
        add_pin_options(cmd, o->new_pin, "new-", "new user PIN");
        cmd->callback([o, &ctx] { guarded("unblock", ctx, [&] { run_unblock(*o); }); });
    }
    {
        auto o = std::make_shared<Common>();
        auto* cmd = app.add_subcommand("list-tokens",
                                       "list soft tokens: label, serial, flags, retry counters");
        add_common(cmd, *o, false);
        cmd->callback([o, &ctx] { guarded("list-tokens", ctx, [&] { run_list_tokens(*o); }); });
    }
    {
        auto o = std::make_shared<ListObjectsOptions>();
        auto* cmd = app.add_subcommand(
            "list-objects", "list a token's objects (public ones; private ones with --login)");
        add_common(cmd, o->common);
        cmd->add_flag("--login", o->login, "log in as the user to list private objects too");
        add_pin_options(cmd, o->pin, "", "user PIN");
        cmd->callback([o, &ctx] { guarded("list-objects", ctx, [&] { run_list_objects(*o); }); });
    }
    {
        auto o = std::make_shared<KeygenOptions>();
        auto* cmd = app.add_subcommand(
            "keygen", "generate a GOST R 34.10-2012 key pair inside the token (non-exportable)");
        add_common(cmd, o->common);
        cmd->add_option("-b,--bits", o->bits, "key size: 256 (default) or 512")
            ->check(CLI::IsMember({256u, 512u}));
        cmd->add_option("-p,--param-set", o->param_set,
                        "parameter set: A (default), B, C, D (256) / A, B, C (512), test, or a "
                        "full name / OID");
        cmd->add_option("-l,--label", o->label, "CKA_LABEL of both halves");
        cmd->add_option("--id", o->id, "CKA_ID of both halves, hex");
        add_pin_options(cmd, o->pin, "", "user PIN");
        cmd->callback([o, &ctx] { guarded("keygen", ctx, [&] { run_keygen(*o); }); });
    }
    {
        auto o = std::make_shared<DeleteOptions>();
        auto* cmd =
            app.add_subcommand("delete-object", "destroy objects by number (see list-objects)");
        add_common(cmd, o->common);
        cmd->add_option("objects", o->handles, "object numbers")->required();
        add_pin_options(cmd, o->pin, "", "user PIN");
        cmd->callback([o, &ctx] { guarded("delete-object", ctx, [&] { run_delete(*o); }); });
    }
    {
        auto o = std::make_shared<ImportCertOptions>();
        auto* cmd = app.add_subcommand("import-cert", "store an X.509 certificate (PEM or DER)");
        add_common(cmd, o->common);
        cmd->add_option("file", o->file, "certificate file")->required();
        cmd->add_option("-l,--label", o->label, "CKA_LABEL");
        cmd->add_option("--id", o->id, "CKA_ID, hex (use the key's id to pair them)");
        add_pin_options(cmd, o->pin, "", "user PIN");
        cmd->callback([o, &ctx] { guarded("import-cert", ctx, [&] { run_import_cert(*o); }); });
    }
}

}  // namespace gostcsp::tool
