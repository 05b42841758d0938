// SPDX-License-Identifier: Apache-2.0
// What gostcsp-tool's token commands share: PIN sources and prompts, token selection, login,
// refusals (Failure), confirmation of destructive steps, and the PKCS#11 attribute numbers the
// tool writes so that its objects look exactly like ones created through the module.
//
// PINs never appear on the command line (argv is visible to every user through /proc). Each PIN
// comes from a no-echo prompt on /dev/tty, from the first line of a file (--*pin-file), or from a
// named environment variable (--*pin-env VAR) for scripts. PINs are never printed or logged, and
// are wiped from memory after use.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "gostcsp/keystore/keystore.hpp"
#include "gostcsp/secure.hpp"

namespace gostcsp::tool {

namespace ks = gostcsp::keystore;
using Bytes = std::vector<std::uint8_t>;

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

Bytes bool_attr(bool v);
Bytes ulong_attr(std::uint64_t v);  // CK_ULONG in the host's representation
Bytes text_attr(std::string_view s);
Bytes streebog_oid_der(unsigned bits);  // DER OID of Streebog-256 / -512
std::string hex(std::span<const std::uint8_t> b);
std::optional<Bytes> from_hex(std::string_view s);
// The attribute's bytes in `o`, or nullptr.
const Bytes* attr(const ks::Object& o, std::uint64_t type);
std::string attr_text(const ks::Object& o, std::uint64_t type);  // "" when absent
bool attr_true(const ks::Object& o, std::uint64_t type);

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

// Where one PIN comes from; `prefix` names the command's options ("--so-pin-file") in messages.
struct PinSource {
    std::string file;
    std::string env;
    std::string prefix;
};

// Fills `out` from the source, or prompts. `what` names the PIN in prompts and messages.
bool read_pin(const PinSource& src, const std::string& what, bool confirm, Pin& out,
              std::string& error);
void add_pin_options(CLI::App* cmd, PinSource& src, const std::string& prefix,
                     const std::string& what);

// Options every token command shares.
struct Common {
    std::string token;      // path, serial or label
    std::string token_dir;  // overrides the configuration
};
void add_common(CLI::App* cmd, Common& c, bool with_token = true);

// A refusal or failure, reported once on stderr; the command's exit status becomes 1.
struct Failure {
    std::string message;
};
[[noreturn]] void fail(std::string message);

std::string explain(const ks::Status& st);  // a keystore refusal as an instruction
void check(const ks::Status& st, std::string_view what = {});
template <class T>
T take(ks::Result<T>&& r, std::string_view what) {
    if (!r) fail(std::string(what) + ": " + explain(r.status()));
    return std::move(r).value();
}

ks::Config config_for(const Common& c);
// Resolves --token: an existing path, or a serial / label among the tokens in the directory.
std::filesystem::path find_token(const ks::Config& cfg, const std::string& spec);
std::unique_ptr<ks::Token> open_token(const ks::Config& cfg, const std::filesystem::path& p);
// The initialised tokens of the directory with their info (unreadable ones skipped).
std::vector<ks::TokenInfo> initialised_tokens(const ks::Config& cfg);
// Logs in; reports a default PIN that must be changed on stderr.
void login(ks::Token& t, ks::UserType who, const PinSource& src);
// keygen / import-cert: refused while either PIN is a factory/default one (docs/keystore.md
// says to replace both first), unless gostcsp.conf sets allow_factory_pins = true.
void refuse_factory_pins(const ks::Config& cfg, ks::Token& t, std::string_view action);
// Destructive steps: `--yes` goes ahead; otherwise the question is asked on /dev/tty, and
// without a terminal the step is refused (a script must say --yes).
void confirm(const std::string& what, bool yes);

std::string flags_of(const ks::TokenInfo& i);
std::string pin_line(const ks::PinState& p);
std::string class_name(std::uint64_t c);

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

}  // namespace gostcsp::tool
